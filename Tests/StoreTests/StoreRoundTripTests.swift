import Foundation
import MetricsTestKit
@testable import Store
import SwitchboardCore
import Testing

/// SQLite only: a closed bucket's second write is skipped, reported and counted. What every backend must do (round
/// trips, retention, series, journeys) is in the contract tests that run on SQLite and PostgreSQL alike
/// (`Tests/PostgresStoreTests/StoreContract*.swift`).
@Suite struct StoreRoundTripTests {
    @Test func aClosedBucketIsWrittenOnce() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let metrics = TestMetrics()
        let store = try SQLiteHistoryStore(path: dir.path("s.sqlite"), logger: quietLogger, metricsFactory: metrics)
        let first = bucket("us", 0, agents: ["a": sample(1, 2)], queues: ["q": sample(1, 2)])
        var batch = StoreBatch()
        batch.buckets = [first]
        #expect(try await store.writeReporting(batch) == StoreWriteReport(bucketsWritten: 1, bucketsSkipped: 0))
        // Same (org, start), other figures, and a new agent: nothing of it is stored.
        batch.buckets = [bucket("us", 0, agents: ["a": sample(9, 9), "b": sample(3, 3)], queues: ["q": sample(9, 9)]),
                         bucket("us", 1, agents: ["a": sample(4, 4)])]
        #expect(try await store.writeReporting(batch) == StoreWriteReport(bucketsWritten: 1, bucketsSkipped: 1))
        #expect(try await store.closedBuckets(org: "us", from: day0, to: day0 + width) == [first])
        #expect(metrics.counterTotal(label: "switchboard_store_buckets_skipped_total") == 1)
    }
}
