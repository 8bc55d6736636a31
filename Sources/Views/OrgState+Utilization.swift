import SwitchboardCore

/// Utilization by 30-minute interval (docs/utilization.md): one `utilization` entity per agent
/// (`"type":"agent"`, id `us/<uuid>`) and one per queue rollup (`"type":"queue"`, id `us/queue/<uuid>`),
/// replaced whole by each ``AgentUtilization`` and emitted only when its bytes changed.
extension OrgState {
    /// The key in `emittedUtilization` / `emittedQuality` of a queue rollup: the entity id is `<org>/<key>`.
    static func queueKey(_ platformID: String) -> String { "queue/\(platformID)" }

    mutating func apply(utilization u: AgentUtilization, out: inout ViewOutput) {
        let bytes = Self.encodeUtilization(u, org: org)
        let key = u.subject == .queue ? Self.queueKey(u.agent.platformID) : u.agent.platformID
        guard emittedUtilization[key] != bytes else { return }
        emittedUtilization[key] = bytes
        out.changes.append(EntityChange(kind: .utilization, id: "\(org.id.rawValue)/\(key)", scope: .org(org.id),
                                        json: EncodedJSON(bytes: bytes)))
    }

    /// `{"id","type":"agent","org","agent","timeZone","day","intervals":[{"start","end","handleMs","handleCount",
    /// "ahtMs","talkMs","heldMs","acwMs","connected","open"}],"totals":{…}}`; a queue rollup has
    /// `"type":"queue","queue":"us/<uuid>"` instead of `agent`. Times ISO-8601 with the org's offset.
    static func encodeUtilization(_ u: AgentUtilization, org: ViewOrg) -> [UInt8] {
        FragmentWriter.encode { j in
            let queue = u.subject == .queue
            j.raw("{\"id\":")
            j.string(queue ? "\(org.id.rawValue)/\(queueKey(u.agent.platformID))" : u.agent.description)
            j.raw(queue ? ",\"type\":\"queue\",\"org\":" : ",\"type\":\"agent\",\"org\":")
            j.string(org.id.rawValue)
            j.raw(queue ? ",\"queue\":" : ",\"agent\":")
            j.string(u.agent.description)
            j.raw(",\"timeZone\":")
            j.string(org.timeZone.identifier)
            j.raw(",\"day\":")
            j.string(Timestamp.format(u.dayStart, in: org.timeZone))
            j.raw(",\"intervals\":[")
            var total = UtilizationInterval(start: u.dayStart)
            for (n, i) in u.intervals.enumerated() {
                if n > 0 { j.raw(",") }
                j.raw("{\"start\":")
                j.string(Timestamp.format(i.start, in: org.timeZone))
                j.raw(",\"end\":")
                j.string(Timestamp.format(i.start + 30 * 60_000, in: org.timeZone))
                figures(&j, i)
                j.raw(",\"open\":")
                j.raw(i.open ? "true" : "false")
                j.raw("}")
                total.handleMs += i.handleMs
                total.handleCount += i.handleCount
                total.talkMs += i.talkMs
                total.heldMs += i.heldMs
                total.acwMs += i.acwMs
                total.connected += i.connected
            }
            j.raw("],\"totals\":{\"intervals\":")
            j.int(Int64(u.intervals.count))
            figures(&j, total)
            j.raw("}}")
        }
    }

    private static func figures(_ j: inout FragmentWriter, _ i: UtilizationInterval) {
        j.raw(",\"handleMs\":")
        j.int(i.handleMs)
        j.raw(",\"handleCount\":")
        j.int(Int64(i.handleCount))
        j.raw(",\"ahtMs\":")
        j.int(i.averageHandleMs)
        j.raw(",\"talkMs\":")
        j.int(i.talkMs)
        j.raw(",\"heldMs\":")
        j.int(i.heldMs)
        j.raw(",\"acwMs\":")
        j.int(i.acwMs)
        j.raw(",\"connected\":")
        j.int(Int64(i.connected))
    }
}
