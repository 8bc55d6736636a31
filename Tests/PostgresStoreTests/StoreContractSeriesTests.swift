import Foundation
import PostgresStore
import Store
import SwitchboardCore
import Testing

/// The HistoryStore contract, continued: history answers per step, journeys and EventBridge deliveries, on
/// SQLite and PostgreSQL alike.
@Suite struct StoreContractSeriesTests {
    static let q = "q-1"

    /// us: 8 buckets (2 h) from day0 00:00Z; emea: buckets 2 and 3; agent "a" in every other us bucket.
    static func fill(_ store: any HistoryStore) async throws {
        var batch = StoreBatch()
        for i in Int64(0)..<8 {
            var agents = ["b": sample(10 * i, 100)]
            if i % 2 == 0 { agents["a"] = sample(i, 10) }
            batch.buckets.append(bucket("us", i, agents: agents, queues: [q: sample(i, 1)]))
        }
        for i in Int64(2)..<4 { batch.buckets.append(bucket("emea", i, agents: ["a": sample(1000, 1000)])) }
        try await store.write(batch)
    }

    @Test(arguments: StoreBackend.allCases)
    func orgAndGlobalSeriesPer15MinutesAndPerHour(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try await Self.fill(store)
            let perBucket = try await store.series(.org("us"), from: day0, to: day0 + 8 * width, step: .buckets(1))
            #expect(perBucket.count == 8)
            #expect(perBucket[3] == SeriesPoint(start: day0 + 3 * width, sample: sample(30, 100)))
            let hourly = try await store.series(.org("us"), from: day0, to: day0 + 8 * width, step: .buckets(4))
            #expect(hourly == [SeriesPoint(start: day0, sample: sample(62, 420)),
                               SeriesPoint(start: day0 + 4 * width, sample: sample(230, 420))])
            let shifted = try await store.series(.org("us"), from: day0 + 2 * width - 1, to: day0 + 8 * width, step: .buckets(4))
            #expect(shifted.map(\.start) == [day0 + 2 * width, day0 + 6 * width])
            #expect(try await store.series(.org("us"), from: day0, to: day0 + width, step: .buckets(1)).count == 1)

            let global = try await store.series(.global, from: day0, to: day0 + 8 * width, step: .buckets(1))
            #expect(global.count == 8)
            #expect(global[2].sample == sample(20 + 2 + 1000, 110 + 1000))
            #expect(global[4].sample == sample(40 + 4, 110))
            let globalHourly = try await store.series(.global, from: day0, to: day0 + 8 * width, step: .buckets(4))
            #expect(globalHourly[0].sample == sample(62 + 2000, 420 + 2000))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func queueAndAgentSeries(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try await Self.fill(store)
            let queue = try await store.series(.queue(EntityID(org: "us", platformID: Self.q)), from: day0, to: day0 + 8 * width,
                                               step: .buckets(8))
            #expect(queue == [SeriesPoint(start: day0, sample: sample(28, 8))])
            let a = try await store.series(.agent(EntityID(org: "us", platformID: "a")), from: day0, to: day0 + 8 * width,
                                           step: .buckets(1))
            #expect(a.map(\.start) == [0, 2, 4, 6].map { day0 + $0 * width })
            #expect(a.map(\.sample.handlingMs) == [0, 2, 4, 6])
            let aHourly = try await store.series(.agent(EntityID(org: "us", platformID: "a")), from: day0, to: day0 + 8 * width,
                                                 step: .buckets(4))
            #expect(aHourly.map(\.sample) == [sample(2, 20), sample(10, 20)])
            let emeaA = try await store.series(.agent(EntityID(org: "emea", platformID: "a")), from: 0, to: .max, step: .buckets(1))
            #expect(emeaA.map(\.sample) == [sample(1000, 1000), sample(1000, 1000)])
            #expect(try await store.series(.agent(EntityID(org: "us", platformID: "nobody")), from: 0, to: .max,
                                           step: .buckets(1)).isEmpty)
            #expect(try await store.series(.queue(EntityID(org: "emea", platformID: Self.q)), from: 0, to: .max,
                                           step: .buckets(1)).isEmpty)
        }
    }

    /// Day steps start at local midnight: at UTC+2 the local day of day0 starts at day0 − 2 h.
    @Test(arguments: StoreBackend.allCases)
    func dayStepsFollowTheOffset(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var batch = StoreBatch()
            for i in Int64(80)..<100 { batch.buckets.append(bucket("us", i, agents: ["a": sample(1, 2)])) }
            try await store.write(batch)
            let utc = try await store.series(.org("us"), from: day0, to: day0 + 2 * dayMs, step: .day(utcOffsetMs: 0))
            #expect(utc == [SeriesPoint(start: day0, sample: sample(16, 32)),
                            SeriesPoint(start: day0 + dayMs, sample: sample(4, 8))])
            let plus2 = try await store.series(.org("us"), from: day0, to: day0 + 2 * dayMs, step: .day(utcOffsetMs: 7_200_000))
            #expect(plus2 == [SeriesPoint(start: day0 - 7_200_000, sample: sample(8, 16)),
                              SeriesPoint(start: day0 + dayMs - 7_200_000, sample: sample(12, 24))])
            let minus5 = try await store.series(.global, from: day0, to: day0 + 2 * dayMs, step: .day(utcOffsetMs: -18_000_000))
            #expect(minus5 == [SeriesPoint(start: day0 + 18_000_000, sample: sample(20, 40))])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func invalidStepsAreRefused(_ backend: StoreBackend) async throws {
        try await backend.withStore { (store: any HistoryStore) async throws in
            await #expect(throws: StoreError.self) { try await store.series(.global, from: 0, to: 1, step: .buckets(0)) }
            await #expect(throws: StoreError.self) {
                try await store.series(.global, from: 0, to: 1, step: .day(utcOffsetMs: dayMs))
            }
            #expect(try await store.series(.global, from: 5, to: 5, step: .buckets(1)).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func journeysRoundTripAndAreSearchedNewestFirstWithinTheOrg(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let a = journey(1, opened: day0, closed: day0 + 10, hashes: ["phone#00000000000000aa", "contact#00000000000000cc"])
            let b = journey(2, opened: day0 + 100, closed: day0 + 200, size: 4_000)  // large: stored deflated
            let c = journey(3, opened: day0 + 50, closed: day0 + 60, hashes: ["email#00000000000000bb"])
            let other = journey(4, org: "emea", opened: day0 + 500, closed: day0 + 600)
            // Same opening time: the greater id (by bytes) first.
            let d = journey(5, opened: day0 + 50, closed: day0 + 60, hashes: ["email#00000000000000bb"])
            var batch = StoreBatch()
            batch.journeys = [a, b, c, other, d]
            try await store.write(batch)

            #expect(try await store.journey(id: "us/j-1") == a)
            #expect(try await store.journey(id: "us/j-2") == b)
            #expect(try await store.journey(id: "us/j-9") == nil)
            #expect(try await store.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 10) == [b, a])
            #expect(try await store.journeys(org: "us", customerHashes: ["contact#00000000000000cc", "email#00000000000000bb"],
                                             limit: 10) == [d, c, a])
            #expect(try await store.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 1) == [b])
            #expect(try await store.journeys(org: "emea", customerHashes: ["phone#00000000000000aa"], limit: 10) == [other])
            #expect(try await store.journeys(org: "us", customerHashes: [], limit: 10).isEmpty)
            #expect(try await store.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 0).isEmpty)
            #expect(try await store.statistics().journeys == 5)

            // A second save of an id replaces the first, hashes included.
            var a2 = a
            a2.customerHashes = ["msg#00000000000000dd"]
            a2.document = Array(#"{"v":1}"#.utf8)
            var again = StoreBatch()
            again.journeys = [a2]
            try await store.write(again)
            #expect(try await store.journey(id: "us/j-1") == a2)
            #expect(try await store.journeys(org: "us", customerHashes: ["contact#00000000000000cc"], limit: 10).isEmpty)
            #expect(try await store.statistics().journeys == 5)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theSweepDeletesJourneysPastTheirOrgsRetention(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var batch = StoreBatch()
            batch.journeys = [
                journey(1, opened: day0 - 3 * dayMs, closed: day0 - 3 * dayMs),                 // us: 2 d → gone
                journey(2, opened: day0 - dayMs, closed: day0 - dayMs),                         // us: kept
                journey(3, org: "emea", opened: day0 - 3 * dayMs, closed: day0 - 3 * dayMs),    // emea: 5 d → kept
                journey(4, org: "apac", opened: day0 - 40 * dayMs, closed: day0 - 31 * dayMs),  // default 30 d → gone
                journey(5, org: "apac", opened: day0 - 29 * dayMs, closed: day0 - 29 * dayMs),  // kept
            ]
            try await store.write(batch)
            var retention = StoreRetention()
            retention.journeyMsByOrg = ["us": 2 * dayMs, "emea": 5 * dayMs]
            #expect(try await store.sweep(now: day0, retention: retention).rowsDeleted == 2)
            #expect(try await store.journey(id: "us/j-1") == nil)
            #expect(try await store.journey(id: "us/j-2") != nil)
            #expect(try await store.journey(id: "emea/j-3") != nil)
            #expect(try await store.journey(id: "apac/j-4") == nil)
            #expect(try await store.journey(id: "apac/j-5") != nil)
            // The swept journey's hashes went with it.
            #expect(try await store.journeys(org: "us", customerHashes: ["phone#00000000000000aa"], limit: 10).map(\.id) == ["us/j-2"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func eventBridgeDeliveriesAreReadSinceOldestFirstAndSweptPerOrg(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let big = EventBridgeDelivery(org: "us", receivedAt: day0 + 2, body: Array(String(repeating: "[{}]", count: 400).utf8))
            let first = EventBridgeDelivery(org: "us", receivedAt: day0, body: Array(#"[{"id":"a"}]"#.utf8))
            let emea = EventBridgeDelivery(org: "emea", receivedAt: day0 + 1, body: Array(#"{"id":"b"}"#.utf8))
            var batch = StoreBatch()
            batch.deliveries = [big, first, emea, first]  // a repeated body is kept twice (the replay drops duplicates)
            try await store.write(batch)
            #expect(try await store.eventBridgeDeliveries(org: "us", since: 0) == [first, first, big])
            #expect(try await store.eventBridgeDeliveries(org: "us", since: day0 + 1) == [big])
            #expect(try await store.eventBridgeDeliveries(org: "emea", since: 0) == [emea])

            var retention = StoreRetention()
            retention.eventBridgeMsByOrg = ["us": 10]
            retention.eventBridgeMs = 1_000
            #expect(try await store.sweep(now: day0 + 11, retention: retention).rowsDeleted == 2)
            #expect(try await store.eventBridgeDeliveries(org: "us", since: 0) == [big])
            #expect(try await store.eventBridgeDeliveries(org: "emea", since: 0).count == 1)
            #expect(try await store.sweep(now: day0 + 1_002, retention: retention).rowsDeleted == 2)
            #expect(try await store.eventBridgeDeliveries(org: "emea", since: 0).isEmpty)
            #expect(try await store.eventBridgeDeliveries(org: "us", since: 0).isEmpty)
        }
    }
}
