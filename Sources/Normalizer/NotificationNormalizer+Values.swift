import SwitchboardCore

extension NotificationNormalizer {
    /// Parses an ISO-8601 time; nil for nil, empty or unparsable strings.
    static func time(_ s: String?) -> EpochMillis? {
        guard let s, !s.isEmpty else { return nil }
        return Timestamp.parse(s)
    }

    /// A system presence in any platform spelling: `On Queue`, `ON_QUEUE`, `onQueue`, `on-queue`.
    static func presence(_ s: String?) -> SystemPresence? {
        guard let s, !s.isEmpty else { return nil }
        var out = ""
        out.reserveCapacity(s.utf8.count + 2)
        var previousLower = false
        for ch in s {
            if ch.isUppercase && previousLower { out.append("_") }
            out.append(ch)
            previousLower = ch.isLowercase
        }
        return SystemPresence(out)
    }

    /// A routing status in upper or lower case; nil when unknown.
    static func routing(_ s: String?) -> RoutingStatus? {
        guard let s, !s.isEmpty else { return nil }
        return RoutingStatus(rawValue: s) ?? RoutingStatus(rawValue: s.uppercased())
    }

    /// One ``AgentStatusChange`` per distinct time, combined when presence and routing share a time.
    /// Active queues ride on the routing-status change (or the only change).
    static func statusChanges(agent: EntityID, presence: SystemPresence?, presenceAt: EpochMillis?,
                              routing: RoutingStatus?, routingAt: EpochMillis?,
                              activeQueues: [EntityID]?) -> [BridgeEvent] {
        let p = presence.flatMap { v in presenceAt.map { (v, $0) } }
        let r = routing.flatMap { v in routingAt.map { (v, $0) } }
        switch (p, r) {
        case let (p?, r?) where p.1 == r.1:
            return [.agentStatus(AgentStatusChange(agent: agent, at: p.1, presence: p.0, routingStatus: r.0,
                                                   activeQueues: activeQueues))]
        case let (p?, r?):
            let first = AgentStatusChange(agent: agent, at: p.1, presence: p.0)
            let second = AgentStatusChange(agent: agent, at: r.1, routingStatus: r.0, activeQueues: activeQueues)
            return p.1 < r.1 ? [.agentStatus(first), .agentStatus(second)] : [.agentStatus(second), .agentStatus(first)]
        case let (p?, nil):
            return [.agentStatus(AgentStatusChange(agent: agent, at: p.1, presence: p.0, activeQueues: activeQueues))]
        case let (nil, r?):
            return [.agentStatus(AgentStatusChange(agent: agent, at: r.1, routingStatus: r.0,
                                                   activeQueues: activeQueues))]
        case (nil, nil):
            return []
        }
    }
}
