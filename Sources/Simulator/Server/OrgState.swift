import Foundation
import SwitchboardCore

/// One notification channel (`POST /api/v2/notifications/channels`).
struct NotificationChannel {
    let id: String
    let clientID: String
    let generation: Int
    let connectUri: String
    let created: Int
    var topics: Set<String> = []
    var topicOrder: [String] = []
    /// Real epoch ms.
    var expires: EpochMillis
    var lastUsed: EpochMillis
    var socket: SimSocket?
    var ghost = false
    var nextHeartbeat: EpochMillis = 0
    var closingAt: EpochMillis?
}

/// A message ready for sockets: its topic and the envelope text, encoded once.
struct Outgoing {
    let topic: String
    let text: String
}

/// Everything of one org that changes: the workload model, its channels and pending faults.
/// Lives inside the org's lock (``OrgRuntime``).
final class OrgState {
    static let maxChannels = 20
    static let maxTopics = 1000

    let model: OrgModel
    var channels: [String: NotificationChannel] = [:]
    /// `{"message":"ping"}`s answered with a pong (ghost sockets' swallowed pings not counted).
    var pingsAnswered = 0
    var topicChannels: [String: Set<String>] = [:]
    var channelCounter = 0
    var endpointGeneration = 0
    var rateLimitFaults = 0
    var httpErrorFaults = 0
    var httpErrorStatus = 503
    /// Token requests still to refuse (fault `token-refresh-fail`) and how.
    var tokenFaults = 0
    /// WebSocket upgrades still to refuse with 503 (fault `refuse-sockets`).
    var socketRefusals = 0
    /// The most notification sockets the org had open at once (`/_sim/orgs`): a scale-out test checks that two
    /// replicas never ran the org's connector together.
    var maxOpenSockets = 0
    var tokenFaultStatus = 500
    /// Permissions the org's OAuth client lacks (fault `deny`).
    var deniedPermissions: Set<String> = []
    var duplicateRemaining = 0
    var reorderRemaining = 0
    var reorderHeld: Outgoing?
    var envelopeRNG: SimRandom
    var channelRNG: SimRandom
    var stormCarry: Double = 0
    /// Journey messages' reorder gates, duplicates and replay (OrgState+JourneyDelivery).
    var journeyDelivery = SimJourneyDelivery()

    init(model: OrgModel, seed: UInt64) {
        self.model = model
        envelopeRNG = SimRandom(seed: seed ^ 0x5EED_C0DE)
        channelRNG = SimRandom(seed: seed ^ 0xC4A2_2E15)
    }

    // MARK: - Channels

