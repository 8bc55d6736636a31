import SwitchboardCore

/// What the ``StoreWriter`` has accepted and not yet stored: the union of submitted batches, where a later
/// day total, document or hub state replaces an earlier one with the same key (as the store would).
struct PendingBatch: Sendable {
    struct DayKey: Hashable, Sendable {
        let org: OrgID
        let dayStart: EpochMillis
    }
    struct DocumentKey: Hashable, Sendable {
        let kind: DocumentKind
        let org: OrgID
        let dayStart: EpochMillis
        let key: String
    }

    private(set) var buckets: [ClosedBucket] = []
    private(set) var dayTotals: [DayKey: DayTotals] = [:]
    private(set) var documents: [DocumentKey: StoredDocument] = [:]
    private(set) var audit: [AuditEntry] = []
    private(set) var hubState: HubState?
    /// Journeys by id, with the order they came in (a later save of an id replaces the earlier in place).
    private(set) var journeys: [String: StoredJourney] = [:]
    private var journeyOrder: [String] = []
    private(set) var deliveries: [EventBridgeDelivery] = []

    init() {}

    init(_ batch: StoreBatch) {
        merge(batch)
    }

    /// Items counted against the writer's bound: one per bucket, day total, document, audit entry, hub state.
    var itemCount: Int {
        buckets.count + dayTotals.count + documents.count + audit.count + (hubState == nil ? 0 : 1) + journeys.count
            + deliveries.count
    }

    var isEmpty: Bool { itemCount == 0 }

    /// Adds a batch submitted after everything already here.
    mutating func merge(_ newer: StoreBatch) {
        buckets.append(contentsOf: newer.buckets)
        for totals in newer.dayTotals { dayTotals[DayKey(org: totals.org, dayStart: totals.dayStart)] = totals }
        for document in newer.documents {
            documents[DocumentKey(kind: document.kind, org: document.org, dayStart: document.dayStart, key: document.key)] = document
        }
        audit.append(contentsOf: newer.audit)
        if let state = newer.hubState { hubState = state }
        for j in newer.journeys where journeys.updateValue(j, forKey: j.id) == nil { journeyOrder.append(j.id) }
        deliveries.append(contentsOf: newer.deliveries)
    }

    /// Adds everything of `newer` (accepted after this one).
    mutating func merge(_ newer: PendingBatch) {
        merge(newer.batch)
    }

    /// One batch (one transaction).
    var batch: StoreBatch {
        var batch = StoreBatch()
        batch.buckets = buckets
        batch.dayTotals = dayTotals.values.sorted { ($0.org, $0.dayStart) < ($1.org, $1.dayStart) }
        batch.documents = Array(documents.values)
        batch.audit = audit
        batch.hubState = hubState
        batch.journeys = journeyOrder.compactMap { journeys[$0] }
        batch.deliveries = deliveries
        return batch
    }

    /// A journey accepted and not yet stored.
    func journey(id: String) -> StoredJourney? { journeys[id] }

    /// Drops items until at most `limit` are left: EventBridge deliveries first (none was acknowledged yet: the
    /// sender retries), then the oldest buckets, then the oldest documents, then the oldest journeys, then the
    /// oldest day totals. The audit log and the hub state are kept. Returns how many were dropped.
    mutating func trim(to limit: Int) -> Int {
        var excess = itemCount - limit
        guard excess > 0 else { return 0 }
        var dropped = 0
        if excess > 0 && !deliveries.isEmpty {
            let n = min(excess, deliveries.count)
            deliveries.removeFirst(n)
            dropped += n
            excess -= n
        }
        if excess > 0 && !buckets.isEmpty {
            let n = min(excess, buckets.count)
            buckets.sort { $0.start < $1.start }
            buckets.removeFirst(n)
            dropped += n
            excess -= n
        }
        if excess > 0 && !documents.isEmpty {
            for key in documents.sorted(by: { $0.value.asOf < $1.value.asOf }).prefix(excess).map(\.key) {
                documents[key] = nil
                dropped += 1
                excess -= 1
            }
        }
        if excess > 0 && !journeys.isEmpty {
            let n = min(excess, journeyOrder.count)
            for id in journeyOrder.prefix(n) { journeys[id] = nil }
            journeyOrder.removeFirst(n)
            dropped += n
            excess -= n
        }
        if excess > 0 && !dayTotals.isEmpty {
            for key in dayTotals.sorted(by: { $0.value.asOf < $1.value.asOf }).prefix(excess).map(\.key) {
                dayTotals[key] = nil
                dropped += 1
                excess -= 1
            }
        }
        return dropped
    }
}
