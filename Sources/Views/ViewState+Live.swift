import SwitchboardConfig
import SwitchboardCore

/// Read-time queries: everything computed at the instant asked for, nothing emitted and nothing
/// mutated. A snapshot built from these is true when it is read, not when something last changed
/// (the traffic rule throttles deltas; it must never make a snapshot old).
extension ViewState {
    func agentFigures(_ id: EntityID, now: Int64) -> AgentFigures? {
        guard let org = orgs[id.org], let i = org.agentIndex[id.platformID] else { return nil }
        let a = org.agents[Int(i)]
        let c = org.liveAgent(Int(i), now: now, ctx: ctx)
        return AgentFigures(id: id, name: a.name ?? a.platformID, presence: ctx.presence(c.presence),
                            routingStatus: RoutingCode.status(c.routing), state: c.activity.label,
                            stateSince: c.activity == .unknown ? nil : c.since, band: c.band, figures: c.figures,
                            accrual: c.accrual, asOf: c.at)
    }

    func orgFigures(_ id: OrgID, now: Int64) -> OrgFigures? {
        guard let org = orgs[id] else { return nil }
        let live = org.liveTotals(now: now, ctx: ctx)
        let service = org.serviceSummary(now: org.figureTime(now))
        return OrgFigures(id: id, name: org.org.name, timeZone: org.org.timeZone, status: org.connector.status,
                          lastHeartbeatAt: org.connector.lastHeartbeatAt,
                          lastEventAt: org.latestEventAt, agents: org.agents.count,
                          figures: live.figures, accrual: live.accrual,
                          service: service.asOf == nil ? nil : service.windows, serviceAsOf: service.asOf)
    }

    /// Totals over the live orgs (see ``GlobalFigures/leftOut``).
    func globalFigures(now: Int64) -> GlobalFigures {
        var sum = WindowedFigures()
        var accrual = Accrual()
        var agents = 0
        var leftOut: [OrgID] = []
        var service = ServiceSummary()
        for (id, org) in orgs {
            guard org.frozenAt == nil else {
                leftOut.append(id)
                continue
            }
            let live = org.liveTotals(now: now, ctx: ctx)
            sum += live.figures
            accrual += live.accrual
            agents += org.agents.count
            service.add(org.serviceSummary(now: now))
        }
        return GlobalFigures(orgs: orgs.count, agents: agents, figures: sum, accrual: accrual, leftOut: leftOut,
                             service: service.asOf == nil ? nil : service.windows, serviceAsOf: service.asOf)
    }

    func queueTile(_ id: EntityID, now: Int64) -> QueueTileFigures? {
        guard let org = orgs[id.org], let j = org.queueIndex[id.platformID] else { return nil }
        guard org.queues[Int(j)].visible else { return nil }
        return org.liveQueueTiles(now: now, ctx: ctx)[Int(j)]
    }

    func orgStatuses() -> [OrgID: ConnectorStatus] {
        var out: [OrgID: ConnectorStatus] = [:]
        for (id, org) in orgs { out[id] = org.connector }
        return out
    }

    /// The kinds ``liveEntities(org:now:)`` computes: those whose figures move with time.
    static let liveKinds: Set<EntityKind> = [.orgs, .occupancy, .agents, .queues]

