import Foundation
import Journeys
@testable import JourneyViews
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A ``JourneyArchive`` in memory (the store's contract: latest save per id, searches newest first).
final class MemoryArchive: JourneyArchive {
    let kept = Mutex<[String: StoredJourney]>([:])
    let saves = Mutex(0)
    func save(_ journeys: [StoredJourney]) {
        saves.withLock { $0 += journeys.count }
        kept.withLock { for j in journeys { $0[j.id] = j } }
    }
    func journey(id: String) async throws -> StoredJourney? { kept.withLock { $0[id] } }
    func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney] {
        let hashes = Set(customerHashes)
        return Array(kept.withLock { Array($0.values) }
            .filter { $0.org == org && !hashes.isDisjoint(with: $0.customerHashes) }
            .sorted { ($0.openedAt, $0.id) > ($1.openedAt, $1.id) }
            .prefix(limit))
    }
    var all: [StoredJourney] { kept.withLock { Array($0.values) } }

    let keptDeliveries = Mutex<[EventBridgeDelivery]>([])
    /// While true, ``keep(_:)`` throws (a full disk).
    let failing = Mutex(false)
    func keep(_ delivery: EventBridgeDelivery) async throws {
        if failing.withLock({ $0 }) { throw TestFailure(reason: "the disk is full") }
        keptDeliveries.withLock { $0.append(delivery) }
    }
    func deliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery] {
        keptDeliveries.withLock { $0.filter { $0.org == org && $0.receivedAt >= since } }
    }
    var deliveryCount: Int { keptDeliveries.withLock { $0.count } }
}

struct TestFailure: Error {
    var reason: String
}

/// Closed journeys a cap pushes out of memory go to the archive, and reads by id and by customer find them there
/// (docs/journeys.md "Retention").
@Suite struct JourneyArchiveTests {
    let clock = ManualClock(JV.t0)

    func engine(_ config: SwitchboardConfiguration, archive: MemoryArchive?) -> JourneyViewEngine {
        JourneyViewEngine(configuration: config, clock: clock, sink: CapturingSink(), archive: archive)
    }

    /// Three calls of one caller, each its own journey (a session timeout apart), all closed by `t + 2_000 s`;
    /// returns each journey's entity JSON as published when it closed.
    func threeJourneys(_ e: JourneyViewEngine, phone: String = "+15551230001") async -> [String: String] {
        var closedJSON: [String: String] = [:]
        for (n, t) in [EpochMillis(0), 500_000, 1_000_000].enumerated() {
            for ev in JV.call("c\(n + 1)", at: t, phone: phone) {
                clock.set(ev.receivedAt)
                e.ingest(journeyEvents: [ev])
                for c in await e.flush() where c.kind == .journeys && c.json != nil { closedJSON[c.id] = c.json?.string }
            }
            clock.advance(by: 100)
            _ = await e.flush()
        }
        for step in 1...20 {
            clock.set(JV.t0 + 1_000_000 + EpochMillis(step) * 100_000)
            for c in await e.flush() where c.kind == .journeys && c.json != nil { closedJSON[c.id] = c.json?.string }
        }
        return closedJSON
    }

    static func ids(_ search: JourneySearch) throws -> [String] {
        guard case .found(let json) = search else { return [] }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        return try #require(object["journeys"] as? [[String: Any]]).compactMap { $0["id"] as? String }
    }

    @Test func aJourneyEvictedByTheCountCapIsStillAnsweredByIDAndBySearch() async throws {
        let archive = MemoryArchive()
        let e = engine(JV.configuration { $0.maxClosed = 1 }, archive: archive)
        let published = await threeJourneys(e)
        let ids = (1...3).map { JourneyStitcher.journeyID(org: "us", conversation: "c\($0)").description }
        let status = try #require(await e.status(of: "us"))
        #expect(status.retained == 1 && status.evictions == 2)
        #expect(Set(archive.all.map(\.id)) == [ids[0], ids[1]])

        // By id: the archive's copy is what the topic showed when it closed.
        for id in ids {
            let read = try #require(await e.journey(id: id), "\(id)")
            #expect(read.string == published[id], "\(id)")
            #expect(read.string.contains(#""state":"CLOSED""#))
        }
        // By customer: memory and archive merged, newest first, each once.
        let token = JV.redactor().token(for: CustomerKey(kind: .phone, value: "+15551230001"))
        for typed in ["+15551230001", "tel:+1-555-123-0001", token] {
            #expect(try Self.ids(await e.journeys(org: "us", customer: typed)) == ids.reversed(), "\(typed)")
        }
        #expect(try Self.ids(await e.journeys(org: "us", customer: "+15550000000")).isEmpty)
        // Another org's journey is not read through this one.
        #expect(await e.journey(id: "emea/" + ids[0].dropFirst(3)) == nil)
        // The stored record holds no address: only the salted hash.
        for r in archive.all {
            #expect(!String(decoding: r.document, as: UTF8.self).contains("555123"))
            #expect(r.customerHashes == [token])
        }
    }

