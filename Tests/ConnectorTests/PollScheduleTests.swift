import Connector
import Foundation
import SwitchboardCore
import Testing

/// The poll schedule driven with explicit times (no clock, no sleeping).
struct PollScheduleTests {
    static let min: EpochMillis = 60_000
    static let ny = TimeZone(identifier: "America/New_York")!
    /// 2026-05-07 00:00 in New York (EDT, UTC−4).
    static let midnight: EpochMillis = Timestamp.parse("2026-05-07T04:00:00.000Z")!

    @Test func firstPollAtOffsetThenAlignedAndAtBoundaries() {
        let start = Self.midnight + 10 * 60 * Self.min + 7 * Self.min + 13_000  // 10:07:13
        var s = PollSchedule(every: 5 * Self.min, offset: 20_000, settle: Self.min, zone: Self.ny, now: start)
        #expect(s.due(now: start) == nil)
        #expect(s.delay(now: start) == 20_000)
        let f = try! #require(s.due(now: start + 20_000))
        #expect(f.from == Self.midnight)
        #expect(f.to == Self.midnight + 10 * 60 * Self.min + 30 * Self.min)
        #expect(f.newDay)
        s.succeeded(f)
        // Closed: everything that ended at least a minute before 10:07:33, i.e. up to 10:00.
        #expect(s.closedThrough == Self.midnight + 10 * 60 * Self.min)
        #expect(s.isClosed(Self.midnight + 9 * 60 * Self.min + 30 * Self.min))
        #expect(!s.isClosed(Self.midnight + 10 * 60 * Self.min))
        // Next poll on the 5-minute grid plus the offset: 10:10:20.
        #expect(s.nextPollAt == Self.midnight + 10 * 60 * Self.min + 10 * Self.min + 20_000)
        // Later polls fetch only from the first open interval.
        let g = try! #require(s.due(now: s.nextPollAt))
        #expect(g.from == Self.midnight + 10 * 60 * Self.min)
        #expect(!g.newDay)
        s.succeeded(g)
        // Walk past 10:30: the grid poll at 10:30:20 cannot close 10:00–10:30 yet (settle); the boundary
        // poll at 10:31:20 (settle + offset) does.
        var t = s.nextPollAt
        while t < Self.midnight + 10 * 60 * Self.min + 31 * Self.min {
            let h = try! #require(s.due(now: t))
            s.succeeded(h)
            t = s.nextPollAt
        }
        #expect(t == Self.midnight + 10 * 60 * Self.min + 31 * Self.min + 20_000)
        let close = try! #require(s.due(now: t))
        #expect(close.from == Self.midnight + 10 * 60 * Self.min)
        s.succeeded(close)
        #expect(s.closedThrough == Self.midnight + 10 * 60 * Self.min + 30 * Self.min)
    }

