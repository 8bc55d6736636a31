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

    @Test func journeysRoundTripAndAreSearchedNewestFirstWithinTheOrg() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let a = Self.journey(1, opened: day0, closed: day0 + 10, hashes: ["phone#00000000000000aa", "contact#00000000000000cc"])
        let b = Self.journey(2, opened: day0 + 100, closed: day0 + 200, size: 4_000)  // large: stored deflated
        let c = Self.journey(3, opened: day0 + 50, closed: day0 + 60, hashes: ["email#00000000000000bb"])
        let other = Self.journey(4, org: "emea", opened: day0 + 500, closed: day0 + 600)
        var batch = StoreBatch()
        batch.journeys = [a, b, c, other]
        try await store.write(batch)

        #expect(try await store.journey(id: "us/j-1") == a)
        #expect(try await store.journey(id: "us/j-2") == b)
        #expect(try await store.journey(id: "us/j-9") == nil)
        #expect(try await store.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 10) == [b, a])
        #expect(try await store.journeys(org: "us", customerHashes: ["contact#00000000000000cc", "email#00000000000000bb"],
                                         limit: 10) == [c, a])
        #expect(try await store.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 1) == [b])
        #expect(try await store.journeys(org: "emea", customerHashes: ["phone#00000000000000aa"], limit: 10) == [other])
        #expect(try await store.journeys(org: "us", customerHashes: [], limit: 10).isEmpty)
        #expect(try await store.statistics().journeys == 4)

        // A second save of an id replaces the first, hashes included.
        var again = StoreBatch()
        var a2 = a
        a2.customerHashes = ["msg#00000000000000dd"]
        a2.document = Array(#"{"v":1}"#.utf8)
        again.journeys = [a2]
        try await store.write(again)
        #expect(try await store.journey(id: "us/j-1") == a2)
        #expect(try await store.journeys(org: "us", customerHashes: ["contact#00000000000000cc"], limit: 10).isEmpty)
        #expect(try await store.statistics().journeys == 4)
    }

    @Test func theSweepDeletesJourneysPastTheirOrgsRetention() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        let day: EpochMillis = 86_400_000
        var batch = StoreBatch()
        batch.journeys = [
            Self.journey(1, opened: day0 - 3 * day, closed: day0 - 3 * day),   // us: 2 d retention → gone
            Self.journey(2, opened: day0 - day, closed: day0 - day),           // us: kept
            Self.journey(3, org: "emea", opened: day0 - 3 * day, closed: day0 - 3 * day),  // emea: 5 d → kept
            Self.journey(4, org: "apac", opened: day0 - 40 * day, closed: day0 - 31 * day), // default 30 d → gone
            Self.journey(5, org: "apac", opened: day0 - 29 * day, closed: day0 - 29 * day), // kept
        ]
        try await store.write(batch)
        var retention = StoreRetention()
        retention.journeyMsByOrg = ["us": 2 * day, "emea": 5 * day]
        let report = try await store.sweep(now: day0, retention: retention)
        #expect(report.rowsDeleted == 2)
        #expect(try await store.journey(id: "us/j-1") == nil)
        #expect(try await store.journey(id: "us/j-2") != nil)
        #expect(try await store.journey(id: "emea/j-3") != nil)
        #expect(try await store.journey(id: "apac/j-4") == nil)
        #expect(try await store.journey(id: "apac/j-5") != nil)
        // The swept journey's hashes went with it.
        #expect(try await store.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 10).map(\.id) == ["us/j-2"])
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
