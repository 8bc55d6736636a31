import Foundation
import Store
import SwitchboardCore
import Testing

/// The report math (docs/reports.md) on hand-made buckets: sustained occupancy, idle time, reaction time.
@Suite struct HistoryReportsTests {
    static let minute: EpochMillis = 60_000
    /// 2026-03-02T08:00Z.
    static let t0 = day0 + 8 * 60 * minute

    /// A bucket `index` quarters after `t0` with agents (h, p) and queues (h, p, productive members).
    static func b(_ index: Int64, _ agents: [String: (Int64, Int64)] = [:],
                  queues: [String: (Int64, Int64, Int?)] = [:], base: EpochMillis = t0) -> ClosedBucket {
        var a: [String: OccupancySample] = [:]
        for (k, v) in agents { a[k] = sample(v.0 * minute, v.1 * minute) }
        var q: [String: OccupancySample] = [:], counts: [String: Int] = [:]
        for (k, v) in queues {
            q[k] = sample(v.0 * minute, v.1 * minute)
            if let n = v.2 { counts[k] = n }
        }
        let total = a.values.reduce(sample(0, 0)) { sample($0.handlingMs + $1.handlingMs, $0.productiveMs + $1.productiveMs) }
        return ClosedBucket(org: "us", start: base + index * width, agents: a, queues: q, total: total, queueAgents: counts)
    }

    static func sustained(_ buckets: [ClosedBucket], minMinutes: Int64 = 30, by: SustainedOccupancyReport.Subject = .agent)
        -> (periods: [SustainedOccupancyReport.Period], subjects: [SustainedOccupancyReport.Summary])
    {
        var r = SustainedOccupancyReport(threshold: 0.85, minDurationMs: minMinutes * minute, by: by)
        for x in buckets { r.add(x) }
        return r.finish()
    }

    // MARK: Sustained occupancy

    @Test func periodsOfConsecutiveBucketsAboveTheThresholdLastingTheMinimum() {
        // a: above in 1, 2, 3 (45 min), dips in 4, above in 5 only (15 min: too short), above in 7-8 running to the end.
        // b: above in 2-3 (30 min: kept, the minimum is inclusive); exactly 85 % (in 4) is not above.
        let buckets = [
            Self.b(0, ["a": (10, 15), "b": (0, 15)]),
            Self.b(1, ["a": (14, 15), "b": (12, 15)]),
            Self.b(2, ["a": (15, 15), "b": (14, 15)]),
            Self.b(3, ["a": (13, 15), "b": (13, 15)]),
            Self.b(4, ["a": (12, 15), "b": (51, 60)]),  // 51/60 = 0.85 exactly: not above, b's period ends
            Self.b(5, ["a": (14, 15)]),
            Self.b(6, ["a": (3, 15)]),
            Self.b(7, ["a": (14, 15), "b": (6, 15)]),
            Self.b(8, ["a": (15, 15)]),
        ]
        let (periods, subjects) = Self.sustained(buckets)
        #expect(periods.map(\.id) == ["a", "a", "b"])
        let a1 = periods[0]
        #expect(a1.start == Self.t0 + width && a1.end == Self.t0 + 4 * width && a1.durationMs == 45 * Self.minute)
        #expect(a1.buckets == 3)
        #expect(a1.sample == sample(42 * Self.minute, 45 * Self.minute))
        #expect(abs(a1.occupancy! - 42.0 / 45.0) < 1e-12)
        #expect(!a1.clippedStart && !a1.clippedEnd)
        let a2 = periods[1]
        #expect(a2.start == Self.t0 + 7 * width && a2.end == Self.t0 + 9 * width)
        #expect(a2.clippedEnd, "runs to the last bucket read: it may go on")
        #expect(!a2.clippedStart)
        let b = periods[2]
        #expect(b.start == Self.t0 + 2 * width && b.durationMs == 30 * Self.minute)
        let m = Self.minute
        let expected: [SustainedOccupancyReport.Summary] = [
            SustainedOccupancyReport.Summary(id: "a", periods: 2, totalMs: 75 * m, longestMs: 45 * m),
            SustainedOccupancyReport.Summary(id: "b", periods: 1, totalMs: 30 * m, longestMs: 30 * m),
        ]
        #expect(subjects == expected)
    }

