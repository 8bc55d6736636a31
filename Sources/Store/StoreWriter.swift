import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import SwitchboardCore

/// The one writer of a ``HistoryStore``: a `Service` that collects what the bridge submits and stores it
/// in batched transactions, off the ingest path (docs/store.md, "Writing").
///
/// - ``submit(_:)`` never waits on disk: it merges into a pending batch under a lock and returns.
/// - ``run()`` stores the pending batch every `flushInterval` as one transaction, sweeps retention at start
///   and every `sweepInterval`, and on graceful shutdown stores what `finalize` returns and everything
///   pending before it returns.
/// - A failed write is logged and retried at the next flush: nothing accepted is dropped, unless more than
///   `maxPendingItems` pile up (then the oldest buckets go first, logged and counted).
public actor StoreWriter: Service {
    public struct Counts: Sendable, Equatable {
        public var batchesWritten = 0
        public var itemsWritten = 0
        public var writeFailures = 0
        public var itemsDropped = 0
        public var sweeps = 0
    }

    private let store: any HistoryStore
    private let flushInterval: Duration
    private let sweepInterval: Duration
    private nonisolated let retention: Mutex<StoreRetention>
    private let clock: any WallClock
    private let maxPendingItems: Int
    private let finalize: (@Sendable () async -> StoreBatch?)?
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger
    private let metrics: StoreWriterMetrics

    private nonisolated let pending = Mutex(PendingBatch())
    /// The batch a flush is storing (taken from `pending`, not yet committed): journey reads look here too.
    private nonisolated let inFlight = Mutex<PendingBatch?>(nil)
    private nonisolated let tally = Mutex(Counts())
    /// Serialises flushes and sweeps (a flush awaits the store; a second must not overtake it).
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// - Parameters:
    ///   - clock: "now" for retention (business time).
    ///   - sleep: waits between flushes; tests pass one they drive.
    ///   - finalize: called once on graceful shutdown; its batch (e.g. the clean hub state) is stored with
    ///     the last flush.
    public init(store: any HistoryStore, retention: StoreRetention = StoreRetention(), clock: any WallClock = SystemClock(),
                flushInterval: Duration = .seconds(1), sweepInterval: Duration = .seconds(3600),
                maxPendingItems: Int = 100_000, metricsFactory: (any MetricsFactory)? = nil,
                logger: Logger = Logger(label: "switchboard.store"),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                finalize: (@Sendable () async -> StoreBatch?)? = nil) {
        self.store = store
        self.retention = Mutex(retention)
        self.clock = clock
        self.flushInterval = flushInterval
        self.sweepInterval = sweepInterval
        self.maxPendingItems = max(1, maxPendingItems)
        self.metrics = StoreWriterMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.logger = logger
        self.sleep = sleep
        self.finalize = finalize
    }

    // MARK: Submitting (any thread, never waits on disk)

    /// Accepts a batch for the next flush.
    public nonisolated func submit(_ batch: StoreBatch) {
        guard !batch.isEmpty else { return }
        let (count, dropped) = pending.withLock { p in
            p.merge(batch)
            return (p.itemCount, p.trim(to: maxPendingItems))
        }
        metrics.pending.record(count - dropped)
        if dropped > 0 { noteDropped(dropped, pendingBefore: count) }
    }

    public nonisolated func submit(_ bucket: ClosedBucket) {
        var batch = StoreBatch()
        batch.buckets = [bucket]
        submit(batch)
    }

    /// Items accepted and not yet stored.
    public nonisolated var pendingItems: Int { pending.withLock { $0.itemCount } }

    /// What this writer has done so far (the same figures as its `switchboard_store_*` metrics).
    public nonisolated var counts: Counts { tally.withLock { $0 } }

    // MARK: Flushing

    /// Stores everything pending as one transaction. On failure it stays pending (merged before anything
    /// submitted meanwhile) and false is returned.
    @discardableResult
    public func flush() async -> Bool {
        await acquire()
        defer { release() }
        let taken = pending.withLock { p -> PendingBatch in
            let taken = p
            p = PendingBatch()
            // Under the pending lock: a read never finds a journey in neither place.
            if !taken.isEmpty { inFlight.withLock { $0 = taken } }
            return taken
        }
        guard !taken.isEmpty else { return true }
        defer { inFlight.withLock { $0 = nil } }
        let batch = taken.batch
        do {
            try await store.write(batch)
            metrics.batches.increment()
            metrics.items.increment(by: Int64(taken.itemCount))
            tally.withLock { $0.batchesWritten += 1; $0.itemsWritten += taken.itemCount }
            metrics.pending.record(pendingItems)
            return true
        } catch {
            let (count, dropped) = pending.withLock { p in
                var restored = taken
                restored.merge(p)
                p = restored
                return (p.itemCount, p.trim(to: maxPendingItems))
            }
            metrics.failures.increment()
            metrics.pending.record(count - dropped)
            tally.withLock { $0.writeFailures += 1 }
            logger.error("storing a batch failed; it stays pending and is retried at the next flush", metadata: [
                "error": "\(error)", "items": "\(taken.itemCount)", "pending": "\(count - dropped)"])
            if dropped > 0 { noteDropped(dropped, pendingBefore: count) }
            return false
        }
    }

    /// Runs the retention sweep now.
    @discardableResult
    public func sweep() async -> SweepReport? {
        await acquire()
        defer { release() }
        do {
            let report = try await store.sweep(now: clock.now(), retention: retention.withLock { $0 })
            metrics.swept.increment(by: Int64(report.rowsDeleted))
            tally.withLock { $0.sweeps += 1 }
            return report
        } catch {
            metrics.failures.increment()
            tally.withLock { $0.writeFailures += 1 }
            logger.error("the retention sweep failed; it runs again at the next interval", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Each org's journey retention and EventBridge replay window (a reload changes them); applies from the
    /// next sweep.
    public nonisolated func setJourneyRetention(_ byOrg: [OrgID: Int64], eventBridge: [OrgID: Int64]) {
        retention.withLock {
            $0.journeyMsByOrg = byOrg
            $0.eventBridgeMsByOrg = eventBridge
        }
    }

    /// Submits `batch` and returns once it is committed (a flush now, not at the next tick); throws when the
    /// flush failed (the batch stays pending and is retried like any other).
    public func storeDurably(_ batch: StoreBatch) async throws {
        submit(batch)
        guard await flush() else {
            throw StoreError(code: "store.write-failed",
                             message: "the history store could not store a batch (the log has the error); it stays pending and is retried at the next flush")
        }
    }

    // MARK: Service

    public func run() async throws {
        await sweep()
        let flushInterval = self.flushInterval
        let sweepEvery = max(1, Int((sweepInterval / flushInterval).rounded(.up)))
        let sleep = self.sleep
        // Only the wait is cut short by a graceful shutdown: a flush under way completes (cancelling it
        // would interrupt its transaction), then the final flush below stores the rest.
        var flushes = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await sleep(flushInterval) }
            } catch {
                break
            }
            await flush()
            flushes += 1
            if flushes % sweepEvery == 0 { await sweep() }
        }
        if let finalize, let batch = await finalize() { submit(batch) }
        if !(await flush()) {
            // One more try: a graceful shutdown should not lose what was accepted.
            if !(await flush()) {
                logger.error("the history store could not be written at shutdown; \(pendingItems) pending item(s) are lost")
            }
        }
    }

    // MARK: Internals

    private nonisolated func noteDropped(_ dropped: Int, pendingBefore: Int) {
        metrics.dropped.increment(by: Int64(dropped))
        tally.withLock { $0.itemsDropped += dropped }
        logger.error("the store writer's pending batch is full; the oldest items were dropped", metadata: [
            "dropped": "\(dropped)", "pending": "\(pendingBefore)", "limit": "\(maxPendingItems)"])
    }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}

