import Foundation
import SwitchboardCore

/// What one call into the views produced.
struct ViewOutput {
    var changes: [EntityChange] = []
    var alerts: [StreamAlert] = []
    /// Closed 15-minute buckets and the day totals at their end (docs/store.md).
    var history = HistoryRecords()
}

/// Everything the views hold for one org: agents and queues in arrays indexed by platform id.
struct OrgState {
    var org: ViewOrg
    var dayStart: Int64 = .min
    var nextDayStart: Int64 = .min
    var agents: [AgentRecord] = []
    var agentIndex: [String: Int32] = [:]
    var queues: [QueueRecord] = []
    var queueIndex: [String: Int32] = [:]
    var connector: ConnectorStatus
    /// Receive time (business clock) of the latest data event.
    var lastEventAt: Int64?
    /// The newer of what the connector last reported and the last batch the views ingested, so the wall's
    /// "updated N s ago" follows the events themselves, not only the heartbeats.
    var latestEventAt: Int64? { [connector.lastEventAt, lastEventAt].compactMap { $0 }.max() }
    var totals = WindowedFigures()
    /// Agents whose handling / productive time was running at `totalsAt`.
    var totalsAccrual = Accrual()
    /// When `totals` was computed (the last refresh).
    var totalsAt: Int64 = 0
    var emittedOrg: [UInt8]?
    var emittedTotals: [UInt8]?
    /// Emitted utilization entity per agent platform id (docs/utilization.md).
    var emittedUtilization: [String: [UInt8]] = [:]
    /// Emitted quality entity per agent platform id (docs/quality.md).
    var emittedQuality: [String: [UInt8]] = [:]
    var emittedQualityOrg: [UInt8]?
    var dirtyAgents: [Int32] = []
    var dirtyQueues: [Int32] = []
    var orgChanged = true
    /// Business time of the last refresh or sweep: an agent's figures are due when its turn boundary
    /// falls after this (see ``figuresDue(_:now:tuning:)``).
    var lastPassAt: Int64 = .min
    /// Events for another org's ids, or too old to place.
    var dropped = 0
    /// When the org's connector went stale or disconnected; nil while open or connecting. The agents'
    /// state since then is unknown, so every figure is computed at this instant, not extrapolated to now,
    /// and nothing accrues (docs/views.md, "Dead orgs").
    var frozenAt: Int64?
    /// History cursor (docs/store.md): the start of the next 15-minute bucket to close; nil until the org's
    /// connector first reports open (the re-sync's history is in by then).
    var nextBucket: Int64?
    /// Where a restart's stored history ends (``ViewEngine/resume(_:)``): buckets resume from here.
    var resumeBucket: Int64?
    /// While set, folding stops at this time: a restart's stored totals end here, and the history the
    /// connector reads from here on must still be placed on the timeline, not folded into base state.
    var foldHold: Int64?
    var everOpen = false
    /// When the connector reported open again after a gap; buckets in the gap wait a little for its re-sync.
    var reopenedAt: Int64?

    /// The instant figures are computed at: `now`, or the moment the org stopped being live.
    func figureTime(_ now: Int64) -> Int64 { frozenAt.map { min($0, now) } ?? now }

    /// Agent `i` at `now` (already ``figureTime(_:)``); nothing accrues while the org is frozen.
    func computeAgent(_ i: Int, now: Int64, dayStart: Int64, ctx: ViewContext) -> AgentComputed {
        var c = agents[i].compute(now: now, dayStart: dayStart, ctx: ctx)
        if frozenAt != nil { c.accrual = Accrual() }
        return c
    }

    init(org: ViewOrg) {
        self.org = org
        connector = ConnectorStatus(org: org.id, status: .connecting, at: 0)
    }

    /// Moves `dayStart` to the local midnight of `now` when a day boundary passed.
    mutating func updateDay(_ now: Int64) {
        guard now >= nextDayStart || now < dayStart else { return }
        dayStart = Timestamp.startOfDay(now, in: org.timeZone)
        nextDayStart = Timestamp.startOfDay(dayStart + 26 * 3_600_000, in: org.timeZone)
    }

    func dayStart(of t: Int64) -> Int64 {
        t >= dayStart && t < nextDayStart ? dayStart : Timestamp.startOfDay(t, in: org.timeZone)
    }

