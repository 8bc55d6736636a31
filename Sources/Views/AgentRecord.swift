import SwitchboardConfig
import SwitchboardCore

/// What the engine needs to fold and compute figures: presence codes and their productivity,
/// bands and tunables.
struct ViewContext {
    var presenceNames: [SystemPresence] = [SystemPresence("")]
    var presenceCodes: [SystemPresence: UInt16] = [:]
    var productive: [Bool] = [false]
    var productiveSet: Set<SystemPresence>
    var bands: BandThresholds
    var bandWindow: OccupancyWindow
    /// Least productive time (ms) in the band window before a band is given.
    var bandMinProductiveMs: Int64
    var tuning: ViewTuning
    /// The wall's badge thresholds (docs/configuration.md, "Thresholds").
    var thresholds = ThresholdsConfig()
    /// True once a history sink is attached: without one, buckets and day totals are not computed at all.
    var recordsHistory = false
    private(set) var offlineCode: UInt16 = 0
    private(set) var onQueueCode: UInt16 = 0

    init(occupancy: OccupancyConfig, tuning: ViewTuning) {
        productiveSet = occupancy.productivePresences
        bands = occupancy.bands
        bandWindow = occupancy.bandWindow
        bandMinProductiveMs = occupancy.bandMinProductive.milliseconds
        self.tuning = tuning
        offlineCode = code(.offline)
        onQueueCode = code(.onQueue)
    }

    /// The one-based code of a presence, interned on first sight.
    mutating func code(_ p: SystemPresence?) -> UInt16 {
        guard let p else { return 0 }
        if let c = presenceCodes[p] { return c }
        guard presenceNames.count < 4096 else { return 0 }  // change points hold 12-bit codes
        let c = UInt16(truncatingIfNeeded: presenceNames.count)
        presenceNames.append(p)
        presenceCodes[p] = c
        productive.append(productiveSet.contains(p))
        return c
    }

    mutating func update(_ occupancy: OccupancyConfig) {
        productiveSet = occupancy.productivePresences
        bands = occupancy.bands
        bandWindow = occupancy.bandWindow
        bandMinProductiveMs = occupancy.bandMinProductive.milliseconds
        productive = presenceNames.enumerated().map { $0.offset > 0 && productiveSet.contains($0.element) }
    }

    func isProductive(_ code: UInt16) -> Bool { Int(code) < productive.count && productive[Int(code)] }
    func presence(_ code: UInt16) -> SystemPresence? { code == 0 ? nil : presenceNames[Int(code)] }
}

/// Figures and state of one agent at one instant.
struct AgentComputed {
    var figures = WindowedFigures()
    var presence: UInt16 = 0
    var routing: UInt8 = 0
    var activity: AgentActivity = .unknown
    /// Start of the current activity's run as seen by the sweep; `exact` when a change was seen.
    var since: Int64?
    var exact = false
    var band: OccupancyBand?
    /// Some productive time in the band window, but less than `bandMinProductive`: no band yet.
    var warmingUp = false
    /// Whether handling / productive time is running at `at` (0 or 1 each).
    var accrual = Accrual()
    /// The instant computed.
    var at: Int64 = 0
}

/// What was last emitted for an agent, for the traffic rule.
struct AgentSignature: Equatable {
    var activity: AgentActivity
    var presence: UInt16
    var routing: UInt8
    var band: OccupancyBand?
    var warmingUp: Bool
    var figures: WindowedFigures
    /// What was running at `at` (sent as `accruing` with `asOf`): clients tick `today` from it.
    var accrual = Accrual()
    var at: Int64 = 0
}

/// Everything tracked for one agent. Kept compact: no per-agent dictionaries.
struct AgentRecord {
    let platformID: String
    var name: String?
    /// The hire date from the directory (``CalendarDay`` number), nil when it has none.
    var hireDate: Int32?
    /// The namespaced id `org/platformID`, made on the first emission and shared by every change since.
    var entityID: String?
    var timeline = AgentTimeline()
    /// Folded totals of `accumDay` (the local day of the fold horizon), counted after the baseline.
    var accumDay: Int64 = .min
    var accum = OccupancyFigures()
    /// The platform's totals for `baseDay` up to `baseAsOf` (users aggregates).
    var baseDay: Int64 = .min
    var baseAsOf: Int64 = .min
    var baseline = OccupancyFigures()
    /// Queue slots (same org) from `activeQueueIds`.
    var queues: [Int32] = []
    var emitted: AgentSignature?
    var stateSince: Int64 = .min
    var lastActivity: AgentActivity = .unknown
    var needsEmit = true
    var dirty = false

    init(platformID: String) { self.platformID = platformID }

