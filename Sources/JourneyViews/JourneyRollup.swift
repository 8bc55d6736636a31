import Journeys
import SwitchboardCore

/// The figures of one `queues`, `orgs` or `totals` entity (docs/protocol.md "Journey topics"), made from an org's
/// ``Journeys/JourneyFigures`` (or one queue's share of them) and summed across orgs for `journeys:global`.
struct JourneyRollup: Sendable, Equatable {
    var active = 0
    var activeByPath: [JourneyPath: Int] = [:]
    var activeByState: [JourneyState: Int] = [:]
    var closedByReason: [ClosedReason: Int] = [:]
    var closedByPath: [JourneyPath: Int] = [:]
    /// Channel switches of closed journeys, summed, and how many journeys they cover.
    var switches = 0
    var switchesOf = 0
    var timeCount = 0
    var timeSumMs: Int64 = 0
    var timeMinMs: Int64?
    var timeMaxMs: Int64?

    init() {}

    /// An org's figures.
    init(_ f: JourneyFigures) {
        active = f.active
        activeByPath = f.activeByPath
        activeByState = f.activeByState
        closedByReason = f.closedByReason
        closedByPath = f.closedByPath
        for (n, count) in f.switchesHistogram {
            switches += n * count
            switchesOf += count
        }
        take(f.timeToClose)
    }

    /// One queue's share.
    init(_ q: JourneyFigures.QueueFigures) {
        active = q.active
        activeByPath = q.activeByPath
        activeByState = q.activeByState
        closedByReason = q.closedByReason
        closedByPath = q.closedByPath
        switches = q.channelSwitches
        switchesOf = q.closed
        take(q.timeToClose)
    }

    private mutating func take(_ t: JourneyFigures.DurationStats) {
        timeCount = t.count
        timeSumMs = t.sumMs
        timeMinMs = t.minMs
        timeMaxMs = t.maxMs
    }

    var closed: Int { closedByReason.values.reduce(0, +) }
    var abandonedAtTimeout: Int { closedByReason[.abandonedAtTimeout] ?? 0 }
    var meanChannelSwitches: Double? { switchesOf > 0 ? Double(switches) / Double(switchesOf) : nil }
    var meanTimeToCloseMs: Double? { timeCount > 0 ? Double(timeSumMs) / Double(timeCount) : nil }

    static func += (a: inout JourneyRollup, b: JourneyRollup) {
        a.active += b.active
        for (k, v) in b.activeByPath { a.activeByPath[k, default: 0] += v }
        for (k, v) in b.activeByState { a.activeByState[k, default: 0] += v }
        for (k, v) in b.closedByReason { a.closedByReason[k, default: 0] += v }
        for (k, v) in b.closedByPath { a.closedByPath[k, default: 0] += v }
        a.switches += b.switches
        a.switchesOf += b.switchesOf
        a.timeCount += b.timeCount
        a.timeSumMs += b.timeSumMs
        if let m = b.timeMinMs { a.timeMinMs = min(a.timeMinMs ?? m, m) }
        if let m = b.timeMaxMs { a.timeMaxMs = max(a.timeMaxMs ?? m, m) }
    }
}
