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
    /// The current snapshot frame of a topic, for `GET /v1/views/{topic}` (same bytes as on the stream):
    /// time-driven figures computed now (see ``attachLiveSource(_:)``).
    public func snapshot(topic name: String, for principal: HubPrincipal) async -> Result<ByteBuffer, TopicAccessError> {
        guard let topic = HubTopic(parsing: name) else { return .failure(.unknownTopic) }
        guard principal.canRead(topic: topic) else { return .failure(.forbidden) }
        let at = clock.now()
        let (cached, source): (Result<ByteBuffer, TopicAccessError>?, (any LiveEntitySource)?) = state.withLock { s in
            guard let t = s.topics[topic] else { return (.failure(.unknownTopic), nil) }
            if let frame = t.freshSnapshot(now: .now, maxAge: s.configuration.flushInterval) { return (.success(frame.buffer), nil) }
            guard s.liveSource != nil, !topic.isFamily else {
                return (.success(s.topics[topic]!.snapshot(at: at, syntheticOrgs: Self.syntheticOrgs(s, topic)).buffer), nil)
            }
            return (nil, s.liveSource)
        }
        if let cached { return cached }
        return await source!.withLiveEntities(org: topic.org) { live in
            self.state.withLock { s -> Result<ByteBuffer, TopicAccessError> in
                guard s.topics[topic] != nil else { return .failure(.unknownTopic) }
                let synthetic = Self.syntheticOrgs(s, topic)
                return .success(s.topics[topic]!.snapshot(at: at, syntheticOrgs: synthetic, live: live).buffer)
            }
        }
    }

    /// Subscribes a connection: a forbidden or unknown topic gets one error frame and nothing else;
    /// otherwise the connection gets a snapshot (or `recovered` + the missed deltas when `since` is
    /// still inside the history), then the active alerts, then every later delta. A snapshot's
    /// time-driven figures are computed at the moment it is taken (``attachLiveSource(_:)``).
    func subscribe(_ conn: ClientConnection, topicName: String, since: ResumePoint?, patches: Bool = false,
                   select: StreamSelection? = nil) async {
        // Selecting kinds and fields works on patches: a change that moved no selected field is then left out.
        let patches = patches || select != nil
        guard let topic = HubTopic(parsing: topicName) else {
            conn.push(.control(HubFrame.error("unknown-topic", HubTopic.namesHelp, topic: topicName)))
            return
        }
        guard conn.principal.canRead(topic: topic) else {
            conn.push(.control(HubFrame.error("forbidden", "the credential does not cover \(topic)", topic: topicName)))
            return
        }
        let at = clock.now()
        // A resume, a refusal, or a snapshot built from live entities moments ago needs no computation.
        let source: (any LiveEntitySource)? = state.withLock { s in
            attach(&s, conn, topic, topicName, since: since, at: at, input: .cachedOnly, patches: patches, select: select)
                ? nil : s.liveSource
        }
        guard let source else { return }
        // One computation per topic at a time, shared by every subscriber that arrives while it runs: a burst of
        // reconnecting walls (a deploy, a network blip) would otherwise queue one whole-topic computation each on
        // the views, and the upstream events queued behind them until the org looked dead (docs/performance.md).
        let request = LiveRequest(conn: conn, topicName: topicName, since: since, at: at, patches: patches, select: select)
        let leads = state.withLock { s -> Bool in
            guard s.liveWaiters[topic] == nil else { return false }
            s.liveWaiters[topic] = []
            return true
        }
        if !leads {
            let served = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let queued = state.withLock { s -> Bool in
                    guard s.liveWaiters[topic] != nil else { return false }
                    s.liveWaiters[topic]!.append(LiveWaiter(request: request, done: c))
                    return true
                }
                if !queued { c.resume(returning: false) }
            }
            // Not served: the computation ended between the two looks; take the next one (or lead it).
            if !served { await subscribe(conn, topicName: topicName, since: since, patches: patches, select: select) }
            return
        }
        let waiting = await source.withLiveEntities(org: topic.org) { live in
            self.state.withLock { s -> [LiveWaiter] in
                _ = self.attach(&s, conn, topic, topicName, since: since, at: at, input: .live(live), patches: patches,
                                select: select)
                let waiting = s.liveWaiters.removeValue(forKey: topic) ?? []
                for w in waiting {
                    let r = w.request
                    // The frame just built is the topic's fresh snapshot: shared, not built again per waiter.
                    if !self.attach(&s, r.conn, topic, r.topicName, since: r.since, at: at, input: .cachedOnly, patches: r.patches,
                                    select: r.select) {
                        _ = self.attach(&s, r.conn, topic, r.topicName, since: r.since, at: at, input: .live(live),
                                        patches: r.patches, select: r.select)
                    }
                }
                return waiting
            }
        }
        for w in waiting { w.done.resume(returning: true) }
    }

    /// A subscribe waiting for a live computation.
    struct LiveRequest: Sendable {
        let conn: ClientConnection
        let topicName: String
        let since: ResumePoint?
        let at: EpochMillis
        let patches: Bool
        let select: StreamSelection?
    }

    struct LiveWaiter: Sendable {
        let request: LiveRequest
        /// Resumed with true once attached.
        let done: CheckedContinuation<Bool, Never>
    }

    /// What ``attach(_:_:_:_:since:at:input:)`` may build a snapshot from.
    enum SnapshotInput {
        /// Only a snapshot built from live entities within the last flush interval (or, with no live
        /// source attached, the state after the last delta); otherwise do nothing and return false.
        case cachedOnly
        case live(LiveEntities)
    }

    /// Registers the subscription and pushes its first frames; false (and nothing done) when `input` is
    /// `.cachedOnly` and a fresh snapshot must be computed first.
    private func attach(_ s: inout State, _ conn: ClientConnection, _ topic: HubTopic, _ topicName: String,
                        since: ResumePoint?, at: EpochMillis, input: SnapshotInput, patches: Bool,
                        select: StreamSelection?) -> Bool {
        guard s.topics[topic] != nil else {
            conn.push(.control(HubFrame.error("unknown-topic", "no org '\(topic.scopeOrg?.rawValue ?? topicName)' is configured",
                                              topic: topicName)))
            return true
        }
        let t = s.topics[topic]!
        let missed = since.flatMap { t.missedDeltas(epoch: $0.epoch, after: $0.seq) }
        var frame: SharedFrame?
        var live = false
        if missed == nil {
            switch input {
            case .live(let entities):
                frame = s.topics[topic]!.snapshot(at: at, syntheticOrgs: Self.syntheticOrgs(s, topic), live: entities)
                live = true
            case .cachedOnly:
                if let f = t.freshSnapshot(now: .now, maxAge: s.configuration.flushInterval) {
                    frame = f
                    live = true
                } else if s.liveSource == nil || topic.isFamily {
                    // The families' views (speech, speech text) publish their figures on their own tick: their
                    // snapshot is the state after the last delta.
                    frame = s.topics[topic]!.snapshot(at: at, syntheticOrgs: Self.syntheticOrgs(s, topic))
                } else {
                    return false
                }
            }
        }
        let limit = s.configuration.maxTopicsPerConnection
        let already = conn.hasSubscription(topic)
        guard conn.addSubscription(topic, limit: limit) else {
            conn.push(.control(HubFrame.error("limit", "at most \(limit) topics per connection", topic: topicName)))
            return true
        }
        if !already {
            s.topics[topic]!.subscribers[conn.id] = conn
            metrics.subscriptions(topic: topicName, delta: 1)
        }
        // Every later delta of this topic goes to this client as patches, or every one whole (docs/protocol.md).
        conn.setPatches(patches, topic: t.name)
        conn.setSelection(select, topic: t.name)
        if patches { s.topics[topic]!.patchSubscribers.insert(conn.id) } else { s.topics[topic]!.patchSubscribers.remove(conn.id) }
        if let since, let missed {
            conn.push(.control(HubFrame.recovered(topic: t.name, epoch: t.epoch, from: since.seq + 1, to: t.seq)))
            for delta in missed { conn.push(.delta(delta)) }
        } else if let frame {
            // Whoever gets a snapshot computed at read time holds its fragments, not the last deltas': the next
            // change of each entity also carries the fields where they differ (TopicState.divergent).
            if live { s.topics[topic]!.liveSnapshotSent(patches: patches) }
            conn.pushSnapshot(topic: t.name, frame)
        }
        for alert in Self.activeAlerts(s, topic) {
            conn.push(.control(HubFrame.alert(alert, topic: t.name)))
        }
        if conn.principal.isAdmin, let alert = s.configAlert {
            conn.push(.control(HubFrame.alert(alert, topic: nil)))
        }
        return true
    }

    /// Ends a subscription; answers `{"type":"unsubscribed","topic":…,"reason":"requested"}`.
    func unsubscribe(_ conn: ClientConnection, topicName: String) {
        guard let topic = HubTopic(parsing: topicName) else {
            conn.push(.control(HubFrame.error("unknown-topic", HubTopic.namesHelp, topic: topicName)))
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
        case .global:
            Set(s.alerts.keys).union(s.tokenAlerts.keys).union(s.eventStreamAlerts.keys).sorted().flatMap {
                [s.alerts[$0], s.tokenAlerts[$0], s.eventStreamAlerts[$0]].compactMap { $0 }
            }
        case .org(let org): [s.alerts[org], s.tokenAlerts[org], s.eventStreamAlerts[org]].compactMap { $0 }
        case .family, .familyGlobal: []
        }
    }

    /// Org entries for configured orgs the views have not described yet, so every snapshot carries
    /// each org's `status` (from its active alert, else `connecting`).
    static func syntheticOrgs(_ s: State, _ topic: HubTopic) -> [(OrgID, EncodedJSON)] {
        let orgs: [OrgID]
        switch topic {
        case .global: orgs = (s.declaredOrgs ?? []).sorted()
        case .org(let org): orgs = [org]
        case .family, .familyGlobal: return []
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
            o.append(contentsOf: #","lastHeartbeatAt":null,"lastEventAt":null,"behindSeconds":null}"#.utf8)
            return (org, EncodedJSON(bytes: o))
        }
    }
}
