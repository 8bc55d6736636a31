import Foundation
import SwitchboardCore

/// Seed 000's "idle time" over stored closed buckets (docs/reports.md): per agent and local day, the time
/// productive but not handling.
///
/// Pure and incremental: feed one org's buckets (any order) with ``add(_:)``, then read ``rows()`` and
/// ``days()``. Each bucket belongs to the local day of its start in `zone` (buckets are 15 minutes and every
/// real offset is a multiple of 15 minutes, so a bucket never straddles a local midnight, DST days included).
/// A bucket's idle time is productive − handling, never below zero (handling outside productive presences
/// does not cancel idle time elsewhere); the day's idle share is idle ÷ productive.
public struct IdleTimeReport: Sendable {
    public struct Row: Sendable, Equatable {
        /// The agent's platform id; empty in ``IdleTimeReport/days()`` (the whole org).
        public var id: String
        /// The local day (a ``CalendarDay`` number) and its midnight.
        public var day: Int
        public var dayStart: EpochMillis
        public var productiveMs: Int64 = 0
        public var handlingMs: Int64 = 0
        public var idleMs: Int64 = 0
        /// Stored buckets the agent (the org) has time in.
        public var buckets: Int = 0
        /// Agents with time that day (``IdleTimeReport/days()`` only).
        public var agents: Int = 0

        public init(id: String, day: Int, dayStart: EpochMillis) {
            self.id = id
            self.day = day
            self.dayStart = dayStart
        }

        /// idle ÷ productive; nil without productive time.
        public var idleShare: Double? { productiveMs > 0 ? Double(idleMs) / Double(productiveMs) : nil }
    }

    public let zone: TimeZone
    private var byAgent: [DayKey: Row] = [:]
    private var dayStarts: [Int: EpochMillis] = [:]

    private struct DayKey: Hashable, Sendable {
        var day: Int
        var id: String
    }

    public init(zone: TimeZone) {
        self.zone = zone
    }

    public mutating func add(_ bucket: ClosedBucket) {
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(bucket.start) / 1000))
        let day = CalendarDay.of(bucket.start, offsetSeconds: offset)
        let dayStart: EpochMillis
        if let known = dayStarts[day] {
            dayStart = known
        } else {
            dayStart = Timestamp.startOfDay(calendarDay: day, in: zone)
            dayStarts[day] = dayStart
        }
        for (id, s) in bucket.agents {
            let key = DayKey(day: day, id: id)
            var row = byAgent[key] ?? Row(id: id, day: day, dayStart: dayStart)
            row.productiveMs += s.productiveMs
            row.handlingMs += s.handlingMs
            row.idleMs += max(0, s.productiveMs - s.handlingMs)
            row.buckets += 1
            byAgent[key] = row
        }
    }

    /// One row per agent and day with time in it, sorted by day, then agent.
    public func rows() -> [Row] {
        byAgent.values.sorted { ($0.day, $0.id) < ($1.day, $1.id) }
    }

    /// The org per day (the sums of its agents' rows; `agents` counts them), sorted by day.
    public func days() -> [Row] {
        var days: [Int: Row] = [:]
        for r in byAgent.values {
            var d = days[r.day] ?? Row(id: "", day: r.day, dayStart: r.dayStart)
            d.productiveMs += r.productiveMs
            d.handlingMs += r.handlingMs
            d.idleMs += r.idleMs
            d.agents += 1
            days[r.day] = d
        }
        return days.values.sorted { $0.day < $1.day }
    }
}
