import SwitchboardCore

/// Reduces a full conversation snapshot (`v2.users.{id}.conversations`) to one ``AgentInteraction``
/// per agent on it.
///
/// - Agents are participants with purpose `agent` (ACD) or `user` (direct) and a `userId`; several
///   participants of one user (transferred back, reconnected) are merged.
/// - `connectedAt`: the earliest `connectedTime` of the user's calls, callbacks, chats, emails,
///   messages, videos and social expressions (else the participant's `connectedTime`).
/// - `disconnectedAt`: when every communication has ended, the latest `disconnectedTime` (else the
///   participant's `endTime`).
/// - `held`: a live communication has `held: true`.
/// - ACW: the latest `startAcwTime`; `endAcwTime` once every ACW that started has ended.
/// - `observedAt`: the latest time anywhere in the snapshot (else `fallbackTime`, else 0), so an
///   older snapshot folded after a newer one is recognisably older.
///
/// Both readers of the body fill a ``Snapshot`` (``snapshot(_:)`` from the decoded
/// ``GenesysWire/Conversation``, `FastBodies.conversation` straight from the frame bytes), so the
/// reduction itself exists once.
enum ConversationReducer {
    /// The communication lists of a participant in the order that picks `mediaType` (the first
    /// list with an entry), with their media names.
    static let mediaOrder = ["voice", "callback", "chat", "email", "message", "video", "socialExpression"]

    /// A participant's communications, folded (the fold is order-independent).
    struct Communications {
        var any = false
        var connected: EpochMillis?
        var lastDisconnect: EpochMillis?
        var allEnded = true
        var held = false
        /// Index into ``mediaOrder`` of the first list with an entry.
        var mediaRank = Int.max

        mutating func add(rank: Int, connected con: EpochMillis?, disconnected dis: EpochMillis?, ended: Bool,
                          held h: Bool) {
            any = true
            mediaRank = min(mediaRank, rank)
            if let con { connected = min(connected ?? con, con) }
            if let dis { lastDisconnect = max(lastDisconnect ?? dis, dis) }
            if !ended { allEnded = false }
            if h && !ended { held = true }
        }

        /// A communication has ended when it has a `disconnectedTime` or an ended `state`.
        static func ended(disconnected: EpochMillis?, state: String?) -> Bool {
            guard disconnected == nil else { return true }
            let s = state?.lowercased() ?? ""
            return s == "disconnected" || s == "terminated"
        }
    }

    /// One participant with purpose agent/user and a non-empty `userId`.
    struct AgentPart {
        var userID: String
        var queueID: String?
        var connectedTime: EpochMillis?
        var endTime: EpochMillis?
        var acwStart: EpochMillis?
        var acwEnd: EpochMillis?
        /// `wrapupExpected ?? wrapupRequired ?? false`.
        var wrapupExpected: Bool
        var wrapupCode: String?
        var communications: Communications
    }

    /// What the reduction reads from a snapshot.
    struct Snapshot {
        var id: String?
        var agents: [AgentPart] = []
        /// The latest time anywhere in the snapshot.
        var newest: EpochMillis?

        /// Notes a time seen anywhere in the snapshot; returns it.
        @discardableResult
        mutating func see(_ t: EpochMillis?) -> EpochMillis? {
            if let t { newest = max(newest ?? t, t) }
            return t
        }
    }

    static func reduce(_ conversation: GenesysWire.Conversation, org: OrgID,
                       fallbackTime: EpochMillis?) -> [BridgeEvent] {
        reduce(snapshot(conversation), org: org, fallbackTime: fallbackTime)
    }

    /// The decoded body as a ``Snapshot``.
    static func snapshot(_ conversation: GenesysWire.Conversation) -> Snapshot {
        var s = Snapshot(id: conversation.id)
        for participant in conversation.participants ?? [] {
            let connectedTime = s.see(NotificationNormalizer.time(participant.connectedTime))
            let endTime = s.see(NotificationNormalizer.time(participant.endTime))
            let acwStart = s.see(NotificationNormalizer.time(participant.startAcwTime))
            let acwEnd = s.see(NotificationNormalizer.time(participant.endAcwTime))
            var comms = Communications()
            let lists = [participant.calls, participant.callbacks, participant.chats, participant.emails,
                         participant.messages, participant.videos, participant.socialExpressions]
            for (rank, list) in lists.enumerated() {
                for c in list ?? [] {
                    let con = s.see(NotificationNormalizer.time(c.connectedTime))
                    let dis = s.see(NotificationNormalizer.time(c.disconnectedTime))
                    s.see(NotificationNormalizer.time(c.startHoldTime))
                    comms.add(rank: rank, connected: con, disconnected: dis,
                              ended: Communications.ended(disconnected: dis, state: c.state), held: c.held ?? false)
                }
            }
            let purpose = participant.purpose?.lowercased() ?? ""
            guard purpose == "agent" || purpose == "user", let user = participant.userId, !user.isEmpty else {
                continue
            }
            s.agents.append(AgentPart(
                userID: user, queueID: participant.queueId, connectedTime: connectedTime, endTime: endTime,
                acwStart: acwStart, acwEnd: acwEnd,
                wrapupExpected: participant.wrapupExpected ?? participant.wrapupRequired ?? false,
                wrapupCode: participant.wrapup?.code, communications: comms))
        }
        return s
    }

