import SwitchboardCore

/// What the views hand to the store: closed 15-minute buckets and each org's day totals at the end of the
/// last bucket closed (docs/store.md).
public struct HistoryRecords: Sendable, Equatable {
    public var buckets: [ClosedBucket] = []
    public var dayTotals: [DayTotals] = []
    public init() {}
    public var isEmpty: Bool { buckets.isEmpty && dayTotals.isEmpty }
}

/// Where a restart picks up an org's history: its stored day totals (today's, else nil) and the end of the
/// last stored bucket (docs/store.md, "Restart").
public struct HistoryResume: Sendable, Equatable {
    public var org: OrgID
    public var lastBucketEnd: EpochMillis?
    public var today: DayTotals?
    public init(org: OrgID, lastBucketEnd: EpochMillis?, today: DayTotals?) {
        self.org = org
        self.lastBucketEnd = lastBucketEnd
        self.today = today
    }
}

extension OrgState {
    /// The first bucket start at or after `t`.
    static func bucketCeil(_ t: Int64) -> Int64 {
        let s = Bucket.start(of: t)
        return s == t ? s : s + Bucket.widthMs
    }

    /// The connector reported open. The first time, history starts: at the stored history's end after a
    /// restart, else at the first whole bucket the rolling windows' history covers (60 min back). After a gap
    /// (stale, disconnected) the cursor stays; buckets in the gap wait for the re-sync (see `closeBuckets`).
    mutating func openedHistory(at t: Int64) {
        if !everOpen {
            everOpen = true
            let covered = Self.bucketCeil(t - 60 * 60_000)
            if let hold = foldHold, let r = resumeBucket, r >= hold {
                // A restart with today's totals stored: the connector read the history from their end on and
                // the timeline was not folded past it, so the downtime's buckets can be closed too.
                nextBucket = r
            } else {
                nextBucket = max(resumeBucket ?? covered, covered)
            }
            foldHold = nil
        } else {
            // The re-sync reads the last 65 minutes: older buckets of a longer gap are left out (a gap in
            // the history, docs/store.md), never filled with a guess.
            reopenedAt = t
            if let b = nextBucket { nextBucket = max(b, Self.bucketCeil(t - 60 * 60_000)) }
        }
    }

    /// Applies a restart's stored history (before the connector's first re-sync).
    mutating func resume(_ r: HistoryResume, now: Int64) -> [BridgeEvent] {
        resumeBucket = r.lastBucketEnd
        guard let today = r.today, today.dayStart == Timestamp.startOfDay(now, in: org.timeZone) else { return [] }
        foldHold = today.asOf
        return today.agents.map { id, s in
            .agentBaseline(AgentBaseline(agent: EntityID(org: org.id, platformID: id), dayStart: today.dayStart,
                                         asOf: today.asOf, handlingMs: s.handlingMs, productiveMs: s.productiveMs))
        }
    }

    /// Closes every whole bucket that ended at least the close grace before `now` (figure time: nothing closes
    /// while the org is frozen) and, after the last, records the day totals at its end. A bucket that reaches
    /// into a gap the org was down for waits until a little after the reconnect, so the re-sync's history of
    /// the gap is in it. An agent whose timeline was folded early into the bucket (a flood of change points,
    /// ``ViewTuning/maxPointsPerAgent``) counts from its fold on.
    mutating func closeBuckets(now: Int64, ctx: ViewContext, out: inout ViewOutput) {
        guard ctx.recordsHistory, var b = nextBucket, frozenAt == nil else { return }
        if let r = reopenedAt {
            guard now >= r + ctx.tuning.bucketReopenGraceMs else { return }
            reopenedAt = nil
        }
        let limit = now - ctx.tuning.bucketCloseGraceMs
        var closed = false
        while b + Bucket.widthMs <= limit {
            let e = b + Bucket.widthMs
            out.history.buckets.append(bucket(from: b, to: e, ctx: ctx))
            closed = true
            b = e
        }
        nextBucket = b
        if closed { out.history.dayTotals.append(dayTotals(at: b, ctx: ctx)) }
    }

    private func bucket(from b: Int64, to e: Int64, ctx: ViewContext) -> ClosedBucket {
        var byAgent: [String: OccupancySample] = [:]
        var byQueue: [String: OccupancySample] = [:]
        var queueAgents: [String: Int] = [:]
        var total = OccupancySample(handlingMs: 0, productiveMs: 0)
        for a in agents {
            let f = a.figures(from: max(b, a.timeline.foldedUpTo), to: e, ctx: ctx)
            guard f.productiveMs > 0 || f.handlingMs > 0 else { continue }
            let s = OccupancySample(handlingMs: f.handlingMs, productiveMs: f.productiveMs)
            byAgent[a.platformID] = s
            total.handlingMs += s.handlingMs
            total.productiveMs += s.productiveMs
            for q in a.queues {
                let id = queues[Int(q)].platformID
                byQueue[id, default: OccupancySample(handlingMs: 0, productiveMs: 0)].add(s)
                queueAgents[id, default: 0] += s.productiveMs > 0 ? 1 : 0
            }
        }
        return ClosedBucket(org: org.id, start: b, agents: byAgent, queues: byQueue, total: total, queueAgents: queueAgents)
    }

    /// Every agent's `today` as of ``ViewTuning/dayTotalsHoldbackMs`` before `t` (a bucket end) — or later, as of
    /// the newest agent's baseline or timeline fold when that is newer (figures before them are no longer
    /// separable: a baseline read at 12:00:40 labelled 12:00 would have a take-over count those 40 s twice) — for
    /// the day that instant is in.
    private func dayTotals(at t: Int64, ctx: ViewContext) -> DayTotals {
        let bucketDay = dayStart(of: t - 1)
        let asOf = Self.dayTotalsAsOf(bucketEnd: t, holdback: ctx.tuning.dayTotalsHoldbackMs,
                                      floors: agents.map { a in
                                          max(a.timeline.foldedUpTo, a.baseDay == bucketDay ? a.baseAsOf : .min)
                                      })
        let day = dayStart(of: asOf - 1)
        var byAgent: [String: OccupancySample] = [:]
        byAgent.reserveCapacity(agents.count)
        for a in agents {
            let f = a.compute(now: asOf, dayStart: day, ctx: ctx).figures.today
            byAgent[a.platformID] = OccupancySample(handlingMs: f.handlingMs, productiveMs: f.productiveMs)
        }
        return DayTotals(org: org.id, dayStart: day, asOf: asOf, agents: byAgent)
    }

    /// When stored day totals stand: `holdback` before the bucket end, but not before any agent's `floors` entry
    /// (its timeline's fold or its baseline; each is at most the time the totals are computed).
    static func dayTotalsAsOf(bucketEnd t: Int64, holdback: Int64, floors: [Int64]) -> Int64 {
        max(t - max(0, holdback), floors.max() ?? .min)
    }
}

extension OccupancySample {
    mutating func add(_ o: OccupancySample) {
        handlingMs += o.handlingMs
        productiveMs += o.productiveMs
    }
}

extension AgentRecord {
    /// Handling and productive time in `[from, to)` from the timeline (which must not be folded past `from`),
    /// counted as the windows count it.
    func figures(from: Int64, to: Int64, ctx: ViewContext) -> OccupancyFigures {
        var f = OccupancyFigures()
        _ = timeline.sweep(from: from, to: to, openCap: ctx.tuning.maxOpenInteractionMs) { s, e, st in
            let h = st.handling
            guard h || (st.routing != 0 && ctx.isProductive(st.presence)) else { return }
            f.productiveMs += e - s
            if h { f.handlingMs += e - s }
        }
        return f
    }
}
