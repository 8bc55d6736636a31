import SwitchboardCore

/// The entity fragments (SPEC §4), written by hand and encoded once per change.
extension OrgState {
    /// `{"id","org","name","presence","routingStatus","state","stateSince","band","occupancy",
    /// "handlingMs","productiveMs"}`.
    func encodeAgent(_ a: AgentRecord, _ c: AgentComputed, ctx: ViewContext) -> [UInt8] {
        var j = ViewJSON(capacity: 448)
        j.raw("{\"id\":")
        j.string("\(org.id.rawValue)/\(a.platformID)")
        j.raw(",\"org\":")
        j.string(org.id.rawValue)
        j.raw(",\"name\":")
        j.string(a.name ?? a.platformID)
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
        return j.bytes
    }

    /// `{"id","org","name","waiting","interacting","alerting","onQueueAgents","longestWaitMs",
    /// "oldestWaitingSince","occupancy"}`; occupancy null when no member agent is known.
    func encodeQueue(_ t: QueueTileFigures) -> [UInt8] {
        var j = ViewJSON(capacity: 320)
        j.raw("{\"id\":")
        j.string(t.id.description)
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
        return j.bytes
    }

    /// `{"id","name","status","lastHeartbeatAt","lastEventAt","timezone","occupancy","handlingMs",
    /// "productiveMs","agents"}` with the totals of the last refresh.
    func encodeOrg() -> [UInt8] {
        var j = ViewJSON(capacity: 448)
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
        return j.bytes
    }

    /// The org's totals as its topic's `occupancy` singleton.
    func encodeTotals(_ f: WindowedFigures) -> [UInt8] { Self.encodeTotals(f) }

    /// `{"today","rolling15m","rolling60m","handlingMs":{…},"productiveMs":{…}}`.
    static func encodeTotals(_ f: WindowedFigures) -> [UInt8] {
        var j = ViewJSON(capacity: 256)
        j.raw("{\"today\":")
        JSONText.appendDouble(f.today.occupancy, to: &j.bytes)
        j.raw(",\"rolling15m\":")
        JSONText.appendDouble(f.rolling15m.occupancy, to: &j.bytes)
        j.raw(",\"rolling60m\":")
        JSONText.appendDouble(f.rolling60m.occupancy, to: &j.bytes)
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
        return j.bytes
    }
}
