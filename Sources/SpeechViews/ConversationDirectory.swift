import SwitchboardCore

/// Which agent and queue each conversation is with now (shared by the speech and speech-text views), from the connectors' `agentInteraction` events:
/// the join key between AudioHook sessions (which know only the platform conversation id) and the live
/// views. Bounded: a conversation whose agents have all left is forgotten after `endedTTL`, any other
/// after `idleTTL` without news, and beyond `capacity` entries the least recently seen go first.
public struct ConversationDirectory: Sendable {
    public struct Key: Hashable, Sendable {
        public let org: OrgID
        /// The platform conversation id (not namespaced).
        public let id: String

        public init(org: OrgID, id: String) {
            self.org = org
            self.id = id
        }
    }

    /// One agent's part in a conversation.
    public struct Part: Equatable, Sendable {
        public var agent: EntityID
        public var queue: EntityID?
        public var connectedAt: EpochMillis?
        public var disconnectedAt: EpochMillis?
        public var observedAt: EpochMillis
    }

    public struct Entry: Sendable {
        public var parts: [Part] = []
        /// Business time of the last event folded in (the directory's clock, for expiry).
        public var lastSeen: EpochMillis = 0

        /// The agent and queue the conversation is with now: of the agents that connected, the one that
        /// connected last among those still on it, else the one that connected last. Nil before any agent
        /// connected (alerting only).
        public var current: (agent: EntityID, queue: EntityID?)? {
            var best: Part?
            for p in parts where p.connectedAt != nil {
                guard let b = best else { best = p; continue }
                let pLive = p.disconnectedAt == nil, bLive = b.disconnectedAt == nil
                if pLive != bLive { if pLive { best = p }; continue }
                if p.connectedAt! > b.connectedAt! { best = p }
            }
            return best.map { ($0.agent, $0.queue) }
        }

        public var allEnded: Bool { !parts.isEmpty && parts.allSatisfy { $0.disconnectedAt != nil } }
    }

    /// Media that never stream audio: their interactions are not kept.
    public static let silentMedia: Set<String> = ["chat", "email", "message", "socialExpression", "video"]
    /// Parts kept per conversation (the most recently observed).
    public static let maxParts = 8

    public private(set) var entries: [Key: Entry] = [:]
    public var capacity: Int
    public var idleTTL: EpochMillis
    public var endedTTL: EpochMillis

    public init(capacity: Int, idleTTL: EpochMillis, endedTTL: EpochMillis) {
        self.capacity = capacity
        self.idleTTL = idleTTL
        self.endedTTL = endedTTL
    }

    public var count: Int { entries.count }

    public subscript(key: Key) -> Entry? { entries[key] }

    /// Folds one interaction in; returns whether the conversation's current agent or queue changed.
    @discardableResult
    public mutating func fold(_ x: AgentInteraction, org: OrgID, now: EpochMillis) -> Bool {
        if let m = x.mediaType, Self.silentMedia.contains(m) { return false }
        let key = Key(org: org, id: x.conversationID)
        var entry = entries[key] ?? Entry()
        let before = entry.current
        let part = Part(agent: x.agent, queue: x.queue, connectedAt: x.connectedAt, disconnectedAt: x.disconnectedAt,
                        observedAt: x.observedAt)
        if let i = entry.parts.firstIndex(where: { $0.agent == x.agent }) {
            // An older snapshot folded after a newer one changes nothing.
            guard x.observedAt >= entry.parts[i].observedAt else { return false }
            var merged = part
            if merged.queue == nil { merged.queue = entry.parts[i].queue }
            entry.parts[i] = merged
        } else {
            entry.parts.append(part)
            if entry.parts.count > Self.maxParts {
                let oldest = entry.parts.indices.min { entry.parts[$0].observedAt < entry.parts[$1].observedAt }!
                entry.parts.remove(at: oldest)
            }
        }
        entry.lastSeen = now
        entries[key] = entry
        let after = entry.current
        return before?.agent != after?.agent || before?.queue != after?.queue
    }

    /// Forgets expired conversations (and the least recently seen beyond `capacity`), except `keep`'s.
    public mutating func expire(now: EpochMillis, keep: (Key) -> Bool) {
        entries = entries.filter { key, e in
            keep(key) || now - e.lastSeen < (e.allEnded ? endedTTL : idleTTL)
        }
        guard entries.count > capacity else { return }
        let excess = entries.count - capacity
        for (key, _) in entries.sorted(by: { $0.value.lastSeen < $1.value.lastSeen }).prefix(excess) where !keep(key) {
            entries[key] = nil
        }
    }

    public mutating func removeOrg(_ org: OrgID) {
        entries = entries.filter { $0.key.org != org }
    }
}
