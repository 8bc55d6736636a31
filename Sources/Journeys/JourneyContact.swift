import SwitchboardCore

/// One contact of a journey: one conversation on one medium, from its first event to the customer's end.
/// Every field is derived from absolute event times, so a late or repeated event lands in the same place.
public struct JourneyContact: Sendable, Equatable {
    public let conversationID: String
    public let media: JourneyMedia
    /// The earliest event time of the conversation.
    public internal(set) var start: EpochMillis
    /// When the customer left: the earliest `customer.end` or `conversation.ended`, else (the end was missed)
    /// the `disposition.completed`; nil while in progress or when no end came.
    public var end: EpochMillis? { endEventAt ?? dispositionAt }
    /// The contact had no event for the session timeout and its grace, and was closed without an end.
    public internal(set) var timedOut: Bool = false
    /// Queues the contact passed through, in event-time order.
    public var queues: [String] { queueVisits.map(\.id) }
    /// Agents who took it, in event-time order.
    public var agents: [String] { agentVisits.map(\.id) }
    /// Transfers initiated on this contact (between queues, agents or media).
    public var transfers: Int { transferTimes.count }
    /// A disposition came (`disposition.completed` or a wrap-up).
    public internal(set) var dispositioned: Bool = false
    public internal(set) var wrapupCode: String?
    /// Anything beyond the seed's `interaction.created` happened.
    public internal(set) var engaged: Bool = false

    /// The latest event time seen on the contact.
    public internal(set) var lastEventAt: EpochMillis
    /// When its latest event was received (liveness: a backlog does not look dead on arrival).
    var lastArrivalAt: EpochMillis
    var endEventAt: EpochMillis?
    var dispositionAt: EpochMillis?
    var wrapupAt: EpochMillis?
    var queueVisits: [Visit] = []
    var agentVisits: [Visit] = []
    var transferTimes: [EpochMillis] = []
    var legStarts: [EpochMillis] = []

    struct Visit: Sendable, Equatable {
        var id: String
        var at: EpochMillis
    }

    init(conversationID: String, media: JourneyMedia, start: EpochMillis, arrival: EpochMillis) {
        self.conversationID = conversationID
        self.media = media
        self.start = start
        self.lastEventAt = start
        self.lastArrivalAt = arrival
    }

    /// Ended by an event or by the timeout.
    public var isClosed: Bool { end != nil || timedOut }

    /// When the contact stopped: its end, or for a timed-out one its last event.
    public var stoppedAt: EpochMillis? { end ?? (timedOut ? lastEventAt : nil) }

    /// Finished cleanly: ended, and dispositioned if an agent took it.
    var isComplete: Bool { end != nil && (dispositioned || agentVisits.isEmpty) }

    /// The later of its last event time and the arrival of that event: the clock's idle timers start here.
    var liveAt: EpochMillis { max(lastEventAt, lastArrivalAt) }

    /// The last transfer not followed by a queue or an agent taking the contact, if any.
    var pendingTransfer: EpochMillis? {
        guard let t = transferTimes.max() else { return nil }
        return legStarts.contains(where: { $0 >= t }) ? nil : t
    }

    /// Folds one event (of this conversation) in. Order does not matter.
    mutating func apply(_ e: JourneyEvent, arrival: EpochMillis) {
        start = min(start, e.time)
        lastEventAt = max(lastEventAt, e.time)
        lastArrivalAt = max(lastArrivalAt, arrival)
        if e.kind.engages { engaged = true }
        if let q = e.queueID, !q.isEmpty { Self.visit(&queueVisits, q, e.time) }
        if let a = e.agentID, !a.isEmpty, e.kind != .acdEnd { Self.visit(&agentVisits, a, e.time) }
        if e.kind.startsLeg, !legStarts.contains(e.time) { legStarts.append(e.time) }
        if e.kind == .transferInitiated, !transferTimes.contains(e.time) { transferTimes.append(e.time) }
        if e.kind.endsContact { endEventAt = min(endEventAt ?? e.time, e.time) }
        if e.kind.dispositions {
            dispositioned = true
            if let code = e.wrapupCode, e.time >= (wrapupAt ?? e.time) {
                wrapupCode = code
                wrapupAt = e.time
            }
        }
        if e.kind == .dispositionCompleted { dispositionAt = min(dispositionAt ?? e.time, e.time) }
        if end != nil { timedOut = false }
    }

    /// Records a visit of `id` at `at`, keeping each id once at its earliest time, in time order.
    private static func visit(_ visits: inout [Visit], _ id: String, _ at: EpochMillis) {
        if let i = visits.firstIndex(where: { $0.id == id }) {
            guard at < visits[i].at else { return }
            visits.remove(at: i)
        }
        let i = visits.firstIndex(where: { $0.at > at }) ?? visits.count
        visits.insert(Visit(id: id, at: at), at: i)
    }

    /// A rough size in memory, for the byte cap of closed journeys.
    var estimatedBytes: Int {
        160 + conversationID.utf8.count + (wrapupCode?.utf8.count ?? 0)
            + queueVisits.reduce(0) { $0 + 32 + $1.id.utf8.count }
            + agentVisits.reduce(0) { $0 + 32 + $1.id.utf8.count }
            + 8 * (transferTimes.count + legStarts.count)
    }
}
