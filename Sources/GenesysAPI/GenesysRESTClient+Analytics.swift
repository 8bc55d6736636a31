import Foundation
import SwitchboardCore

extension GenesysRESTClient {
    /// `POST /api/v2/analytics/queues/observations/query` for `queues` (platform ids): current
    /// waiting, interacting and member routing statuses.
    public func queueObservations(queues: [String]) async throws -> [UInt8] {
        let predicates = queues.map { #"{"dimension":"queueId","value":"\#($0)"}"# }.joined(separator: ",")
        let body = #"{"filter":{"type":"or","predicates":[\#(predicates)]},"#
            + #""metrics":["oWaiting","oInteracting","oAlerting","oOnQueueUsers","oUserRoutingStatuses","oLongestWaiting"],"#
            + #""detailMetrics":["oWaiting"]}"#
        return try await send(.POST, "/api/v2/analytics/queues/observations/query", json: Array(body.utf8)).body
    }

    /// `POST /api/v2/analytics/users/aggregates/query`: today's time in each routing status and system
    /// presence for `users`, in 30-minute buckets, from local midnight to `asOf` in `timeZone`.
    public func usersAggregates(users: [String], dayStart: EpochMillis, asOf: EpochMillis,
                                timeZone: TimeZone) async throws -> [UInt8] {
        let predicates = users.map { #"{"dimension":"userId","value":"\#($0)"}"# }.joined(separator: ",")
        // The platform rejects an empty interval; give it at least a second.
        let end = max(asOf, dayStart + 1000)
        let interval = "\(Timestamp.format(dayStart))/\(Timestamp.format(end))"
        let body = #"{"interval":"\#(interval)","granularity":"PT30M","timeZone":"\#(timeZone.identifier)","#
            + #""groupBy":["userId"],"filter":{"type":"or","predicates":[\#(predicates)]},"#
            + #""metrics":["tAgentRoutingStatus","tSystemPresence"]}"#
        return try await send(.POST, "/api/v2/analytics/users/aggregates/query", json: Array(body.utf8)).body
    }
}

extension GenesysRESTClient {
    /// `POST /api/v2/analytics/conversations/aggregates/query`: `tHandle`, `tTalk`, `tHeld`, `tAcw` and
    /// `nConnected` for `users`, grouped by `userId`, in 30-minute buckets over [from, to) (`timeZone`
    /// aligns the buckets to the org's local time).
    public func conversationsAggregates(users: [String], from: EpochMillis, to: EpochMillis,
                                        timeZone: TimeZone) async throws -> [UInt8] {
        let predicates = users.map { #"{"dimension":"userId","value":"\#($0)"}"# }.joined(separator: ",")
        let interval = "\(Timestamp.format(from))/\(Timestamp.format(max(to, from + 1000)))"
        let body = #"{"interval":"\#(interval)","granularity":"PT30M","timeZone":"\#(timeZone.identifier)","#
            + #""groupBy":["userId"],"filter":{"type":"or","predicates":[\#(predicates)]},"#
            + #""metrics":["tHandle","tTalk","tHeld","tAcw","nConnected"]}"#
        return try await send(.POST, "/api/v2/analytics/conversations/aggregates/query", json: Array(body.utf8)).body
    }
}

extension GenesysRESTClient {
    /// The same metrics grouped by `queueId` for `queues` (platform ids): each queue's handle, talk, hold and
    /// after-call work per 30-minute interval, counted by the platform in the queue the conversation was
    /// handled for.
    public func conversationsAggregates(queues: [String], from: EpochMillis, to: EpochMillis,
                                        timeZone: TimeZone) async throws -> [UInt8] {
        let predicates = queues.map { #"{"dimension":"queueId","value":"\#($0)"}"# }.joined(separator: ",")
        let interval = "\(Timestamp.format(from))/\(Timestamp.format(max(to, from + 1000)))"
        let body = #"{"interval":"\#(interval)","granularity":"PT30M","timeZone":"\#(timeZone.identifier)","#
            + #""groupBy":["queueId"],"filter":{"type":"or","predicates":[\#(predicates)]},"#
            + #""metrics":["tHandle","tTalk","tHeld","tAcw","nConnected"]}"#
        return try await send(.POST, "/api/v2/analytics/conversations/aggregates/query", json: Array(body.utf8)).body
    }
}