    mutating func agentSlot(_ id: String) -> Int {
        if let i = agentIndex[id] { return Int(i) }
        agents.append(AgentRecord(platformID: id))
        agentIndex[id] = Int32(agents.count - 1)
        return agents.count - 1
    }

    /// The queue's slot, made on first sight with its namespaced id: every agent fragment lists its queues'
    /// ids, so the id is made once per queue, not once per queue per encode (``queueEntityKey(_:)``).
    mutating func queueSlot(_ id: String) -> Int {
        if let i = queueIndex[id] { return Int(i) }
        var q = QueueRecord(platformID: id)
        q.entityID = "\(org.id.rawValue)/\(id)"
        queues.append(q)
        queueIndex[id] = Int32(queues.count - 1)
        return queues.count - 1
    }

    /// Whether this org's ids in `ids`, in order, are exactly the queue slots `slots` — without allocating
    /// (most activity events repeat the agent's queue list).
    func sameQueues(_ ids: [EntityID], as slots: [Int32]) -> Bool {
        var n = 0
        for q in ids where q.org == org.id {
            guard n < slots.count, let j = queueIndex[q.platformID], j == slots[n] else { return false }
            n += 1
        }
        return n == slots.count
    }

    private mutating func markAgent(_ i: Int) {
        if !agents[i].dirty {
            agents[i].dirty = true
            dirtyAgents.append(Int32(i))
        }
    }

    private mutating func markQueue(_ j: Int) {
        if !queues[j].dirty {
            queues[j].dirty = true
            dirtyQueues.append(Int32(j))
        }
    }

    // MARK: - Ingest

    mutating func ingest(_ events: [BridgeEvent], now: Int64, ctx: inout ViewContext, out: inout ViewOutput) {
        let me = org.id
        for event in events {
            switch event {
            case .agentStatus(let c):
                guard c.agent.org == me else { dropped += 1; continue }
                let i = agentSlot(c.agent.platformID)
                var changed = agents[i].timeline.apply(at: c.at, presence: ctx.code(c.presence),
                                                       routing: RoutingCode.code(c.routingStatus))
                if let qs = c.activeQueues, !sameQueues(qs, as: agents[i].queues) {
                    var slots: [Int32] = []
                    slots.reserveCapacity(qs.count)
                    for q in qs where q.org == me { slots.append(Int32(queueSlot(q.platformID))) }
                    agents[i].queues = slots
                    agents[i].needsEmit = true  // the entity lists its queues: send it even if no figure moved
                    changed = true
                }
                if agents[i].timeline.points.count > ctx.tuning.maxPointsPerAgent {
                    let pts = agents[i].timeline.points
                    let h = pts[pts.count - max(1, ctx.tuning.maxPointsPerAgent / 2)].at
                    agents[i].fold(to: h, horizonDay: dayStart(of: h), ctx: ctx)
                }
                if changed { markAgent(i) }
            case .agentInteraction(let x):
                guard x.agent.org == me else { dropped += 1; continue }
                guard let start = x.connectedAt ?? x.acwStartAt else { continue }
                let talkEnd = max(start, x.disconnectedAt ?? x.acwStartAt ?? .max)
                let end: Int64 =
                    if let e = x.acwEndAt { max(e, talkEnd) } else if x.acwStartAt != nil { .max } else { talkEnd }
                let span = InteractionSpan(key: AgentTimeline.key(x.conversationID), start: start, talkEnd: talkEnd,
                                           end: end, observedAt: x.observedAt)
                let i = agentSlot(x.agent.platformID)
                if agents[i].timeline.apply(span: span) { markAgent(i) }
            case .agentProfile(let p):
                guard p.agent.org == me else { dropped += 1; continue }
                let i = agentSlot(p.agent.platformID)
                // A day number outside Int32 is no real date: treated as none.
                let hired = p.hireDate.flatMap { Int32(exactly: $0) }
                if agents[i].name != p.name || agents[i].hireDate != hired {
                    agents[i].name = p.name
                    agents[i].hireDate = hired
                    agents[i].needsEmit = true
                    markAgent(i)
                }
            case .agentBaseline(let b):
                guard b.agent.org == me else { dropped += 1; continue }
                let i = agentSlot(b.agent.platformID)
                var changed = agents[i].apply(baseline: b, currentDay: dayStart)
                if b.presence != nil || b.routingStatus != nil {
                    changed = agents[i].timeline.apply(at: b.asOf, presence: ctx.code(b.presence),
                                                       routing: RoutingCode.code(b.routingStatus)) || changed
                }
                if changed { markAgent(i) }
            case .queueObservation(let o):
                guard o.queue.org == me else { dropped += 1; continue }
                let j = queueSlot(o.queue.platformID)
                if queues[j].apply(o) { markQueue(j) }
            case .queueProfile(let q):
                guard q.queue.org == me else { dropped += 1; continue }
                let j = queueSlot(q.queue.platformID)
                if queues[j].name != q.name || !queues[j].visible || queues[j].serviceTarget != q.serviceLevel {
                    queues[j].name = q.name
                    queues[j].serviceTarget = q.serviceLevel
                    queues[j].visible = true
                    markQueue(j)
                }
            case .queueService(let r):
                guard r.queue.org == me else { dropped += 1; continue }
                if let j = apply(service: r) { markQueue(j) }
                continue
            case .connector(let s):
                guard s.org == me else { dropped += 1; continue }
                apply(connector: s, out: &out)
                continue
            case .utilization(let u):
                guard u.agent.org == me else { dropped += 1; continue }
                apply(utilization: u, out: &out)
                continue
            case .quality(let q):
                guard q.org == me else { dropped += 1; continue }
                apply(quality: q, out: &out)
                continue
            case .directory(let d):
                guard d.org == me else { dropped += 1; continue }
                apply(directory: d, out: &out)
                continue
            }
            lastEventAt = now
        }
    }

