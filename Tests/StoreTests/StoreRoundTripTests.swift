import Foundation
import MetricsTestKit
@testable import Store
import SwitchboardCore
import Testing

/// Every kind written and read back; closed buckets written once; retention.
@Suite struct StoreRoundTripTests {
    @Test func closedBucketsRoundTripWithAgentsAndQueues() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let q = "5d7c0e9a-0000-4000-8000-000000000001"
        var batch = StoreBatch()
        batch.buckets = [
            bucket("us", 0, agents: ["a1": sample(100, 900_000), "a2": sample(0, 1)], queues: [q: sample(100, 900_001)]),
            bucket("us", 1, agents: ["a2": sample(5, 6)]),
            bucket("emea", 0, agents: ["a1": sample(7, 8)]),  // the same platform id in another org
            bucket("us", 2, agents: [:]),
        ]
        try await store.write(batch)
        let us = try await store.closedBuckets(org: "us", from: day0, to: day0 + 3 * width)
        #expect(us == [batch.buckets[0], batch.buckets[1], batch.buckets[3]])
        #expect(try await store.closedBuckets(org: "emea", from: 0, to: .max) == [batch.buckets[2]])
        #expect(try await store.closedBuckets(org: "us", from: day0 + width, to: day0 + 2 * width) == [batch.buckets[1]])
        #expect(try await store.closedBuckets(org: "apac", from: 0, to: .max).isEmpty)
        let stats = try await store.statistics()
        #expect(stats.buckets == 4 && stats.agentBuckets == 4)
        #expect(stats.bytesOnDisk > 0)
    }

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

    @Test func dayTotalsKeepTheLatestOfTheDay() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        var batch = StoreBatch()
        batch.dayTotals = [DayTotals(org: "us", dayStart: day0, asOf: day0 + 4 * width, agents: ["a": sample(1, 2), "idle": sample(0, 0)])]
        try await store.write(batch)
        #expect(try await store.dayTotals(org: "us", dayStart: day0) == batch.dayTotals[0])
        let later = DayTotals(org: "us", dayStart: day0, asOf: day0 + 8 * width, agents: ["a": sample(3, 4), "b": sample(1, 1)])
        batch.dayTotals = [later]
        try await store.write(batch)
        #expect(try await store.dayTotals(org: "us", dayStart: day0) == later)
        #expect(try await store.dayTotals(org: "us", dayStart: day0 + SeriesStep.dayMs) == nil)
        #expect(try await store.dayTotals(org: "emea", dayStart: day0) == nil)
    }

    @Test func documentsAreReplacedPerKey() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        var batch = StoreBatch()
        for kind in DocumentKind.allCases {
            batch.documents.append(StoredDocument(kind: kind, org: "us", dayStart: day0, key: "a1", asOf: 1, json: Array(#"{"k":"\#(kind)"}"#.utf8)))
        }
        batch.documents.append(StoredDocument(kind: .utilization, org: "us", dayStart: day0, key: "a0", asOf: 1, json: [0x7B, 0x7D]))
        let large = DocumentCodecTests.json(intervals: 20)  // stored deflated
        batch.documents.append(StoredDocument(kind: .speech, org: "us", dayStart: day0, key: "a2", asOf: 1, json: large))
        try await store.write(batch)
        #expect(try await store.documents(kind: .speech, org: "us", dayStart: day0).map(\.json) == [Array(#"{"k":"speech"}"#.utf8), large])
        for kind in DocumentKind.allCases {
            let docs = try await store.documents(kind: kind, org: "us", dayStart: day0)
            #expect(docs.map(\.key) == (kind == .utilization ? ["a0", "a1"] : kind == .speech ? ["a1", "a2"] : ["a1"]))
            #expect(docs.first { $0.key == "a1" }?.json == Array(#"{"k":"\#(kind)"}"#.utf8))
        }
        let newer = StoredDocument(kind: .quality, org: "us", dayStart: day0, key: "a1", asOf: 2, json: Array("[1]".utf8))
        batch = StoreBatch()
        batch.documents = [newer]
        try await store.write(batch)
        #expect(try await store.documents(kind: .quality, org: "us", dayStart: day0) == [newer])
        #expect(try await store.documents(kind: .quality, org: "emea", dayStart: day0).isEmpty)
        #expect(try await store.statistics().documents == 6)
    }

    @Test func hubStateIsASingleRow() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        #expect(try await store.hubState() == nil)
        var batch = StoreBatch()
        batch.hubState = HubState(epoch: "e1", topics: ["global": 5, "org:us": 9], savedAt: 10, clean: false)
        try await store.write(batch)
        #expect(try await store.hubState() == batch.hubState)
        batch.hubState = HubState(epoch: "e1", topics: ["global": 7], savedAt: 11, clean: true)
        try await store.write(batch)
        #expect(try await store.hubState() == batch.hubState)
    }

    @Test func auditLogIsNewestFirst() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        var batch = StoreBatch()
        batch.audit = [
            AuditEntry(at: 10, fileHash: "aa", outcome: .accepted, summary: "orgs added: us"),
            AuditEntry(at: 30, fileHash: "cc", outcome: .refused, summary: "orgs.yaml:3:5: unknown key"),
            AuditEntry(at: 20, fileHash: "bb", outcome: .accepted, summary: "retuned: emea"),
        ]
        try await store.write(batch)
        #expect(try await store.auditLog(limit: 10).map(\.at) == [30, 20, 10])
        #expect(try await store.auditLog(limit: 2) == [batch.audit[1], batch.audit[2]])
        #expect(try await store.statistics().auditEntries == 3)
    }

    @Test func sweepDeletesWhatIsOlderThanEachRetention() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let day = SeriesStep.dayMs
        var batch = StoreBatch()
        for d in Int64(0)..<3 {
            batch.buckets.append(bucket("us", 0, agents: ["a": sample(1, 1)], queues: ["q": sample(1, 1)], base: day0 + d * day))
            batch.dayTotals.append(DayTotals(org: "us", dayStart: day0 + d * day, asOf: day0 + d * day, agents: ["a": sample(1, 1)]))
            for kind in DocumentKind.allCases {
                batch.documents.append(StoredDocument(kind: kind, org: "us", dayStart: day0 + d * day, key: "a", asOf: 0, json: []))
            }
            batch.audit.append(AuditEntry(at: day0 + d * day, fileHash: "h", outcome: .accepted, summary: ""))
        }
        try await store.write(batch)
        var retention = StoreRetention()
        retention.occupancyMs = 2 * day       // keeps days 1 and 2
        retention.utilizationMs = 1 * day     // keeps day 2
        retention.qualityMs = 3 * day         // keeps all
        retention.journeyMs = 1 * day
        retention.speechMs = 2 * day
        retention.auditMs = 1 * day
        let now = day0 + 3 * day
        let report = try await store.sweep(now: now, retention: retention)
        // org, agent, queue bucket + day totals of day 0; utilization 0,1; journey 0,1; speech 0; audit 0,1.
        #expect(report.rowsDeleted == 4 + 2 + 2 + 1 + 2)
        #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).map(\.start) == [day0 + day, day0 + 2 * day])
        #expect(try await store.dayTotals(org: "us", dayStart: day0) == nil)
        #expect(try await store.dayTotals(org: "us", dayStart: day0 + day) != nil)
        #expect(try await store.documents(kind: .utilization, org: "us", dayStart: day0 + day).isEmpty)
        #expect(try await store.documents(kind: .utilization, org: "us", dayStart: day0 + 2 * day).count == 1)
        #expect(try await store.documents(kind: .quality, org: "us", dayStart: day0).count == 1)
        #expect(try await store.auditLog(limit: 10).count == 1)
        #expect(try await store.sweep(now: now, retention: retention).rowsDeleted == 0)
    }
}
