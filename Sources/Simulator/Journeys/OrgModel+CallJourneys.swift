import Journeys
import SwitchboardCore

/// The voice workload's calls in an org with journeys: each caller (`tel:+1555…`, one number per call) is a
/// customer too, so its calls are contacts of journeys in the truth; their detail events are published (and
/// pushed to EventBridge), and their snapshots also go to the queues' `.calls` variant. Nothing here draws
/// from the workload's random stream: the calls are the same with journeys on or off.
extension OrgModel {
    private func callSubject(_ conv: Conversation) -> SimDetailSubject {
        SimDetailSubject(conversationID: conv.id, media: .voice, address: conv.customerAddress, externalContactID: nil,
                         messageType: nil, subject: nil, callbackScheduledAt: nil, customerName: nil,
                         tag: SimJourneyTag(conversation: conv.id, customer: -1, media: .voice, lagged: false))
    }

    private func callDetail(_ kind: JourneyEvent.Kind, _ conv: Conversation, participant p: Int,
                            disconnectType: String? = nil, acdOutcome: String? = nil) {
        let part = conv.participants[p]
        var f = SimDetailFields(participantID: part.id, sessionID: part.communicationID)
        f.queueID = part.queue.map { queues[$0].id }
        f.userID = part.agent.map { agents[$0].id }
        f.disconnectType = disconnectType
        f.acdOutcome = acdOutcome
        switch kind {
        case .acdEnd, .userEnd, .customerEnd: f.durationMs = now - (part.connected ?? part.start)
        case .acw, .wrapup:
            f.wrapupCode = part.wrapupCode
            f.wrapupDurationMs = (part.acwEnd ?? now) - (part.acwStart ?? now)
        default: break
        }
        if kind == .acdEnd, acdOutcome == "ANSWERED" {
            f.answeredUserID = conv.participants.last { $0.kind == .agent && $0.end == nil }?.agent.map { agents[$0].id }
        }
        emitDetail(kind, callSubject(conv), f)
    }

    /// A call arrived: customer.start and acd.start; the caller's contact begins. Calls of a `startAt` history
    /// are not in the truth (their later events are ignored): no bridge could have seen their beginning.
    func callJourneyArrival(_ c: Int) {
        guard let j = journeys, publishing, let conv = conversations[c] else { return }
        let key = j.key(CustomerIdentity(addresses: [CustomerAddress(.phone, conv.customerAddress)]))
        j.truth.begin(conversation: conv.id, key: key, media: .voice, at: now, source: "caller")
        callDetail(.customerStart, conv, participant: 0)
        callDetail(.acdStart, conv, participant: 1)
    }

    /// An agent answered: acd.end (answered) and user.start.
    func callJourneyAnswer(_ c: Int, agentParticipant p: Int) {
        guard let j = journeys, let conv = conversations[c] else { return }
        j.truth.event(conversation: conv.id, at: now, .init(agent: true))
        if let acd = conv.participants.lastIndex(where: { $0.kind == .acd && $0.end == now }) {
            callDetail(.acdEnd, conv, participant: acd, disconnectType: "TRANSFER", acdOutcome: "ANSWERED")
        }
        callDetail(.userStart, conv, participant: p)
    }

    /// An alerted agent did not answer: user.end (the agent was offered the call: it counts as taken).
    func callJourneyRingTimeout(_ c: Int, agentParticipant p: Int) {
        guard let j = journeys, let conv = conversations[c] else { return }
        j.truth.event(conversation: conv.id, at: now, .init(agent: true))
        callDetail(.userEnd, conv, participant: p, disconnectType: "TIMEOUT")
    }

    /// Talk ended: user.end, then acd.start in the next queue (a blind transfer) or customer.end.
    func callJourneyTalkEnd(_ c: Int, agentParticipant p: Int, transferred: Bool) {
        guard let j = journeys, let conv = conversations[c] else { return }
        j.truth.event(conversation: conv.id, at: now, .init(ends: !transferred))
        callDetail(.userEnd, conv, participant: p,
                   disconnectType: transferred ? "TRANSFER" : conv.participants[p].disconnectType?.uppercased())
        if transferred {
            callDetail(.acdStart, conv, participant: conv.participants.count - 1)
        } else {
            callDetail(.customerEnd, conv, participant: 0, disconnectType: conv.participants[0].disconnectType?.uppercased())
        }
    }

    /// After-call work ended with a wrap-up code: acw and wrapup.
    func callJourneyWrapup(_ c: Int, agentParticipant p: Int) {
        guard let j = journeys, let conv = conversations[c] else { return }
        j.truth.event(conversation: conv.id, at: now, .init(agent: true, disposition: true))
        callDetail(.acw, conv, participant: p)
        callDetail(.wrapup, conv, participant: p)
    }

    /// The caller left the queue: acd.end (abandoned) and customer.end.
    func callJourneyAbandon(_ c: Int, acdParticipant acd: Int?) {
        guard let j = journeys, let conv = conversations[c] else { return }
        j.truth.event(conversation: conv.id, at: now, .init(ends: true))
        if let acd { callDetail(.acdEnd, conv, participant: acd, disconnectType: "PEER", acdOutcome: "ABANDON") }
        callDetail(.customerEnd, conv, participant: 0, disconnectType: "PEER")
    }
}