    /// Every org, org-totals, agent and queue entity of `filter` (nil: every org, plus the global totals),
    /// computed and encoded at `now`, in the shapes the deltas carry. What a snapshot is built from.
    func liveEntities(org filter: OrgID?, now: Int64) -> [EntityChange] {
        var out: [EntityChange] = []
        var sum = WindowedFigures()
        var accrual = Accrual()
        var leftOut: [String] = []
        var service = ServiceSummary()
        for (id, org) in orgs where filter == nil || filter == id {
            let at = org.figureTime(now)
            let orgService = org.serviceSummary(now: at)
            let orgThresholds = org.orgThresholds(ctx)
            let day = org.dayStart(of: at)
            var totals = WindowedFigures()
            var totalsAccrual = Accrual()
            var members = [WindowedFigures?](repeating: nil, count: org.queues.count)
            var membersAccrual = [Accrual](repeating: Accrual(), count: org.queues.count)
            var agentChanges: [EntityChange] = []
            agentChanges.reserveCapacity(org.agents.count)
            for i in org.agents.indices {
                let a = org.agents[i]
                let c = org.liveAgent(i, now: at, dayStart: day, ctx: ctx)
                totals += c.figures
                totalsAccrual += c.accrual
                for q in a.queues {
                    members[Int(q)] = (members[Int(q)] ?? WindowedFigures()) + c.figures
                    membersAccrual[Int(q)] += c.accrual
                }
                guard a.emitted != nil else { continue }
                let key = a.entityID ?? org.agentEntityID(a.platformID)
                agentChanges.append(EntityChange(kind: .agents, id: key, scope: .org(id),
                                                 json: EncodedJSON(bytes: org.encodeAgent(
                                                     id: key, name: a.name ?? a.platformID, hireDate: a.hireDate,
                                                     queues: a.queues, c, ctx: ctx))))
            }
            out.append(EntityChange(kind: .orgs, id: id.rawValue, scope: .org(id),
                                    json: EncodedJSON(bytes: org.encodeOrg(totals: totals, accrual: totalsAccrual, at: at,
                                                                           service: orgService, thresholds: orgThresholds))))
            out.append(EntityChange(kind: .occupancy, id: id.rawValue, scope: .orgOnly(id),
                                    json: EncodedJSON(bytes: OrgState.encodeTotals(totals, accrual: totalsAccrual, at: at,
                                                                                   service: orgService,
                                                                                   thresholds: orgThresholds))))
            out += agentChanges
            for j in org.queues.indices where org.queues[j].visible && org.queues[j].emitted != nil {
                let q = org.queues[j]
                let qid = EntityID(org: id, platformID: q.platformID)
                var tile = q.tile(id: qid, now: at, dayStart: day, thresholds: org.queueThresholds(j, ctx: ctx))
                tile.occupancy = members[j]
                tile.accrual = members[j] == nil ? nil : membersAccrual[j]
                tile.asOf = members[j] == nil ? nil : at
                out.append(EntityChange(kind: .queues, id: q.entityID ?? qid.description, scope: .org(id),
                                        json: EncodedJSON(bytes: org.encodeQueue(tile, id: q.entityID ?? qid.description))))
            }
            if org.frozenAt == nil {
                sum += totals
                accrual += totalsAccrual
                service.add(orgService)
            } else {
                leftOut.append(id.rawValue)
            }
        }
        if filter == nil {
            out.append(EntityChange(kind: .occupancy, id: "global", scope: .global,
                                    json: EncodedJSON(bytes: OrgState.encodeTotals(sum, accrual: accrual, at: now,
                                                                                   leftOut: leftOut, service: service,
                                                                                   thresholds: ctx.thresholds.resolvedGlobal(
                                                                                       bands: ctx.bands)))))
        }
        return out
    }

    /// Every entity in its current state: the live kinds computed at `now`, plus the polled ones
    /// (utilization, quality) as last emitted. For a consumer that starts late.
    func currentEntities(now: Int64) -> [EntityChange] {
        var out = liveEntities(org: nil, now: now)
        for (_, org) in orgs {
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
        }
        return out
    }
}

extension OrgState {
    /// Agent `i` computed at `now` without settling: its state's start is the stored one while the
    /// activity is unchanged and the computation saw no exact start.
    func liveAgent(_ i: Int, now: Int64, dayStart day: Int64? = nil, ctx: ViewContext) -> AgentComputed {
        let a = agents[i]
        let now = figureTime(now)
        var c = computeAgent(i, now: now, dayStart: day ?? dayStart(of: now), ctx: ctx)
        if !c.exact, c.activity == a.lastActivity, a.stateSince != .min {
            c.since = a.stateSince
        } else if let s = a.unseenRunStart(c) {
            c.since = s  // as `AgentRecord.settle` would
        }
        return c
    }

    /// The org's totals at `now`: Σ over its agents computed then.
    func liveTotals(now: Int64, ctx: ViewContext) -> (figures: WindowedFigures, accrual: Accrual) {
        let now = figureTime(now)
        let day = dayStart(of: now)
        var sum = WindowedFigures()
        var accrual = Accrual()
        for i in agents.indices {
            let c = liveAgent(i, now: now, dayStart: day, ctx: ctx)
            sum += c.figures
            accrual += c.accrual
        }
        return (sum, accrual)
    }

    /// Every queue's tile at `now`, members' figures computed then (nil for queues never observed or named).
    func liveQueueTiles(now: Int64, ctx: ViewContext) -> [QueueTileFigures?] {
        let now = figureTime(now)
        let day = dayStart(of: now)
        var members = [WindowedFigures?](repeating: nil, count: queues.count)
        var accrual = [Accrual](repeating: Accrual(), count: queues.count)
        for i in agents.indices where !agents[i].queues.isEmpty {
            let c = liveAgent(i, now: now, dayStart: day, ctx: ctx)
            for q in agents[i].queues {
                members[Int(q)] = (members[Int(q)] ?? WindowedFigures()) + c.figures
                accrual[Int(q)] += c.accrual
            }
        }
        return queues.indices.map { j in
            guard queues[j].visible else { return nil }
            var tile = queues[j].tile(id: EntityID(org: org.id, platformID: queues[j].platformID), now: now,
                                      dayStart: day, thresholds: queueThresholds(j, ctx: ctx))
            tile.occupancy = members[j]
            tile.accrual = members[j] == nil ? nil : accrual[j]
            tile.asOf = members[j] == nil ? nil : now
            return tile
        }
    }
}
