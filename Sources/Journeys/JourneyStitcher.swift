import HeapModule
import SwitchboardCore

/// An org's customer journeys, stitched from ``JourneyEvent``s (docs/journeys.md). A pure state machine:
/// the owner passes the time (`now`, UTC epoch ms on the business clock), performs the returned actions in
/// order and calls ``tick(now:)`` at ``nextDeadline``.
///
/// - Identity: an event's customer becomes ``CustomerKey``s by the org's ``CustomerKeyPolicy``; events that
///   name no customer join their conversation's journey (held up to `orphanGrace` until one does).
/// - Ordering: events are held for the reorder window and applied in event-time order; an event later than
///   that is still placed by its time, and reported (``Action/lateEvent(journey:eventID:behindBy:)``).
/// - Duplicates (same event id, or same conversation, kind and time from another source) are dropped; the
///   memory of what was seen is bounded.
/// - States: `INITIATED → ACTIVE ⇄ TRANSFERRING → CLOSED`. A contact with no event for the session timeout
///   makes its channel `IDLE`, then after the idle grace `CLOSED` (the contact timed out). A journey closes
///   once all its contacts stopped and no new contact came within the session timeout; it never reopens.
/// - Retention: closed journeys stay readable for the retention period within a count and a byte cap
///   (least recently used first) and then leave with ``Action/evicted(_:reason:)``.
public struct JourneyStitcher: Sendable {
    public let org: OrgID
    public internal(set) var configuration: Configuration
    public internal(set) var counters = Counters()

    var buffer = ReorderBuffer()
    var seen: BoundedSeenSet
    /// Conversations of evicted journeys: their late events are dropped, not made into new journeys.
    var tombstones: BoundedSeenSet
    var orphans = OrphanEvents()
    var open: [EntityID: Journey] = [:]
    var closed = ClosedJourneyCache()
    var byConversation: [String: EntityID] = [:]
    var openByKey: [CustomerKey: EntityID] = [:]
    var closedByKey: [CustomerKey: [EntityID]] = [:]
    var deadlines = Heap<Deadline>()
    var scheduleCounter: UInt64 = 0
    /// What the current call did, turned into actions at its end.
    var call = CallLog()

    public init(org: OrgID, configuration: Configuration) {
        precondition(configuration.sessionTimeout > 0 && configuration.idleGrace >= 0
            && configuration.reorderWindow >= 0 && configuration.maxBufferedEvents > 0)
        self.org = org
        self.configuration = configuration
        self.seen = BoundedSeenSet(capacity: max(1, configuration.seenCapacity))
        self.tombstones = BoundedSeenSet(capacity: max(1, configuration.maxClosedJourneys * 4))
    }

    // MARK: Input

    /// Takes one event received now. Duplicates are dropped at once; the others are held for the reorder
    /// window (applied at once when it is 0).
    public mutating func ingest(_ event: JourneyEvent, now: EpochMillis) -> [Action] {
        take(event, now: now)
        return advance(now: now)
    }

    /// Takes several events received together (an EventBridge batch, the events of one snapshot).
    public mutating func ingest(_ events: [JourneyEvent], now: EpochMillis) -> [Action] {
        for e in events { take(e, now: now) }
        return advance(now: now)
    }

    /// Applies what is due at `now`: held events whose window ended, idle and closing timers, expired
    /// orphans, retention.
    public mutating func tick(now: EpochMillis) -> [Action] { advance(now: now) }

    /// Applies every held event now, window or not (before a shutdown, or to read a settled state), then
    /// what is due.
    public mutating func drain(now: EpochMillis) -> [Action] {
        applyBatch(buffer.releaseAll(), now: now)
        return advance(now: now)
    }

    /// When ``tick(now:)`` has something to do; nil when nothing is pending.
    public var nextDeadline: EpochMillis? {
        [buffer.nextRelease, orphans.nextExpiry, deadlines.min?.at,
         closed.nextExpiry.map { $0 + configuration.retention }].compactMap { $0 }.min()
    }

    /// Marks a closed journey used (a view read it), so the least-recently-used eviction keeps it longer.
    public mutating func touch(_ id: EntityID) { closed.touch(id) }

    // MARK: Reads

    /// An open or kept closed journey.
    public func journey(_ id: EntityID) -> Journey? { open[id] ?? closed[id] }

    /// The journey a conversation belongs to.
    public func journey(conversation: String) -> Journey? { byConversation[conversation].flatMap(journey) }

