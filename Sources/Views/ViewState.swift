import Collections
import Foundation
import SwitchboardConfig
import SwitchboardCore

/// The views as a deterministic state machine: events and the time in, entity changes out.
/// ``ViewEngine`` wraps it in an actor; tests may drive it directly.
struct ViewState {
    var ctx: ViewContext
    var orgs: OrderedDictionary<OrgID, OrgState> = [:]
    var emittedGlobal: [UInt8]?
    /// Events for orgs the views do not know.
    var dropped = 0

    init(occupancy: OccupancyConfig, orgs list: [ViewOrg], tuning: ViewTuning) {
        ctx = ViewContext(occupancy: occupancy, tuning: tuning)
        for o in list where orgs[o.id] == nil { orgs[o.id] = OrgState(org: o) }
    }

    mutating func ingest(org: OrgID, events: [BridgeEvent], now: Int64) -> ViewOutput {
        var out = ViewOutput()
        guard let idx = orgs.index(forKey: org) else {
            dropped += events.count
            return out
        }
        orgs.values[idx].updateDay(now)
        orgs.values[idx].ingest(events, now: now, ctx: &ctx, out: &out)
        orgs.values[idx].flush(now: now, ctx: ctx, out: &out)
        return out
    }

    mutating func refresh(now: Int64) -> ViewOutput {
        var out = ViewOutput()
        var sum = WindowedFigures()
        for idx in orgs.values.indices {
            orgs.values[idx].refresh(now: now, ctx: ctx, out: &out)
            sum += orgs.values[idx].totals
        }
        let g = OrgState.encodeTotals(sum)
        if g != emittedGlobal {
            emittedGlobal = g
            out.changes.append(EntityChange(kind: .occupancy, id: "global", scope: .global, json: EncodedJSON(bytes: g)))
        }
        return out
    }

    mutating func sweep(now: Int64) -> ViewOutput {
        var out = ViewOutput()
        for idx in orgs.values.indices { orgs.values[idx].sweep(now: now, ctx: ctx, out: &out) }
        return out
    }

    /// Hot reload: added orgs appear, removed orgs' entities are removed, renamed orgs re-emit, and an
    /// org whose time zone changed keeps its timeline but restarts `today` in the new zone.
    mutating func setOrgs(_ list: [ViewOrg], now: Int64) -> ViewOutput {
        var out = ViewOutput()
        let keep = Set(list.map(\.id))
        for (id, state) in orgs where !keep.contains(id) {
            out.changes += state.removals()
        }
        var next: OrderedDictionary<OrgID, OrgState> = [:]
        for o in list where next[o.id] == nil {
            if var state = orgs[o.id] {
                if state.org.timeZone.identifier != o.timeZone.identifier {
                    for i in state.agents.indices { state.agents[i].resetDay() }
                    state.dayStart = .min
                    state.nextDayStart = .min
                }
                if state.org != o { state.orgChanged = true }
                state.org = o
                next[o.id] = state
            } else {
                next[o.id] = OrgState(org: o)
            }
        }
        orgs = next
        let refreshed = refresh(now: now)
        out.changes += refreshed.changes
        out.alerts += refreshed.alerts
        return out
    }

    mutating func updateOccupancy(_ config: OccupancyConfig, now: Int64) -> ViewOutput {
        ctx.update(config)
        return refresh(now: now)
    }

    // MARK: - Queries (computed at `now`, nothing emitted)

    func agentFigures(_ id: EntityID, now: Int64) -> AgentFigures? {
        guard let org = orgs[id.org], let i = org.agentIndex[id.platformID] else { return nil }
        let a = org.agents[Int(i)]
        let day = org.dayStart(of: now)
        let c = a.compute(now: now, dayStart: day, ctx: ctx)
        var since = c.since
        if !c.exact, c.activity == a.lastActivity, a.stateSince != .min { since = a.stateSince }
        return AgentFigures(id: id, name: a.name ?? a.platformID, presence: ctx.presence(c.presence),
                            routingStatus: RoutingCode.status(c.routing), state: c.activity.label,
                            stateSince: c.activity == .unknown ? nil : since, band: c.band, figures: c.figures)
    }

