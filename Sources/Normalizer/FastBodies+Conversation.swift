import SwitchboardCore

/// `v2.users.{id}.conversations` bodies (``GenesysWire/Conversation``) read straight into a
/// ``ConversationReducer/Snapshot``: times are parsed from the frame bytes, and strings are made only
/// for the agent participants' ids, queue and wrap-up code.
extension FastBodies {
    /// `topicUser` is the user id of the topic: the agent participant's `userId` usually spells it,
    /// and then shares its storage.
    static func conversation(_ s: inout JSONScanner, topicUser: String) throws -> ConversationReducer.Snapshot {
        var snap = ConversationReducer.Snapshot()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "id") {
                try s.once(&seen, 1)
                snap.id = try s.optStringRange().map { s.string($0) }
            } else if s.key(k, is: "participants") {
                try s.once(&seen, 2)
                _ = try s.optArray { s in try participant(&s, into: &snap, topicUser: topicUser) }
            } else {
                try s.skipValue()
            }
        }
        return snap
    }

    private static let communicationLists: [StaticString] = [
        "calls", "callbacks", "chats", "emails", "messages", "videos", "socialExpressions",
    ]

    private static func participant(_ s: inout JSONScanner, into snap: inout ConversationReducer.Snapshot,
                                    topicUser: String) throws {
        var purpose: Range<Int>?
        var user: Range<Int>?
        var queue: Range<Int>?
        var code: Range<Int>?
        var connectedTime: EpochMillis?, endTime: EpochMillis?, acwStart: EpochMillis?, acwEnd: EpochMillis?
        var wrapupRequired: Bool?, wrapupExpected: Bool?
        var comms = ConversationReducer.Communications()
        var seen: UInt32 = 0
        try s.object { s, k in
            switch k.count {
            case 2 where s.key(k, is: "id"):
                try s.once(&seen, 1 << 0)
                try s.skipOptString()  // declared, never read
            case 7 where s.key(k, is: "purpose"):
                try s.once(&seen, 1 << 1)
                purpose = try s.optStringRange()
            case 6 where s.key(k, is: "userId"):
                try s.once(&seen, 1 << 2)
                user = try s.optStringRange()
            case 7 where s.key(k, is: "queueId"):
                try s.once(&seen, 1 << 3)
                queue = try s.optStringRange()
            case 13 where s.key(k, is: "connectedTime"):
                try s.once(&seen, 1 << 4)
                connectedTime = snap.see(try s.optTime())
            case 7 where s.key(k, is: "endTime"):
                try s.once(&seen, 1 << 5)
                endTime = snap.see(try s.optTime())
            case 12 where s.key(k, is: "startAcwTime"):
                try s.once(&seen, 1 << 6)
                acwStart = snap.see(try s.optTime())
            case 10 where s.key(k, is: "endAcwTime"):
                try s.once(&seen, 1 << 7)
                acwEnd = snap.see(try s.optTime())
            case 14 where s.key(k, is: "wrapupRequired"):
                try s.once(&seen, 1 << 8)
                wrapupRequired = try s.optBool()
            case 14 where s.key(k, is: "wrapupExpected"):
                try s.once(&seen, 1 << 9)
                wrapupExpected = try s.optBool()
            case 6 where s.key(k, is: "wrapup"):
                try s.once(&seen, 1 << 10)
                code = try wrapupCode(&s)
            default:
                guard let rank = communicationLists.firstIndex(where: { s.key(k, is: $0) }) else {
                    try s.skipValue()
                    return
                }
                try s.once(&seen, 1 << (11 + UInt32(rank)))
                _ = try s.optArray { s in try communication(&s, rank: rank, into: &comms, snap: &snap) }
            }
        }
        guard let purpose, s.lowercased(purpose, is: "agent") || s.lowercased(purpose, is: "user"),
            let user, !user.isEmpty
        else { return }
        snap.agents.append(ConversationReducer.AgentPart(
            userID: s.string(user, reusing: topicUser), queueID: queue.map { s.string($0) },
            connectedTime: connectedTime, endTime: endTime, acwStart: acwStart, acwEnd: acwEnd,
            wrapupExpected: wrapupExpected ?? wrapupRequired ?? false, wrapupCode: code.map { s.string($0) },
            communications: comms))
    }

    /// `wrapup`: null, or an object whose `code` is read.
    private static func wrapupCode(_ s: inout JSONScanner) throws -> Range<Int>? {
        if s.null() { return nil }
        var code: Range<Int>?
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "code") {
                try s.once(&seen, 1)
                code = try s.optStringRange()
            } else {
                try s.skipValue()
            }
        }
        return code
    }

    private static func communication(_ s: inout JSONScanner, rank: Int,
                                      into comms: inout ConversationReducer.Communications,
                                      snap: inout ConversationReducer.Snapshot) throws {
        var state: Range<Int>?
        var held: Bool?
        var connected: EpochMillis?, disconnected: EpochMillis?
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "id") {
                try s.once(&seen, 1 << 0)
                try s.skipOptString()  // declared, never read
            } else if s.key(k, is: "state") {
                try s.once(&seen, 1 << 1)
                state = try s.optStringRange()
            } else if s.key(k, is: "held") {
                try s.once(&seen, 1 << 2)
                held = try s.optBool()
            } else if s.key(k, is: "connectedTime") {
                try s.once(&seen, 1 << 3)
                connected = snap.see(try s.optTime())
            } else if s.key(k, is: "disconnectedTime") {
                try s.once(&seen, 1 << 4)
                disconnected = snap.see(try s.optTime())
            } else if s.key(k, is: "startHoldTime") {
                try s.once(&seen, 1 << 5)
                snap.see(try s.optTime())
            } else {
                try s.skipValue()
            }
        }
        let ended = disconnected != nil
            || state.map { s.lowercased($0, is: "disconnected") || s.lowercased($0, is: "terminated") } ?? false
        comms.add(rank: rank, connected: connected, disconnected: disconnected, ended: ended, held: held ?? false)
    }
}
