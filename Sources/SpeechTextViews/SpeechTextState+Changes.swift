import SwitchboardCore

extension SpeechTextState {
    /// The entities changed since the last call, each encoded once, as of `now`: calls, agent, queue and org
    /// rollups (`speechtext:<org>` and `speechtext:global`), the org's totals (`speechtext:<org>` only) and the
    /// global totals (`speechtext:global` only).
    mutating func takeChanges(now: EpochMillis) -> [EntityChange] {
        let family = TopicFamily.speechText
        var out: [EntityChange] = []
        for (id, org) in removedCalls {
            out.append(EntityChange(kind: .calls, id: id, scope: .family(family, org), json: nil))
        }
        for id in dirtyCalls.sorted() {
            guard let c = calls[id], let setup = setups[c.org] else { continue }
            out.append(EntityChange(kind: .calls, id: id, scope: .family(family, c.org),
                                    json: SpeechTextJSON.call(c, now: now, transcripts: setup.config.pushTranscripts)))
            calls[id]!.published = true
            calls[id]!.shownRolling = c.rolling(at: now)
        }
        for e in removed where rollups[e] == nil {
            switch e {
            case .agent(let id):
                out.append(EntityChange(kind: .agents, id: id.description, scope: .family(family, id.org), json: nil))
            case .queue(let id):
                out.append(EntityChange(kind: .queues, id: id.description, scope: .family(family, id.org), json: nil))
            case .org(let org):
                out.append(EntityChange(kind: .orgs, id: org.rawValue, scope: .family(family, org), json: nil))
                out.append(EntityChange(kind: .totals, id: org.rawValue, scope: .familyOrgOnly(family, org), json: nil))
            }
            shownRolling[e] = nil
        }
        for e in dirty.sorted(by: { $0.sortKey < $1.sortKey }) {
            guard let r = rollups[e] else { continue }
            shownRolling[e] = r.rollingSignature(at: now)
            switch e {
            case .agent(let id):
                out.append(EntityChange(kind: .agents, id: id.description, scope: .family(family, id.org),
                                        json: SpeechTextJSON.rollup(id: id.description, org: id.org, r, now: now)))
            case .queue(let id):
                out.append(EntityChange(kind: .queues, id: id.description, scope: .family(family, id.org),
                                        json: SpeechTextJSON.rollup(id: id.description, org: id.org, r, now: now)))
            case .org(let org):
                out.append(EntityChange(kind: .orgs, id: org.rawValue, scope: .family(family, org),
                                        json: SpeechTextJSON.rollup(id: org.rawValue, org: org, r, now: now)))
                out.append(EntityChange(kind: .totals, id: org.rawValue, scope: .familyOrgOnly(family, org),
                                        json: SpeechTextJSON.rollup(id: org.rawValue, org: nil, r, now: now)))
            }
        }
        if totalsDirty {
            let t = globalTotals(now: now)
            out.append(EntityChange(kind: .totals, id: "global", scope: .familyGlobal(family),
                                    json: t.map { SpeechTextJSON.rollup(id: "global", org: nil, $0, now: now) }))
            shownRemoteRolling = remote.parts.mapValues { $0.at(now).rollingSignature(at: now) }
        }
        dirtyCalls.removeAll(keepingCapacity: true)
        removedCalls.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
        removed.removeAll(keepingCapacity: true)
        totalsDirty = false
        return out
    }
}

extension SpeechTextState.Entity {
    /// Agents, then queues, then orgs, each by id (a stable order for the published batch).
    var sortKey: String {
        switch self {
        case .agent(let id): "0" + id.description
        case .queue(let id): "1" + id.description
        case .org(let o): "2" + o.rawValue
        }
    }
}