    /// The journeys (open and kept closed) of a customer key, by any of their keys, oldest first.
    public func journeys(customer key: CustomerKey) -> [Journey] {
        var ids = closedByKey[key] ?? []
        if let o = openByKey[key] { ids.append(o) }
        for j in open.values where j.id != openByKey[key] && (j.customer == key || j.aliases.contains(key)) {
            ids.append(j.id)
        }
        var seenIDs: Set<EntityID> = []
        return ids.filter { seenIDs.insert($0).inserted }.compactMap(journey)
            .sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
    }

    /// The open journeys, oldest first.
    public var activeJourneys: [Journey] {
        open.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
    }

    /// The closed journeys kept in memory, oldest first.
    public var closedJourneys: [Journey] {
        closed.journeys.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
    }

    public var activeCount: Int { open.count }
    public var closedCount: Int { closed.count }
    /// The estimated bytes of the kept closed journeys.
    public var closedBytes: Int { closed.bytes }
    /// Events held in the reorder window.
    public var bufferedCount: Int { buffer.count }
    /// Events held for a customer to be named.
    public var orphanCount: Int { orphans.count }

    // MARK: Internals

    /// A journey's timer: evaluate it at `at` unless it changed since (`version`).
    struct Deadline: Comparable, Sendable {
        var at: EpochMillis
        var id: EntityID
        var version: UInt64
        static func < (a: Deadline, b: Deadline) -> Bool { (a.at, a.version) < (b.at, b.version) }
    }

    /// What one call did, in order of first touch.
    struct CallLog: Sendable {
        var actions: [Action] = []
        var touched: [EntityID] = []
        var touchedSet: Set<EntityID> = []
        var opened: Set<EntityID> = []
        var closedNow: [EntityID: Journey] = [:]
        var evicted: [(Journey, EvictionReason)] = []
        var dirty: [EntityID] = []
        var dirtySet: Set<EntityID> = []

        mutating func touch(_ id: EntityID) {
            if touchedSet.insert(id).inserted { touched.append(id) }
        }

        mutating func markDirty(_ id: EntityID) {
            if dirtySet.insert(id).inserted { dirty.append(id) }
        }
    }

    /// Dedupes and buffers one event.
    private mutating func take(_ e: JourneyEvent, now: EpochMillis) {
        counters.received += 1
        guard e.org == org else {
            counters.foreignOrg += 1
            return
        }
        let idKey = "id:" + e.id
        let occurrenceKey = "oc:" + e.occurrence
        if !e.id.isEmpty, seen.contains(idKey) {
            counters.duplicates += 1
            call.actions.append(.duplicateDropped(eventID: e.id, reason: .sameID))
            return
        }
        if seen.contains(occurrenceKey) {
            counters.duplicates += 1
            call.actions.append(.duplicateDropped(eventID: e.id, reason: .sameOccurrence))
            if !e.id.isEmpty { seen.insert(idKey) }
            return
        }
        if !e.id.isEmpty { seen.insert(idKey) }
        seen.insert(occurrenceKey)
        buffer.insert(e, now: now, window: configuration.reorderWindow)
        if buffer.count > configuration.maxBufferedEvents {
            let early = buffer.releaseOldest(buffer.count - configuration.maxBufferedEvents)
            counters.bufferOverflow += early.count
            applyBatch(early, now: now)
        }
    }

    /// Everything due at `now`, then the call's actions.
    mutating func advance(now: EpochMillis) -> [Action] {
        for (conversation, n) in orphans.expire(now: now) {
            counters.unattributed += n
            call.actions.append(.unattributed(conversationID: conversation, events: n))
        }
        applyBatch(buffer.release(now: now), now: now)
        while let top = deadlines.min, top.at <= now {
            _ = deadlines.removeMin()
            guard open[top.id]?.version == top.version else { continue }
            evaluate(top.id, now: now)
        }
        // Stale timers (their journey changed or closed) leave the top, so nextDeadline is exact.
        while let top = deadlines.min, open[top.id]?.version != top.version { _ = deadlines.removeMin() }
        for (j, reason) in closed.evict(now: now, retention: configuration.retention,
                                        maxCount: configuration.maxClosedJourneys,
                                        maxBytes: configuration.maxClosedBytes) {
            forget(j)
            counters.evicted += 1
            call.evicted.append((j, reason))
        }
        return finishCall()
    }

    private mutating func finishCall() -> [Action] {
        var actions = call.actions
        for id in call.touched {
            guard let j = open[id] ?? closed[id] ?? call.closedNow[id] else { continue }
            let opened = call.opened.contains(id)
            if opened { actions.append(.journeyOpened(j)) }
            if call.closedNow[id] != nil {
                actions.append(.journeyClosed(j))
            } else if !opened {
                actions.append(.journeyChanged(j))
            }
        }
        for (j, reason) in call.evicted { actions.append(.evicted(j, reason: reason)) }
        call = CallLog()
        return actions
    }
}
