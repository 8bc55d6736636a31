import Foundation
import SwitchboardCore

/// Turns one Notification API WebSocket text frame into a ``NotificationFrame``: pure, never throws,
/// never crashes. Ids come out org-namespaced, times as UTC epoch milliseconds.
///
/// Event times come from the body (`routingStatus.startTime`, `presence.modifiedDate`, conversation
/// times). Where a body carries no event time (queue observations; a status body without its time),
/// the `receivedAt` passed to ``normalize(_:receivedAt:)`` is used; without it such bodies come out
/// as `.malformed(kind: "no-time:<topic>")` (observations fall back to the newest time in the body).
///
/// Decoding sniffs `topicName` from the bytes first and then decodes only the fields the topic needs.
public struct NotificationNormalizer: Sendable {
    /// The org every id is namespaced with.
    public let org: OrgID
    /// One decoder per normalizer (`JSONDecoder` is `Sendable`; decoding does not mutate it).
    let decoder = JSONDecoder()
    /// Hot bodies are read by ``JSONScanner`` first (falling back to the decoder); off in differential tests.
    let fastPath: Bool
    /// Active-queue lists seen in activity bodies, by their bytes (the fast path only).
    let queueLists = QueueListCache()

    public init(org: OrgID) {
        self.org = org
        self.fastPath = true
    }

    init(org: OrgID, fastPath: Bool) {
        self.org = org
        self.fastPath = fastPath
    }

    /// Normalises a frame whose bodies carry their own event times.
    public func normalize(_ frame: [UInt8]) -> NotificationFrame {
        normalize(frame, receivedAt: nil)
    }

    /// Normalises a frame; `receivedAt` (business-clock epoch ms) stands in for the event time of
    /// bodies that carry none, and is the `at` of queue observations.
    public func normalize(_ frame: [UInt8], receivedAt: EpochMillis?) -> NotificationFrame {
        frame.withUnsafeBufferPointer { buf in
            if let r = TopicSniffer.topicRange(in: buf) {
                let bytes = UnsafeBufferPointer(rebasing: buf[r])
                if TopicPath.isASCII(bytes) {
                    return route(TopicPath(bytes, string: nil), frame: buf, receivedAt: receivedAt, rerouted: false)
                }
                return route(topic: String(decoding: bytes, as: UTF8.self), frame: buf, receivedAt: receivedAt,
                             rerouted: false)
            }
            do {
                let env = try decoder.decode(GenesysWire.TopicOnly.self, from: Data(buf))
                guard let topic = env.topicName else { return .malformed(kind: "no-topic", detail: "no topicName") }
                return route(topic: topic, frame: buf, receivedAt: receivedAt, rerouted: true)
            } catch {
                return Self.malformed(error, kind: "envelope")
            }
        }
    }

    // MARK: - Routing

    func route(topic: String, frame: UnsafeBufferPointer<UInt8>, receivedAt: EpochMillis?,
               rerouted: Bool) -> NotificationFrame {
        var utf8 = topic
        return utf8.withUTF8 { bytes in
            route(TopicPath(bytes, string: topic), frame: frame, receivedAt: receivedAt, rerouted: rerouted)
        }
    }

