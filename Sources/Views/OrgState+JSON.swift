import Foundation
import SwitchboardConfig
import SwitchboardCore

/// The entity fragments (SPEC §4), written by hand and encoded once per change.
extension OrgState {
    /// `{"id","org","name","hireDate","presence","routingStatus","state","stateSince","band","bandStatus","queues",
    /// "occupancy","handlingMs","productiveMs","accruing","asOf"}`; `queues` are the ids of the agent's active queues.
    func encodeAgent(_ a: AgentRecord, _ c: AgentComputed, ctx: ViewContext) -> [UInt8] {
        encodeAgent(id: a.entityID ?? agentEntityID(a.platformID), name: a.name ?? a.platformID,
                    hireDate: a.hireDate, queues: a.queues, c, ctx: ctx)
    }

    /// Queue `j`'s namespaced id: the one made with its slot (``queueSlot(_:)``), so writing an agent's queue
    /// list allocates nothing.
    func queueEntityKey(_ j: Int) -> String {
        queues[j].entityID ?? "\(org.id.rawValue)/\(queues[j].platformID)"
    }

    /// ``encodeAgent(_:_:ctx:)`` with the namespaced id already made (``agentEntityID(_:)``).
    func encodeAgent(id: String, name: String, hireDate: Int32?, queues queueSlots: [Int32], _ c: AgentComputed,
                     ctx: ViewContext) -> [UInt8] {
        FragmentWriter.encode { j in
            j.raw("{\"id\":")
            j.string(id)
            j.raw(",\"org\":")
            j.string(org.id.rawValue)
            j.raw(",\"name\":")
            j.string(name)
            j.raw(",\"hireDate\":")
            j.day(hireDate)
            j.raw(",\"presence\":")
            j.string(ctx.presence(c.presence)?.rawValue)
            j.raw(",\"routingStatus\":")
            j.string(RoutingCode.status(c.routing)?.rawValue)
            j.raw(",\"state\":")
            j.string(c.activity.label)
            j.raw(",\"stateSince\":")
            j.time(c.since)
            j.raw(",\"band\":")
            j.string(c.band?.rawValue)
            j.raw(c.band != nil ? ",\"bandStatus\":\"ok\"" : c.warmingUp ? ",\"bandStatus\":\"warming-up\"" : ",\"bandStatus\":\"none\"")
            j.raw(",\"queues\":[")
            for (n, q) in queueSlots.enumerated() {
                if n > 0 { j.raw(",") }
                j.string(queueEntityKey(Int(q)))
            }
            j.raw("],")
            j.windows(c.figures)
            j.raw(",")
            j.ticking(c.accrual, asOf: c.at)
            j.raw("}")
        }
    }

    /// The agent's namespaced id `org/platformID` (``EntityID/description``).
    func agentEntityID(_ platformID: String) -> String { "\(org.id.rawValue)/\(platformID)" }

    /// Agent `i`'s namespaced id, made once per agent and kept on its record: every change of the
    /// agent (and the hub's latest-fragment key) shares the one string.
    mutating func agentEntityID(at i: Int) -> String {
        if let id = agents[i].entityID { return id }
        let id = agentEntityID(agents[i].platformID)
        agents[i].entityID = id
        return id
    }

    /// Queue `j`'s namespaced id (made with its slot; made here for a record that lacks it).
    mutating func queueEntityID(at j: Int) -> String {
        if let id = queues[j].entityID { return id }
        let id = "\(org.id.rawValue)/\(queues[j].platformID)"
        queues[j].entityID = id
        return id
    }

    /// `{"id","org","name","waiting","interacting","alerting","onQueueAgents","longestWaitMs",
    /// "oldestWaitingSince","serviceLevelTarget","serviceLevel",…,"serviceAsOf","thresholds","occupancy",
    /// "handlingMs","productiveMs","accruing","asOf"}`; occupancy null when no member agent is known.
    func encodeQueue(_ t: QueueTileFigures) -> [UInt8] { encodeQueue(t, id: t.id.description) }

    /// ``encodeQueue(_:)`` with the namespaced id already made.
    func encodeQueue(_ t: QueueTileFigures, id: String) -> [UInt8] {
        FragmentWriter.encode { j in
            j.raw("{\"id\":")
            j.string(id)
            j.raw(",\"org\":")
            j.string(org.id.rawValue)
            j.raw(",\"name\":")
            j.string(t.name)
            j.raw(",\"waiting\":")
            j.int(Int64(t.waiting))
            j.raw(",\"interacting\":")
            j.int(Int64(t.interacting))
            j.raw(",\"alerting\":")
            j.int(Int64(t.alerting))
            j.raw(",\"onQueueAgents\":")
            j.int(Int64(t.onQueueAgents))
            j.raw(",\"longestWaitMs\":")
            j.int(t.longestWaitMs)
            j.raw(",\"oldestWaitingSince\":")
            j.time(t.oldestWaitingSince)
            j.raw(",")
            j.serviceTarget(t.serviceLevelTarget)
            j.raw(",")
            j.service(t.service, asOf: t.serviceAsOf)
            j.raw(",")
            j.thresholds(t.thresholds)
            j.raw(",")
            if let f = t.occupancy, let a = t.accrual, let at = t.asOf {
                j.windows(f)
                j.raw(",")
                j.ticking(a, asOf: at)
            } else {
                j.raw("\"occupancy\":null,\"handlingMs\":null,\"productiveMs\":null,\"accruing\":null,\"asOf\":null")
            }
            j.raw("}")
        }
    }

