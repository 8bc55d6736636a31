import Foundation
import SwitchboardCore

/// The call flow: arrive, wait, offer, answer, hold, transfer, disconnect, wrap up (ACW).
extension OrgModel {
    /// The org-wide call rate (calls per second) at business time `t`, shaped by the org's local hour
    /// so that peak occupancy sits around 85 %.
    func callsPerSecond(at t: EpochMillis) -> Double {
        let local = t + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1000))) * 1000
        let hour = Double((local % 86_400_000 + 86_400_000) % 86_400_000) / 3_600_000
        // ≈ 77 % of agents are on queue; the mean handle time is ≈ 220 s.
        return Self.dayShape(localHour: hour) * Double(agents.count) * 0.77 * 0.88 / 220
    }

    /// The business day's load curve (1 at the busiest hours) by local hour (0 ≤ hour < 24): the call rate
    /// and the demo's back-fill (``SimBackfill``) follow it.
    static func dayShape(localHour hour: Double) -> Double {
        switch hour {
        case ..<7: 0.55
        case ..<9: 0.55 + 0.45 * (hour - 7) / 2
        case ..<17: 1.0
        case ..<20: 1.0 - 0.35 * (hour - 17) / 3
        default: 0.6
        }
    }

    /// Demo load: the first queue of each org at 6× its calls for minutes 0–2 of every ten (business time) —
    /// about half again the org's load — which builds queues, long waits and a breached service level, then
    /// drains.
    static func demoFactor(queue q: Int, at t: EpochMillis) -> Double {
        q == 0 && (t / 60_000) % 10 < 3 ? 6 : 1
    }

    func scheduleArrival(_ q: Int) {
        let total = queues.reduce(0) { $0 + $1.weight }
        var rate = callsPerSecond(at: now) * queues[q].weight / max(total, 0.0001)
        if demoLoad { rate *= Self.demoFactor(queue: q, at: now) }
        heap.push(now + rng.exponentialMillis(meanSeconds: 1 / max(rate, 1e-6)), .arrival(queue: q))
    }

    func arrival(_ q: Int) {
        scheduleArrival(q)
        let c = nextConversation
        nextConversation += 1
        let phone = "tel:+1555\(rng.int(1_000_000...9_999_999))"
        var customer = Participant(
            id: rng.uuid(), kind: .customer, queue: q, agent: nil, communicationID: rng.uuid(), start: now,
            connected: now, end: nil, state: "connected")
        customer.attributes = [("segment", rng.chance(0.2) ? "gold" : "standard"), ("language", "en-US")]
        if rng.chance(largeSnapshotRate) {
            // Long attribute maps: some snapshots exceed 16 KiB, so clients must allow large frames.
            for i in 0..<220 { customer.attributes.append(("crm.field\(i)", "value-\(i)-\(rng.uuid())")) }
        }
        let acd = Participant(
            id: rng.uuid(), kind: .acd, queue: q, agent: nil, communicationID: rng.uuid(), start: now,
            connected: now, end: nil, state: "connected")
        let conv = Conversation(
            id: rng.uuid(), start: now, queue: q, participants: [customer, acd], waitingSince: now,
            customerAddress: phone)
        conversations[c] = conv
        recordOffered(q)
        callJourneyArrival(c)
        enqueue(c, in: q, atHead: false)
        tryDispatch(q)
    }

    func enqueue(_ c: Int, in q: Int, atHead: Bool) {
        guard var conv = conversations[c] else { return }
        conv.epoch &+= 1
        if conv.waitingSince == nil {
            conv.waitingSince = now
            recordOffered(q)
        }
        conversations[c] = conv
        if atHead { queues[q].waiting.insert(c, at: 0) } else { queues[q].waiting.append(c) }
        queues[q].dirtyConversations = true
        heap.push(now + callerPatience(), .abandon(conversation: c, epoch: conv.epoch))
    }

    func abandon(_ c: Int, epoch: UInt32) {
        guard var conv = conversations[c], conv.epoch == epoch, conv.waitingSince != nil,
            let i = queues[conv.queue].waiting.firstIndex(of: c)
        else { return }
        queues[conv.queue].waiting.remove(at: i)
        queues[conv.queue].dirtyConversations = true
        if let since = conv.waitingSince { recordWaitEnded(conv.queue, since: since, answered: false) }
        conv.waitingSince = nil
        conv.finished = true
        recordAudio(c, .ended)
        for p in conv.participants.indices where conv.participants[p].end == nil {
            conv.participants[p].end = now
            conv.participants[p].state = "disconnected"
            conv.participants[p].disconnectType = conv.participants[p].kind == .customer ? "peer" : "client"
        }
        conversations[c] = conv
        callJourneyAbandon(c, acdParticipant: conv.participants.lastIndex { $0.kind == .acd && $0.end == now })
        if conv.participants.contains(where: { $0.kind == .agent && $0.acwStart != nil && $0.acwEnd == nil }) {
            publishConversation(c)  // a transferring agent still in ACW sees the caller leave
        } else {
            retire(c)
        }
    }

    /// Offers waiting calls of `q` to its longest-idle free members.
    func tryDispatch(_ q: Int) {
        while let c = queues[q].waiting.first {
            var best: Int?
            var bestSince = EpochMillis.max
            for a in queues[q].members {
                let agent = agents[a]
                guard agent.phase == .free, agent.routing == .idle, agent.presence == .onQueue, !agent.presenceDue
                else { continue }
                if agent.idleSince < bestSince {
                    best = a
                    bestSince = agent.idleSince
                }
            }
            guard let a = best else { return }
            offer(c, to: a)
        }
    }

    /// An agent became free: take the longest-waiting call of its queues, or change presence if due.
    func agentFree(_ a: Int) {
        if agents[a].presenceDue {
            agents[a].presenceDue = false
            heap.push(now, .presenceDue(agent: a, epoch: agents[a].presenceEpoch))
            return
        }
        guard agents[a].phase == .free, agents[a].routing == .idle else { return }
        var pick: (q: Int, c: Int, since: EpochMillis)?
        for q in agents[a].queues {
            guard let c = queues[q].waiting.first, let since = conversations[c]?.waitingSince else { continue }
            if pick == nil || since < pick!.since { pick = (q, c, since) }
        }
        if let pick { offer(pick.c, to: a) }
    }

    func offer(_ c: Int, to a: Int) {
        guard var conv = conversations[c] else { return }
        let q = conv.queue
        if let i = queues[q].waiting.firstIndex(of: c) { queues[q].waiting.remove(at: i) }
        conv.epoch &+= 1
        queues[q].alerting += 1
        queues[q].dirtyConversations = true
        conv.participants.append(Participant(
            id: rng.uuid(), kind: .agent, queue: q, agent: a, communicationID: rng.uuid(), start: now,
            connected: nil, end: nil, state: "alerting"))
        conversations[c] = conv
        agents[a].callEpoch &+= 1
        agents[a].phase = .alerting
        agents[a].conversation = c
        publishConversation(c)
        let epoch = agents[a].callEpoch
        if rng.chance(0.03) {
            heap.push(now + rng.millis(8, 12), .ringTimeout(agent: a, epoch: epoch))
        } else {
            heap.push(now + rng.millis(2, 6), .answer(agent: a, epoch: epoch))
        }
    }

    /// Index of agent `a`'s live participant in conversation `c`.
    func agentParticipant(_ c: Int, _ a: Int) -> Int? {
        conversations[c]?.participants.lastIndex { $0.kind == .agent && $0.agent == a }
    }

    func answer(_ a: Int) {
        guard let c = agents[a].conversation, var conv = conversations[c], let p = agentParticipant(c, a) else { return }
        let q = conv.queue
        queues[q].alerting -= 1
        queues[q].interacting += 1
        queues[q].dirtyConversations = true
        if let since = conv.waitingSince { recordWaitEnded(q, since: since, answered: true) }
        conv.waitingSince = nil
        conv.participants[p].state = "connected"
        conv.participants[p].connected = now
        // The ACD leg ends when an agent answers.
        if let acd = conv.participants.lastIndex(where: { $0.kind == .acd && $0.end == nil }) {
            conv.participants[acd].end = now
            conv.participants[acd].state = "disconnected"
            conv.participants[acd].disconnectType = "transfer"
        }
        conversations[c] = conv
        callJourneyAnswer(c, agentParticipant: p)
        agents[a].phase = .talking
        setState(a, presence: nil, routing: .interacting)
        publishConversation(c)
        recordAudioConnected(c)
        let epoch = agents[a].callEpoch
        let talk = 30_000 + rng.exponentialMillis(meanSeconds: 150)
        var hold: Int64 = 0
        if rng.chance(0.3) {
            hold = rng.millis(10, 60)
            let holdAt = now + talk * 2 / 5
            heap.push(holdAt, .holdStart(agent: a, epoch: epoch))
            heap.push(holdAt + hold, .holdEnd(agent: a, epoch: epoch))
        }
        heap.push(now + talk + hold, .talkEnd(agent: a, epoch: epoch))
    }

    func ringTimeout(_ a: Int) {
        guard let c = agents[a].conversation, var conv = conversations[c], let p = agentParticipant(c, a) else { return }
        let q = conv.queue
        queues[q].alerting -= 1
        conv.participants[p].state = "disconnected"
        conv.participants[p].end = now
        conv.participants[p].disconnectType = "timeout"
        conversations[c] = conv
        callJourneyRingTimeout(c, agentParticipant: p)
        publishConversation(c, extraAgents: [a])
        agents[a].conversation = nil
        agents[a].phase = .notResponding
        setState(a, presence: nil, routing: .notResponding)
        heap.push(now + rng.millis(10, 25), .notRespondingEnd(agent: a, epoch: agents[a].callEpoch))
        enqueue(c, in: q, atHead: true)
        tryDispatch(q)
    }

    func setHold(_ a: Int, held: Bool) {
        guard let c = agents[a].conversation, var conv = conversations[c], let p = agentParticipant(c, a) else { return }
        conv.participants[p].held = held
        if held {
            conv.participants[p].heldSince = now
            if conv.participants[p].firstHeldAt == nil { conv.participants[p].firstHeldAt = now }
        } else if let since = conv.participants[p].heldSince {
            conv.participants[p].heldMs += now - since
            conv.participants[p].heldSince = nil
        }
        conversations[c] = conv
        agents[a].phase = held ? .held : .talking
        publishConversation(c)
        recordAudio(c, held ? .paused : .resumed)
    }

    func talkEnd(_ a: Int) {
        guard let c = agents[a].conversation, var conv = conversations[c], let p = agentParticipant(c, a) else { return }
        let q = conv.queue
        queues[q].interacting -= 1
        queues[q].dirtyConversations = true
        let transfer = queues.count > 1 && rng.chance(0.07)
        conv.participants[p].state = "disconnected"
        conv.participants[p].held = false
        if let since = conv.participants[p].heldSince {
            conv.participants[p].heldMs += now - since
            conv.participants[p].heldSince = nil
        }
        conv.participants[p].end = now
        conv.participants[p].wrapupExpected = true
        conv.participants[p].acwStart = now
        var target: Int?
        if transfer {
            var t = rng.int(0...(queues.count - 2))
            if t >= q { t += 1 }
            target = t
            conv.participants[p].disconnectType = "transfer"
            conv.queue = t
            conv.recentTransfers += 1
            conv.participants.append(Participant(
                id: rng.uuid(), kind: .acd, queue: t, agent: nil, communicationID: rng.uuid(), start: now,
                connected: now, end: nil, state: "connected"))
        } else {
            conv.participants[p].disconnectType = rng.chance(0.6) ? "peer" : "client"
            for i in conv.participants.indices where conv.participants[i].end == nil {
                conv.participants[i].end = now
                conv.participants[i].state = "disconnected"
                if conv.participants[i].kind == .customer {
                    conv.participants[i].disconnectType = conv.participants[p].disconnectType == "peer" ? "client" : "peer"
                }
            }
            conv.finished = true
        }
        conversations[c] = conv
        callJourneyTalkEnd(c, agentParticipant: p, transferred: transfer)
        agents[a].phase = .acw
        publishConversation(c)
        recordAudio(c, transfer ? .paused : .ended)
        heap.push(now + rng.millis(10, 50), .acwEnd(agent: a, epoch: agents[a].callEpoch))
        if let target {
            enqueue(c, in: target, atHead: false)
            tryDispatch(target)
        }
    }

    func acwEnd(_ a: Int) {
        if let c = agents[a].conversation, var conv = conversations[c], let p = agentParticipant(c, a) {
            conv.participants[p].acwEnd = now
            conv.participants[p].wrapupCode = OrgModel.wrapupCodes[rng.int(0...(OrgModel.wrapupCodes.count - 1))]
            conv.participants[p].state = "terminated"
            conversations[c] = conv
            callJourneyWrapup(c, agentParticipant: p)
            recordHandled(conv, participant: conv.participants[p], agent: a)
            publishConversation(c, extraAgents: [a])
            let stillOpen = conv.participants.contains { $0.kind == .agent && $0.acwStart != nil && $0.acwEnd == nil }
            if conv.finished && !stillOpen { retire(c) }
        }
        agents[a].conversation = nil
        backToIdle(a)
    }

    /// Back to IDLE on queue after a call, a missed alert or a non-ACD call.
    func backToIdle(_ a: Int) {
        agents[a].phase = .free
        agents[a].idleSince = now
        setState(a, presence: nil, routing: .idle)
        agentFree(a)
    }
}