    private mutating func apply(connector s: ConnectorStatus, out: inout ViewOutput) {
        let old = connector
        var merged = s
        merged.lastHeartbeatAt = [old.lastHeartbeatAt, s.lastHeartbeatAt].compactMap { $0 }.max()
        merged.lastEventAt = [old.lastEventAt, s.lastEventAt].compactMap { $0 }.max()
        guard merged != old else { return }
        connector = merged
        orgChanged = true
        guard old.status != s.status else { return }
        switch s.status {
        case .stale, .disconnected: if frozenAt == nil { frozenAt = s.at }
        case .open:
            frozenAt = nil
            openedHistory(at: s.at)
        case .connecting: break
        }
        let what = s.detail.map { ": \($0)" } ?? ""
        switch s.status {
        case .stale:
            out.alerts.append(StreamAlert(kind: .upstreamStale, org: org.id, since: s.at,
                                          message: "\(org.name) upstream is stale; figures may be old\(what)"))
        case .disconnected:
            out.alerts.append(StreamAlert(kind: .upstreamDisconnected, org: org.id, since: s.at,
                                          message: "\(org.name) upstream is disconnected\(what)"))
        case .open where old.status == .stale || old.status == .disconnected:
            out.alerts.append(StreamAlert(kind: .upstreamRecovered, org: org.id, since: s.at,
                                          message: "\(org.name) upstream recovered"))
        default:
            break
        }
    }

    // MARK: - Emission

    /// Emits dirty agents whose state, presence, routing status, name or band changed, dirty queues
    /// whose figures changed, and the org entity when its connector status changed.
    mutating func flush(now: Int64, ctx: ViewContext, out: inout ViewOutput) {
        let now = figureTime(now)
        for i32 in dirtyAgents {
            let i = Int(i32)
            agents[i].dirty = false
            var c = computeAgent(i, now: now, dayStart: dayStart, ctx: ctx)
            agents[i].settle(&c)
            if shouldEmit(agents[i], c, onRefresh: false, tuning: ctx.tuning) { emitAgent(i, c, ctx: ctx, out: &out) }
        }
        dirtyAgents.removeAll(keepingCapacity: true)
        for j32 in dirtyQueues {
            let j = Int(j32)
            queues[j].dirty = false
            emitQueueIfChanged(j, now: now, ctx: ctx, out: &out)
        }
        dirtyQueues.removeAll(keepingCapacity: true)
        if orgChanged { emitOrgIfChanged(now: now, ctx: ctx, out: &out) }
    }

