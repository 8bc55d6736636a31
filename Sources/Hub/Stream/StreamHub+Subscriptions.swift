import NIOCore
import SwitchboardConfig
import SwitchboardCore

/// A client's resume point: the epoch and seq of the last message it processed on a topic.
public struct ResumePoint: Sendable, Equatable, Codable {
    public var epoch: String
    public var seq: Int
    public init(epoch: String, seq: Int) {
        self.epoch = epoch
        self.seq = seq
    }
}

/// Why a snapshot or subscription was refused.
public enum TopicAccessError: Error, Sendable, Equatable {
    /// Not `global` or `org:<id>`, or an org that is not configured.
    case unknownTopic
    /// The credential's scopes do not cover the topic.
    case forbidden
}

extension StreamHub {
    /// The current snapshot frame of a topic, for `GET /v1/views/{topic}` (same bytes as on the stream).
    public func snapshot(topic name: String, for principal: HubPrincipal) -> Result<ByteBuffer, TopicAccessError> {
        guard let topic = HubTopic(parsing: name) else { return .failure(.unknownTopic) }
        guard principal.canRead(topic: topic) else { return .failure(.forbidden) }
        let at = clock.now()
        return state.withLock { s in
            guard s.topics[topic] != nil else { return .failure(.unknownTopic) }
            let synthetic = Self.syntheticOrgs(s, topic)
            return .success(s.topics[topic]!.snapshot(at: at, syntheticOrgs: synthetic))
        }
    }

    /// Subscribes a connection: a forbidden or unknown topic gets one error frame and nothing else;
    /// otherwise the connection gets a snapshot (or `recovered` + the missed deltas when `since` is
    /// still inside the history), then the active alerts, then every later delta.
    func subscribe(_ conn: ClientConnection, topicName: String, since: ResumePoint?) {
        guard let topic = HubTopic(parsing: topicName) else {
            conn.push(.control(HubFrame.error("unknown-topic", "topics are 'global' and 'org:<id>'", topic: topicName)))
            return
        }
        guard conn.principal.canRead(topic: topic) else {
            conn.push(.control(HubFrame.error("forbidden", "the credential does not cover \(topic)", topic: topicName)))
            return
        }
        let at = clock.now()
        state.withLock { s in
            guard s.topics[topic] != nil else {
                conn.push(.control(HubFrame.error("unknown-topic", "no org '\(topicName.dropFirst(4))' is configured",
                                                  topic: topicName)))
                return
            }
            let limit = s.configuration.maxTopicsPerConnection
            let already = conn.hasSubscription(topic)
            guard conn.addSubscription(topic, limit: limit) else {
                conn.push(.control(HubFrame.error("limit", "at most \(limit) topics per connection", topic: topicName)))
                return
            }
            if !already {
                s.topics[topic]!.subscribers[conn.id] = conn
                metrics.subscriptions(topic: topicName, delta: 1)
            }
            let t = s.topics[topic]!
            if let since, let missed = t.missedDeltas(epoch: since.epoch, after: since.seq) {
                conn.push(.control(HubFrame.recovered(topic: t.name, epoch: t.epoch, from: since.seq + 1, to: t.seq)))
                for delta in missed { conn.push(.delta(delta)) }
            } else {
                let synthetic = Self.syntheticOrgs(s, topic)
                let frame = s.topics[topic]!.snapshot(at: at, syntheticOrgs: synthetic)
                conn.push(.snapshot(topic: t.name, frame))
            }
            for alert in Self.activeAlerts(s, topic) {
                conn.push(.control(HubFrame.alert(alert, topic: t.name)))
            }
        }
    }

    /// Ends a subscription; answers `{"type":"unsubscribed","topic":…,"reason":"requested"}`.
    func unsubscribe(_ conn: ClientConnection, topicName: String) {
        guard let topic = HubTopic(parsing: topicName) else {
            conn.push(.control(HubFrame.error("unknown-topic", "topics are 'global' and 'org:<id>'", topic: topicName)))
            return
        }
        state.withLock { s in
            if s.topics[topic]?.subscribers.removeValue(forKey: conn.id) != nil {
                metrics.subscriptions(topic: topicName, delta: -1)
            }
            conn.removeSubscription(topic)
            conn.push(.control(HubFrame.unsubscribed(topic: topicName, reason: "requested")))
        }
    }

    static func activeAlerts(_ s: State, _ topic: HubTopic) -> [StreamAlert] {
        switch topic {
        case .global: s.alerts.keys.sorted().compactMap { s.alerts[$0] }
        case .org(let org): s.alerts[org].map { [$0] } ?? []
        }
    }

    /// Org entries for configured orgs the views have not described yet, so every snapshot carries
    /// each org's `status` (from its active alert, else `connecting`).
    static func syntheticOrgs(_ s: State, _ topic: HubTopic) -> [(OrgID, EncodedJSON)] {
        let orgs: [OrgID]
        switch topic {
        case .global: orgs = (s.declaredOrgs ?? []).sorted()
        case .org(let org): orgs = [org]
        }
        return orgs.map { org in
            let status: OrgStatus =
                switch s.alerts[org]?.kind {
                case .upstreamStale: .stale
                case .upstreamDisconnected, .authFailed: .disconnected
                default: .connecting
                }
            var o: [UInt8] = Array(#"{"id":"#.utf8)
            JSONText.appendString(org.rawValue, to: &o)
            o.append(contentsOf: #","name":"#.utf8)
            JSONText.appendString(org.rawValue, to: &o)
            o.append(contentsOf: #","status":"#.utf8)
            JSONText.appendString(status.rawValue, to: &o)
            o.append(contentsOf: #","lastHeartbeatAt":null,"lastEventAt":null}"#.utf8)
            return (org, EncodedJSON(bytes: o))
        }
    }
}
