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
    private let decoder = JSONDecoder()
    /// Hot bodies are read by ``JSONScanner`` first (falling back to the decoder); off in differential tests.
    let fastPath: Bool

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
        if let topic = TopicSniffer.topicName(in: frame) {
            return route(topic: topic, frame: frame, receivedAt: receivedAt, rerouted: false)
        }
        do {
            let env = try decoder.decode(GenesysWire.TopicOnly.self, from: Data(frame))
            guard let topic = env.topicName else { return .malformed(kind: "no-topic", detail: "no topicName") }
            return route(topic: topic, frame: frame, receivedAt: receivedAt, rerouted: true)
        } catch {
            return Self.malformed(error, kind: "envelope")
        }
    }

    // MARK: - Routing

    private func route(topic: String, frame: [UInt8], receivedAt: EpochMillis?, rerouted: Bool) -> NotificationFrame {
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else {
            return validated(topic: topic, frame: frame, rerouted: rerouted) { _ in .ignored(topic: topic) }
        }
        if topic == "channel.metadata" {
            return decode(GenesysWire.MessageBody.self, topic: topic, kind: "channel.metadata", frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted) { body in
                switch body?.message {
                case "WebSocket Heartbeat": .heartbeat
                case "pong": .pong
                default: .ignored(topic: topic)
                }
            }
        }
        guard parts[0] == "v2" else {
            return validated(topic: topic, frame: frame, rerouted: rerouted) { _ in .ignored(topic: topic) }
        }
        switch parts[1] {
        case "system":
            return decode(GenesysWire.SystemBody.self, topic: topic, kind: "system", frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted) { body in
                let sub = parts.count > 2 ? parts[2] : ""
                switch sub {
                case "socket_closing": return .socketClosing
                case "no_longer_subscribed": return .noLongerSubscribed(reason: body?.reason)
                case "token_revoked": return .tokenRevoked
                default: return .systemOther(topic: topic)
                }
            }
        case "users" where parts.count == 4:
            let agent = EntityID(org: org, platformID: String(parts[2]))
            return userTopic(String(parts[3]), agent: agent, topic: topic, frame: frame, receivedAt: receivedAt,
                             rerouted: rerouted)
        case "analytics" where parts.count == 5 && parts[2] == "queues" && parts[4] == "observations":
            let queue = EntityID(org: org, platformID: String(parts[3]))
            return decode(GenesysWire.ObservationBody.self, topic: topic, kind: TopicKind.queueObservations.rawValue,
                          frame: frame, receivedAt: receivedAt, rerouted: rerouted) { body in
                guard let body else { return .events(topic: .queueObservations, []) }
                return .events(topic: .queueObservations,
                               ObservationReducer.observations(body, queue: queue, receivedAt: receivedAt))
            }
        case "quality" where parts.count == 3 && parts[2] == "evaluations":
            return validated(topic: topic, frame: frame, rerouted: rerouted) { _ in
                .events(topic: .qualityEvaluations, [])
            }
        default:
            return validated(topic: topic, frame: frame, rerouted: rerouted) { _ in .ignored(topic: topic) }
        }
    }

    private func userTopic(_ leaf: String, agent: EntityID, topic: String, frame: [UInt8], receivedAt: EpochMillis?,
                           rerouted: Bool) -> NotificationFrame {
        switch leaf {
        case "presence":
            let kind = TopicKind.userPresence
            return decode(GenesysWire.Presence.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted) { body in
                let presence = Self.presence(body?.presenceDefinition?.systemPresence)
                let at = Self.time(body?.modifiedDate) ?? receivedAt
                guard let presence else { return .events(topic: kind, []) }
                guard let at else { return Self.noTime(kind) }
                return .events(topic: kind, [.agentStatus(AgentStatusChange(agent: agent, at: at, presence: presence))])
            }
        case "routingStatus", "routingstatus":
            let kind = TopicKind.userRoutingStatus
            return decode(GenesysWire.RoutingStatusBody.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted) { body in
                let status = Self.routing(body?.routingStatus?.status)
                let at = Self.time(body?.routingStatus?.startTime) ?? receivedAt
                guard let status else { return .events(topic: kind, []) }
                guard let at else { return Self.noTime(kind) }
                return .events(topic: kind,
                               [.agentStatus(AgentStatusChange(agent: agent, at: at, routingStatus: status))])
            }
        case "activity":
            let kind = TopicKind.userActivity
            return decode(GenesysWire.ActivityBody.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted) { body in
                guard let body else { return .events(topic: kind, []) }
                let queues = body.activeQueueIds.map { $0.map { EntityID(org: org, platformID: $0) } }
                let events = Self.statusChanges(
                    agent: agent,
                    presence: Self.presence(body.presence?.presenceDefinition?.systemPresence),
                    presenceAt: Self.time(body.presence?.modifiedDate) ?? receivedAt,
                    routing: Self.routing(body.routingStatus?.status),
                    routingAt: Self.time(body.routingStatus?.startTime) ?? receivedAt,
                    activeQueues: queues)
                if events.isEmpty && (body.presence != nil || body.routingStatus != nil) && receivedAt == nil {
                    return Self.noTime(kind)
                }
                return .events(topic: kind, events)
            }
        case "conversations":
            let kind = TopicKind.userConversations
            return decode(GenesysWire.Conversation.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted) { body in
                guard let body else { return .events(topic: kind, []) }
                return .events(topic: kind, ConversationReducer.reduce(body, org: org, fallbackTime: receivedAt))
            }
        default:
            return validated(topic: topic, frame: frame, rerouted: rerouted) { _ in .ignored(topic: topic) }
        }
    }

    // MARK: - Decoding helpers

    /// Decodes the envelope with `Body`, confirms the sniffed topic, and maps the body.
    private func decode<Body: Decodable>(
        _ type: Body.Type, topic: String, kind: String, frame: [UInt8], receivedAt: EpochMillis?, rerouted: Bool,
        _ map: (Body?) -> NotificationFrame
    ) -> NotificationFrame {
        let env: GenesysWire.Envelope<Body>
        do {
            if fastPath, let fast = FastBodies.envelope(Body.self, frame) {
                env = fast
            } else {
                env = try decoder.decode(GenesysWire.Envelope<Body>.self, from: Data(frame))
            }
        } catch {
            if !rerouted, let actual = try? decoder.decode(GenesysWire.TopicOnly.self, from: Data(frame)),
                let actualTopic = actual.topicName, actualTopic != topic
            {
                return route(topic: actualTopic, frame: frame, receivedAt: receivedAt, rerouted: true)
            }
            return Self.malformed(error, kind: kind)
        }
        if let actual = env.topicName, actual != topic, !rerouted {
            return route(topic: actual, frame: frame, receivedAt: receivedAt, rerouted: true)
        }
        guard env.topicName != nil else { return .malformed(kind: "no-topic", detail: "no topicName") }
        return map(env.eventBody)
    }

    /// Validates the JSON and the topic for topics whose body is not read.
    private func validated(topic: String, frame: [UInt8], rerouted: Bool,
                           _ map: (String) -> NotificationFrame) -> NotificationFrame {
        do {
            let env = try decoder.decode(GenesysWire.TopicOnly.self, from: Data(frame))
            guard let actual = env.topicName else { return .malformed(kind: "no-topic", detail: "no topicName") }
            if actual != topic && !rerouted { return route(topic: actual, frame: frame, receivedAt: nil, rerouted: true) }
            return map(actual)
        } catch {
            return Self.malformed(error, kind: "envelope")
        }
    }

    static func malformed(_ error: any Error, kind: String) -> NotificationFrame {
        if case DecodingError.dataCorrupted(let ctx) = error, ctx.codingPath.isEmpty {
            return .malformed(kind: "not-json", detail: ctx.debugDescription)
        }
        return .malformed(kind: "bad-body:\(kind)", detail: describe(error))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx),
            DecodingError.keyNotFound(_, let ctx), DecodingError.dataCorrupted(let ctx):
            let path = ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return "\(path): \(ctx.debugDescription)"
        default:
            return "\(error)"
        }
    }

    static func noTime(_ kind: TopicKind) -> NotificationFrame {
        .malformed(kind: "no-time:\(kind.rawValue)", detail: "the body has no event time and no receive time was given")
    }
}
