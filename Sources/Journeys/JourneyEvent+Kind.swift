extension JourneyEvent {
    /// What happened. The detail events' names (`customer.start` … `wrapup`) and the seed stream's event
    /// types (`interaction.created` … `disposition.completed`); a snapshot maps to the detail events' names.
    /// The order of the cases breaks ties between events of the same millisecond (a start before an end).
    public enum Kind: String, Sendable, Hashable, CaseIterable, Comparable {
        case interactionCreated = "interaction.created"
        case conversationStarted = "conversation.started"
        case customerStart = "customer.start"
        case acdStart = "acd.start"
        case userStart = "user.start"
        case transferInitiated = "transfer.initiated"
        case acdEnd = "acd.end"
        case userEnd = "user.end"
        case acw = "acw"
        case wrapup = "wrapup"
        case customerEnd = "customer.end"
        case conversationEnded = "conversation.ended"
        case dispositionCompleted = "disposition.completed"

        var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Kind, b: Kind) -> Bool { a.rank < b.rank }

        /// The customer has left: the contact ends at this event's time.
        var endsContact: Bool { self == .customerEnd || self == .conversationEnded }

        /// The contact is started in earnest (anything but the seed's `interaction.created`).
        var engages: Bool { self != .interactionCreated }

        /// A queue or an agent takes the contact: it ends a pending transfer.
        var startsLeg: Bool { self == .acdStart || self == .userStart }

        /// The agent's work on the contact is done (the contact is dispositioned).
        var dispositions: Bool { self == .wrapup || self == .dispositionCompleted }

        var isAgentScoped: Bool { self == .userStart || self == .userEnd || self == .acw || self == .wrapup }
        var isQueueScoped: Bool { self == .acdStart || self == .acdEnd }

        /// The kind of a detail-event topic or an EventBridge `detail-type`:
        /// `v2.detail.events.conversation.{id}.acd.start` → `.acdStart`. Nil for other topics and for detail
        /// events a journey does not use (`flow.*`, `attributes`, `voicemail.*`, …).
        public init?(detailEventTopic topic: String) {
            let prefix = "v2.detail.events.conversation."
            guard topic.hasPrefix(prefix) else { return nil }
            let rest = topic.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: ".") else { return nil }
            let suffix = rest[rest.index(after: dot)...]
            switch suffix {
            case "customer.start": self = .customerStart
            case "customer.end": self = .customerEnd
            case "acd.start": self = .acdStart
            case "acd.end": self = .acdEnd
            case "user.start": self = .userStart
            case "user.end": self = .userEnd
            case "acw": self = .acw
            case "wrapup": self = .wrapup
            default: return nil
            }
        }

        /// The kind of one of the seed stream's `eventTypes`.
        public init?(seedEventType type: String) {
            switch type {
            case "interaction.created": self = .interactionCreated
            case "conversation.started": self = .conversationStarted
            case "conversation.ended": self = .conversationEnded
            case "transfer.initiated": self = .transferInitiated
            case "disposition.completed": self = .dispositionCompleted
            default: return nil
            }
        }
    }
}