    /// Creates a channel; past 20 per client the least recently used (unconnected first) is evicted
    /// and told `no_longer_subscribed`.
    func createChannel(clientID: String, realNow: EpochMillis, ttl: EpochMillis, base: String) -> NotificationChannel {
        let mine = channels.values.filter { $0.clientID == clientID }
        if mine.count >= OrgState.maxChannels {
            let victim = mine.min { a, b in
                let ac = a.socket != nil, bc = b.socket != nil
                if ac != bc { return !ac }
                return a.lastUsed != b.lastUsed ? a.lastUsed < b.lastUsed : a.created < b.created
            }!
            if let socket = victim.socket {
                socket.send(systemEnvelope(victim, topic: "v2.system.no_longer_subscribed.\(victim.id)",
                                           type: "no_longer_subscribed", reason: "another_channel_subscribed",
                                           message: "The channel was replaced by a newer channel of the same client."))
                socket.finish()
            }
            removeChannel(victim.id)
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var suffix = ""
        for _ in 0..<26 { suffix.append(alphabet[channelRNG.int(0...(alphabet.count - 1))]) }
        let id = "streaming-0-\(suffix)"
        let path = endpointGeneration == 0 ? "/channels/\(id)" : "/moved/\(endpointGeneration)/channels/\(id)"
        let wsBase = base.replacingOccurrences(of: "http://", with: "ws://")
        channelCounter += 1
        let channel = NotificationChannel(
            id: id, clientID: clientID, generation: endpointGeneration, connectUri: wsBase + path,
            created: channelCounter, expires: realNow + ttl, lastUsed: realNow)
        channels[id] = channel
        return channel
    }

    func removeChannel(_ id: String) {
        guard let ch = channels.removeValue(forKey: id) else { return }
        for t in ch.topics { unindex(topic: t, channel: id) }
    }

    private func unindex(topic: String, channel: String) {
        topicChannels[topic]?.remove(channel)
        if topicChannels[topic]?.isEmpty == true { topicChannels[topic] = nil }
        if let n = model.interest[topic] {
            model.interest[topic] = n > 1 ? n - 1 : nil
        }
    }

    /// A live (not expired) channel, or nil.
    func liveChannel(_ id: String, realNow: EpochMillis) -> NotificationChannel? {
        guard let ch = channels[id] else { return nil }
        if ch.expires <= realNow {
            expire(id)
            return nil
        }
        return ch
    }

    /// Expires a channel: closes its socket, forgets it.
    func expire(_ id: String) {
        channels[id]?.socket?.finish()
        removeChannel(id)
    }

    /// Whether `topic` names something this org has. Returns the rejection reason, or nil when valid.
    func validate(topic: String) -> String? {
        if topic == "v2.quality.evaluations" { return nil }
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 4, parts[0] == "v2", parts[1] == "users" {
            guard ["activity", "presence", "routingStatus", "conversations"].contains(parts[3]) else {
                return "unknown user topic '\(parts[3])'"
            }
            return model.agentIndex[parts[2]] == nil ? "no user \(parts[2]) in this org" : nil
        }
        if parts.count == 5, parts[0] == "v2", parts[1] == "analytics", parts[2] == "queues", parts[4] == "observations" {
            return model.queueIndex[parts[3]] == nil ? "no queue \(parts[3]) in this org" : nil
        }
        if parts.count == 4, parts[0] == "v2", parts[1] == "conversations", parts[3] == "transcription" {
            // Any conversation id may be subscribed (a call not yet connected, or over): messages come while it talks.
            return Self.isUUID(parts[2]) ? nil : "'\(parts[2])' is not a conversation id"
        }
        if parts.count == 5, parts[0] == "v2", parts[1] == "routing", parts[2] == "queues",
           Self.queueConversationTopics.contains(parts[4]) {
            return model.queueIndex[parts[3]] == nil ? "no queue \(parts[3]) in this org" : nil
        }
        if parts.count >= 6, parts[0] == "v2", parts[1] == "detail", parts[2] == "events", parts[3] == "conversation" {
            // Any conversation id may be subscribed: events come while it has them (journeys: docs/simulator.md).
            guard Self.isUUID(parts[4]) else { return "'\(parts[4])' is not a conversation id" }
            let kind = parts[5...].joined(separator: ".")
            return Self.detailEventKinds.contains(kind) ? nil : "unknown detail event '\(kind)'"
        }
        return "unsupported topic"
    }

    /// The queue conversation topic and its media variants.
    static let queueConversationTopics: Set<String> = ["conversations", "calls", "callbacks", "chats", "emails", "messages"]
    /// The per-conversation detail events the platform has (the simulator sends the first eight).
    static let detailEventKinds: Set<String> = [
        "customer.start", "customer.end", "acd.start", "acd.end", "user.start", "user.end", "acw", "wrapup",
        "flow.start", "flow.end", "flow.outcome", "contact", "attributes", "outbound", "voicemail.start", "voicemail.end",
    ]

    /// A lower-case UUID (`8-4-4-4-12` hex digits).
    static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return false }
            } else if !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) {
                return false
            }
        }
        return true
    }

    /// `POST` (add) or `PUT` (replace) subscriptions. Extends the channel's life.
    func subscribe(_ id: String, topics: [String], replace: Bool, ignoreErrors: Bool, realNow: EpochMillis,
                   ttl: EpochMillis) throws(APIError) -> [UInt8] {
        guard var ch = liveChannel(id, realNow: realNow) else {
            throw APIError.notFound("Channel \(id) does not exist or has expired.")
        }
        var permitted: [String] = []
        var rejected: [(String, String)] = []
        var missing: [String: String] = [:]
        var seen = Set<String>()
        for t in topics where seen.insert(t).inserted {
            if let reason = validate(topic: t) {
                rejected.append((t, reason))
            } else if let needed = SimPermissions.required(topic: t), deniedPermissions.contains(needed) {
                rejected.append((t, "The client does not have permission to subscribe to \(t)."))
                missing[t] = needed
            } else {
                permitted.append(t)
            }
        }
        if !rejected.isEmpty && !ignoreErrors {
            throw APIError(status: 400, code: "bad.request",
                           message: "Invalid topic \(rejected[0].0): \(rejected[0].1).")
        }
        let base = replace ? Set<String>() : ch.topics
        let total = base.union(permitted).count
        if total > OrgState.maxTopics {
            throw APIError(status: 400, code: "bad.request",
                           message: "A channel may have at most \(OrgState.maxTopics) topics; this request would make \(total).")
        }
        if replace {
            for t in ch.topics { unindex(topic: t, channel: id) }
            ch.topics = []
            ch.topicOrder = []
        }
        for t in permitted where !ch.topics.contains(t) {
            ch.topics.insert(t)
            ch.topicOrder.append(t)
            topicChannels[t, default: []].insert(id)
            model.interest[t, default: 0] += 1
            if t.hasPrefix("v2.conversations.") { model.transcriptionSubscribed(t) }
        }
        ch.expires = realNow + ttl
        ch.lastUsed = realNow
        channels[id] = ch
        var w = JSONWriter()
        w.object { w in
            w.array("entities") { w in
                for t in ch.topicOrder {
                    w.object { w in
                        w.field("id", t)
                        w.field("state", "Permitted")
                        w.field("selfUri", "/api/v2/notifications/channels/\(id)/subscriptions")
                    }
                }
                for (t, reason) in rejected {
                    w.object { w in
                        w.field("id", t)
                        w.field("state", "Rejected")
                        w.field("rejectionReason", reason)
                        w.array("missingPermissions") { w in if let m = missing[t] { w.string(m) } }
                    }
                }
            }
        }
        return w.bytes
    }

    func subscriptions(_ id: String, realNow: EpochMillis) throws(APIError) -> [UInt8] {
        guard let ch = liveChannel(id, realNow: realNow) else {
            throw APIError.notFound("Channel \(id) does not exist or has expired.")
        }
        channels[id]?.lastUsed = realNow
        var w = JSONWriter()
        w.object { w in
            w.array("entities") { w in
                for t in ch.topicOrder {
                    w.object { w in
                        w.field("id", t)
                        w.field("state", "Permitted")
                    }
                }
            }
        }
        return w.bytes
    }

    func deleteSubscriptions(_ id: String, realNow: EpochMillis) throws(APIError) {
        guard var ch = liveChannel(id, realNow: realNow) else {
            throw APIError.notFound("Channel \(id) does not exist or has expired.")
        }
        for t in ch.topics { unindex(topic: t, channel: id) }
        ch.topics = []
        ch.topicOrder = []
        ch.lastUsed = realNow
        channels[id] = ch
    }

    /// The channel JSON `{connectUri, id, expires}`.
    static func channelJSON(_ ch: NotificationChannel, into w: inout JSONWriter) {
        w.object { w in
            w.field("connectUri", ch.connectUri)
            w.field("id", ch.id)
            w.field("expires", time: ch.expires)
        }
    }

    // MARK: - Sockets

    /// Attaches a socket; a previous socket of the channel is closed. False when the channel is gone.
    func attach(_ socket: SimSocket, to id: String, realNow: EpochMillis, heartbeatMs: EpochMillis) -> Bool {
        guard var ch = liveChannel(id, realNow: realNow) else { return false }
        ch.socket?.finish()
        ch.socket = socket
        ch.ghost = false
        ch.closingAt = nil
        ch.lastUsed = realNow
        ch.nextHeartbeat = realNow + heartbeatMs
        channels[id] = ch
        maxOpenSockets = max(maxOpenSockets, openSockets)
        replayJourneys(channel: id, socket: socket)
        return true
    }

    func detach(socketID: UInt64, from id: String, realNow: EpochMillis) {
        guard var ch = channels[id], ch.socket?.id == socketID else { return }
        ch.socket = nil
        ch.ghost = false
        ch.lastUsed = realNow
        channels[id] = ch
    }

    /// `{"message":"ping"}` → pong, unless the socket is a ghost.
    func ping(channel id: String, socketID: UInt64) {
        guard let ch = channels[id], let s = ch.socket, s.id == socketID, !ch.ghost else { return }
        pingsAnswered += 1
        s.send(ChannelMessages.pong)
    }

    func systemEnvelope(_ ch: NotificationChannel, topic: String, type: String, reason: String?, message: String) -> String {
        let corr = envelopeRNG.uuid()
        return envelope(topic: topic, body: systemMessageBody(
            channelID: ch.id, type: type, reason: reason, message: message, organizationID: model.organizationID,
            clientID: ch.clientID, correlationID: corr), correlationID: corr)
    }
}
