import Store
import SwitchboardCore

/// Keeping the epoch across a restart (docs/store.md, "Hub epoch"). The hub's deltas are numbered per topic
/// within an epoch; a client resumes with (epoch, seq). After a graceful shutdown the store holds every topic's
/// last seq and the entities a client may hold, so the restarted hub continues the numbering under the same
/// epoch: a client that saw the last delta resumes without a snapshot, gets everything the restarted views
/// send as deltas, and — once the hub settles — removals for entities that did not come back. After a crash
/// (`clean == false`) or with nothing stored the epoch changes and clients re-snapshot.
extension StreamHub {
    /// The hub's current resume state, for the store (`clean`: written at graceful shutdown).
    public func resumeState(clean: Bool, at: EpochMillis) -> HubState {
        state.withLock { s in
            var topics: [String: Int] = [:]
            var entities: [String: [String]] = [:]
            for (_, t) in s.topics {
                topics[t.name] = t.seq
                entities[t.name] = t.heldKeys
            }
            let epoch = s.topics[.global]?.epoch ?? ""
            return HubState(epoch: epoch, topics: topics, savedAt: at, clean: clean, entities: entities)
        }
    }

    /// Continues `saved` when it was written by a graceful shutdown (call after ``setOrgs(_:)``, before
    /// clients connect); returns whether the epoch was kept.
    @discardableResult
    public func resume(from saved: HubState?) -> Bool {
        guard let saved, saved.clean, !saved.epoch.isEmpty else {
            let why = saved == nil ? "nothing stored" : "the previous run did not shut down cleanly"
            logger.notice("new epoch: clients re-snapshot", metadata: ["why": "\(why)"])
            return false
        }
        state.withLock { s in
            s.epoch = saved.epoch
            var topics: [HubTopic: TopicState] = [:]
            for (topic, t) in s.topics {
                let keys = Set((saved.entities[t.name] ?? []).compactMap(Self.key))
                topics[topic] = TopicState(topic: topic, epoch: saved.epoch, seq: saved.topics[t.name] ?? 0, purge: keys)
            }
            s.topics = topics
            s.resumePending = true
        }
        logger.notice("epoch kept from the previous run", metadata: ["epoch": "\(saved.epoch)", "topics": "\(saved.topics.count)"])
        return true
    }

    /// After a kept epoch, once the views have sent what they hold again: removes what did not come back.
    public func settleResume() {
        let now = ContinuousClock.now
        let removed: Int = state.withLock { s in
            guard s.resumePending else { return 0 }
            s.resumePending = false
            var n = 0
            for key in Array(s.topics.keys) { n += s.topics[key]?.settlePurge(now: now) ?? 0 }
            return n
        }
        if removed > 0 { logger.info("entities gone since the previous run removed", metadata: ["count": "\(removed)"]) }
    }

    private static func key(_ text: String) -> TopicState.Key? {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let kind = String(text[..<slash]), id = String(text[text.index(after: slash)...])
        guard !kind.isEmpty, !id.isEmpty else { return nil }
        return TopicState.Key(kind: EntityKind(rawValue: kind), id: id)
    }
}
