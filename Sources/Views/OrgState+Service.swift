import SwitchboardConfig
import SwitchboardCore

/// Queue service figures (offered, answered, abandoned, service level) and the thresholds the wall's
/// badges are judged by (docs/queues.md).
extension QueueRecord {
    /// The last report's windows, with `today` emptied when the report belongs to an earlier day than
    /// `dayStart` (the day turned and the next poll has not reported yet); nil before any report.
    func serviceWindows(dayStart: Int64) -> QueueServiceWindows? {
        guard var w = service?.windows else { return nil }
        if let d = service?.dayStart, d < dayStart { w.today = QueueServiceCounts() }
        return w
    }
}

/// What an org, org-totals or global fragment carries about service: the sums over queues and when the
/// newest (or, across orgs, the oldest) of them was measured.
struct ServiceSummary: Equatable {
    var windows = QueueServiceWindows()
    var asOf: Int64?

    /// Adds another org's summary; `asOf` becomes the older of the two (a global figure is as old as its
    /// oldest part).
    mutating func add(_ o: ServiceSummary) {
        guard let a = o.asOf else { return }
        windows += o.windows
        asOf = asOf.map { min($0, a) } ?? a
    }
}

extension OrgState {
    /// Σ over the org's queues of their service windows at `now`; `asOf` the newest report's.
    func serviceSummary(now: Int64) -> ServiceSummary {
        let day = dayStart(of: now)
        var s = ServiceSummary()
        for q in queues {
            guard let w = q.serviceWindows(dayStart: day), let at = q.service?.asOf else { continue }
            s.windows += w
            s.asOf = max(s.asOf ?? at, at)
        }
        return s
    }

    /// The thresholds of the org's own figures.
    func orgThresholds(_ ctx: ViewContext) -> ResolvedThresholds {
        ctx.thresholds.resolved(org: org.id, bands: ctx.bands)
    }

    /// The thresholds of queue `j`.
    func queueThresholds(_ j: Int, ctx: ViewContext) -> ResolvedThresholds {
        let q = queues[j]
        return ctx.thresholds.resolved(org: org.id, queueID: q.platformID, queueName: q.name,
                                       platformTarget: q.serviceTarget?.percentage, bands: ctx.bands)
    }

    /// Applies a service report (the queue appears, as for an observation): the newest `asOf` wins, an
    /// older one is ignored.
    mutating func apply(service r: QueueServiceReport) -> Int? {
        let j = queueSlot(r.queue.platformID)
        if let old = queues[j].service, old.asOf > r.asOf { return nil }
        queues[j].service = r
        queues[j].visible = true
        orgChanged = true
        return j
    }
}

extension FragmentWriter {
    /// `"serviceLevel":{…},"offered":{…},"answered":{…},"abandoned":{…},"answeredWithinTarget":{…},
    /// "serviceLevelCalls":{…},"abandonRate":{…},"asaMs":{…},"serviceAsOf":"…"`, each per window; every
    /// one null before any report.
    mutating func service(_ w: QueueServiceWindows?, asOf: Int64?) {
        guard let w else {
            raw("\"serviceLevel\":null,\"offered\":null,\"answered\":null,\"abandoned\":null,\"answeredWithinTarget\":null,\"serviceLevelCalls\":null,\"abandonRate\":null,\"asaMs\":null,\"serviceAsOf\":null")
            return
        }
        raw("\"serviceLevel\":{")
        perWindow { $0.ratio(w[$1].serviceLevel) }
        raw("},\"offered\":{")
        perWindow { $0.int(Int64(w[$1].offered)) }
        raw("},\"answered\":{")
        perWindow { $0.int(Int64(w[$1].answered)) }
        raw("},\"abandoned\":{")
        perWindow { $0.int(Int64(w[$1].abandoned)) }
        raw("},\"answeredWithinTarget\":{")
        perWindow { $0.int(Int64(w[$1].withinTarget)) }
        raw("},\"serviceLevelCalls\":{")
        perWindow { $0.int(Int64(w[$1].serviceLevelCalls)) }
        raw("},\"abandonRate\":{")
        perWindow { $0.ratio(w[$1].abandonRate) }
        raw("},\"asaMs\":{")
        perWindow { $0.int(w[$1].asaMs) }
        raw("},\"serviceAsOf\":")
        time(asOf)
    }

    /// `"serviceLevelTarget":{"percentage":0.8,"durationMs":20000}` or null.
    mutating func serviceTarget(_ t: ServiceLevelTarget?) {
        guard let t else {
            raw("\"serviceLevelTarget\":null")
            return
        }
        raw("\"serviceLevelTarget\":{\"percentage\":")
        ratio(t.percentage)
        raw(",\"durationMs\":")
        int(t.durationMs)
        raw("}")
    }

    /// `"thresholds":{"serviceLevel":{"target","criticalMargin","window","minCalls"},"longestWaitMs":{"warn",
    /// "critical"},"waiting":{"warn","critical"},"occupancy":{"under","healthy","elevated"}}`.
    mutating func thresholds(_ t: ResolvedThresholds) {
        raw("\"thresholds\":{\"serviceLevel\":{\"target\":")
        ratio(t.serviceLevelTarget)
        raw(",\"criticalMargin\":")
        ratio(t.serviceLevelCriticalMargin)
        raw(",\"window\":")
        string(t.serviceLevelWindow.rawValue)
        raw(",\"minCalls\":")
        int(Int64(t.serviceLevelMinCalls))
        raw("},\"longestWaitMs\":{\"warn\":")
        int(t.longestWaitWarnMs)
        raw(",\"critical\":")
        int(t.longestWaitCriticalMs)
        raw("},\"waiting\":{\"warn\":")
        int(Int64(t.waitingWarn))
        raw(",\"critical\":")
        int(Int64(t.waitingCritical))
        raw("},\"occupancy\":{\"under\":")
        ratio(t.occupancy.under)
        raw(",\"healthy\":")
        ratio(t.occupancy.healthy)
        raw(",\"elevated\":")
        ratio(t.occupancy.elevated)
        raw("}}")
    }
}