    @Test func aGapOrAZeroProductiveBucketOrAnAbsenceEndsAPeriod() {
        let buckets = [
            Self.b(0, ["gap": (15, 15), "zero": (15, 15), "absent": (15, 15)]),
            Self.b(1, ["gap": (15, 15), "zero": (15, 15), "absent": (15, 15)]),
            // bucket 2 is not stored (the bridge was down) for everyone
            Self.b(3, ["gap": (15, 15), "zero": (15, 15), "absent": (15, 15)]),
            Self.b(4, ["gap": (15, 15), "zero": (0, 0), "absent": (15, 15)]),
            Self.b(5, ["gap": (15, 15), "zero": (15, 15)]),
            Self.b(6, ["gap": (15, 15), "zero": (15, 15), "absent": (15, 15)]),
        ]
        let (periods, _) = Self.sustained(buckets, minMinutes: 15)
        func of(_ id: String) -> [(EpochMillis, EpochMillis, Bool, Bool)] {
            periods.filter { $0.id == id }.map { (($0.start - Self.t0) / width, ($0.end - Self.t0) / width, $0.clippedStart, $0.clippedEnd) }
        }
        // Before the gap: clipped at the start (first bucket read) and at the end (the gap).
        #expect(of("gap").map { "\($0)" } == ["(0, 2, true, true)", "(3, 7, true, true)"])
        #expect(of("zero").map { "\($0)" } == ["(0, 2, true, true)", "(3, 4, true, false)", "(5, 7, false, true)"])
        #expect(of("absent").map { "\($0)" } == ["(0, 2, true, true)", "(3, 5, true, false)", "(6, 7, false, true)"])
    }

    @Test func byQueueUsesTheQueueSums() {
        let buckets = (0..<3).map { Self.b(Int64($0), ["a": (5, 15)], queues: ["q": (27, 30, 2), "r": (10, 30, 2)]) }
        let (periods, subjects) = Self.sustained(buckets, by: .queue)
        #expect(periods.map(\.id) == ["q"])
        #expect(periods.first?.durationMs == 45 * Self.minute)
        #expect(subjects.map(\.id) == ["q"])
        #expect(Self.sustained(buckets, by: .agent).periods.isEmpty)
    }

    @Test func readingInSeveralPartsGivesTheSameAnswer() {
        let buckets = (0..<12).map { i in Self.b(Int64(i), ["a": (i % 5 == 4 ? 3 : 14, 15), "b": (15, 15)]) }
        let whole = Self.sustained(buckets, minMinutes: 15)
        var parts = SustainedOccupancyReport(threshold: 0.85, minDurationMs: 15 * Self.minute, by: .agent)
        for chunk in [buckets[0..<5], buckets[5..<6], buckets[6...]] { for x in chunk { parts.add(x) } }
        let split = parts.finish()
        #expect(split.periods == whole.periods)
        #expect(split.subjects == whole.subjects)
    }

    // MARK: Idle time

