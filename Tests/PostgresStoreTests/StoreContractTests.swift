import Foundation
import PostgresStore
import Store
import SwitchboardCore
import Testing

/// The HistoryStore contract, run against SQLite and PostgreSQL alike: every kind written and read back,
/// closed buckets written once, documents replaced per key, retention, statistics.
@Suite struct StoreContractTests {
    @Test(arguments: StoreBackend.allCases)
    func closedBucketsRoundTripWithAgentsAndQueues(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let q = "5d7c0e9a-0000-4000-8000-000000000001"
            var batch = StoreBatch()
            batch.buckets = [
                bucket("us", 0, agents: ["a1": sample(100, 900_000), "a2": sample(0, 1)], queues: [q: sample(100, 900_001)],
                       queueAgents: [q: 2]),
                bucket("us", 1, agents: ["a2": sample(5, 6)], queues: ["q2": sample(-1, 0)]),  // no count: unknown
                bucket("emea", 0, agents: ["a1": sample(7, 8)]),  // the same platform id in another org
                bucket("us", 2, agents: [:]),
            ]
            try await store.write(batch)
            let us = try await store.closedBuckets(org: "us", from: day0, to: day0 + 3 * width)
            #expect(us == [batch.buckets[0], batch.buckets[1], batch.buckets[3]])
            #expect(us.first?.queueAgents == [q: 2])
            #expect(us.dropFirst().first?.queueAgents == [:])
            #expect(try await store.closedBuckets(org: "emea", from: 0, to: .max) == [batch.buckets[2]])
            #expect(try await store.closedBuckets(org: "us", from: day0 + width, to: day0 + 2 * width) == [batch.buckets[1]])
            #expect(try await store.closedBuckets(org: "apac", from: 0, to: .max).isEmpty)
            #expect(try await store.closedBuckets(org: "us", from: day0, to: day0).isEmpty)
            let stats = try await store.statistics()
            #expect(stats.buckets == 4 && stats.agentBuckets == 4)
            #expect(stats.bytesOnDisk > 0)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aClosedBucketIsWrittenOnce(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let first = bucket("us", 0, agents: ["a": sample(1, 2)], queues: ["q": sample(1, 2)])
            var batch = StoreBatch()
            batch.buckets = [first]
            try await store.write(batch)
            // Same (org, start), other figures and a new agent: nothing of it is stored; the other bucket is.
            batch.buckets = [bucket("us", 0, agents: ["a": sample(9, 9), "b": sample(3, 3)], queues: ["q": sample(9, 9)]),
                             bucket("us", 1, agents: ["a": sample(4, 4)])]
            try await store.write(batch)
            #expect(try await store.closedBuckets(org: "us", from: day0, to: day0 + width) == [first])
            #expect(try await store.closedBuckets(org: "us", from: day0, to: .max).count == 2)
            #expect(try await store.statistics().buckets == 2)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func dayTotalsKeepTheLatestOfTheDay(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var batch = StoreBatch()
            batch.dayTotals = [DayTotals(org: "us", dayStart: day0, asOf: day0 + 4 * width,
                                         agents: ["a": sample(1, 2), "idle": sample(0, 0)])]
            try await store.write(batch)
            #expect(try await store.dayTotals(org: "us", dayStart: day0) == batch.dayTotals[0])
            let later = DayTotals(org: "us", dayStart: day0, asOf: day0 + 8 * width, agents: ["a": sample(3, 4), "b": sample(1, 1)])
            batch.dayTotals = [later]
            try await store.write(batch)
            #expect(try await store.dayTotals(org: "us", dayStart: day0) == later)
            #expect(try await store.dayTotals(org: "us", dayStart: day0 + dayMs) == nil)
            #expect(try await store.dayTotals(org: "emea", dayStart: day0) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func documentsAreUniquePerKeyAndNewerReplacesOlder(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var batch = StoreBatch()
            for kind in DocumentKind.allCases {
                batch.documents.append(StoredDocument(kind: kind, org: "us", dayStart: day0, key: "a1", asOf: 1,
                                                      json: Array(#"{"k":"\#(kind)"}"#.utf8)))
            }
            batch.documents.append(StoredDocument(kind: .utilization, org: "us", dayStart: day0, key: "a0", asOf: 1, json: [0x7B, 0x7D]))
            // Upper case sorts before lower case by bytes, whatever the database's locale.
            batch.documents.append(StoredDocument(kind: .utilization, org: "us", dayStart: day0, key: "B", asOf: 1, json: []))
            let large = largeJSON(intervals: 40)
            #expect(DocumentCodec.encode(large).encoding == .zlib)
            batch.documents.append(StoredDocument(kind: .speech, org: "us", dayStart: day0, key: "a2", asOf: 1, json: large))
            try await store.write(batch)
            #expect(try await store.documents(kind: .speech, org: "us", dayStart: day0).map(\.json)
                    == [Array(#"{"k":"speech"}"#.utf8), large])
            for kind in DocumentKind.allCases {
                let docs = try await store.documents(kind: kind, org: "us", dayStart: day0)
                #expect(docs.map(\.key) == (kind == .utilization ? ["B", "a0", "a1"] : kind == .speech ? ["a1", "a2"] : ["a1"]))
                #expect(docs.first { $0.key == "a1" }?.json == Array(#"{"k":"\#(kind)"}"#.utf8))
            }
            let newer = StoredDocument(kind: .quality, org: "us", dayStart: day0, key: "a1", asOf: 2, json: Array("[1]".utf8))
            batch = StoreBatch()
            batch.documents = [newer]
            try await store.write(batch)
            #expect(try await store.documents(kind: .quality, org: "us", dayStart: day0) == [newer])
            #expect(try await store.documents(kind: .quality, org: "emea", dayStart: day0).isEmpty)
            #expect(try await store.documents(kind: .quality, org: "us", dayStart: day0 + dayMs).isEmpty)
            #expect(try await store.statistics().documents == 7)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func hubStateIsASingleRow(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try await store.hubState() == nil)
            var batch = StoreBatch()
            batch.hubState = HubState(epoch: "e1", topics: ["global": 5, "org:us": 9], savedAt: 10, clean: false,
                                      entities: ["org:us": ["agent/a1", "queue/q1"]])
            try await store.write(batch)
            #expect(try await store.hubState() == batch.hubState)
            batch.hubState = HubState(epoch: "e2", topics: ["global": 7], savedAt: 11, clean: true)
            try await store.write(batch)
            #expect(try await store.hubState() == batch.hubState)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func auditLogIsNewestFirst(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var batch = StoreBatch()
            batch.audit = [
                AuditEntry(at: 10, fileHash: "aa", outcome: .accepted, summary: "orgs added: us"),
                AuditEntry(at: 30, fileHash: "cc", outcome: .refused, summary: "orgs.yaml:3:5: unknown key"),
                AuditEntry(at: 20, fileHash: "bb", outcome: .accepted, summary: "retuned: emea"),
                AuditEntry(at: 20, fileHash: "dd", outcome: .accepted, summary: "same time, written later: first"),
            ]
            try await store.write(batch)
            #expect(try await store.auditLog(limit: 10).map(\.fileHash) == ["cc", "dd", "bb", "aa"])
            #expect(try await store.auditLog(limit: 2) == [batch.audit[1], batch.audit[3]])
            #expect(try await store.auditLog(limit: 0).isEmpty)
            #expect(try await store.statistics().auditEntries == 4)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func sweepDeletesWhatIsOlderThanEachRetention(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var batch = StoreBatch()
            for d in Int64(0)..<3 {
                batch.buckets.append(bucket("us", 0, agents: ["a": sample(1, 1)], queues: ["q": sample(1, 1)], base: day0 + d * dayMs))
                batch.dayTotals.append(DayTotals(org: "us", dayStart: day0 + d * dayMs, asOf: day0 + d * dayMs, agents: ["a": sample(1, 1)]))
                for kind in DocumentKind.allCases {
                    batch.documents.append(StoredDocument(kind: kind, org: "us", dayStart: day0 + d * dayMs, key: "a", asOf: 0, json: []))
                }
                batch.audit.append(AuditEntry(at: day0 + d * dayMs, fileHash: "h", outcome: .accepted, summary: ""))
            }
            try await store.write(batch)
            var retention = StoreRetention()
            retention.occupancyMs = 2 * dayMs       // keeps days 1 and 2
            retention.utilizationMs = 1 * dayMs     // keeps day 2
            retention.qualityMs = 3 * dayMs         // keeps all
            retention.journeyMs = 1 * dayMs
            retention.speechMs = 2 * dayMs
            retention.auditMs = 1 * dayMs
            let now = day0 + 3 * dayMs
            let report = try await store.sweep(now: now, retention: retention)
            // org, agent, queue bucket + day totals of day 0; utilization 0,1; journey 0,1; speech 0; audit 0,1.
            #expect(report.rowsDeleted == 4 + 2 + 2 + 1 + 2)
            #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).map(\.start) == [day0 + dayMs, day0 + 2 * dayMs])
            #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).allSatisfy { $0.queues == ["q": sample(1, 1)] })
            #expect(try await store.dayTotals(org: "us", dayStart: day0) == nil)
            #expect(try await store.dayTotals(org: "us", dayStart: day0 + dayMs) != nil)
            #expect(try await store.documents(kind: .utilization, org: "us", dayStart: day0 + dayMs).isEmpty)
            #expect(try await store.documents(kind: .utilization, org: "us", dayStart: day0 + 2 * dayMs).count == 1)
            #expect(try await store.documents(kind: .quality, org: "us", dayStart: day0).count == 1)
            #expect(try await store.auditLog(limit: 10).count == 1)
            #expect(try await store.sweep(now: now, retention: retention).rowsDeleted == 0)
            let stats = try await store.statistics()
            #expect(stats.buckets == 2 && stats.agentBuckets == 2 && stats.documents == 12 - 5 && stats.auditEntries == 1)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func anEmptyBatchWritesNothing(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try await store.write(StoreBatch())
            let stats = try await store.statistics()
            #expect(stats.buckets == 0 && stats.agentBuckets == 0 && stats.documents == 0 && stats.auditEntries == 0
                    && stats.journeys == 0)
            #expect(try await store.hubState() == nil)
        }
    }
}
