import OrderedCollections
import SwitchboardCore

/// The hub in a cluster (docs/scale-out.md, "Shared view stream"). Each org's topics (`org:<id>`,
/// `<family>:<id>`) have one writer, the org's leader: its flushed deltas leave through the export closure, and
/// every other replica applies them under the same epoch and seq, so a client resumes on any replica. The
/// `global` topics are merged on each replica from the org topics' entities.
extension StreamHub {
    /// Enters cluster mode with the orgs this replica leads now; `export` receives their deltas after every
    /// flush (outside the hub's lock; it must not block). Call again whenever leadership changes.
    public func setLedOrgs(_ led: Set<OrgID>, export: (@Sendable ([RemoteDelta]) -> Void)? = nil) {
        state.withLock { s in
            let before = s.ledOrgs ?? []
            s.ledOrgs = led
            if let export { s.exportDeltas = export }
            // An org given up publishes nothing more: what its views staged is dropped.
            for org in before.subtracting(led) {
                for topic in Self.orgTopics(org) { s.topics[topic]?.dropPending() }
            }
        }
    }

    /// A take-over of `org` (call before ``setLedOrgs(_:export:)`` adds it): its topics hold what the previous
    /// leader published, and whatever this replica's views do not publish again before ``settleTakeOver(_:)`` is
    /// removed then — a call that ended with the replica that died, an agent deleted meanwhile — as a restart that
    /// kept the epoch does (docs/store.md "Hub epoch"; docs/scale-out.md "Take-over").
    public func holdForTakeOver(_ org: OrgID) {
        state.withLock { s in for topic in Self.orgTopics(org) { s.topics[topic]?.holdEveryEntity() } }
    }

    /// Removes, in the next delta of each of `org`'s topics and of the merged global topics, the entities held at
    /// the take-over that were not published again; returns how many.
    @discardableResult
    public func settleTakeOver(_ org: OrgID) -> Int {
        let now = ContinuousClock.now
        let removed = state.withLock { s -> Int in
            guard s.ledOrgs?.contains(org) ?? false else {
                for topic in Self.orgTopics(org) { s.topics[topic]?.dropPurge() }
                return 0
            }
            var n = 0
            for topic in Self.orgTopics(org) {
                guard let gone = s.topics[topic]?.takePurge(now: now), !gone.isEmpty else { continue }
                Self.stageGlobal(&s, topic, gone.map { RemoteDelta.Change(kind: $0.kind, id: $0.id, json: nil) }, now: now)
                n += gone.count
            }
            return n
        }
        if removed > 0 {
            logger.info("entities of the previous leader not published again removed", metadata: ["org": "\(org)", "count": "\(removed)"])
        }
        return removed
    }

    /// The orgs this replica leads (nil outside a cluster).
    public var ledOrgs: Set<OrgID>? { state.withLock { $0.ledOrgs } }

    /// What applying a remote delta found.
    public enum RemoteApplyResult: Sendable, Equatable {
        case applied
        /// At or before the topic's seq in the same epoch: already applied.
        case duplicate
        /// Another epoch, or a seq past the next: the topic needs its leader's state first.
        case needsState
        /// Not an org topic of a declared org this replica does not lead.
        case ignored
    }

    /// Applies deltas another replica flushed (in order): each goes to the topic's history and subscribers as it
    /// came, and its listed entities are staged for the merged `global` topics.
    @discardableResult
    public func applyRemote(_ deltas: [RemoteDelta]) -> [RemoteApplyResult] {
        let now = ContinuousClock.now
        var evicted: [ClientConnection] = []
        return state.withLock { s in
            let size = s.configuration.historySize, age = s.configuration.historyMaxAge
            let bytes = s.configuration.historyMaxBytes
            var results: [RemoteApplyResult] = []
            for d in deltas {
                guard let topic = Self.remoteTopic(s, d.topic), let t = s.topics[topic] else {
                    results.append(.ignored)
                    continue
                }
                guard d.epoch == t.epoch else {
                    results.append(.needsState)
                    continue
                }
                if d.seq <= t.seq {
                    results.append(.duplicate)
                    continue
                }
                guard d.seq == t.seq + 1 else {
                    results.append(.needsState)
                    continue
                }
                var changes: OrderedDictionary<TopicState.Key, EncodedJSON?> = [:]
                for c in d.changes { changes[TopicState.Key(kind: c.kind, id: c.id)] = .some(c.json) }
                s.topics[topic]!.dropPending()
                let delta = s.topics[topic]!.commit(changes, seq: d.seq, at: d.at, publishedAt: now, now: now)
                s.topics[topic]!.pruneHistory(now: now, size: size, maxAge: age, maxBytes: bytes)
                metrics.deltaPublished(topic: delta.topic, changes: delta.changes.count)
                for conn in s.topics[topic]!.subscribers.values where !conn.push(.delta(delta)) { evicted.append(conn) }
                Self.stageGlobal(&s, topic, d.changes, now: now)
                results.append(.applied)
            }
            for conn in evicted { Self.detachSubscriptions(&s, conn, metrics: metrics) }
            return results
        }
    }