    /// Figures over the three windows at `now`, with `dayStart` the org's local midnight.
    func compute(now: Int64, dayStart: Int64, ctx: ViewContext) -> AgentComputed {
        let w15 = now - 15 * 60_000
        let w60 = now - 60 * 60_000
        var c = AgentComputed()
        var todayFrom = max(dayStart, timeline.foldedUpTo)
        var figs = WindowedFigures()
        if accumDay == dayStart { figs.today += accum }
        if baseDay == dayStart {
            figs.today += baseline
            todayFrom = max(todayFrom, baseAsOf)
        }
        let from = max(timeline.foldedUpTo, min(todayFrom, w60))
        var runStart = from
        var last: AgentActivity?
        let off = ctx.offlineCode
        let onq = ctx.onQueueCode
        let end = timeline.sweep(from: from, to: now, openCap: ctx.tuning.maxOpenInteractionMs) { s, e, st in
            let act = st.activity(offlineCode: off, onQueueCode: onq)
            if act != last {
                if last != nil { runStart = s }
                last = act
            }
            let h = st.handling
            // Before the routing status is known nothing is known about handling, so that time is left out
            // of every window rather than counted as productive-but-idle: a bridge started mid-day would
            // otherwise show rolling occupancy far too low until a whole window had been observed.
            guard h || (st.routing != 0 && ctx.isProductive(st.presence)) else { return }
            Self.add(&figs.rolling15m, s, e, w15, now, h)
            Self.add(&figs.rolling60m, s, e, w60, now, h)
            Self.add(&figs.today, s, e, todayFrom, now, h)
        }
        c.at = now
        if end.handling {
            c.accrual = Accrual(handling: 1, productive: 1)
        } else if end.routing != 0 && ctx.isProductive(end.presence) {
            c.accrual = Accrual(handling: 0, productive: 1)
        }
        var current = end
        let latest = timeline.latest
        current.presence = latest.presence
        current.routing = latest.routing
        c.figures = figs
        c.presence = latest.presence
        c.routing = latest.routing
        c.activity = current.activity(offlineCode: off, onQueueCode: onq)
        if last == c.activity {
            c.since = runStart
            c.exact = runStart > from
        } else if let first = timeline.points.first(where: { $0.at > now }) {
            c.since = first.at
            c.exact = true
        } else {
            c.since = now
            c.exact = last != nil
        }
        let sample = figs[ctx.bandWindow]
        if sample.productiveMs > 0 && sample.productiveMs < ctx.bandMinProductiveMs {
            c.warmingUp = true
        } else {
            c.band = ctx.bands.band(for: sample.occupancy)
        }
        return c
    }

    private static func add(_ f: inout OccupancyFigures, _ s: Int64, _ e: Int64, _ ws: Int64, _ we: Int64,
                            _ handling: Bool) {
        let a = max(s, ws)
        let b = min(e, we)
        guard b > a else { return }
        f.productiveMs += b - a
        if handling { f.handlingMs += b - a }
    }

    /// Settles `stateSince` from a computation: exact run starts win; otherwise the stored value
    /// stands while the activity is unchanged. A record that has not seen the run begin (its first computation,
    /// e.g. after a restart or a take-over) takes the last status change known before the swept window, when the
    /// run began before it: an agent away for three hours shows three hours, not the window's sixty minutes.
    mutating func settle(_ c: inout AgentComputed) {
        if c.activity == .unknown {
            stateSince = .min
        } else if c.exact || c.activity != lastActivity || stateSince == .min, let s = c.since {
            stateSince = unseenRunStart(c) ?? s
        }
        lastActivity = c.activity
        c.since = stateSince == .min ? nil : stateSince
    }

    /// For a record that has not seen its agent's run begin (nothing settled yet: after a restart or a take-over),
    /// when the run began before the swept window (`c` not exact, `since` the window's start): the last presence or
    /// routing status change the timeline knows at or before that start. Nil otherwise, and for an interaction
    /// (`interacting`, `acw`), which interactions change without a status change. Looked up only then, not on
    /// every computation.
    func unseenRunStart(_ c: AgentComputed) -> Int64? {
        guard !c.exact, stateSince == .min || lastActivity == .unknown, let s = c.since,
              c.activity != .interacting, c.activity != .acw, let b = timeline.lastChange(atOrBefore: s) else { return nil }
        return min(s, b)
    }

    /// Folds the timeline up to `horizon` (whose local day starts at `horizonDay`) into today's totals.
    mutating func fold(to horizon: Int64, horizonDay: Int64, ctx: ViewContext) {
        guard horizon > timeline.foldedUpTo else { return }
        if accumDay != horizonDay {
            accumDay = horizonDay
            accum = OccupancyFigures()
        }
        var from = horizonDay
        if baseDay == horizonDay { from = max(from, baseAsOf) }
        var acc = accum
        timeline.fold(to: horizon, accumulateFrom: from, openCap: ctx.tuning.maxOpenInteractionMs) { s, e, st in
            let h = st.handling
            // Before the routing status is known nothing is known about handling, so that time is left out
            // of every window rather than counted as productive-but-idle: a bridge started mid-day would
            // otherwise show rolling occupancy far too low until a whole window had been observed.
            guard h || (st.routing != 0 && ctx.isProductive(st.presence)) else { return }
            acc.productiveMs += e - s
            if h { acc.handlingMs += e - s }
        }
        accum = acc
    }

    /// Replaces today's totals up to `b.asOf`. Idempotent; an older baseline changes nothing.
    mutating func apply(baseline b: AgentBaseline, currentDay: Int64) -> Bool {
        guard b.dayStart >= currentDay || currentDay == .min else { return false }
        if baseDay == b.dayStart {
            if b.asOf < baseAsOf { return false }
            if b.asOf == baseAsOf && baseline == OccupancyFigures(handlingMs: b.handlingMs, productiveMs: b.productiveMs) {
                return false
            }
        }
        baseDay = b.dayStart
        baseAsOf = b.asOf
        baseline = OccupancyFigures(handlingMs: b.handlingMs, productiveMs: b.productiveMs)
        if accumDay == b.dayStart {
            // The folded totals are all before asOf unless asOf is older than the fold horizon; then
            // the span [asOf, foldedUpTo) cannot be recovered and is dropped (docs/views.md).
            if baseAsOf < timeline.foldedUpTo { baseAsOf = timeline.foldedUpTo }
            accum = OccupancyFigures()
        }
        return true
    }

    /// Today's totals and the baseline no longer apply (time zone changed).
    mutating func resetDay() {
        accumDay = .min
        accum = OccupancyFigures()
        baseDay = .min
        baseAsOf = .min
        baseline = OccupancyFigures()
    }
}