    @Test func idleIsProductiveMinusHandlingPerAgentAndLocalDay() throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        // 2026-03-02 in New York (UTC-5): 03:45Z is 22:45 on the 1st, 05:00Z is midnight of the 2nd.
        let early = day0 + 3 * 60 * Self.minute + 45 * Self.minute
        var r = IdleTimeReport(zone: zone)
        r.add(Self.b(0, ["a": (5, 15), "b": (0, 0)], base: early))  // 22:45 on the 1st
        r.add(Self.b(5, ["a": (10, 15)], base: early))  // 00:00 on the 2nd
        r.add(Self.b(6, ["a": (15, 10)], base: early))  // handling beyond productive: no negative idle
        r.add(Self.b(7, ["b": (3, 12)], base: early))
        let rows = r.rows()
        #expect(rows.map { "\(CalendarDay.format($0.day)) \($0.id)" } == ["2026-03-01 a", "2026-03-01 b", "2026-03-02 a", "2026-03-02 b"])
        #expect(rows[0].idleMs == 10 * Self.minute && rows[0].productiveMs == 15 * Self.minute)
        #expect(rows[0].dayStart == Timestamp.parse("2026-03-01T05:00:00.000Z"))
        #expect(rows[1].productiveMs == 0 && rows[1].idleShare == nil, "a zero-productive agent: no share")
        #expect(rows[2].idleMs == 5 * Self.minute, "10 − 0 clipped; not 5 − 5")
        #expect(rows[2].productiveMs == 25 * Self.minute && rows[2].handlingMs == 25 * Self.minute)
        #expect(rows[2].idleShare == 0.2)
        #expect(rows[2].buckets == 2)
        #expect(rows[2].dayStart == Timestamp.parse("2026-03-02T05:00:00.000Z"))
        let days = r.days()
        #expect(days.map(\.agents) == [2, 2])
        #expect(days[1].idleMs == 14 * Self.minute)
    }

    @Test func localDaysFollowTheZoneAcrossDSTAndHalfHourOffsets() throws {
        // New York springs forward on 2026-03-08: that local day is 23 hours (05:00Z → 04:00Z next day).
        let ny = try #require(TimeZone(identifier: "America/New_York"))
        let sunday = try #require(Timestamp.parse("2026-03-08T05:00:00.000Z"))
        var r = IdleTimeReport(zone: ny)
        r.add(ClosedBucket(org: "us", start: sunday + 23 * 3_600_000 - width, agents: ["a": sample(0, width)], queues: [:],
                           total: sample(0, width)))  // 23:45 local, still Sunday
        r.add(ClosedBucket(org: "us", start: sunday + 23 * 3_600_000, agents: ["a": sample(0, width)], queues: [:],
                           total: sample(0, width)))  // Monday 00:00
        #expect(r.rows().map { CalendarDay.format($0.day) } == ["2026-03-08", "2026-03-09"])
        #expect(r.rows().last?.dayStart == sunday + 23 * 3_600_000)
        // Kolkata is UTC+05:30: 18:30Z is midnight.
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        var k = IdleTimeReport(zone: kolkata)
        let midnight = try #require(Timestamp.parse("2026-03-02T18:30:00.000Z"))
        k.add(ClosedBucket(org: "us", start: midnight - width, agents: ["a": sample(0, width)], queues: [:], total: sample(0, width)))
        k.add(ClosedBucket(org: "us", start: midnight, agents: ["a": sample(0, width)], queues: [:], total: sample(0, width)))
        #expect(k.rows().map { CalendarDay.format($0.day) } == ["2026-03-02", "2026-03-03"])
        #expect(k.rows().last?.dayStart == midnight)
    }

    @Test func startOfACalendarDayInFarZones() throws {
        for (zone, day, expected) in [("Pacific/Kiritimati", "2026-03-02", "2026-03-01T10:00:00.000Z"),
                                      ("Pacific/Pago_Pago", "2026-03-02", "2026-03-02T11:00:00.000Z"),
                                      ("America/New_York", "2026-03-08", "2026-03-08T05:00:00.000Z"),
                                      ("America/New_York", "2026-03-09", "2026-03-09T04:00:00.000Z"),
                                      ("UTC", "2026-03-02", "2026-03-02T00:00:00.000Z")] {
            let z = try #require(TimeZone(identifier: zone))
            #expect(Timestamp.startOfDay(calendarDay: try #require(CalendarDay.parse(day)), in: z) == Timestamp.parse(expected),
                    "\(zone) \(day)")
        }
    }

    // MARK: Reaction time

    static func reaction(_ buckets: [ClosedBucket]) -> [ReactionTimeReport.Spike] {
        var r = ReactionTimeReport(threshold: 0.85)
        for x in buckets { r.add(x) }
        return r.finish()
    }

    @Test func theTimeFromASpikeToMoreAgentsOnQueue() {
        // The org: agents x, y productive; spike in 1 (below in 0); a third agent in 3 → 30 min.
        // Queue q: spike in 2 (members 2), more members (3) in 4 → 30 min. Queue r: spike, never more → nil.
        let buckets = [
            Self.b(0, ["x": (5, 15), "y": (5, 15)], queues: ["q": (5, 15, 2), "r": (1, 15, 1)]),
            Self.b(1, ["x": (14, 15), "y": (14, 15)], queues: ["q": (10, 15, 2), "r": (14, 15, 1)]),
            Self.b(2, ["x": (14, 15), "y": (14, 15), "z": (0, 0)], queues: ["q": (14, 15, 2), "r": (14, 15, 1)]),
            Self.b(3, ["x": (14, 15), "y": (14, 15), "z": (1, 15)], queues: ["q": (14, 15, 2), "r": (14, 15, 1)]),
            Self.b(4, ["x": (14, 15), "y": (14, 15), "z": (1, 15)], queues: ["q": (20, 45, 3), "r": (14, 15, 1)]),
        ]
        let spikes = Self.reaction(buckets)
        #expect(spikes.map(\.subject) == [.org, .queue("q"), .queue("r")])
        let org = spikes[0]
        #expect(org.start == Self.t0 + width && org.agents == 2 && org.agentsAfter == 3)
        #expect(org.reactionMs == 2 * width, "a zero-productive agent in bucket 2 is not on queue")
        #expect(abs(org.occupancy - 28.0 / 30.0) < 1e-12 && org.previousOccupancy == 10.0 / 30.0)
        #expect(spikes[1].start == Self.t0 + 2 * width && spikes[1].reactionMs == 2 * width && spikes[1].agentsAfter == 3)
        #expect(spikes[2].start == Self.t0 + width && spikes[2].reactionMs == nil && spikes[2].reactedAt == nil)
        let summary = ReactionTimeReport.Summary(spikes)
        #expect(summary.spikes == 3 && summary.reacted == 2)
        #expect(summary.medianMs == 2 * width && summary.p90Ms == 2 * width)
    }

    @Test func noSpikeWithoutAStoredBucketJustBeforeAndAfterZeroProductiveItCounts() {
        let buckets = [
            Self.b(0, ["x": (15, 15)]),  // the first bucket read: what came before is unknown
            Self.b(1, ["x": (0, 0)]),  // no productive time: not above
            Self.b(2, ["x": (15, 15)]),  // spike (after a bucket not above)
            Self.b(3, ["x": (1, 15)]),
            // 4 not stored
            Self.b(5, ["x": (15, 15)]),  // after a gap: not a spike
            Self.b(6, ["x": (15, 15), "y": (0, 15)]),  // the spike of 2 reacts here, across the gap: 60 min
        ]
        let spikes = Self.reaction(buckets)
        #expect(spikes.map(\.start) == [Self.t0 + 2 * width])
        #expect(spikes[0].previousOccupancy == nil)
        #expect(spikes[0].reactionMs == 4 * width)
    }

    @Test func aQueueWhoseCountWasNotStoredHasNoSpikes() {
        let buckets = [Self.b(0, ["x": (1, 15)], queues: ["q": (1, 15, nil)]),
                       Self.b(1, ["x": (15, 15)], queues: ["q": (15, 15, nil)])]
        #expect(Self.reaction(buckets).map(\.subject) == [.org])
    }

    @Test func medianAndP90AreNearestRank() {
        func spikes(_ minutes: [Int64?]) -> [ReactionTimeReport.Spike] {
            var r = ReactionTimeReport(threshold: 0.85)
            // One spike per pair of buckets, each reacting (or not) after the given time, on separate queues.
            var buckets: [Int64: [String: (Int64, Int64, Int?)]] = [:]
            for (n, m) in minutes.enumerated() {
                let q = "q\(n)"
                buckets[0, default: [:]][q] = (1, 15, 1)
                buckets[1, default: [:]][q] = (15, 15, 1)
                if let m { buckets[1 + m / 15, default: [:]][q] = (15, 30, 2) }
            }
            for i in buckets.keys.sorted() { r.add(Self.b(i, queues: buckets[i]!)) }
            return r.finish().filter { $0.subject != .org }
        }
        let s = ReactionTimeReport.Summary(spikes([15, 30, 45, 60, 75, 90, 105, 120, 135, 150, nil]))
        #expect(s.spikes == 11 && s.reacted == 10)
        #expect(s.medianMs == 75 * Self.minute)  // rank ceil(0.5 × 10) = 5
        #expect(s.p90Ms == 135 * Self.minute)  // rank ceil(0.9 × 10) = 9
        let none = ReactionTimeReport.Summary([])
        #expect(none.medianMs == nil && none.p90Ms == nil && none.spikes == 0)
    }
}