    /// Starts the org topics in `states` over from their leader's state when it is another epoch or ahead of
    /// them; their subscribers get the new snapshot. Returns how many topics were replaced.
    @discardableResult
    public func applyRemote(states: [RemoteTopicState]) -> Int {
        let now = ContinuousClock.now
        let at = clock.now()
        return state.withLock { s in
            var replaced = 0
            for st in states {
                guard let topic = Self.remoteTopic(s, st.topic), let t = s.topics[topic] else { continue }
                if st.epoch == t.epoch && st.seq <= t.seq { continue }
                s.topics[topic]!.replace(epoch: st.epoch, seq: st.seq,
                                         entities: st.entities.compactMap { c in
                                             c.json.map { (TopicState.Key(kind: c.kind, id: c.id), $0) }
                                         })
                replaced += 1
                Self.stageGlobal(&s, topic, st.entities, now: now)
                let subs = s.topics[topic]!.subscribers
                guard !subs.isEmpty else { continue }
                let frame = s.topics[topic]!.snapshot(at: at, syntheticOrgs: Self.syntheticOrgs(s, topic))
                for conn in subs.values { conn.pushSnapshot(topic: st.topic, frame) }
            }
            return replaced
        }
    }

    /// The state of every topic of `org` now (the leader publishes it for replicas that join late or missed a
    /// delta).
    public func exportStates(org: OrgID) -> [RemoteTopicState] {
        let at = clock.now()
        return state.withLock { s in
            Self.orgTopics(org).compactMap { topic in
                guard let t = s.topics[topic] else { return nil }
                return RemoteTopicState(topic: t.name, epoch: t.epoch, seq: t.seq, at: at,
                                        entities: t.allEntities.map { .init(kind: $0.0.kind, id: $0.0.id, json: $0.1) })
            }
        }
    }

    /// The (epoch, seq) of a topic, for tests and `/readyz`.
    public func position(topic name: String) -> (epoch: String, seq: Int)? {
        guard let topic = HubTopic(parsing: name) else { return nil }
        return state.withLock { s in s.topics[topic].map { ($0.epoch, $0.seq) } }
    }

    /// The `status` of the org's entry in `org:<id>` as its leader last published it (for `/readyz` on a replica
    /// that does not lead the org).
    public func publishedStatus(of org: OrgID) -> OrgStatus? {
        guard let json = state.withLock({ $0.topics[.org(org)]?.fragment(kind: .orgs, id: org.rawValue) }) else { return nil }
        let text = json.string
        guard let r = text.range(of: #""status":""#) else { return nil }
        let rest = text[r.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return OrgStatus(rawValue: String(rest[..<end]))
    }

    /// An org topic of a declared org that this replica does not lead.
    private static func remoteTopic(_ s: State, _ name: String) -> HubTopic? {
        guard let topic = HubTopic(parsing: name), let org = topic.scopeOrg else { return nil }
        if let led = s.ledOrgs, led.contains(org) { return nil }
        if let declared = s.declaredOrgs, !declared.contains(org) { return nil }
        return topic
    }

    /// The merged `global` / `<family>:global`: an org topic's listed entities belong to it too (its singletons,
    /// the org's own totals, do not).
    private static func stageGlobal(_ s: inout State, _ topic: HubTopic, _ changes: [RemoteDelta.Change],
                                    now: ContinuousClock.Instant) {
        let global: HubTopic
        switch topic {
        case .org: global = .global
        case .family(let f, _): global = .familyGlobal(f)
        case .global, .familyGlobal: return
        }
        for c in changes where !c.kind.isSingleton {
            s.topics[global]?.stage(EntityChange(kind: c.kind, id: c.id, scope: .global, json: c.json), now: now)
        }
    }
}

extension RemoteDelta {
    init(_ d: DeltaPayload) {
        self.init(topic: d.topic, epoch: d.epoch, seq: d.seq, at: d.at,
                  changes: d.changes.map { .init(kind: $0.kind, id: $0.id, json: $0.json) })
    }
}

extension TopicState {
    /// An entity's latest fragment.
    func fragment(kind: EntityKind, id: String) -> EncodedJSON? { entities[kind]?[id]?.json }

    /// Forgets the changes staged for the next flush (an org this replica no longer leads, or one whose delta
    /// came from its leader).
    mutating func dropPending() {
        pending.removeAll()
        pendingSince = nil
    }
}
