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
    /// aligns the buckets to the org's local time). `mediaTypes` (nil: every media type) adds a
    /// `mediaType` clause, ANDed with the users.
    public func conversationsAggregates(users: [String], from: EpochMillis, to: EpochMillis,
                                        timeZone: TimeZone, mediaTypes: [String]? = nil) async throws -> [UInt8] {
        let body = Self.utilizationQuery(dimension: "userId", ids: users, from: from, to: to, timeZone: timeZone,
                                         mediaTypes: mediaTypes)
        return try await send(.POST, "/api/v2/analytics/conversations/aggregates/query", json: Array(body.utf8)).body
    }

    /// The utilization query body, grouped by and filtered on `dimension` (`userId` or `queueId`).
    static func utilizationQuery(dimension: String, ids: [String], from: EpochMillis, to: EpochMillis,
                                 timeZone: TimeZone, mediaTypes: [String]?) -> String {
        aggregatesQuery(dimension: dimension, ids: ids, from: from, to: to, granularity: "PT30M", timeZone: timeZone,
                        mediaTypes: mediaTypes, metrics: ["tHandle", "tTalk", "tHeld", "tAcw", "nConnected"])
    }

    /// A conversation aggregates query body grouped by and filtered on `dimension`.
    static func aggregatesQuery(dimension: String, ids: [String], from: EpochMillis, to: EpochMillis,
                                granularity: String, timeZone: TimeZone, mediaTypes: [String]?,
                                metrics: [String]) -> String {
        let predicates = ids.map { #"{"dimension":"\#(dimension)","value":"\#($0)"}"# }.joined(separator: ",")
        let interval = "\(Timestamp.format(from))/\(Timestamp.format(max(to, from + 1000)))"
        let filter: String
        if let mediaTypes, !mediaTypes.isEmpty {
            let media = mediaTypes.map { #"{"dimension":"mediaType","value":"\#($0)"}"# }.joined(separator: ",")
            filter = #"{"type":"and","clauses":[{"type":"or","predicates":[\#(predicates)]},"#
                + #"{"type":"or","predicates":[\#(media)]}]}"#
        } else {
            filter = #"{"type":"or","predicates":[\#(predicates)]}"#
        }
        let names = metrics.map { #""\#($0)""# }.joined(separator: ",")
        return #"{"interval":"\#(interval)","granularity":"\#(granularity)","timeZone":"\#(timeZone.identifier)","#
            + #""groupBy":["\#(dimension)"],"filter":\#(filter),"#
            + #""metrics":[\#(names)]}"#
    }
}

extension GenesysRESTClient {
    /// The same metrics grouped by `queueId` for `queues` (platform ids): each queue's handle, talk, hold and
    /// after-call work per 30-minute interval, counted by the platform in the queue the conversation was
    /// handled for.
    public func conversationsAggregates(queues: [String], from: EpochMillis, to: EpochMillis,
                                        timeZone: TimeZone, mediaTypes: [String]? = nil) async throws -> [UInt8] {
        let body = Self.utilizationQuery(dimension: "queueId", ids: queues, from: from, to: to, timeZone: timeZone,
                                         mediaTypes: mediaTypes)
        return try await send(.POST, "/api/v2/analytics/conversations/aggregates/query", json: Array(body.utf8)).body
    }
}

extension GenesysRESTClient {
    /// The service metrics a queue tile needs (docs/queues.md): offered, answered (count = answered,
    /// sum = total wait before answer), abandoned, answered over the service-level duration, and the
    /// platform's own service level (numerator = answered within target, denominator = the conversations
    /// judged). The platform judges each conversation against its queue's
    /// `mediaSettings.<media>.serviceLevel.durationMs`; the query names no target.
    public static let queueServiceMetrics = ["nOffered", "tAnswered", "tAbandon", "nOverSla", "oServiceLevel"]

    /// `POST /api/v2/analytics/conversations/aggregates/query` grouped by `queueId` for `queues` (platform
    /// ids) with ``queueServiceMetrics`` over [from, to) in buckets of `granularity` (an ISO-8601 period,
    /// `PT30M`, `PT15M`), aligned to `from`. `mediaTypes` (nil: every media type) adds a `mediaType` clause.
    public func queueServiceAggregates(queues: [String], from: EpochMillis, to: EpochMillis, granularity: String,
                                       timeZone: TimeZone, mediaTypes: [String]? = nil) async throws -> [UInt8] {
        let body = Self.aggregatesQuery(dimension: "queueId", ids: queues, from: from, to: to, granularity: granularity,
                                        timeZone: timeZone, mediaTypes: mediaTypes, metrics: Self.queueServiceMetrics)
        return try await send(.POST, "/api/v2/analytics/conversations/aggregates/query", json: Array(body.utf8)).body
    }
}
