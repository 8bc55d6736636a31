import Foundation
import GRDB
@testable import Store
import SwitchboardCore
import Testing

/// Stores written by every earlier schema version open with this build (migrated in place) and read back
/// what was written. `Fixtures/v<N>.sqlite` is made by the build that introduced version N:
/// `SWITCHBOARD_WRITE_STORE_FIXTURE=1 swift test --filter StoreFixtureTests` (docs/store.md).
@Suite struct StoreFixtureTests {
    /// What every fixture holds. Never change it: old fixtures were written with it.
    static var contents: StoreBatch {
        var b = StoreBatch()
        b.buckets = [
            ClosedBucket(org: "us", start: day0, agents: ["agent-1": sample(600_000, 900_000), "agent-2": sample(0, 450_000)],
                         queues: ["queue-1": sample(600_000, 1_350_000)], total: sample(600_000, 1_350_000)),
            ClosedBucket(org: "emea", start: day0 + width, agents: ["agent-1": sample(1, 2)], queues: [:], total: sample(1, 2)),
        ]
        b.dayTotals = [DayTotals(org: "us", dayStart: day0, asOf: day0 + width,
                                 agents: ["agent-1": sample(600_000, 900_000), "agent-3": sample(0, 0)])]
        b.documents = [StoredDocument(kind: .utilization, org: "us", dayStart: day0, key: "agent-1", asOf: day0 + 1,
                                      json: Array(#"{"routingUtilization":1}"#.utf8))]
        b.audit = [AuditEntry(at: day0, fileHash: String(repeating: "ab", count: 32), outcome: .accepted, summary: "orgs added: us, emea")]
        b.hubState = HubState(epoch: "fixture-epoch", topics: ["global": 41, "org:us": 7], savedAt: day0 + 2, clean: true)
        return b
    }

    static var fixturesSource: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    @Test(arguments: 1...SQLiteHistoryStore.schemaVersion)
    func aStoreOfAnEarlierVersionOpens(_ version: Int) async throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let fixture = fixtures.appendingPathComponent("v\(version).sqlite")
        try #require(FileManager.default.fileExists(atPath: fixture.path), "missing fixture \(fixture.lastPathComponent): see docs/store.md")
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        let store = try openStore(path)
        #expect(store.openedSchemaVersion == version)
        let expected = Self.contents
        #expect(try await store.closedBuckets(org: "us", from: 0, to: .max) == [expected.buckets[0]])
        #expect(try await store.closedBuckets(org: "emea", from: 0, to: .max) == [expected.buckets[1]])
        #expect(try await store.dayTotals(org: "us", dayStart: day0) == expected.dayTotals[0])
        #expect(try await store.documents(kind: .utilization, org: "us", dayStart: day0) == expected.documents)
        #expect(try await store.auditLog(limit: 5) == expected.audit)
        #expect(try await store.hubState() == expected.hubState)
        #expect(try await store.series(.global, from: 0, to: .max, step: .buckets(1)).count == 2)
        // Migrated to this build's version, and still writable.
        var more = StoreBatch()
        more.buckets = [bucket("us", 1, agents: ["agent-9": sample(1, 1)])]
        try await store.write(more)
        try store.close()
        #expect(try FileFacts.read(path).userVersion == SQLiteHistoryStore.schemaVersion)
    }

    /// Writes `Fixtures/v<current>.sqlite` into the source tree. Run once by the change that adds a version.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SWITCHBOARD_WRITE_STORE_FIXTURE"] != nil))
    func writeFixtureOfThisVersion() async throws {
        let path = Self.fixturesSource.appendingPathComponent("v\(SQLiteHistoryStore.schemaVersion).sqlite").path
        try? FileManager.default.removeItem(atPath: path)
        let store = try openStore(path)
        try await store.write(Self.contents)
        try store.close()  // checkpoints: one self-contained file, no -wal
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }
}
