import SwitchboardCore

/// The entity fragments (SPEC §4), written by hand and encoded once per change.
extension OrgState {
    /// `{"id","org","name","hireDate","presence","routingStatus","state","stateSince","band","occupancy",
    /// "handlingMs","productiveMs"}`.
    func encodeAgent(_ a: AgentRecord, _ c: AgentComputed, ctx: ViewContext) -> [UInt8] {
        encodeAgent(id: a.entityID ?? agentEntityID(a.platformID), name: a.name ?? a.platformID,
                    hireDate: a.hireDate, c, ctx: ctx)
    }

    /// ``encodeAgent(_:_:ctx:)`` with the namespaced id already made (``agentEntityID(_:)``).
    func encodeAgent(id: String, name: String, hireDate: Int32?, _ c: AgentComputed, ctx: ViewContext) -> [UInt8] {
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
            j.raw(",")
            j.windows(c.figures)
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

    /// Queue `j`'s namespaced id, made once per queue (see ``agentEntityID(at:)``).
    mutating func queueEntityID(at j: Int) -> String {
        if let id = queues[j].entityID { return id }
        let id = "\(org.id.rawValue)/\(queues[j].platformID)"
        queues[j].entityID = id
        return id
    }

    /// `{"id","org","name","waiting","interacting","alerting","onQueueAgents","longestWaitMs",
    /// "oldestWaitingSince","occupancy"}`; occupancy null when no member agent is known.
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
            j.raw(",\"occupancy\":")
            if let f = t.occupancy { j.occupancy(f) } else { j.raw("null") }
            j.raw("}")
        }
    }

    /// `{"id","name","status","lastHeartbeatAt","lastEventAt","timezone","occupancy","handlingMs",
    /// "productiveMs","agents"}` with the totals of the last refresh.
    func encodeOrg() -> [UInt8] {
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
            j.raw(",\"timezone\":")
            j.string(org.timeZone.identifier)
            j.raw(",")
            j.windows(totals)
            j.raw(",\"agents\":")
            j.int(Int64(agents.count))
            j.raw("}")
        }
    }

    /// The org's totals as its topic's `occupancy` singleton.
    func encodeTotals(_ f: WindowedFigures) -> [UInt8] { Self.encodeTotals(f) }

    /// `{"today","rolling15m","rolling60m","handlingMs":{…},"productiveMs":{…}}`.
    static func encodeTotals(_ f: WindowedFigures) -> [UInt8] {
        FragmentWriter.encode { j in
            j.raw("{\"today\":")
            j.ratio(f.today.occupancy)
            j.raw(",\"rolling15m\":")
            j.ratio(f.rolling15m.occupancy)
            j.raw(",\"rolling60m\":")
            j.ratio(f.rolling60m.occupancy)
            j.raw(",\"handlingMs\":{\"today\":")
            j.int(f.today.handlingMs)
            j.raw(",\"rolling15m\":")
            j.int(f.rolling15m.handlingMs)
            j.raw(",\"rolling60m\":")
            j.int(f.rolling60m.handlingMs)
            j.raw("},\"productiveMs\":{\"today\":")
            j.int(f.today.productiveMs)
            j.raw(",\"rolling15m\":")
            j.int(f.rolling15m.productiveMs)
            j.raw(",\"rolling60m\":")
            j.int(f.rolling60m.productiveMs)
            j.raw("}}")
        }
    }
}