    /// A restart with today's utilization stored: the first poll asks only from the first interval that was
    /// open at the last stored poll (not from midnight), and is not a new day.
    @Test func aResumedScheduleFetchesOnlyWhatWasOpen() {
        let start = Self.midnight + 11 * 60 * Self.min  // 11:00
        let lastPoll = Self.midnight + 10 * 60 * Self.min + 42 * Self.min  // 10:42, before the restart
        var s = PollSchedule(every: 5 * Self.min, offset: 20_000, settle: Self.min, zone: Self.ny, now: start)
        s.resume(dayStart: Self.midnight, lastSuccessAt: lastPoll, now: start)
        #expect(s.closedThrough == Self.midnight + 10 * 60 * Self.min + 30 * Self.min)
        let f = try! #require(s.due(now: start + 20_000))
        #expect(f.from == Self.midnight + 10 * 60 * Self.min + 30 * Self.min)
        #expect(!f.newDay)
        // Just after a boundary the interval that just ended is not closed yet (settle).
        var t = PollSchedule(every: 5 * Self.min, offset: 0, settle: Self.min, zone: Self.ny, now: start)
        t.resume(dayStart: Self.midnight, lastSuccessAt: Self.midnight + 10 * 60 * Self.min + 30_000, now: start)
        #expect(t.closedThrough == Self.midnight + 9 * 60 * Self.min + 30 * Self.min)
        // Yesterday's, or once the schedule has fetched: ignored.
        var y = PollSchedule(every: 5 * Self.min, offset: 0, settle: Self.min, zone: Self.ny, now: start)
        y.resume(dayStart: Self.midnight - 86_400_000, lastSuccessAt: Self.midnight - 3_600_000, now: start)
        #expect(y.closedThrough == .min)
        #expect(try! #require(y.due(now: start)).newDay)
        var z = PollSchedule(every: 5 * Self.min, offset: 0, settle: Self.min, zone: Self.ny, now: start)
        z.succeeded(try! #require(z.due(now: start)))
        let before = z.closedThrough
        z.resume(dayStart: Self.midnight, lastSuccessAt: Self.midnight + 3_600_000, now: start)
        #expect(z.closedThrough == before)
    }

    @Test func failureLosesNothingAndRetries() {
        let start = Self.midnight + 9 * 60 * Self.min
        var s = PollSchedule(every: 5 * Self.min, offset: 0, settle: 0, retryAfter: 30_000, zone: Self.ny, now: start)
        let f = try! #require(s.due(now: start))
        s.succeeded(f)
        let closed = s.closedThrough
        // An hour of failures: nothing closes, the next fetch still starts at the first open interval.
        var t = s.nextPollAt
        for _ in 0..<5 {
            #expect(s.due(now: t) != nil)
            s.failed(now: t)
            #expect(s.nextPollAt == t + 30_000)
            t = s.nextPollAt
        }
        #expect(s.closedThrough == closed)
        let late = start + 60 * Self.min
        let g = try! #require(s.due(now: late))
        #expect(g.from == closed)
        #expect(g.to == start + 90 * Self.min)
        s.succeeded(g)
        #expect(s.closedThrough == late)
    }

    @Test func newDayInTheOrgsZoneResets() {
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        // 14:50 UTC is 23:50 in Tokyo and 10:50 in New York.
        let t = Timestamp.parse("2026-05-07T14:50:00.000Z")!
        var s = PollSchedule(every: 5 * Self.min, offset: 0, settle: 0, zone: tokyo, now: t)
        let f = try! #require(s.due(now: t))
        #expect(f.dayStart == Timestamp.parse("2026-05-06T15:00:00.000Z")!)
        s.succeeded(f)
        let g = try! #require(s.due(now: t + 15 * Self.min))
        #expect(g.newDay)
        #expect(g.dayStart == Timestamp.parse("2026-05-07T15:00:00.000Z")!)
        #expect(g.from == g.dayStart)
        let n = PollSchedule(every: 5 * Self.min, offset: 0, settle: 0, zone: Self.ny, now: t)
        #expect(n.due(now: t)?.dayStart == Self.midnight)
    }

    @Test func quarterHourWithOffsetAndEarlyRefresh() {
        let t = Self.midnight + 8 * 60 * Self.min + 3 * Self.min
        var s = PollSchedule(every: 15 * Self.min, offset: 42_000, interval: 15 * Self.min, settle: 0, zone: Self.ny, now: t)
        s.succeeded(try! #require(s.due(now: t + 42_000)))
        #expect(s.nextPollAt == Self.midnight + 8 * 60 * Self.min + 15 * Self.min + 42_000)
        s.markDue(at: t + 2 * Self.min)
        #expect(s.due(now: t + 2 * Self.min - 1) == nil)
        #expect(s.due(now: t + 2 * Self.min) != nil)
        #expect(s.delay(now: t + Self.min) == Self.min)
    }

    @Test func orgOffsetsSpreadAndStayBounded() {
        let offsets = (0..<50).map { PollSchedule.orgOffset("org\($0)", every: 5 * Self.min) }
        #expect(offsets.allSatisfy { $0 >= 0 && $0 < 60_000 })
        #expect(Set(offsets).count > 40)
        #expect(PollSchedule.orgOffset("us", every: 5 * Self.min) == PollSchedule.orgOffset("us", every: 5 * Self.min))
    }
}
