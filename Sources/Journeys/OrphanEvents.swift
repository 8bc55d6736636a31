import DequeModule
import SwitchboardCore

/// Events of conversations whose customer is not known yet (an agent event before the customer's), held for
/// a grace until an event names the customer.
struct OrphanEvents: Sendable {
    private var byConversation: [String: (events: [JourneyEvent], expiresAt: EpochMillis)] = [:]
    private var order: Deque<(conversation: String, expiresAt: EpochMillis)> = []
    private(set) var count = 0

    var nextExpiry: EpochMillis? {
        order.first(where: { byConversation[$0.conversation]?.expiresAt == $0.expiresAt })?.expiresAt
    }

    mutating func hold(_ e: JourneyEvent, expiresAt: EpochMillis) {
        if byConversation[e.conversationID] == nil {
            byConversation[e.conversationID] = ([], expiresAt)
            order.append((e.conversationID, expiresAt))
        }
        byConversation[e.conversationID]!.events.append(e)
        count += 1
    }

    /// The events held for a conversation, removed.
    mutating func take(_ conversation: String) -> [JourneyEvent] {
        guard let held = byConversation.removeValue(forKey: conversation) else { return [] }
        count -= held.events.count
        return held.events
    }

    /// Gives up the conversations whose grace ended by `now`, or (`force`) the oldest one.
    mutating func expire(now: EpochMillis, force: Bool = false) -> [(conversation: String, events: Int)] {
        var out: [(conversation: String, events: Int)] = []
        while let first = order.first {
            let live = byConversation[first.conversation]?.expiresAt == first.expiresAt
            guard !live || first.expiresAt <= now || (force && out.isEmpty) else { break }
            order.removeFirst()
            if live { out.append((first.conversation, take(first.conversation).count)) }
        }
        return out
    }
}
