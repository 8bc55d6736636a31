import SwitchboardCore

/// Quality scores (docs/quality.md): one `quality` entity per agent with evaluations today (forms with
/// a count of 0 are left out; an agent with none is removed), plus one per org (`"type":"org"`) saying
/// when the data was last updated and that it lags, and one per queue rollup (`"type":"queue"`, id
/// `us/queue/<uuid>`). Only changed entities are emitted.
extension OrgState {
    static let qualityLagNote = QualityReport.lagNote

    mutating func apply(quality q: QualityReport, out: inout ViewOutput) {
        var seen: Set<String> = []
        for a in q.agents where a.agent.org == org.id {
            let forms = a.forms.filter { $0.count > 0 }
            guard !forms.isEmpty else { continue }
            seen.insert(a.agent.platformID)
            let bytes = Self.encodeQuality(a, forms: forms, min: q.minEvaluations, org: org.id)
            guard emittedQuality[a.agent.platformID] != bytes else { continue }
            emittedQuality[a.agent.platformID] = bytes
            out.changes.append(EntityChange(kind: .quality, id: a.agent.description, scope: .org(org.id),
                                            json: EncodedJSON(bytes: bytes)))
        }
        let agentCount = seen.count
        for r in q.queues where r.queue.org == org.id {
            let forms = r.forms.filter { $0.count > 0 }
            guard !forms.isEmpty else { continue }
            let key = Self.queueKey(r.queue.platformID)
            seen.insert(key)
            let bytes = Self.encodeQuality(AgentQuality(agent: r.queue, forms: forms), forms: forms, min: q.minEvaluations,
                                           org: org.id, queue: true)
            guard emittedQuality[key] != bytes else { continue }
            emittedQuality[key] = bytes
            out.changes.append(EntityChange(kind: .quality, id: "\(org.id.rawValue)/\(key)", scope: .org(org.id),
                                            json: EncodedJSON(bytes: bytes)))
        }
        for id in emittedQuality.keys.sorted() where !seen.contains(id) && id != "" {
            emittedQuality[id] = nil
            out.changes.append(EntityChange(kind: .quality, id: "\(org.id.rawValue)/\(id)", scope: .org(org.id), json: nil))
        }
        let bytes = FragmentWriter.encode { j in
            j.raw("{\"id\":")
            j.string(org.id.rawValue)
            j.raw(",\"type\":\"org\",\"org\":")
            j.string(org.id.rawValue)
            j.raw(",\"lastUpdatedAt\":")
            j.time(q.asOf)
            j.raw(",\"minEvaluations\":")
            j.int(Int64(q.minEvaluations))
            j.raw(",\"agents\":")
            j.int(Int64(agentCount))
            j.raw(",\"queues\":")
            j.int(Int64(seen.count - agentCount))
            j.raw(",\"lagNote\":")
            j.string(Self.qualityLagNote)
            j.raw("}")
        }
        out.changes.append(EntityChange(kind: .quality, id: org.id.rawValue, scope: .org(org.id), json: EncodedJSON(bytes: bytes)))
        emittedQualityOrg = bytes
    }

    /// `{"id","type":"agent","org","agent","forms":[{"formId","formName","count","status","averageScore",
    /// "averageCriticalScore","passRate"}]}`; below `min` evaluations the status is `insufficient-data` and
    /// no score is given.
    /// With `queue`, the queue rollup: `{"id":"us/queue/<uuid>","type":"queue","org","queue":"us/<uuid>","forms":[…]}`.
    static func encodeQuality(_ a: AgentQuality, forms: [FormQuality], min: Int, org: OrgID, queue: Bool = false) -> [UInt8] {
        FragmentWriter.encode { j in
            j.raw("{\"id\":")
            j.string(queue ? "\(org.rawValue)/\(queueKey(a.agent.platformID))" : a.agent.description)
            j.raw(queue ? ",\"type\":\"queue\",\"org\":" : ",\"type\":\"agent\",\"org\":")
            j.string(org.rawValue)
            j.raw(queue ? ",\"queue\":" : ",\"agent\":")
            j.string(a.agent.description)
            j.raw(",\"forms\":[")
            for (n, f) in forms.sorted(by: { ($0.formID ?? "") < ($1.formID ?? "") }).enumerated() {
                if n > 0 { j.raw(",") }
                let enough = f.count >= min
                j.raw("{\"formId\":")
                j.string(f.formID)
                j.raw(",\"formName\":")
                j.string(f.formName)
                j.raw(",\"count\":")
                j.int(Int64(f.count))
                j.raw(enough ? ",\"status\":\"ok\",\"averageScore\":" : ",\"status\":\"insufficient-data\",\"averageScore\":")
                j.double(enough ? f.averageScore : nil, decimals: 2)
                j.raw(",\"averageCriticalScore\":")
                j.double(enough ? f.averageCriticalScore : nil, decimals: 2)
                j.raw(",\"passRate\":")
                j.double(enough ? f.passRate : nil, decimals: 2)
                j.raw("}")
            }
            j.raw("]}")
        }
    }
}