    /// `{"id","name","status","lastHeartbeatAt","lastEventAt","behindSeconds","timezone","occupancy","handlingMs",
    /// "productiveMs","agents","serviceLevel",…,"serviceAsOf","thresholds","accruing","asOf"}` with the totals
    /// of the last refresh and the service sums at `now`.
    func encodeOrg(ctx: ViewContext, now: Int64) -> [UInt8] {
        encodeOrg(totals: totals, accrual: totalsAccrual, at: totalsAt, service: serviceSummary(now: now),
                  thresholds: orgThresholds(ctx))
    }

    /// ``encodeOrg(ctx:now:)`` with totals computed at `at` (a read-time snapshot).
    func encodeOrg(totals: WindowedFigures, accrual: Accrual, at: Int64, service: ServiceSummary,
                   thresholds: ResolvedThresholds) -> [UInt8] {
        FragmentWriter.encode { j in
            j.raw("{\"id\":")
            j.string(org.id.rawValue)
            j.raw(",\"name\":")
            j.string(org.name)
            j.raw(",\"status\":")
            j.string(connector.status.rawValue)
            j.raw(",\"lastHeartbeatAt\":")
            j.time(connector.lastHeartbeatAt)
            j.raw(",\"lastEventAt\":")
            j.time(latestEventAt)
            // Always written (a number or null), so that a patch carries it going back to null.
            j.raw(",\"behindSeconds\":")
            if let b = connector.behindSeconds { j.int(Int64(b)) } else { j.raw("null") }
            j.raw(",\"timezone\":")
            j.string(org.timeZone.identifier)
            j.raw(",")
            j.windows(totals)
            j.raw(",\"agents\":")
            j.int(Int64(agents.count))
            j.raw(",\"problems\":[")
            for (n, (feature, message)) in connector.problems.sorted(by: { $0.key < $1.key }).enumerated() {
                j.raw(n == 0 ? "{\"feature\":" : ",{\"feature\":")
                j.string(feature)
                j.raw(",\"message\":")
                j.string(message)
                j.raw("}")
            }
            j.raw("]")
            if let region = connector.audioRegion {
                j.raw(",\"audioRegion\":")
                j.string(region)
            }
            j.raw(",")
            j.service(service.asOf == nil ? nil : service.windows, asOf: service.asOf)
            j.raw(",")
            j.thresholds(thresholds)
            j.raw(",")
            j.ticking(accrual, asOf: at)
            j.raw("}")
        }
    }

    /// `{"today","rolling15m","rolling60m","handlingMs":{…},"productiveMs":{…},"serviceLevel",…,"serviceAsOf",
    /// "thresholds","accruing":{…},"asOf"}`: an org's totals (its topic's `occupancy` singleton) or the global ones.
    /// The global totals also say which orgs they leave out (`"leftOut":["emea"]`: stale or disconnected).
    static func encodeTotals(_ f: WindowedFigures, accrual: Accrual, at: Int64, leftOut: [String]? = nil,
                             service: ServiceSummary, thresholds: ResolvedThresholds) -> [UInt8] {
        FragmentWriter.encode { j in
            j.raw("{")
            j.ratios(f)
            j.raw(",")
            j.durations(f)
            j.raw(",")
            if let leftOut {
                j.raw("\"leftOut\":[")
                for (n, id) in leftOut.enumerated() {
                    if n > 0 { j.raw(",") }
                    j.string(id)
                }
                j.raw("],")
            }
            j.service(service.asOf == nil ? nil : service.windows, asOf: service.asOf)
            j.raw(",")
            j.thresholds(thresholds)
            j.raw(",")
            j.ticking(accrual, asOf: at)
            j.raw("}")
        }
    }

    /// Length of the `,"asOf":"YYYY-MM-DDTHH:MM:SS.mmmZ"}` that ends org and totals fragments.
    static let asOfSuffixLength = 35

    /// Whether two org or totals fragments differ only in `asOf`: nothing a client shows changed (its
    /// ticking from the older `asOf` gives the same figures), so nothing is sent.
    static func sameButAsOf(_ old: [UInt8]?, _ new: [UInt8]) -> Bool {
        guard let old, old.count == new.count, new.count > asOfSuffixLength else { return false }
        return old.withUnsafeBufferPointer { a in
            new.withUnsafeBufferPointer { b in
                memcmp(a.baseAddress!, b.baseAddress!, new.count - asOfSuffixLength) == 0
            }
        }
    }
}