    func orgFigures(_ id: OrgID, now: Int64) -> OrgFigures? {
        guard let org = orgs[id] else { return nil }
        let day = org.dayStart(of: now)
        var sum = WindowedFigures()
        for a in org.agents { sum += a.compute(now: now, dayStart: day, ctx: ctx).figures }
        return OrgFigures(id: id, name: org.org.name, timeZone: org.org.timeZone, status: org.connector.status,
                          lastHeartbeatAt: org.connector.lastHeartbeatAt,
                          lastEventAt: org.latestEventAt, agents: org.agents.count,
                          figures: sum)
    }

    func globalFigures(now: Int64) -> GlobalFigures {
        var sum = WindowedFigures()
        var agents = 0
        for id in orgs.keys {
            guard let f = orgFigures(id, now: now) else { continue }
            sum += f.figures
            agents += f.agents
        }
        return GlobalFigures(orgs: orgs.count, agents: agents, figures: sum)
    }

    func queueTile(_ id: EntityID, now: Int64) -> QueueTileFigures? {
        guard let org = orgs[id.org], let j = org.queueIndex[id.platformID] else { return nil }
        let q = org.queues[Int(j)]
        guard q.visible else { return nil }
        var tile = q.tile(id: id, now: now)
        let day = org.dayStart(of: now)
        var members: WindowedFigures?
        for a in org.agents where a.queues.contains(j) {
            members = (members ?? WindowedFigures()) + a.compute(now: now, dayStart: day, ctx: ctx).figures
        }
        tile.occupancy = members
        return tile
    }

    func orgStatuses() -> [OrgID: ConnectorStatus] {
        var out: [OrgID: ConnectorStatus] = [:]
        for (id, org) in orgs { out[id] = org.connector }
        return out
    }

    /// Every current entity, encoded, for a consumer that starts late (the hub's first snapshot).
    func currentEntities(now: Int64) -> [EntityChange] {
        var out: [EntityChange] = []
        for (_, org) in orgs {
            if let b = org.emittedOrg {
                out.append(EntityChange(kind: .orgs, id: org.org.id.rawValue, scope: .org(org.org.id),
                                        json: EncodedJSON(bytes: b)))
            }
            if let b = org.emittedTotals {
                out.append(EntityChange(kind: .occupancy, id: org.org.id.rawValue, scope: .orgOnly(org.org.id),
                                        json: EncodedJSON(bytes: b)))
            }
            if let b = org.emittedQualityOrg {
                out.append(EntityChange(kind: .quality, id: org.org.id.rawValue, scope: .org(org.org.id),
                                        json: EncodedJSON(bytes: b)))
            }
            for (id, b) in org.emittedQuality.sorted(by: { $0.key < $1.key }) {
                out.append(EntityChange(kind: .quality, id: "\(org.org.id.rawValue)/\(id)", scope: .org(org.org.id),
                                        json: EncodedJSON(bytes: b)))
            }
            for (id, b) in org.emittedUtilization.sorted(by: { $0.key < $1.key }) {
                out.append(EntityChange(kind: .utilization, id: "\(org.org.id.rawValue)/\(id)", scope: .org(org.org.id),
                                        json: EncodedJSON(bytes: b)))
            }
            let day = org.dayStart(of: now)
            for a in org.agents where a.emitted != nil {
                var c = a.compute(now: now, dayStart: day, ctx: ctx)
                if !c.exact, c.activity == a.lastActivity, a.stateSince != .min { c.since = a.stateSince }
                out.append(EntityChange(kind: .agents, id: "\(org.org.id.rawValue)/\(a.platformID)",
                                        scope: .org(org.org.id),
                                        json: EncodedJSON(bytes: org.encodeAgent(a, c, ctx: ctx))))
            }
            for q in org.queues where q.emitted != nil {
                let id = EntityID(org: org.org.id, platformID: q.platformID)
                out.append(EntityChange(kind: .queues, id: id.description, scope: .org(org.org.id),
                                        json: EncodedJSON(bytes: org.encodeQueue(q.tile(id: id, now: now)))))
            }
        }
        if let g = emittedGlobal {
            out.append(EntityChange(kind: .occupancy, id: "global", scope: .global, json: EncodedJSON(bytes: g)))
        }
        return out
    }
}
