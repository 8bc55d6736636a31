import Foundation
import Logging
import MetricsTestKit
import ServiceLifecycle
@testable import Store
import SwitchboardCore
import Synchronization
import Testing

/// A store that fails the next `failures` writes, then writes through.
final class FlakyStore: HistoryStore {
    let inner: SQLiteHistoryStore
    let failures: Mutex<Int>
    let writes = Mutex(0)
    init(_ inner: SQLiteHistoryStore, failures: Int) {
        self.inner = inner
        self.failures = Mutex(failures)
    }
    func write(_ batch: StoreBatch) async throws {
        writes.withLock { $0 += 1 }
        let fail = failures.withLock { f -> Bool in
            guard f > 0 else { return false }
            f -= 1
            return true
        }
        if fail { throw StoreError(code: "store.disk-full", message: "test: the disk is full") }
        try await inner.write(batch)
    }
    func series(_ s: SeriesKey, from: EpochMillis, to: EpochMillis, step: HistoryStep) async throws -> [SeriesPoint] {
        try await inner.series(s, from: from, to: to, step: step)
    }
    func closedBuckets(org: OrgID, from: EpochMillis, to: EpochMillis) async throws -> [ClosedBucket] {
        try await inner.closedBuckets(org: org, from: from, to: to)
    }
    func dayTotals(org: OrgID, dayStart: EpochMillis) async throws -> DayTotals? { try await inner.dayTotals(org: org, dayStart: dayStart) }
    func documents(kind: DocumentKind, org: OrgID, dayStart: EpochMillis) async throws -> [StoredDocument] {
        try await inner.documents(kind: kind, org: org, dayStart: dayStart)
    }
    func hubState() async throws -> HubState? { try await inner.hubState() }
    func auditLog(limit: Int) async throws -> [AuditEntry] { try await inner.auditLog(limit: limit) }
    func journey(id: String) async throws -> StoredJourney? { try await inner.journey(id: id) }
    func eventBridgeDeliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery] {
        try await inner.eventBridgeDeliveries(org: org, since: since)
    }
    func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney] {
        try await inner.journeys(org: org, customerHashes: customerHashes, limit: limit)
    }
    func sweep(now: EpochMillis, retention: StoreRetention) async throws -> SweepReport {
        try await inner.sweep(now: now, retention: retention)
    }
    func statistics() async throws -> StoreStatistics { try await inner.statistics() }
}

/// The writer's wait between flushes, driven by the test: `sleep` suspends until `tick()`; each call of
/// `sleep` is announced on `entered`, so the test knows the previous flush has finished.
final class ManualTicker: Sendable {
    private struct State {
        var waiting: CheckedContinuation<Void, any Error>?
        var cancelled = false
    }
    private let state = Mutex(State())
    let entered: AsyncStream<Void>
    private let enteredContinuation: AsyncStream<Void>.Continuation

    init() { (entered, enteredContinuation) = AsyncStream.makeStream() }

    func sleep(_: Duration) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { s -> Bool in
                    if s.cancelled { s.cancelled = false; return true }
                    s.waiting = c
                    return false
                }
                if cancelled { c.resume(throwing: CancellationError()) } else { enteredContinuation.yield() }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                defer { s.waiting = nil }
                if s.waiting == nil { s.cancelled = true }
                return s.waiting
            }
            c?.resume(throwing: CancellationError())
        }
    }

    func tick() {
        state.withLock { s in
            let c = s.waiting
            s.waiting = nil
            return c
        }?.resume()
    }
}

struct FixedClock: WallClock {
    let t: EpochMillis
    func now() -> EpochMillis { t }
    var speed: Double { 1 }
}

@Suite struct StoreWriterTests {
    static func batch(_ i: Int64, org: OrgID = "us") -> StoreBatch {
        var b = StoreBatch()
        b.buckets = [bucket(org, i, agents: ["a": sample(i, 10)])]
        b.documents = [StoredDocument(kind: .utilization, org: org, dayStart: day0, key: "a", asOf: i, json: Array("\(i)".utf8))]
        b.hubState = HubState(epoch: "e", topics: ["global": Int(i)], savedAt: i, clean: false)
        return b
    }

