import Foundation
import SwitchboardCore

/// When a REST-polled feed (utilization, quality) fetches, and which range: a pure state machine
/// driven with explicit times.
///
/// - Polls fall on `k × every + offset` (business time, epoch-aligned, so `every: 15 min` is the
///   quarter hour): `offset` is a small per-org offset (``orgOffset(_:every:)``) so many orgs
///   started together do not poll together. The first poll is at start + `offset mod every`.
/// - The day is cut into `interval`-long buckets from local midnight in `zone`. Buckets that ended
///   at least `settle` before a successful fetch are *closed*: fetched once and kept. Each fetch
///   covers [first unclosed bucket, end of the current bucket), so a missed poll (a stall, a 429
///   storm) is caught up by the next one and nothing is fetched twice once closed.
/// - An interval boundary also triggers a poll `settle` (+ offset mod 1 min) after it, so the
///   just-closed bucket gets its final figures promptly.
/// - A failed fetch changes nothing but the next poll time (`retryAfter`): no bucket is lost or
///   counted twice. A new day resets the closed range to the new midnight.
public struct PollSchedule: Sendable, Equatable {
    /// One fetch to make.
    public struct Fetch: Sendable, Equatable {
        public var dayStart: EpochMillis
        /// [from, to): whole buckets, `to` the end of the current bucket.
        public var from: EpochMillis
        public var to: EpochMillis
        /// The business time the fetch was decided at.
        public var asOf: EpochMillis
        /// First fetch of a new day: what was kept for the previous day is dropped.
        public var newDay: Bool
    }

    public let every: EpochMillis
    public let offset: EpochMillis
    public let interval: EpochMillis
    public let settle: EpochMillis
    public let retryAfter: EpochMillis
    public let zone: TimeZone
    public private(set) var dayStart: EpochMillis = .min
    /// Buckets starting before this are closed (fetched and kept).
    public private(set) var closedThrough: EpochMillis = .min
    public private(set) var nextPollAt: EpochMillis
    /// Set by ``markDue(now:)`` (e.g. a push event asking for an early refresh).
    private var forcedAt: EpochMillis?

    public init(every: EpochMillis, offset: EpochMillis, interval: EpochMillis = 30 * 60_000,
                settle: EpochMillis = 60_000, retryAfter: EpochMillis = 30_000, zone: TimeZone, now: EpochMillis) {
        self.every = max(1000, every)
        self.offset = max(0, offset)
        self.interval = max(60_000, interval)
        self.settle = max(0, settle)
        self.retryAfter = max(1000, retryAfter)
        self.zone = zone
        self.nextPollAt = now + self.offset % self.every
    }

    /// A stable per-org offset in [0, min(every, 60 s)): spreads orgs that start together.
    public static func orgOffset(_ org: String, every: EpochMillis) -> EpochMillis {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in org.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let span = UInt64(max(1000, min(every, 60_000)))
        return EpochMillis(h % span)
    }

    /// The fetch to make now, or nil when not due.
    public func due(now: EpochMillis) -> Fetch? {
        guard now >= nextPollAt || (forcedAt.map { now >= $0 } ?? false) else { return nil }
        let day = Timestamp.startOfDay(now, in: zone)
        let newDay = day != dayStart
        let from = newDay ? day : max(closedThrough, day)
        let to = day + ((now - day) / interval + 1) * interval
        return Fetch(dayStart: day, from: from, to: to, asOf: now, newDay: newDay)
    }

    /// A fetch succeeded: closes what ended `settle` before it and schedules the next poll.
    public mutating func succeeded(_ f: Fetch) {
        dayStart = f.dayStart
        let closable = f.dayStart + max(0, (f.asOf - settle - f.dayStart)) / interval * interval
        closedThrough = max(f.newDay ? f.dayStart : closedThrough, min(closable, f.to))
        forcedAt = nil
        nextPollAt = nextPoll(after: f.asOf)
    }

    /// A restart picks up what a previous run fetched (docs/store.md, "Restart"): the day `dayStart` was
    /// last fetched successfully at `lastSuccessAt`, so what closed by then is not fetched again. The next
    /// poll time is left as it is. Ignored for another day than `now`'s, or when this schedule has fetched.
    public mutating func resume(dayStart day: EpochMillis, lastSuccessAt t: EpochMillis, now: EpochMillis) {
        guard dayStart == .min, day == Timestamp.startOfDay(now, in: zone), t >= day, t <= now else { return }
        dayStart = day
        let closable = day + max(0, t - settle - day) / interval * interval
        closedThrough = max(day, min(closable, day + ((t - day) / interval + 1) * interval))
    }

    /// A fetch failed (after the REST client's own retries): try again `retryAfter` later.
    public mutating func failed(now: EpochMillis) {
        nextPollAt = min(nextPoll(after: now), now + retryAfter)
        if forcedAt != nil { forcedAt = now + retryAfter }
    }

    /// The platform refused the poll (HTTP 403): ask again no earlier than `until` — the permission will not
    /// appear in the next few seconds, and each refused call spends rate-limit budget. Early refreshes wait too.
    public mutating func refused(until: EpochMillis) {
        nextPollAt = max(nextPollAt, until)
        if let f = forcedAt { forcedAt = max(f, until) }
    }

    /// Ask for a poll at `at` (an early refresh); an earlier pending request wins.
    public mutating func markDue(at: EpochMillis) {
        forcedAt = min(forcedAt ?? .max, at)
    }

    /// True when bucket `start` is closed.
    public func isClosed(_ start: EpochMillis) -> Bool { start + interval <= closedThrough }

    /// Milliseconds of business time until the next poll (0 when due).
    public func delay(now: EpochMillis) -> EpochMillis {
        max(0, min(nextPollAt, forcedAt ?? .max) - now)
    }

    private func nextPoll(after t: EpochMillis) -> EpochMillis {
        let aligned = ((t - offset) / every + 1) * every + offset
        // Close the current bucket promptly: poll just after its end + settle.
        let day = Timestamp.startOfDay(t, in: zone)
        var boundary = day + ((t - day) / interval + 1) * interval + settle + offset % 60_000
        if boundary - interval > t { boundary -= interval }
        return min(aligned, boundary)
    }
}
