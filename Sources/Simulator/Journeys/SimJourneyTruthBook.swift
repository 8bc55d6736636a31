import Journeys
import SwitchboardCore

/// The journeys truth of one org, kept as the workload runs: every contact a customer key has, grouped into
/// journeys by the documented rules (docs/journeys.md), applied in event time as if every event arrived the
/// moment it happened. A second, independent reading of the rules — the bridge's stitcher is not used; only
/// its journey id function, so the ids are the ones the bridge computes.
///
/// The rules, as applied here (T = session timeout, G = idle grace):
/// - A contact is *in progress* until the customer's end; one silent (no event) for T + G is closed as
///   timed out, unless the journey closed first; an event on it while its journey is open revives it.
/// - A journey closes at the first moment every contact has ended or timed out and its last event is T old;
///   it never reopens. Its `closedAt` is when its last contact stopped; the reason is `abandonedAtTimeout` if a
///   contact timed out, else `completed` if every contact was dispositioned or never taken, else `timeout`.
/// - A new conversation of a key joins the key's open journey if a contact of it is in progress or it starts
///   within T of the journey's last event; else it joins a closed journey of the key whose span (± T) holds
///   its start (a late contact; the journey stays closed); else it opens a journey.
/// Events must be given in time order (the model runs in time order).
struct SimJourneyTruthBook {
    struct Contact {
        let conversationID: String
        let media: JourneyMedia
        var start: EpochMillis
        var lastEventAt: EpochMillis
        var end: EpochMillis?
        var taken = false
        var dispositioned = false
        var timedOut = false
        var isClosed: Bool { end != nil || timedOut }
        var stoppedAt: EpochMillis? { end ?? (timedOut ? lastEventAt : nil) }
        var isComplete: Bool { end != nil && (dispositioned || !taken) }
    }

    struct Journey {
        let serial: Int
        let id: String
        let key: String
        let source: String
        var contacts: [Contact]
        var openedAt: EpochMillis
        var lastActivityAt: EpochMillis
        var closed = false
        var closedAt: EpochMillis?
        var reason: ClosedReason?
        /// When the rules closed it.
        var declaredAt: EpochMillis?
        var margin: EpochMillis?
    }

    /// What one event did to its contact.
    struct Change {
        var ends = false
        var agent = false
        var disposition = false
    }

    let org: OrgID
    let timeout: EpochMillis
    let grace: EpochMillis
    let capacity: Int
    private(set) var journeys: [Int: Journey] = [:]
    private var openByKey: [String: Int] = [:]
    private var closedByKey: [String: [Int]] = [:]
    private var byConversation: [String: Int] = [:]
    private var order: [Int] = []
    private var nextSerial = 0

    init(org: String, timeout: EpochMillis, grace: EpochMillis, capacity: Int) {
        self.org = OrgID(org)
        self.timeout = timeout
        self.grace = grace
        self.capacity = max(1, capacity)
    }

    // MARK: Input

    /// A new conversation of customer `key` starting at `at` (its first event).
    mutating func begin(conversation: String, key: String, media: JourneyMedia, at: EpochMillis, source: String) {
        guard byConversation[conversation] == nil else { return }
        var contact = Contact(conversationID: conversation, media: media, start: at, lastEventAt: at)
        var placement: EpochMillis?
        if let serial = openByKey[key], var j = journeys[serial], !j.closed {
            placement = distance(j, at: at)
            j.margin = min(j.margin ?? placement!, placement!)
            journeys[serial] = j
            settle(serial, to: at)
            if var j = journeys[serial], !j.closed {
                if j.contacts.contains(where: { !$0.isClosed }) || at <= j.lastActivityAt + timeout {
                    add(&contact, to: &j)
                    journeys[serial] = j
                    byConversation[conversation] = serial
                    return
                }
                close(serial, at: at)
            }
        }
        for serial in (closedByKey[key] ?? []).reversed() {
            guard var j = journeys[serial] else { continue }
            if at >= j.openedAt - timeout && at <= j.lastActivityAt + timeout {
                add(&contact, to: &j)
                j.closedAt = Self.closedAt(j)
                journeys[serial] = j
                byConversation[conversation] = serial
                return
            }
        }
        let serial = nextSerial
        nextSerial += 1
        let id = JourneyStitcher.journeyID(org: org, conversation: conversation).description
        journeys[serial] = Journey(serial: serial, id: id, key: key, source: source, contacts: [contact],
                                   openedAt: at, lastActivityAt: at, margin: placement)
        openByKey[key] = serial
        byConversation[conversation] = serial
        order.append(serial)
        evictIfNeeded(at: at)
    }

    /// An event of a known conversation at `at` (not earlier than any event given before).
    mutating func event(conversation: String, at: EpochMillis, _ change: Change = Change()) {
        guard let serial = byConversation[conversation] else { return }
        settle(serial, to: at)
        guard var j = journeys[serial], let i = j.contacts.firstIndex(where: { $0.conversationID == conversation })
        else { return }
        if !j.closed { note(&j, at: at) }
        var c = j.contacts[i]
        c.start = min(c.start, at)
        c.lastEventAt = max(c.lastEventAt, at)
        if change.agent { c.taken = true }
        if change.disposition { c.dispositioned = true }
        if change.ends { c.end = min(c.end ?? at, at) }
        if !j.closed || c.end != nil { c.timedOut = false }
        j.contacts[i] = c
        j.lastActivityAt = max(j.lastActivityAt, at)
        if j.closed { j.closedAt = Self.closedAt(j) }
        journeys[serial] = j
    }