    @Test func withoutAStoreAnEvictedJourneyIsGone() async throws {
        let e = engine(JV.configuration { $0.maxClosed = 1 }, archive: nil)
        _ = await threeJourneys(e)
        let first = JourneyStitcher.journeyID(org: "us", conversation: "c1").description
        #expect(await e.journey(id: first) == nil)
        #expect(try Self.ids(await e.journeys(org: "us", customer: "+15551230001")).count == 1)
    }

    @Test func aJourneyPastRetentionIsNotStored() async throws {
        let archive = MemoryArchive()
        let e = engine(JV.configuration { $0.retention = .seconds(60) }, archive: archive)
        _ = await threeJourneys(e)
        #expect(try #require(await e.status(of: "us")).evictions >= 2)
        #expect(archive.all.isEmpty)
    }

    @Test func theCustomerIsShownNoMoreThanWasKeptNorThanTheOrgNowAllows() async throws {
        let key = CustomerKey(kind: .phone, value: "+15551230001")
        let hashed = JV.redactor().token(for: key)
        let first = JourneyStitcher.journeyID(org: "us", conversation: "c1").description
        func customer(_ e: JourneyViewEngine) async throws -> String? {
            let json = try #require(await e.journey(id: first))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
            return object["customer"] as? String
        }
        // Evicted while clear was allowed: clear, then masked, then hashed as the org's rule tightens.
        let archive = MemoryArchive()
        let e = engine(JV.configuration { $0.maxClosed = 1; $0.showCustomer = .clear }, archive: archive)
        _ = await threeJourneys(e)
        #expect(try await customer(e) == key.canonical)
        for (mode, shown) in [(CustomerKeyRedactor.Mode.masked, key.masked), (.hashed, hashed)] {
            await e.apply(JV.configuration { $0.maxClosed = 1; $0.showCustomer = mode })
            #expect(try await customer(e) == shown, "\(mode)")
        }
        // Evicted while hashed: never more than the hash, whatever the org allows later.
        let strict = MemoryArchive()
        let e2 = engine(JV.configuration { $0.maxClosed = 1 }, archive: strict)
        _ = await threeJourneys(e2)
        await e2.apply(JV.configuration { $0.maxClosed = 1; $0.showCustomer = .clear })
        #expect(try await customer(e2) == hashed)
        // Evicted while masked, read while clear: masked.
        let masked = MemoryArchive()
        let e3 = engine(JV.configuration { $0.maxClosed = 1; $0.showCustomer = .masked }, archive: masked)
        _ = await threeJourneys(e3)
        await e3.apply(JV.configuration { $0.maxClosed = 1; $0.showCustomer = .clear })
        #expect(try await customer(e3) == key.masked)
        #expect(!String(decoding: try #require(masked.all.first).document, as: UTF8.self).contains("+15551230001"))
    }

