import SwitchboardCore

extension JourneyStitcher {
    /// An org's journey rules. Durations are milliseconds of the clock the owner passes in.
    public struct Configuration: Sendable, Equatable {
        /// How customers are recognised across contacts.
        public var identity: CustomerKeyPolicy
        /// The seed's session timeout: a contact with no event for this long makes its channel `IDLE`; a
        /// journey whose contacts all stopped closes when no new contact came for this long. Default 5 min.
        public var sessionTimeout: EpochMillis
        /// How long an `IDLE` channel stays idle before its contact is closed as timed out. Default 5 min.
        public var idleGrace: EpochMillis
        /// Events are held this long after they arrive and applied in event-time order. Default 100 ms.
        public var reorderWindow: EpochMillis
        /// Closed journeys are kept this long after they closed. Default 30 days.
        public var retention: EpochMillis
        /// At most this many closed journeys are kept (least recently used evicted first). Default 50 000.
        public var maxClosedJourneys: Int
        /// At most about this many bytes of heap are held by closed journeys (the estimate is calibrated against
        /// the bench's measurement: ``ClosedJourneyCache/heapPerEstimatedByte``). Default 64 MiB.
        public var maxClosedBytes: Int
        /// Event ids and occurrences remembered for dropping duplicates. Default 200 000.
        public var seenCapacity: Int
        /// Events of a conversation whose customer is not known yet are held this long for an event that
        /// names the customer. Default 60 s.
        public var orphanGrace: EpochMillis
        /// At most this many such events are held (the oldest conversation is given up first). Default 10 000.
        public var maxOrphanEvents: Int
        /// At most this many events are held in the reorder window (the oldest are applied early). Default 10 000.
        public var maxBufferedEvents: Int

        public init(identity: CustomerKeyPolicy, sessionTimeout: EpochMillis = 300_000, idleGrace: EpochMillis = 300_000,
                    reorderWindow: EpochMillis = 100, retention: EpochMillis = 30 * 86_400_000,
                    maxClosedJourneys: Int = 50_000, maxClosedBytes: Int = 64 << 20, seenCapacity: Int = 200_000,
                    orphanGrace: EpochMillis = 60_000, maxOrphanEvents: Int = 10_000,
                    maxBufferedEvents: Int = 10_000) {
            self.identity = identity
            self.sessionTimeout = sessionTimeout
            self.idleGrace = idleGrace
            self.reorderWindow = reorderWindow
            self.retention = retention
            self.maxClosedJourneys = maxClosedJourneys
            self.maxClosedBytes = maxClosedBytes
            self.seenCapacity = seenCapacity
            self.orphanGrace = orphanGrace
            self.maxOrphanEvents = maxOrphanEvents
            self.maxBufferedEvents = maxBufferedEvents
        }
    }

    /// What the owner does after a call, in order.
    public enum Action: Sendable, Equatable {
        /// A new journey (its state after the events of this call).
        case journeyOpened(Journey)
        /// A journey changed: a contact, a state, a channel state. At most once per journey per call.
        case journeyChanged(Journey)
        /// A journey closed; it will not reopen.
        case journeyClosed(Journey)
        /// An event came after a later event of its journey had been applied (beyond the reorder window); it
        /// was still placed in the timeline. `behindBy`: how much earlier than that event it was.
        case lateEvent(journey: EntityID, eventID: String, behindBy: EpochMillis)
        /// An event was dropped as a duplicate.
        case duplicateDropped(eventID: String, reason: DuplicateReason)
        /// Events of a conversation were dropped: no event named its customer within the orphan grace.
        case unattributed(conversationID: String, events: Int)
        /// A closed journey left memory (a store may keep it).
        case evicted(Journey, reason: EvictionReason)
    }

    public enum DuplicateReason: String, Sendable, Hashable, CaseIterable {
        /// The same event id was seen before (a replay, a retried EventBridge delivery).
        case sameID
        /// The same conversation, kind and time came from another source (socket and EventBridge).
        case sameOccurrence
    }

    /// Running totals since the stitcher was made.
    public struct Counters: Sendable, Equatable {
        public var received = 0
        public var applied = 0
        public var duplicates = 0
        public var late = 0
        /// Late events for a journey already closed (placed, the journey stays closed).
        public var lateAfterClose = 0
        /// Events for a conversation whose journey was evicted (dropped).
        public var afterEviction = 0
        /// Events dropped because no event named their customer.
        public var unattributed = 0
        /// Events of another org (dropped).
        public var foreignOrg = 0
        /// Events applied before their reorder window ended because the buffer was full.
        public var bufferOverflow = 0
        public var journeysOpened = 0
        public var journeysClosed = 0
        public var evicted = 0

        public init() {}
    }
}