    // MARK: Reads

    /// Every kept journey at `now` (timers due by then applied), oldest first.
    mutating func report(now: EpochMillis) -> [SimJourneyTruth.Journey] {
        for serial in order { settle(serial, to: now + 1) }
        return order.compactMap { journeys[$0] }.map { j in
            SimJourneyTruth.Journey(
                id: j.id, customer: j.key, source: j.source, openedAt: j.openedAt, lastActivityAt: j.lastActivityAt,
                contacts: j.contacts.map { c in
                    SimJourneyTruth.Contact(
                        conversationId: c.conversationID, media: c.media.rawValue, startedAt: c.start, endedAt: c.end,
                        lastEventAt: c.lastEventAt, taken: c.taken, dispositioned: c.dispositioned, timedOut: c.timedOut)
                },
                closed: j.closed, closedReason: j.reason?.rawValue, closedAt: j.closedAt,
                closeDueAt: j.declaredAt ?? closeDue(j),
                marginMs: j.margin)
        }
    }

    /// The journey of a conversation, if kept.
    func journey(conversation: String) -> Journey? { byConversation[conversation].flatMap { journeys[$0] } }

    // MARK: Rules

    /// When an open journey closes if nothing more happens: every contact ended or timed out (a silent one at
    /// its last event + T + G) and its last event T old.
    func closeDue(_ j: Journey) -> EpochMillis {
        var due = j.lastActivityAt + timeout
        for c in j.contacts where !c.isClosed { due = max(due, c.lastEventAt + timeout + grace) }
        return due
    }

    /// Applies the timers of an open journey that fall due before `t`: contacts timing out, the journey closing.
    private mutating func settle(_ serial: Int, to t: EpochMillis) {
        guard var j = journeys[serial], !j.closed else { return }
        let due = closeDue(j)
        if due < t {
            for i in j.contacts.indices where !j.contacts[i].isClosed { j.contacts[i].timedOut = true }
            journeys[serial] = j
            close(serial, at: due)
            return
        }
        for i in j.contacts.indices where !j.contacts[i].isClosed
            && j.contacts[i].lastEventAt + timeout + grace < t {
            j.contacts[i].timedOut = true
        }
        journeys[serial] = j
    }

    /// Records how near `t` (an event or a new contact) comes to the journey's thresholds.
    private func note(_ j: inout Journey, at t: EpochMillis) {
        let m = distance(j, at: t)
        j.margin = min(j.margin ?? m, m)
    }

    /// How far `t` is from the moment an open journey closes if nothing more happens (``closeDue(_:)``): an
    /// event or a new contact that near it may find the journey open or closed depending on delivery. (A silent
    /// contact timing out a little before or after an event of another contact ends the same either way.)
    private func distance(_ j: Journey, at t: EpochMillis) -> EpochMillis {
        abs(t - closeDue(j))
    }

    private func add(_ c: inout Contact, to j: inout Journey) {
        j.contacts.append(c)
        j.contacts.sort { ($0.start, $0.conversationID) < ($1.start, $1.conversationID) }
        j.openedAt = min(j.openedAt, c.start)
        j.lastActivityAt = max(j.lastActivityAt, c.lastEventAt)
    }

    private mutating func close(_ serial: Int, at: EpochMillis) {
        guard var j = journeys[serial], !j.closed else { return }
        j.closed = true
        j.declaredAt = at
        j.closedAt = Self.closedAt(j)
        j.reason = j.contacts.contains(where: \.timedOut) ? .abandonedAtTimeout
            : j.contacts.allSatisfy(\.isComplete) ? .completed : .timeout
        journeys[serial] = j
        if openByKey[j.key] == serial { openByKey[j.key] = nil }
        closedByKey[j.key, default: []].append(serial)
    }

    private static func closedAt(_ j: Journey) -> EpochMillis {
        j.contacts.compactMap(\.stoppedAt).max() ?? j.lastActivityAt
    }

    /// Past the capacity, the oldest closed journeys are forgotten (their later events are ignored).
    private mutating func evictIfNeeded(at now: EpochMillis) {
        guard order.count > capacity + capacity / 8 else { return }
        var keep: [Int] = []
        var excess = order.count - capacity
        for serial in order {
            if excess > 0 { settle(serial, to: now) }
            if excess > 0, let j = journeys[serial], j.closed {
                journeys[serial] = nil
                for c in j.contacts { byConversation[c.conversationID] = nil }
                closedByKey[j.key]?.removeAll { $0 == serial }
                if closedByKey[j.key]?.isEmpty == true { closedByKey[j.key] = nil }
                excess -= 1
            } else {
                keep.append(serial)
            }
        }
        order = keep
    }
}