    /// Folds old history, recomputes every agent, queue, the org entity and the org's totals;
    /// emits what changed materially (docs/views.md, "Traffic").
    mutating func refresh(now: Int64, ctx: ViewContext, out: inout ViewOutput) {
        let now = figureTime(now)
        updateDay(now)
        var horizon = now - 60 * 60_000 - ctx.tuning.foldGraceMs
        if let hold = foldHold { horizon = min(horizon, hold) }
        let horizonDay = dayStart(of: horizon)
        closeBuckets(now: now, ctx: ctx, out: &out)
        for j in queues.indices {
            queues[j].members = WindowedFigures()
            queues[j].membersAccrual = Accrual()
            queues[j].membersAt = now
            queues[j].hasMembers = false
        }
        var sum = WindowedFigures()
        var accrual = Accrual()
        for i in agents.indices {
            agents[i].fold(to: horizon, horizonDay: horizonDay, ctx: ctx)
            var c = computeAgent(i, now: now, dayStart: dayStart, ctx: ctx)
            agents[i].settle(&c)
            sum += c.figures
            accrual += c.accrual
            for q in agents[i].queues {
                queues[Int(q)].members += c.figures
                queues[Int(q)].membersAccrual += c.accrual
                queues[Int(q)].hasMembers = true
            }
            agents[i].dirty = false
            let due = figuresDue(i, now: now, tuning: ctx.tuning)
            if shouldEmit(agents[i], c, onRefresh: due, tuning: ctx.tuning) { emitAgent(i, c, ctx: ctx, out: &out) }
        }
        lastPassAt = max(lastPassAt, now)
        dirtyAgents.removeAll(keepingCapacity: true)
        totals = sum
        totalsAccrual = accrual
        totalsAt = now
        for j in queues.indices {
            queues[j].dirty = false
            emitQueueIfChanged(j, now: now, ctx: ctx, out: &out)
        }
        dirtyQueues.removeAll(keepingCapacity: true)
        emitOrgIfChanged(now: now, ctx: ctx, out: &out)
        let t = Self.encodeTotals(sum, accrual: accrual, at: now, service: serviceSummary(now: now),
                                  thresholds: orgThresholds(ctx))
        if !Self.sameButAsOf(emittedTotals, t) {
            emittedTotals = t
            out.changes.append(EntityChange(kind: .occupancy, id: org.id.rawValue, scope: .orgOnly(org.id),
                                            json: EncodedJSON(bytes: t)))
        }
    }

    /// Re-checks the figures of the agents whose turn came since the last refresh or sweep, and emits
    /// those that moved materially. Cheap (an integer test per agent, figures only for the due ones), so it
    /// can run every flush interval between refreshes and spread figure updates evenly over time.
    mutating func sweep(now: Int64, ctx: ViewContext, out: inout ViewOutput) {
        let now = figureTime(now)
        guard now > lastPassAt, ctx.tuning.figureTurnMs > 0, lastPassAt != .min else { return }
        for i in agents.indices where agents[i].emitted != nil && figuresDue(i, now: now, tuning: ctx.tuning) {
            var c = computeAgent(i, now: now, dayStart: dayStart, ctx: ctx)
            agents[i].settle(&c)
            if shouldEmit(agents[i], c, onRefresh: true, tuning: ctx.tuning) { emitAgent(i, c, ctx: ctx, out: &out) }
        }
        lastPassAt = now
    }

