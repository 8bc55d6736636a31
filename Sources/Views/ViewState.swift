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

    init(occupancy: OccupancyConfig, orgs list: [ViewOrg], tuning: ViewTuning, thresholds: ThresholdsConfig = .init()) {
        ctx = ViewContext(occupancy: occupancy, tuning: tuning)
        ctx.thresholds = thresholds
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

    mutating func refresh(now: Int64, remote: (remote: Set<OrgID>, figures: [OrgID: OrgTotalsShare])? = nil) -> ViewOutput {
        var out = ViewOutput()
        var sum = WindowedFigures()
        var accrual = Accrual()
        var leftOut: [String] = []
        var service = ServiceSummary()
        for idx in orgs.values.indices {
            orgs.values[idx].refresh(now: now, ctx: ctx, out: &out)
            // In a cluster, an org another replica leads counts with its leader's figures (RemoteOrgTotals).
            if let remote, remote.remote.contains(orgs.keys[idx]) {
                guard let f = remote.figures[orgs.keys[idx]] else { continue }
                if f.frozen {
                    leftOut.append(orgs.keys[idx].rawValue)
                } else if let (w, a, s) = f.ticked(to: now) {
                    sum += w
                    accrual += a
                    service.add(s)
                }
                continue
            }
            guard orgs.values[idx].frozenAt == nil else {
                leftOut.append(orgs.keys[idx].rawValue)
                continue
            }
            sum += orgs.values[idx].totals
            accrual += orgs.values[idx].totalsAccrual
            service.add(orgs.values[idx].serviceSummary(now: now))
        }
        let g = OrgState.encodeTotals(sum, accrual: accrual, at: now, leftOut: leftOut, service: service,
                                      thresholds: ctx.thresholds.resolvedGlobal(bands: ctx.bands))
        if !OrgState.sameButAsOf(emittedGlobal, g) {
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

    /// New badge thresholds: queues, org entities and totals carry them, so the refresh re-emits them.
    mutating func updateThresholds(_ config: ThresholdsConfig, now: Int64) -> ViewOutput {
        ctx.thresholds = config
        return refresh(now: now)
    }

    // MARK: - Queries (computed at `now`, nothing emitted): ViewState+Live.swift
}