    @Test func aGracefulStopHandsTheRetainedJourneysToTheStore() async throws {
        let archive = MemoryArchive()
        let e = engine(JV.configuration(), archive: archive)
        _ = await threeJourneys(e)
        #expect(archive.all.isEmpty)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await e.run() }
            group.cancelAll()
        }
        #expect(archive.all.count == 3)
    }

    @Test func aRecordThisBuildCannotReadIsLeftOut() {
        let r = StoredJourney(id: "us/j-1", org: "us", openedAt: 0, closedAt: 0, customerHashes: [],
                              document: Array(#"{"v":99}"#.utf8))
        #expect(JourneyRecord.journeyJSON(r, mode: .hashed) == nil)
        #expect(JourneyViewState.looksLikeToken("phone#0123456789abcdef"))
        #expect(!JourneyViewState.looksLikeToken("phone#0123"))
        #expect(!JourneyViewState.looksLikeToken("fax#0123456789abcdef"))
    }

    // MARK: EventBridge durability

    static var delivery: [UInt8] {
        Array(("[" + JourneyEndpointTests.detailEvent("eb-1", kind: "customer.start", at: 0) + ","
            + JourneyEndpointTests.detailEvent("eb-2", kind: "acd.start", at: 1_000, extra: #","queueId":"q-sales""#)
            + "]").utf8)
    }

    @Test func aDeliveryIsAnsweredOnlyOnceStoredAndAStartReplaysIt() async throws {
        let archive = MemoryArchive()
        let e = engine(JV.configuration(), archive: archive)
        archive.failing.withLock { $0 = true }
        guard case .unavailable = await e.ingestEventBridge(org: "us", apiKey: JV.ebKey, body: Self.delivery) else {
            Issue.record("a delivery that could not be stored must not be acknowledged")
            return
        }
        archive.failing.withLock { $0 = false }
        // EventBridge retries: its ids were seen (the events are applied once), and now it is stored.
        #expect(await e.ingestEventBridge(org: "us", apiKey: JV.ebKey, body: Self.delivery)
            == .accepted(EncodedJSON(bytes: Array(#"{"accepted":0,"duplicates":2,"refused":[]}"#.utf8))))
        #expect(archive.deliveryCount == 1)
        clock.advance(by: 1_000)
        _ = await e.flush()
        clock.advance(by: 1_000)
        _ = await e.flush()
        let id = JourneyStitcher.journeyID(org: "us", conversation: "conv-1").description
        let before = try #require(await e.journey(id: id))

        // A restart: a new engine on the same store replays the delivery; the open journey is back as it was.
        let restarted = engine(JV.configuration(), archive: archive)
        #expect(await restarted.journey(id: id) == nil)
        #expect(await restarted.replayEventBridge() == 1)
        _ = await restarted.flush()
        clock.advance(by: 1_000)
        _ = await restarted.flush()
        #expect(await restarted.journey(id: id) == before)
        #expect(await restarted.status(of: "us")?.active == 1)
        // Its ids are known again: the same delivery once more is all duplicates.
        #expect(await restarted.ingestEventBridge(org: "us", apiKey: JV.ebKey, body: Self.delivery)
            == .accepted(EncodedJSON(bytes: Array(#"{"accepted":0,"duplicates":2,"refused":[]}"#.utf8))))

        // Beyond the session timeout + idle grace (+ reorder window) of the last delivery, nothing is replayed.
        clock.advance(by: 600_101)
        let late = engine(JV.configuration(), archive: archive)
        #expect(await late.replayEventBridge() == 0)
    }

    /// A cluster take-over: the replica that begins leading `us` replays the deliveries another replica accepted
    /// into the shared store, so the journey open there is open here; an org it does not know replays nothing.
    @Test func aTakeOverReplaysTheOrgsDeliveriesAnotherReplicaAccepted() async throws {
        let archive = MemoryArchive()
        let accepting = engine(JV.configuration(), archive: archive)
        _ = await accepting.ingestEventBridge(org: "us", apiKey: JV.ebKey, body: Self.delivery)
        clock.advance(by: 1_000)
        _ = await accepting.flush()
        clock.advance(by: 1_000)
        _ = await accepting.flush()
        let id = JourneyStitcher.journeyID(org: "us", conversation: "conv-1").description
        let there = try #require(await accepting.journey(id: id))

        let leader = engine(JV.configuration(), archive: archive)
        #expect(await leader.replayEventBridge(org: "emea") == 0)
        #expect(await leader.replayEventBridge(org: "us") == 1)
        _ = await leader.flush()
        clock.advance(by: 1_000)
        _ = await leader.flush()
        #expect(await leader.journey(id: id) == there)
        // Replayed again (a second take-over by the same replica): its ids are known, nothing counts twice.
        #expect(await leader.replayEventBridge(org: "us") == 1)
        _ = await leader.flush()
        #expect(await leader.status(of: "us")?.active == 1)
    }

    @Test func withoutAStoreADeliveryIsAcknowledgedOnceStaged() async throws {
        let e = engine(JV.configuration(), archive: nil)
        #expect(await e.ingestEventBridge(org: "us", apiKey: JV.ebKey, body: Self.delivery)
            == .accepted(EncodedJSON(bytes: Array(#"{"accepted":2,"duplicates":0,"refused":[]}"#.utf8))))
        #expect(await e.replayEventBridge() == 0)
    }
}
