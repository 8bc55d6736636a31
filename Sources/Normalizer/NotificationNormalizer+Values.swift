import SwitchboardCore

extension NotificationNormalizer {
    /// Parses an ISO-8601 time; nil for nil, empty or unparsable strings.
    static func time(_ s: String?) -> EpochMillis? {
        guard let s, !s.isEmpty else { return nil }
        return Timestamp.parse(s)
    }

    /// A system presence in any platform spelling: `On Queue`, `ON_QUEUE`, `onQueue`, `on-queue`.
    static func presence(_ s: String?) -> SystemPresence? {
        guard var s, !s.isEmpty else { return nil }
        if let known = s.withUTF8({ knownPresence($0) }) { return known }
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

    /// The documented system presence an ASCII spelling normalises to, without making strings (the
    /// `Character` walk below was ≈ 6 % of the activity profile); nil for anything else, which then
    /// takes that walk. Same rules: `_` between a lower- and an upper-case letter, upper-cased,
    /// space and `-` as `_`.
    private static func knownPresence(_ u: UnsafeBufferPointer<UInt8>) -> SystemPresence? {
        guard u.count <= 16 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out -> SystemPresence? in
            var n = 0
            var previousLower = false
            for c in u {
                guard c < 0x80 else { return nil }
                let upper = c >= 0x41 && c <= 0x5A, lower = c >= 0x61 && c <= 0x7A
                if upper && previousLower {
                    out[n] = 0x5F
                    n += 1
                }
                out[n] = lower ? c - 0x20 : (c == 0x20 || c == 0x2D) ? 0x5F : c
                n += 1
                previousLower = lower
            }
            let spelled = UnsafeBufferPointer(rebasing: out[..<n])
            for p in SystemPresence.known where p.rawValue.utf8.elementsEqual(spelled) { return p }
            return nil
        }
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