    /// Whether agent `i`'s figure turn came in `(lastPassAt, now]`. Turns are `figureTurnMs` apart with a
    /// per-agent phase (a multiplicative hash of the slot), so agents' turns are spread evenly in time.
    func figuresDue(_ i: Int, now: Int64, tuning: ViewTuning) -> Bool {
        let period = tuning.figureTurnMs
        guard period > 0, lastPassAt != .min, now - lastPassAt < period else { return true }
        let phase = Int64((UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 33) % period
        return Self.floorDiv(now + phase, period) != Self.floorDiv(lastPassAt + phase, period)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    func shouldEmit(_ a: AgentRecord, _ c: AgentComputed, onRefresh: Bool, tuning: ViewTuning) -> Bool {
        guard let e = a.emitted, !a.needsEmit else { return true }
        if e.activity != c.activity || e.presence != c.presence || e.routing != c.routing || e.band != c.band
            || e.warmingUp != c.warmingUp
        {
            return true
        }
        guard onRefresh else { return false }
        for w in OccupancyWindow.allCases {
            var old = e.figures[w]
            let new = c.figures[w]
            if w == .today {
                // Clients tick `today` from `accruing` and `asOf` (docs/protocol.md "Ticking"), exactly while the
                // state holds: compare with what the wall shows now, not with what was sent. Only a change the
                // client cannot see (a new day, a correction from the platform) moves it.
                let elapsed = max(0, c.at - e.at)
                old.handlingMs += Int64(e.accrual.handling) * elapsed
                old.productiveMs += Int64(e.accrual.productive) * elapsed
            }
            if abs(old.handlingMs - new.handlingMs) >= tuning.durationStepMs
                || abs(old.productiveMs - new.productiveMs) >= tuning.durationStepMs
            {
                return true
            }
            switch (old.occupancy, new.occupancy) {
            case (nil, nil): continue
            case let (x?, y?):
                if abs((x * 100).rounded() - (y * 100).rounded()) >= (tuning.occupancyStep * 100).rounded() {
                    return true
                }
            default: return true
            }
        }
        return false
    }

    private mutating func emitAgent(_ i: Int, _ c: AgentComputed, ctx: ViewContext, out: inout ViewOutput) {
        let id = agentEntityID(at: i)
        let json = encodeAgent(id: id, name: agents[i].name ?? agents[i].platformID, hireDate: agents[i].hireDate,
                               queues: agents[i].queues, c, ctx: ctx)
        agents[i].emitted = AgentSignature(activity: c.activity, presence: c.presence, routing: c.routing,
                                           band: c.band, warmingUp: c.warmingUp, figures: c.figures,
                                           accrual: c.accrual, at: c.at)
        agents[i].needsEmit = false
        out.changes.append(EntityChange(kind: .agents, id: id, scope: .org(org.id), json: EncodedJSON(bytes: json)))
    }

    private mutating func emitQueueIfChanged(_ j: Int, now: Int64, ctx: ViewContext, out: inout ViewOutput) {
        guard queues[j].visible else { return }
        let id = EntityID(org: org.id, platformID: queues[j].platformID)
        let tile = queues[j].tile(id: id, now: now, dayStart: dayStart(of: now), thresholds: queueThresholds(j, ctx: ctx))
        let sig = queues[j].signature(tile)
        guard QueueRecord.material(queues[j].emitted, sig, waitStep: ctx.tuning.longestWaitStepMs) else { return }
        queues[j].emitted = sig
        let key = queueEntityID(at: j)
        out.changes.append(EntityChange(kind: .queues, id: key, scope: .org(org.id),
                                        json: EncodedJSON(bytes: encodeQueue(tile, id: key))))
    }

    private mutating func emitOrgIfChanged(now: Int64, ctx: ViewContext, out: inout ViewOutput) {
        orgChanged = false
        let json = encodeOrg(ctx: ctx, now: now)
        guard !Self.sameButAsOf(emittedOrg, json) else { return }
        emittedOrg = json
        out.changes.append(EntityChange(kind: .orgs, id: org.id.rawValue, scope: .org(org.id),
                                        json: EncodedJSON(bytes: json)))
    }

    /// Removal changes for everything this org ever emitted.
    func removals() -> [EntityChange] {
        var out: [EntityChange] = []
        for a in agents where a.emitted != nil {
            out.append(EntityChange(kind: .agents, id: a.entityID ?? agentEntityID(a.platformID), scope: .org(org.id),
                                    json: nil))
        }
        for q in queues where q.emitted != nil {
            out.append(EntityChange(kind: .queues, id: q.entityID ?? "\(org.id.rawValue)/\(q.platformID)", scope: .org(org.id),
                                    json: nil))
        }
        for id in emittedQuality.keys.sorted() {
            out.append(EntityChange(kind: .quality, id: "\(org.id.rawValue)/\(id)", scope: .org(org.id), json: nil))
        }
        if emittedQualityOrg != nil {
            out.append(EntityChange(kind: .quality, id: org.id.rawValue, scope: .org(org.id), json: nil))
        }
        for id in emittedUtilization.keys.sorted() {
            out.append(EntityChange(kind: .utilization, id: "\(org.id.rawValue)/\(id)", scope: .org(org.id), json: nil))
        }
        if emittedTotals != nil {
            out.append(EntityChange(kind: .occupancy, id: org.id.rawValue, scope: .orgOnly(org.id), json: nil))
        }
        out.append(EntityChange(kind: .orgs, id: org.id.rawValue, scope: .org(org.id), json: nil))
        return out
    }
}
