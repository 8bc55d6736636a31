import Foundation
import Journeys
import SwitchboardCore

/// The journey generator's flow (docs/simulator.md, "Customer journeys"): customers arrive, contact the org on a
/// medium, wait, are answered by an agent of the queue, are transferred between queues or to another medium,
/// end and are wrapped up (or not), and come back within or after the session timeout. Journey contacts name
/// the queue's agents but do not occupy them: the voice workload, its occupancy and service truth are unchanged.
extension OrgModel {
    /// Schedules the next new customer (Poisson, shaped by the org's local hour like the calls).
    func scheduleNewCustomer() {
        guard let j = journeys else { return }
        let local = now + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(now) / 1000))) * 1000
        let hour = Double((local % 86_400_000 + 86_400_000) % 86_400_000) / 3_600_000
        let rate = j.customersPerSecond(shape: Self.dayShape(localHour: hour))
        guard rate > 0 else { return }
        heap.push(now + j.rng.exponentialMillis(meanSeconds: 1 / rate), .journey(.newCustomer))
    }

    func performJourney(_ action: SimJourneyAction) {
        guard let j = journeys else { return }
        switch action {
        case .newCustomer:
            scheduleNewCustomer()
            let serial = j.nextCustomer
            j.nextCustomer += 1
            let customer = SimCustomer.make(serial: serial, country: j.country, rng: &j.rng, usedPhones: &j.usedPhones)
            j.customers[serial] = customer
            j.generated.customers += 1
            let media = customer.media[j.rng.int(0...(customer.media.count - 1))]
            journeyBegin(customer: serial, media: media, queue: nil)
        case .begin(let customer, let media, let queue):
            if let n = j.pendingBegins[customer] { j.pendingBegins[customer] = n > 1 ? n - 1 : nil }
            journeyBegin(customer: customer, media: media, queue: queue >= 0 ? queue : nil)
        case .answer(let c): journeyAnswer(c)
        case .queueTransfer(let c): journeyQueueTransfer(c)
        case .end(let c, let target): journeyEnd(c, transferTo: target)
        case .abandon(let c): journeyAbandon(c)
        case .wrapup(let c, let p): journeyWrapup(c, participant: p)
        }
    }

    /// A queue drawn by the queues' weights.
    func journeyPickQueue(excluding: Int? = nil) -> Int {
        guard let j = journeys else { return 0 }
        let candidates = queues.indices.filter { $0 != excluding }
        guard !candidates.isEmpty else { return excluding ?? 0 }
        let total = candidates.reduce(0) { $0 + queues[$1].weight }
        var x = j.rng.unit() * total
        for q in candidates {
            x -= queues[q].weight
            if x < 0 { return q }
        }
        return candidates.last!
    }

    /// An agent of queue `q` to take a journey contact: one on queue if any, else any member, else anyone.
    func journeyPickAgent(_ q: Int) -> Int {
        guard let j = journeys else { return 0 }
        let members = queues[q].members
        let onQueue = members.filter { agents[$0].presence == .onQueue }
        let pool = !onQueue.isEmpty ? onQueue : !members.isEmpty ? members : Array(agents.indices)
        return pool[j.rng.int(0...(pool.count - 1))]
    }

    // MARK: - Steps

    func journeyBegin(customer serial: Int, media: JourneyMedia, queue: Int?) {
        guard let j = journeys, var customer = j.customers[serial] else { return }
        let (address, messageType) = customer.address(for: media, &j.rng)
        let identity = customer.identity(address: address)
        if customer.key.isEmpty { customer.key = j.key(identity) }
        customer.contacts += 1
        customer.active += 1
        customer.lastEventAt = now
        j.customers[serial] = customer
        let q = queue ?? journeyPickQueue()
        let c = j.nextConversation
        j.nextConversation += 1
        let lagged = media != .voice && j.reorderFaults > 0
        if lagged {
            j.reorderFaults -= 1
            j.generated.reordered += 1
        }
        let subjects = ["Order status", "Billing question", "Change of address", "Complaint", "Cancel my plan"]
        var conv = SimJourneyConversation(
            serial: c, id: j.rng.uuid(), customer: serial, media: media, start: now, address: address,
            externalContactID: customer.externalContactID, messageType: messageType,
            subject: media == .email ? subjects[j.rng.int(0...(subjects.count - 1))] : nil,
            callbackScheduledAt: nil, queue: q,
            participants: [
                SimJourneyParticipant(id: j.rng.uuid(), kind: .customer, communicationID: j.rng.uuid(), connected: now,
                                      state: "connected"),
                SimJourneyParticipant(id: j.rng.uuid(), kind: .acd, queue: q, communicationID: j.rng.uuid(),
                                      connected: now, state: "connected"),
            ], lagged: lagged)
        let wait = j.waitBeforeAnswer(media)
        if media == .callback { conv.callbackScheduledAt = now + wait }
        j.conversations[c] = conv
        j.generated.contacts += 1
        j.generated.byMedia[media.rawValue, default: 0] += 1
        j.truth.begin(conversation: conv.id, key: customer.key, media: media, at: now, source: "customer")
        publishJourney(conv)
        emitJourneyDetail(.customerStart, conv, participant: 0)
        emitJourneyDetail(.acdStart, conv, participant: 1)
        let roll = j.rng.unit()
        if roll < 0.02 {
            journeyGiveUp(c)  // never answered, never ended: waits forever
        } else if roll < 0.08 && media != .email && media != .callback {
            heap.push(now + j.gap(15, 120), .journey(.abandon(conversation: c)))
        } else {
            heap.push(now + wait, .journey(.answer(conversation: c)))
        }
    }

    func journeyAnswer(_ c: Int) {
        guard let j = journeys, var conv = j.conversations[c], let acd = conv.waitingACD else { return }
        let q = conv.queue
        let a = journeyPickAgent(q)
        conv.participants[acd].end = now
        conv.participants[acd].state = "disconnected"
        conv.participants[acd].disconnectType = "transfer"
        conv.participants.append(SimJourneyParticipant(
            id: j.rng.uuid(), kind: .agent, queue: q, agent: a, communicationID: j.rng.uuid(), connected: now,
            state: "connected"))
        j.conversations[c] = conv
        j.truth.event(conversation: conv.id, at: now, .init(agent: true))
        touchCustomer(conv.customer)
        publishJourney(conv)
        emitJourneyDetail(.acdEnd, conv, participant: acd, disconnectType: "TRANSFER", acdOutcome: "ANSWERED", answeredBy: a)
        emitJourneyDetail(.userStart, conv, participant: conv.participants.count - 1)
        let roll = j.rng.unit()
        let allowed = j.customers[conv.customer]?.media ?? []
        let targets = SimJourneyWorkload.transferTargets(from: conv.media, allowed: allowed)
        let legs = conv.participants.filter { $0.kind == .agent }.count
        if roll < 0.03 {
            journeyGiveUp(c)  // talking, then nothing more: the contact never ends
        } else if roll < 0.13 && queues.count > 1 && legs < 3 {
            heap.push(now + j.handling(conv.media) / 2, .journey(.queueTransfer(conversation: c)))
        } else if roll < 0.28 && !targets.isEmpty {
            let target = targets[j.rng.int(0...(targets.count - 1))]
            heap.push(now + j.handling(conv.media), .journey(.end(conversation: c, transferTo: target)))
        } else {
            heap.push(now + j.handling(conv.media), .journey(.end(conversation: c, transferTo: nil)))
        }
    }

    func journeyQueueTransfer(_ c: Int) {
        guard let j = journeys, var conv = j.conversations[c], let p = conv.connectedAgent else { return }
        let target = journeyPickQueue(excluding: conv.queue)
        conv.participants[p].end = now
        conv.participants[p].state = "disconnected"
        conv.participants[p].disconnectType = "transfer"
        startAfterCallWork(&conv, participant: p)
        conv.queue = target
        conv.recentTransfers += 1
        conv.participants.append(SimJourneyParticipant(
            id: j.rng.uuid(), kind: .acd, queue: target, communicationID: j.rng.uuid(), connected: now,
            state: "connected"))
        j.conversations[c] = conv
        j.generated.queueTransfers += 1
        j.truth.event(conversation: conv.id, at: now)
        touchCustomer(conv.customer)
        publishJourney(conv)
        emitJourneyDetail(.userEnd, conv, participant: p, disconnectType: "TRANSFER")
        emitJourneyDetail(.acdStart, conv, participant: conv.participants.count - 1)
        heap.push(now + j.waitBeforeAnswer(conv.media == .callback ? .voice : conv.media),
                  .journey(.answer(conversation: c)))
    }

    func journeyEnd(_ c: Int, transferTo target: JourneyMedia?) {
        guard let j = journeys, var conv = j.conversations[c] else { return }
        let byAgent = target != nil || j.rng.chance(0.5)
        let agentType = target != nil ? "transfer" : byAgent ? "client" : "peer"
        let customerType = target != nil ? "transfer" : byAgent ? "peer" : "client"
        var agentLeg: Int?
        if let p = conv.connectedAgent {
            conv.participants[p].end = now
            conv.participants[p].state = "disconnected"
            conv.participants[p].disconnectType = agentType
            startAfterCallWork(&conv, participant: p)
            agentLeg = p
        }
        conv.participants[0].end = now
        conv.participants[0].state = "disconnected"
        conv.participants[0].disconnectType = customerType
        conv.customerEnded = true
        j.conversations[c] = conv
        j.truth.event(conversation: conv.id, at: now, .init(ends: true))
        touchCustomer(conv.customer)
        publishJourney(conv)
        if let p = agentLeg { emitJourneyDetail(.userEnd, conv, participant: p, disconnectType: agentType.uppercased()) }
        emitJourneyDetail(.customerEnd, conv, participant: 0, disconnectType: customerType.uppercased(),
                          transferMedia: target)
        if let target {
            j.generated.mediaTransfers += 1
            j.pendingBegins[conv.customer, default: 0] += 1
            heap.push(now + j.gap(1, 15), .journey(.begin(customer: conv.customer, media: target,
                                                          queue: journeyPickQueue())))
        }
        if conv.pendingWrapups == 0 { journeyContactDone(c) }
    }

    func journeyAbandon(_ c: Int) {
        guard let j = journeys, var conv = j.conversations[c], let acd = conv.waitingACD else { return }
        conv.participants[acd].end = now
        conv.participants[acd].state = "disconnected"
        conv.participants[acd].disconnectType = "peer"
        conv.participants[0].end = now
        conv.participants[0].state = "disconnected"
        conv.participants[0].disconnectType = "client"
        conv.customerEnded = true
        j.conversations[c] = conv
        j.generated.abandonedInQueue += 1
        j.truth.event(conversation: conv.id, at: now, .init(ends: true))
        touchCustomer(conv.customer)
        publishJourney(conv)
        emitJourneyDetail(.acdEnd, conv, participant: acd, disconnectType: "PEER", acdOutcome: "ABANDON")
        emitJourneyDetail(.customerEnd, conv, participant: 0, disconnectType: "CLIENT")
        if conv.pendingWrapups == 0 { journeyContactDone(c) }
    }

    func journeyWrapup(_ c: Int, participant p: Int) {
        guard let j = journeys, var conv = j.conversations[c], p < conv.participants.count else { return }
        conv.participants[p].acwEnd = now
        conv.participants[p].state = SimJourneyConversation.finalState(conv.media)
        conv.pendingWrapups -= 1
        j.conversations[c] = conv
        j.truth.event(conversation: conv.id, at: now, .init(agent: true, disposition: true))
        touchCustomer(conv.customer)
        publishJourney(conv)
        emitJourneyDetail(.acw, conv, participant: p)
        emitJourneyDetail(.wrapup, conv, participant: p)
        if conv.customerEnded && conv.pendingWrapups == 0 { journeyContactDone(c) }
    }

    /// An agent leg enters after-call work; its wrap-up is scheduled unless it goes missing (8 %, or the
    /// `journey-missing-disposition` fault). The draws are the same either way, so a fault changes nothing else.
    private func startAfterCallWork(_ conv: inout SimJourneyConversation, participant p: Int) {
        guard let j = journeys else { return }
        conv.participants[p].acwStart = now
        let missing = j.rng.chance(0.08)
        let acw = j.gap(10, 60)
        conv.participants[p].wrapupCode = OrgModel.wrapupCodes[j.rng.int(0...(OrgModel.wrapupCodes.count - 1))]
        if j.missingDispositionFaults > 0 || missing {
            if j.missingDispositionFaults > 0 { j.missingDispositionFaults -= 1 }
            conv.participants[p].wrapupMissing = true
            conv.participants[p].wrapupCode = nil
            j.generated.missingDisposition += 1
            return
        }
        conv.pendingWrapups += 1
        heap.push(now + acw, .journey(.wrapup(conversation: conv.serial, participant: p)))
    }

    /// The contact stops here without an end: nothing more will happen on it.
    private func journeyGiveUp(_ c: Int) {
        journeys?.generated.neverEnded += 1
        journeyContactDone(c)
    }

    private func touchCustomer(_ serial: Int) {
        journeys?.customers[serial]?.lastEventAt = now
    }

    /// Nothing more will happen on the contact: forget it; once none of the customer's contacts is left
    /// and none is on its way, decide whether the customer comes back, within the session timeout (a
    /// quarter to a half of it after the last event) or after it (past the timeout and the idle grace by a
    /// half to one and a half timeouts), so no return falls near a threshold of the rules.
    func journeyContactDone(_ c: Int) {
        guard let j = journeys, let conv = j.conversations.removeValue(forKey: c),
              var customer = j.customers[conv.customer] else { return }
        customer.active -= 1
        j.customers[conv.customer] = customer
        guard customer.active == 0, j.pendingBegins[conv.customer] == nil else { return }
        let chances = [0.6, 0.5, 0.35, 0.25, 0.15]
        guard customer.contacts <= chances.count, j.rng.chance(chances[customer.contacts - 1]) else {
            j.customers[conv.customer] = nil
            return
        }
        let timeout = j.options.sessionTimeout, grace = j.options.idleGrace
        let within = j.rng.chance(0.65)
        let gap: EpochMillis
        if within {
            gap = timeout / 20 + EpochMillis(Double(timeout * 45 / 100) * j.rng.unit())
            j.generated.returnsWithin += 1
        } else {
            gap = timeout + grace + timeout / 2 + EpochMillis(Double(timeout) * j.rng.unit())
            j.generated.returnsAfter += 1
        }
        let others = customer.media.filter { $0 != conv.media }
        let media = !others.isEmpty && j.rng.chance(0.7) ? others[j.rng.int(0...(others.count - 1))]
            : customer.media[j.rng.int(0...(customer.media.count - 1))]
        j.pendingBegins[conv.customer, default: 0] += 1
        heap.push(now + gap, .journey(.begin(customer: conv.customer, media: media, queue: -1)))
    }
}