    @Test func submittedBatchesAreStoredInOneTransaction() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let metrics = TestMetrics()
        let store = try openStore(dir.path("s.sqlite"))
        let writer = StoreWriter(store: store, metricsFactory: metrics, logger: quietLogger)
        for i in Int64(0)..<3 { writer.submit(Self.batch(i)) }
        // 3 buckets + 1 document + 1 hub state: later documents and hub states replace earlier ones.
        #expect(writer.pendingItems == 5)
        #expect(await writer.flush())
        #expect(writer.pendingItems == 0)
        #expect(writer.counts.batchesWritten == 1 && writer.counts.itemsWritten == 5)
        #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).count == 3)
        #expect(try await store.documents(kind: .utilization, org: "us", dayStart: day0).map(\.asOf) == [2])
        #expect(try await store.hubState()?.savedAt == 2)
        #expect(metrics.counterTotal(label: "switchboard_store_batches_written_total") == 1)
        #expect(metrics.counterTotal(label: "switchboard_store_items_written_total") == 5)
        #expect(try metrics.expectGauge("switchboard_store_pending_items").lastValue == 0)
        #expect(await writer.flush())  // nothing pending: no transaction
        #expect(writer.counts.batchesWritten == 1)
    }

    @Test func aFailedWriteIsRetriedAtTheNextFlush() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let metrics = TestMetrics()
        let store = FlakyStore(try openStore(dir.path("s.sqlite")), failures: 1)
        let writer = StoreWriter(store: store, metricsFactory: metrics, logger: quietLogger)
        writer.submit(Self.batch(0))
        #expect(await writer.flush() == false)
        #expect(writer.pendingItems == 3)
        // Submitted after the failure: newer than what failed, so its document and hub state win.
        writer.submit(Self.batch(1))
        #expect(await writer.flush())
        #expect(store.writes.withLock { $0 } == 2)
        #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).map(\.start) == [day0, day0 + width])
        #expect(try await store.documents(kind: .utilization, org: "us", dayStart: day0).map(\.asOf) == [1])
        #expect(try await store.hubState()?.savedAt == 1)
        #expect(writer.counts.writeFailures == 1 && writer.counts.batchesWritten == 1)
        #expect(metrics.counterTotal(label: "switchboard_store_write_failures_total") == 1)
    }

    @Test func pendingIsBoundedByDroppingTheOldestBuckets() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let metrics = TestMetrics()
        let store = try openStore(dir.path("s.sqlite"))
        let writer = StoreWriter(store: store, maxPendingItems: 4, metricsFactory: metrics, logger: quietLogger)
        var audit = StoreBatch()
        audit.audit = [AuditEntry(at: 1, fileHash: "h", outcome: .accepted, summary: "kept")]
        writer.submit(audit)
        for i in Int64(0)..<6 { writer.submit(bucket("us", 5 - i, agents: ["a": sample(i, 9)])) }
        #expect(writer.pendingItems == 4)
        #expect(writer.counts.itemsDropped == 3)
        #expect(metrics.counterTotal(label: "switchboard_store_items_dropped_total") == 3)
        #expect(await writer.flush())
        #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).map(\.start) == [3, 4, 5].map { day0 + $0 * width })
        #expect(try await store.auditLog(limit: 5).count == 1)
    }

    /// The run loop: a sweep at start, a flush per tick, a sweep every `sweepInterval`, and on graceful
    /// shutdown the finalize batch and everything pending.
    @Test func runFlushesPeriodicallyAndEverythingAtShutdown() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let ticker = ManualTicker()
        var retention = StoreRetention()
        retention.occupancyMs = SeriesStep.dayMs
        let now = day0 + 10 * SeriesStep.dayMs
        let old = bucket("us", 0, agents: ["a": sample(1, 1)])
        var seed = StoreBatch()
        seed.buckets = [old]
        try await store.write(seed)
        let writer = StoreWriter(
            store: store, retention: retention, clock: FixedClock(t: now), flushInterval: .seconds(1), sweepInterval: .seconds(3),
            logger: quietLogger, sleep: { try await ticker.sleep($0) },
            finalize: {
                var b = StoreBatch()
                b.hubState = HubState(epoch: "e", topics: ["global": 9], savedAt: now, clean: true)
                return b
            })
        let group = ServiceGroup(configuration: .init(services: [writer], gracefulShutdownSignals: [], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var entered = ticker.entered.makeAsyncIterator()
            await entered.next()  // the start sweep has run
            #expect(writer.counts.sweeps == 1)
            #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).isEmpty)

            writer.submit(bucket("us", 0, agents: ["a": sample(2, 2)], base: now))
            ticker.tick()
            await entered.next()  // flush 1 done
            #expect(writer.counts.batchesWritten == 1)
            #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).count == 1)

            ticker.tick(); await entered.next()
            ticker.tick(); await entered.next()  // flush 3: a sweep follows
            #expect(writer.counts.sweeps == 2)

            writer.submit(bucket("us", 1, agents: ["a": sample(3, 3)], base: now))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(writer.pendingItems == 0)
        #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).map(\.start) == [now, now + width])
        #expect(try await store.hubState() == HubState(epoch: "e", topics: ["global": 9], savedAt: now, clean: true))
    }

    /// Submitting from many tasks at once loses nothing.
    @Test func concurrentSubmitsAreAllStored() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let writer = StoreWriter(store: store, logger: quietLogger)
        await withTaskGroup(of: Void.self) { tasks in
            for t in Int64(0)..<8 {
                tasks.addTask {
                    for i in Int64(0)..<50 {
                        writer.submit(bucket(OrgID("o\(t)"), i, agents: ["a": sample(i, 50)]))
                        if i % 10 == 0 { await writer.flush() }
                    }
                }
            }
        }
        await writer.flush()
        #expect(try await store.statistics().buckets == 400)
        #expect(writer.counts.itemsWritten == 400)
    }
}
