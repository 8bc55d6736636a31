import SwitchboardCore

/// One customer's path through the org: every contact (conversation) of one customer key, across media,
/// until no new contact came within the session timeout after the last one stopped.
public struct Journey: Sendable, Equatable {
    /// `org/j-<16 hex>`: derived from the org and the conversation that opened the journey, so the same
    /// input gives the same id and no customer data is in it.
    public let id: EntityID
    public var org: OrgID { id.org }
    /// The customer key the journey was opened with (personal data; display it through a
    /// ``CustomerKeyRedactor``).
    public let customer: CustomerKey
    /// Other keys seen for this customer on its contacts (an external contact id learnt later, a second
    /// address); a new contact with any of them joins this journey.
    public internal(set) var aliases: [CustomerKey] = []
    public internal(set) var state: JourneyState = .initiated
    /// The contacts in event-time order of their start (ties by conversation id).
    public internal(set) var contacts: [JourneyContact] = []
    /// Each medium's channel state when the journey was last evaluated.
    public internal(set) var channels: [ChannelStatus] = []
    /// The earliest event time of any contact.
    public internal(set) var openedAt: EpochMillis
    /// The latest event time of any contact.
    public internal(set) var lastActivityAt: EpochMillis
    /// When the journey stopped, in event time: when its last contact stopped (the customer's last end, or
    /// the last event of a contact that timed out). Set when the journey is closed; the stitcher declares the
    /// close one session timeout later, once no new contact came.
    public internal(set) var closedAt: EpochMillis?
    public internal(set) var closedReason: ClosedReason?
    /// Events applied after a later event of this journey had already been (beyond the reorder window).
    public internal(set) var lateEvents: Int = 0

    /// When the stitcher declared the journey closed (its clock): the retention period runs from here.
    public internal(set) var declaredClosedAt: EpochMillis?
    /// The stitcher's timer for the journey: when, and which schedule (older heap entries are stale).
    var deadline: EpochMillis?
    var version: UInt64 = 0

    init(id: EntityID, customer: CustomerKey, at: EpochMillis) {
        self.id = id
        self.customer = customer
        self.openedAt = at
        self.lastActivityAt = at
    }

    /// The media of the contacts in order, a medium repeated only after another.
    public var path: JourneyPath { JourneyPath(contacts.map(\.media)) }

    /// Changes of medium between consecutive contacts.
    public var channelSwitches: Int { path.switches }

    /// Every queue any contact passed through, in order of first visit.
    public var queues: [String] {
        var seen: Set<String> = []
        var out: [String] = []
        let visits = contacts.flatMap(\.queueVisits).sorted { $0.at < $1.at }
        for v in visits where seen.insert(v.id).inserted { out.append(v.id) }
        return out
    }

    /// `closedAt − openedAt` once closed.
    public var timeToClose: EpochMillis? { closedAt.map { $0 - openedAt } }

    public var isClosed: Bool { state == .closed }

    /// The contact of a conversation.
    public func contact(_ conversationID: String) -> JourneyContact? {
        contacts.first { $0.conversationID == conversationID }
    }

    /// A rough size in memory, for the byte cap of closed journeys.
    public var estimatedBytes: Int {
        256 + customer.canonical.utf8.count + aliases.reduce(0) { $0 + 24 + $1.canonical.utf8.count }
            + contacts.reduce(0) { $0 + $1.estimatedBytes } + 16 * channels.count
    }
}
