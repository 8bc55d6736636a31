import SwitchboardCore

extension OrgState {
    /// Keeps only the agents and queues of a full directory read: the others (deleted upstream, or left
    /// behind when the org was re-pointed to another upstream) are removed — removal changes emitted — so
    /// no ghost agent stays frozen on the wall. Slots are compacted and every index is rebuilt.
    mutating func apply(directory d: OrgDirectory, out: inout ViewOutput) {
        let goneAgents = agents.indices.filter { !d.users.contains(agents[$0].platformID) }
        // A queue is kept while the directory lists it or a kept agent still names it in its active queues.
        let goneQueues = queues.indices.filter { !d.queues.contains(queues[$0].platformID) }
        guard !goneAgents.isEmpty || !goneQueues.isEmpty else { return }
        for i in goneAgents where agents[i].emitted != nil {
            out.changes.append(EntityChange(kind: .agents, id: agents[i].entityID ?? agentEntityID(agents[i].platformID),
                                            scope: .org(org.id), json: nil))
            let pid = agents[i].platformID
            if emittedUtilization.removeValue(forKey: pid) != nil {
                out.changes.append(EntityChange(kind: .utilization, id: "\(org.id.rawValue)/\(pid)", scope: .org(org.id), json: nil))
            }
            if emittedQuality.removeValue(forKey: pid) != nil {
                out.changes.append(EntityChange(kind: .quality, id: "\(org.id.rawValue)/\(pid)", scope: .org(org.id), json: nil))
            }
        }
        for j in goneQueues where queues[j].emitted != nil {
            out.changes.append(EntityChange(kind: .queues, id: queues[j].entityID ?? "\(org.id.rawValue)/\(queues[j].platformID)",
                                            scope: .org(org.id), json: nil))
        }
        // Compact the queues and map old slots to new ones.
        let dropQ = Set(goneQueues)
        var slot = [Int32](repeating: -1, count: queues.count)
        var keptQueues: [QueueRecord] = []
        keptQueues.reserveCapacity(queues.count - dropQ.count)
        for j in queues.indices where !dropQ.contains(j) {
            slot[j] = Int32(keptQueues.count)
            keptQueues.append(queues[j])
        }
        queues = keptQueues
        queueIndex = Dictionary(uniqueKeysWithValues: queues.enumerated().map { ($1.platformID, Int32($0)) })
        // Compact the agents; their active queues follow the new slots.
        let dropA = Set(goneAgents)
        var keptAgents: [AgentRecord] = []
        keptAgents.reserveCapacity(agents.count - dropA.count)
        for i in agents.indices where !dropA.contains(i) {
            var a = agents[i]
            a.queues = a.queues.compactMap { slot[Int($0)] >= 0 ? slot[Int($0)] : nil }
            a.dirty = false
            keptAgents.append(a)
        }
        agents = keptAgents
        agentIndex = Dictionary(uniqueKeysWithValues: agents.enumerated().map { ($1.platformID, Int32($0)) })
        for j in queues.indices { queues[j].dirty = false }
        dirtyAgents.removeAll()
        dirtyQueues.removeAll()
        orgChanged = true
    }
}