/// The writer's `switchboard_store_*` metrics (swift-metrics; the bridge passes its Prometheus factory).
struct StoreWriterMetrics: Sendable {
    let batches: Counter
    let items: Counter
    let failures: Counter
    let dropped: Counter
    let swept: Counter
    let pending: Gauge

    init(factory: any MetricsFactory) {
        batches = Counter(label: "switchboard_store_batches_written_total", factory: factory)
        items = Counter(label: "switchboard_store_items_written_total", factory: factory)
        failures = Counter(label: "switchboard_store_write_failures_total", factory: factory)
        dropped = Counter(label: "switchboard_store_items_dropped_total", factory: factory)
        swept = Counter(label: "switchboard_store_rows_swept_total", factory: factory)
        pending = Gauge(label: "switchboard_store_pending_items", factory: factory)
    }
}

// MARK: JourneyArchive

extension StoreWriter: JourneyArchive {
    /// Journeys the views let go: submitted like any batch (never waits on disk).
    public nonisolated func save(_ journeys: [StoredJourney]) {
        var batch = StoreBatch()
        batch.journeys = journeys
        submit(batch)
    }

    /// A journey accepted and not yet stored is found as well as a stored one.
    public nonisolated func journey(id: String) async throws -> StoredJourney? {
        if let j = unstoredJourneys({ $0.journey(id: id).map { [$0] } ?? [] }).first { return j }
        return try await store.journey(id: id)
    }

    /// The store's answer merged with what is accepted and not yet stored (that copy wins), newest first.
    public nonisolated func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney] {
        let hashes = Set(customerHashes)
        let unstored = unstoredJourneys { p in
            p.journeys.values.filter { $0.org == org && !hashes.isDisjoint(with: $0.customerHashes) }
        }
        let stored = try await store.journeys(org: org, customerHashes: customerHashes, limit: limit)
        var byID: [String: StoredJourney] = [:]
        for j in stored { byID[j.id] = j }
        for j in unstored.reversed() { byID[j.id] = j }
        return Array(byID.values.sorted { ($0.openedAt, $0.id) > ($1.openedAt, $1.id) }.prefix(limit))
    }

    /// Stored at once (``storeDurably(_:)``): the EventBridge endpoint answers only after this.
    public func keep(_ delivery: EventBridgeDelivery) async throws {
        var batch = StoreBatch()
        batch.deliveries = [delivery]
        try await storeDurably(batch)
    }

    public nonisolated func deliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery] {
        try await store.eventBridgeDeliveries(org: org, since: since)
    }

    /// Journeys of the pending batch, then of the batch being stored (pending is newer, so it comes first).
    private nonisolated func unstoredJourneys(_ pick: (PendingBatch) -> [StoredJourney]) -> [StoredJourney] {
        pending.withLock { pick($0) } + (inFlight.withLock { $0.map(pick) } ?? [])
    }
}
