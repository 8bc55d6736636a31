import Foundation
@testable import Store
import SwitchboardCore
import Testing

/// History answers: every series kind, summed per step.
@Suite struct StoreSeriesTests {
    static let q = "q-1"

    /// us: 8 buckets (2 h) from day0 00:00Z; emea: buckets 2 and 3; agent "a" in every other us bucket.
    static func filled() async throws -> (TempDir, SQLiteHistoryStore) {
        let dir = try TempDir()
        let store = try openStore(dir.path("s.sqlite"))
        var batch = StoreBatch()
        for i in Int64(0)..<8 {
            var agents = ["b": sample(10 * i, 100)]
            if i % 2 == 0 { agents["a"] = sample(i, 10) }
            batch.buckets.append(bucket("us", i, agents: agents, queues: [q: sample(i, 1)]))
        }
        for i in Int64(2)..<4 { batch.buckets.append(bucket("emea", i, agents: ["a": sample(1000, 1000)])) }
        try await store.write(batch)
        return (dir, store)
    }

    @Test func orgSeriesPerBucketAndPerHour() async throws {
        let (dir, store) = try await Self.filled()
        defer { dir.remove() }
        let perBucket = try await store.series(.org("us"), from: day0, to: day0 + 8 * width, step: .buckets(1))
        #expect(perBucket.count == 8)
        #expect(perBucket[3] == SeriesPoint(start: day0 + 3 * width, sample: sample(30, 100)))
        let hourly = try await store.series(.org("us"), from: day0, to: day0 + 8 * width, step: .buckets(4))
        // Hour 0: b 0+10+20+30, a 0+2; hour 1: b 40+50+60+70, a 4+6.
        #expect(hourly == [SeriesPoint(start: day0, sample: sample(62, 420)),
                           SeriesPoint(start: day0 + 4 * width, sample: sample(230, 420))])
        #expect(hourly[0].sample.occupancy == 62.0 / 420.0)
        // Steps count from the first boundary at or after `from`: 00:30 → [00:30, 01:30), [01:30, …).
        let shifted = try await store.series(.org("us"), from: day0 + 2 * width - 1, to: day0 + 8 * width, step: .buckets(4))
        #expect(shifted.map(\.start) == [day0 + 2 * width, day0 + 6 * width])
        #expect(shifted[0].sample.handlingMs == 20 + 2 + 30 + 40 + 4 + 50)
        // [from, to): the bucket starting at `to` is out.
        #expect(try await store.series(.org("us"), from: day0, to: day0 + width, step: .buckets(1)).count == 1)
    }

    @Test func globalSumsEveryOrg() async throws {
        let (dir, store) = try await Self.filled()
        defer { dir.remove() }
        let global = try await store.series(.global, from: day0, to: day0 + 8 * width, step: .buckets(1))
        #expect(global.count == 8)
        #expect(global[2].sample == sample(20 + 2 + 1000, 110 + 1000))
        #expect(global[4].sample == sample(40 + 4, 110))
        let hourly = try await store.series(.global, from: day0, to: day0 + 8 * width, step: .buckets(4))
        #expect(hourly[0].sample == sample(62 + 2000, 420 + 2000))
    }

    @Test func queueAndAgentSeries() async throws {
        let (dir, store) = try await Self.filled()
        defer { dir.remove() }
        let queue = try await store.series(.queue(EntityID(org: "us", platformID: Self.q)), from: day0, to: day0 + 8 * width, step: .buckets(8))
        #expect(queue == [SeriesPoint(start: day0, sample: sample(28, 8))])
        // Agent "a" of us is in even buckets only: odd buckets are left out per bucket, summed per hour.
        let a = try await store.series(.agent(EntityID(org: "us", platformID: "a")), from: day0, to: day0 + 8 * width, step: .buckets(1))
        #expect(a.map(\.start) == [0, 2, 4, 6].map { day0 + $0 * width })
        #expect(a.map(\.sample.handlingMs) == [0, 2, 4, 6])
        let aHourly = try await store.series(.agent(EntityID(org: "us", platformID: "a")), from: day0, to: day0 + 8 * width, step: .buckets(4))
        #expect(aHourly.map(\.sample) == [sample(2, 20), sample(10, 20)])
        // The same platform id in emea is another agent.
        let emeaA = try await store.series(.agent(EntityID(org: "emea", platformID: "a")), from: 0, to: .max, step: .buckets(1))
        #expect(emeaA.map(\.sample) == [sample(1000, 1000), sample(1000, 1000)])
        #expect(try await store.series(.agent(EntityID(org: "us", platformID: "nobody")), from: 0, to: .max, step: .buckets(1)).isEmpty)
        #expect(try await store.series(.queue(EntityID(org: "emea", platformID: Self.q)), from: 0, to: .max, step: .buckets(1)).isEmpty)
    }

    /// Day steps start at local midnight: at UTC+2 the local day of day0 starts at day0 − 2 h, so buckets
    /// from 22:00Z belong to the next local day.
    @Test func dayStepsFollowTheOffset() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        var batch = StoreBatch()
        for i in Int64(80)..<100 { batch.buckets.append(bucket("us", i, agents: ["a": sample(1, 2)])) }  // 20:00Z day0 … 01:00Z day1
        try await store.write(batch)
        let utc = try await store.series(.org("us"), from: day0, to: day0 + 2 * SeriesStep.dayMs, step: .day(utcOffsetMs: 0))
        #expect(utc == [SeriesPoint(start: day0, sample: sample(16, 32)),
                        SeriesPoint(start: day0 + SeriesStep.dayMs, sample: sample(4, 8))])
        let plus2 = try await store.series(.org("us"), from: day0, to: day0 + 2 * SeriesStep.dayMs, step: .day(utcOffsetMs: 7_200_000))
        #expect(plus2 == [SeriesPoint(start: day0 - 7_200_000, sample: sample(8, 16)),
                          SeriesPoint(start: day0 + SeriesStep.dayMs - 7_200_000, sample: sample(12, 24))])
        let minus5 = try await store.series(.global, from: day0, to: day0 + 2 * SeriesStep.dayMs, step: .day(utcOffsetMs: -18_000_000))
        #expect(minus5 == [SeriesPoint(start: day0 + 18_000_000, sample: sample(20, 40))])
    }

    @Test func invalidStepsAreRefused() async throws {
        let (dir, store) = try await Self.filled()
        defer { dir.remove() }
        await #expect(throws: StoreError.self) { try await store.series(.global, from: 0, to: 1, step: .buckets(0)) }
        await #expect(throws: StoreError.self) { try await store.series(.global, from: 0, to: 1, step: .day(utcOffsetMs: SeriesStep.dayMs)) }
        #expect(try await store.series(.global, from: 5, to: 5, step: .buckets(1)).isEmpty)
    }
}