    private func route(_ topic: TopicPath, frame: UnsafeBufferPointer<UInt8>, receivedAt: EpochMillis?,
                       rerouted: Bool) -> NotificationFrame {
        guard topic.count >= 2 else {
            return validated(topic: topic, frame: frame, rerouted: rerouted) { .ignored(topic: topic.string) }
        }
        if topic.is("channel.metadata") {
            return decode(GenesysWire.MessageBody.self, topic: topic, kind: "channel.metadata", frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted, fast: FastBodies.message) { body in
                switch body?.message {
                case "WebSocket Heartbeat": .heartbeat
                case "pong": .pong
                default: .ignored(topic: topic.string)
                }
            }
        }
        guard topic.part(0, is: "v2") else {
            return validated(topic: topic, frame: frame, rerouted: rerouted) { .ignored(topic: topic.string) }
        }
        if topic.part(1, is: "system") {
            return decode(GenesysWire.SystemBody.self, topic: topic, kind: "system", frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted, fast: nil) { body in
                if topic.part(2, is: "socket_closing") { return .socketClosing }
                if topic.part(2, is: "no_longer_subscribed") { return .noLongerSubscribed(reason: body?.reason) }
                if topic.part(2, is: "token_revoked") { return .tokenRevoked }
                return .systemOther(topic: topic.string)
            }
        }
        if topic.count == 4 && topic.part(1, is: "users") {
            let agent = EntityID(org: org, platformID: topic.string(part: 2))
            return userTopic(topic, agent: agent, frame: frame, receivedAt: receivedAt, rerouted: rerouted)
        }
        if topic.count == 5 && topic.part(1, is: "analytics") && topic.part(2, is: "queues")
            && topic.part(4, is: "observations")
        {
            let queue = EntityID(org: org, platformID: topic.string(part: 3))
            return decode(GenesysWire.ObservationBody.self, topic: topic, kind: TopicKind.queueObservations.rawValue,
                          frame: frame, receivedAt: receivedAt, rerouted: rerouted,
                          fast: { try FastBodies.observations(&$0, topicQueue: queue.platformID) },
                          slow: ObservationReducer.snapshot) { body in
                guard let body else { return .events(topic: .queueObservations, []) }
                return .events(topic: .queueObservations,
                               ObservationReducer.observations(body, queue: queue, receivedAt: receivedAt))
            }
        }
        if topic.count == 4 && topic.part(1, is: "conversations") && topic.part(3, is: "transcription") {
            let conversationID = topic.string(part: 2)
            return decode(GenesysWire.Transcription.self, topic: topic, kind: TranscriptionReducer.kind, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted, fast: FastBodies.transcription,
                          slow: TranscriptionReducer.message) { [org] body in
                TranscriptionReducer.frame(body, org: org, conversationID: conversationID, receivedAt: receivedAt)
            }
        }
        if topic.count >= 5 && (topic.part(1, is: "routing") || topic.part(1, is: "detail")) {
            if let frame = journeyTopic(topic, frame: frame, receivedAt: receivedAt, rerouted: rerouted) { return frame }
        }
        if topic.count == 3 && topic.part(1, is: "quality") && topic.part(2, is: "evaluations") {
            return validated(topic: topic, frame: frame, rerouted: rerouted) {
                .events(topic: .qualityEvaluations, [])
            }
        }
        return validated(topic: topic, frame: frame, rerouted: rerouted) { .ignored(topic: topic.string) }
    }

    private func userTopic(_ topic: TopicPath, agent: EntityID, frame: UnsafeBufferPointer<UInt8>,
                           receivedAt: EpochMillis?, rerouted: Bool) -> NotificationFrame {
        if topic.part(3, is: "activity") {
            let kind = TopicKind.userActivity
            return decode(GenesysWire.ActivityBody.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted,
                          fast: { [queueLists, org] in try FastBodies.activityFacts(&$0, queues: queueLists, org: org) },
                          slow: { [org] in ActivityFacts($0, org: org) }) { body in
                guard let body else { return .events(topic: kind, []) }
                let events = Self.statusChanges(
                    agent: agent,
                    presence: Self.presence(body.systemPresence),
                    presenceAt: body.presenceAt ?? receivedAt,
                    routing: Self.routing(body.status),
                    routingAt: body.routingAt ?? receivedAt,
                    activeQueues: body.activeQueues)
                if events.isEmpty && (body.hasPresence || body.hasRouting) && receivedAt == nil {
                    return Self.noTime(kind)
                }
                return .events(topic: kind, events)
            }
        }
        if topic.part(3, is: "conversations") {
            let kind = TopicKind.userConversations
            return decode(GenesysWire.Conversation.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted,
                          fast: { try FastBodies.conversation(&$0, topicUser: agent.platformID) },
                          slow: ConversationReducer.snapshot) { body in
                guard let body else { return .events(topic: kind, []) }
                return .events(topic: kind, ConversationReducer.reduce(body, org: org, fallbackTime: receivedAt))
            }
        }
        if topic.part(3, is: "presence") {
            let kind = TopicKind.userPresence
            return decode(GenesysWire.Presence.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted, fast: FastBodies.presence) { body in
                let presence = Self.presence(body?.presenceDefinition?.systemPresence)
                let at = Self.time(body?.modifiedDate) ?? receivedAt
                guard let presence else { return .events(topic: kind, []) }
                guard let at else { return Self.noTime(kind) }
                return .events(topic: kind, [.agentStatus(AgentStatusChange(agent: agent, at: at, presence: presence))])
            }
        }
        if topic.part(3, is: "routingStatus") || topic.part(3, is: "routingstatus") {
            let kind = TopicKind.userRoutingStatus
            return decode(GenesysWire.RoutingStatusBody.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted, fast: FastBodies.routingBody) { body in
                let status = Self.routing(body?.routingStatus?.status)
                let at = Self.time(body?.routingStatus?.startTime) ?? receivedAt
                guard let status else { return .events(topic: kind, []) }
                guard let at else { return Self.noTime(kind) }
                return .events(topic: kind,
                               [.agentStatus(AgentStatusChange(agent: agent, at: at, routingStatus: status))])
            }
        }
        return validated(topic: topic, frame: frame, rerouted: rerouted) { .ignored(topic: topic.string) }
    }
}
