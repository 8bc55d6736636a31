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
enum ConversationReducer {
    private static let endedStates: Set<String> = ["disconnected", "terminated"]

    private struct Merge {
        var order: Int
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

    static func reduce(_ conversation: GenesysWire.Conversation, org: OrgID,
                       fallbackTime: EpochMillis?) -> [BridgeEvent] {
        guard let conversationID = conversation.id, !conversationID.isEmpty,
            let participants = conversation.participants
        else { return [] }
        var newest: EpochMillis?
        func see(_ s: String?) -> EpochMillis? {
            let t = NotificationNormalizer.time(s)
            if let t { newest = max(newest ?? t, t) }
            return t
        }
        var merged: [String: Merge] = [:]
        for participant in participants {
            let connectedTime = see(participant.connectedTime)
            let endTime = see(participant.endTime)
            let acwStart = see(participant.startAcwTime)
            let acwEnd = see(participant.endAcwTime)
            var comms: [(GenesysWire.Communication, String)] = []
            for (list, media) in [
                (participant.calls, "voice"), (participant.callbacks, "callback"), (participant.chats, "chat"),
                (participant.emails, "email"), (participant.messages, "message"), (participant.videos, "video"),
                (participant.socialExpressions, "socialExpression"),
            ] {
                for c in list ?? [] { comms.append((c, media)) }
            }
            var commTimes: [(connected: EpochMillis?, disconnected: EpochMillis?, ended: Bool, held: Bool)] = []
            for (c, _) in comms {
                let con = see(c.connectedTime)
                let dis = see(c.disconnectedTime)
                _ = see(c.startHoldTime)
                let ended = dis != nil || endedStates.contains(c.state?.lowercased() ?? "")
                commTimes.append((con, dis, ended, c.held ?? false))
            }
            let purpose = participant.purpose?.lowercased() ?? ""
            guard purpose == "agent" || purpose == "user", let user = participant.userId, !user.isEmpty else {
                continue
            }
            var m = merged[user] ?? Merge(order: merged.count)
            for t in commTimes {
                m.sawCommunication = true
                if let con = t.connected { m.connected = min(m.connected ?? con, con) }
                if let dis = t.disconnected { m.lastDisconnect = max(m.lastDisconnect ?? dis, dis) }
                if !t.ended { m.allEnded = false }
                if t.held && !t.ended { m.held = true }
            }
            if commTimes.isEmpty {
                if let connectedTime { m.connected = min(m.connected ?? connectedTime, connectedTime) }
                if let endTime { m.lastDisconnect = max(m.lastDisconnect ?? endTime, endTime) } else { m.allEnded = false }
            } else if m.connected == nil, let connectedTime {
                m.connected = connectedTime
            }
            if m.allEnded, m.lastDisconnect == nil, let endTime { m.lastDisconnect = endTime }
            if let acwStart {
                m.acwStart = max(m.acwStart ?? acwStart, acwStart)
                if let acwEnd { m.acwEnd = max(m.acwEnd ?? acwEnd, acwEnd) } else { m.acwOpen = true }
            }
            if participant.wrapupExpected ?? participant.wrapupRequired ?? false { m.wrapupExpected = true }
            if let code = participant.wrapup?.code, !code.isEmpty { m.wrapupCode = code }
            if let q = participant.queueId, !q.isEmpty { m.queue = q }
            if m.mediaType == nil { m.mediaType = comms.first?.1 }
            merged[user] = m
        }
        let observedAt = newest ?? fallbackTime ?? 0
        return merged.sorted { $0.value.order < $1.value.order }.map { user, m in
            let ended = m.allEnded && (m.sawCommunication || m.lastDisconnect != nil)
            var acwEnd = m.acwOpen ? nil : m.acwEnd
            if let end = acwEnd, let start = m.acwStart, end < start { acwEnd = nil }
            return .agentInteraction(AgentInteraction(
                agent: EntityID(org: org, platformID: user), conversationID: conversationID,
                queue: m.queue.map { EntityID(org: org, platformID: $0) }, mediaType: m.mediaType,
                observedAt: observedAt, connectedAt: m.connected,
                disconnectedAt: ended ? (m.lastDisconnect ?? observedAt) : nil,
                held: m.held, acwStartAt: m.acwStart, acwEndAt: acwEnd,
                wrapupExpected: m.wrapupExpected, wrapupCode: m.wrapupCode))
        }
    }
}
