import Foundation
@testable import Store
import SwitchboardCore
import Testing

/// Closed journeys (schema v3): saved, read by id, searched by org and customer hashes, swept per org, and
/// found through the writer before they are stored.
@Suite struct StoreJourneyTests {
    static func journey(_ n: Int, org: OrgID = "us", opened: EpochMillis, closed: EpochMillis,
                        hashes: [String] = ["phone#00000000000000aa"], size: Int = 40) -> StoredJourney {
        let doc = #"{"v":1,"journey":{"id":"\#(org)/j-\#(n)","pad":""# + String(repeating: "x", count: size) + #""}}"#
        return StoredJourney(id: "\(org)/j-\(n)", org: org, openedAt: opened, closedAt: closed,
                             customerHashes: hashes.sorted(), document: Array(doc.utf8))
    }

    @Test func aStoreOfTheVersionBeforeJourneysMigratesAndKeepsThem() async throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("v2.sqlite")
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("v2.sqlite").path, toPath: path)
        let store = try openStore(path)
        #expect(store.openedSchemaVersion == 2)
        var batch = StoreBatch()
        batch.journeys = [Self.journey(1, opened: day0, closed: day0 + 1)]
        try await store.write(batch)
        #expect(try await store.journey(id: "us/j-1") == batch.journeys[0])
        #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).count == 1)
        try store.close()
        #expect(try FileFacts.read(path).userVersion == 3)
    }

    @Test func theWriterFindsJourneysBeforeTheyAreStored() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let writer = StoreWriter(store: store, logger: quietLogger)
        let stored = Self.journey(1, opened: day0, closed: day0 + 1)
        writer.save([stored])
        await writer.flush()
        let pending = Self.journey(2, opened: day0 + 10, closed: day0 + 11)
        writer.save([pending])
        #expect(writer.pendingItems == 1)
        #expect(try await writer.journey(id: "us/j-2") == pending)
        #expect(try await writer.journey(id: "us/j-1") == stored)
        #expect(try await store.journey(id: "us/j-2") == nil)
        // Merged, newest first; the pending copy of an id replaces the stored one.
        var newer = stored
        newer.document = Array(#"{"v":1,"newer":true}"#.utf8)
        writer.save([newer])
        #expect(try await writer.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 10) == [pending, newer])
        #expect(try await writer.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 1) == [pending])
        await writer.flush()
        #expect(try await store.journey(id: "us/j-1") == newer)
        #expect(try await store.journey(id: "us/j-2") == pending)
    }

    @Test func aJourneyPushedOutOfAFullPendingBatchIsCounted() {
        var p = PendingBatch()
        var batch = StoreBatch()
        batch.journeys = (1...3).map { Self.journey($0, opened: day0, closed: day0) }
        p.merge(batch)
        #expect(p.itemCount == 3)
        #expect(p.trim(to: 2) == 1)
        #expect(p.batch.journeys.map(\.id) == ["us/j-2", "us/j-3"])
    }

    @Test func eventBridgeDeliveriesAreKeptDurablyReadSinceAndSweptPerOrg() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let writer = StoreWriter(store: store, logger: quietLogger)
        let big = EventBridgeDelivery(org: "us", receivedAt: day0 + 2, body: Array(String(repeating: "[{}]", count: 400).utf8))
        let deliveries = [
            EventBridgeDelivery(org: "us", receivedAt: day0, body: Array(#"[{"id":"a"}]"#.utf8)),
            EventBridgeDelivery(org: "emea", receivedAt: day0 + 1, body: Array(#"{"id":"b"}"#.utf8)),
            big,
        ]
        // Each is stored when keep returns: nothing pending.
        for d in deliveries { try await writer.keep(d) }
        #expect(writer.pendingItems == 0)
        #expect(try await writer.deliveries(org: "us", since: 0) == [deliveries[0], big])
        #expect(try await store.eventBridgeDeliveries(org: "us", since: day0 + 1) == [big])
        #expect(try await store.eventBridgeDeliveries(org: "emea", since: 0) == [deliveries[1]])

        var retention = StoreRetention()
        retention.eventBridgeMsByOrg = ["us": 10]
        retention.eventBridgeMs = 1_000
        #expect(try await store.sweep(now: day0 + 11, retention: retention).rowsDeleted == 1)
        #expect(try await store.eventBridgeDeliveries(org: "us", since: 0) == [big])
        #expect(try await store.eventBridgeDeliveries(org: "emea", since: 0).count == 1)
        #expect(try await store.sweep(now: day0 + 1_002, retention: retention).rowsDeleted == 2)
        #expect(try await store.eventBridgeDeliveries(org: "emea", since: 0).isEmpty)
        #expect(try await store.eventBridgeDeliveries(org: "us", since: 0).isEmpty)
    }

    @Test func aDeliveryThatCannotBeStoredIsNotAcknowledged() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let flaky = FlakyStore(try openStore(dir.path("s.sqlite")), failures: 1)
        let writer = StoreWriter(store: flaky, logger: quietLogger)
        let d = EventBridgeDelivery(org: "us", receivedAt: day0, body: Array("[]".utf8))
        await #expect(throws: StoreError.self) { try await writer.keep(d) }
        // It stays pending, stored by the next flush (a replay drops its ids as duplicates).
        #expect(writer.pendingItems == 1)
        try await writer.keep(d)
        #expect(try await flaky.eventBridgeDeliveries(org: "us", since: 0) == [d, d])
    }

    @Test func pendingDeliveriesAreDroppedFirstWhenTheBatchIsFull() {
        var p = PendingBatch()
        var batch = StoreBatch()
        batch.journeys = [Self.journey(1, opened: day0, closed: day0)]
        batch.deliveries = [EventBridgeDelivery(org: "us", receivedAt: day0, body: [])]
        p.merge(batch)
        #expect(p.trim(to: 1) == 1)
        #expect(p.batch.deliveries.isEmpty && p.batch.journeys.count == 1)
    }
}