    private struct Merge {
        var user: String
        var connected: EpochMillis?
        var lastDisconnect: EpochMillis?
        var allEnded = true
        var sawCommunication = false
        var held = false
        var acwStart: EpochMillis?
        var acwEnd: EpochMillis?
        var acwOpen = false
        var wrapupExpected = false
        var wrapupCode: String?
        var queue: String?
        var mediaType: String?
    }

    static func reduce(_ snapshot: Snapshot, org: OrgID, fallbackTime: EpochMillis?) -> [BridgeEvent] {
        guard let conversationID = snapshot.id, !conversationID.isEmpty, !snapshot.agents.isEmpty else { return [] }
        // A conversation has a handful of agents: a linear search keeps first-seen order without a dictionary.
        var merged: [Merge] = []
        merged.reserveCapacity(snapshot.agents.count)
        for part in snapshot.agents {
            let index: Int
            if let found = merged.firstIndex(where: { $0.user == part.userID }) {
                index = found
            } else {
                merged.append(Merge(user: part.userID))
                index = merged.count - 1
            }
            fold(part, into: &merged[index])
        }
        let observedAt = snapshot.newest ?? fallbackTime ?? 0
        var out: [BridgeEvent] = []
        out.reserveCapacity(merged.count)
        for m in merged {
            let ended = m.allEnded && (m.sawCommunication || m.lastDisconnect != nil)
            var acwEnd = m.acwOpen ? nil : m.acwEnd
            if let end = acwEnd, let start = m.acwStart, end < start { acwEnd = nil }
            out.append(.agentInteraction(AgentInteraction(
                agent: EntityID(org: org, platformID: m.user), conversationID: conversationID,
                queue: m.queue.map { EntityID(org: org, platformID: $0) }, mediaType: m.mediaType,
                observedAt: observedAt, connectedAt: m.connected,
                disconnectedAt: ended ? (m.lastDisconnect ?? observedAt) : nil,
                held: m.held, acwStartAt: m.acwStart, acwEndAt: acwEnd,
                wrapupExpected: m.wrapupExpected, wrapupCode: m.wrapupCode)))
        }
        return out
    }

    private static func fold(_ part: AgentPart, into m: inout Merge) {
        let c = part.communications
        if c.any {
            m.sawCommunication = true
            if let con = c.connected { m.connected = min(m.connected ?? con, con) }
            if let dis = c.lastDisconnect { m.lastDisconnect = max(m.lastDisconnect ?? dis, dis) }
            if !c.allEnded { m.allEnded = false }
            if c.held { m.held = true }
            if m.connected == nil, let connectedTime = part.connectedTime { m.connected = connectedTime }
        } else {
            if let t = part.connectedTime { m.connected = min(m.connected ?? t, t) }
            if let t = part.endTime { m.lastDisconnect = max(m.lastDisconnect ?? t, t) } else { m.allEnded = false }
        }
        if m.allEnded, m.lastDisconnect == nil, let endTime = part.endTime { m.lastDisconnect = endTime }
        if let acwStart = part.acwStart {
            m.acwStart = max(m.acwStart ?? acwStart, acwStart)
            if let acwEnd = part.acwEnd { m.acwEnd = max(m.acwEnd ?? acwEnd, acwEnd) } else { m.acwOpen = true }
        }
        if part.wrapupExpected { m.wrapupExpected = true }
        if let code = part.wrapupCode, !code.isEmpty { m.wrapupCode = code }
        if let q = part.queueID, !q.isEmpty { m.queue = q }
        if m.mediaType == nil, c.mediaRank < mediaOrder.count { m.mediaType = mediaOrder[c.mediaRank] }
    }
}
