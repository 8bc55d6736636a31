import Journeys
import SwitchboardCore

/// Conversation snapshots of generated journey contacts (`QueueConversationEventTopicConversation`): the whole
/// conversation every time, on `v2.routing.queues.{id}.conversations` and the media variant
/// (`.calls`, `.chats`, `.messages`, `.emails`, `.callbacks`) of every queue the conversation was routed
/// through. Journey contacts are not published on the agents' `v2.users.{id}.conversations` (they do not
/// occupy the agents).
extension OrgModel {
    func publishJourney(_ conv: SimJourneyConversation) {
        guard let j = journeys, publishing else { return }
        let m = JourneyMedia.allCases.firstIndex(of: conv.media)!
        var topics: [String] = []
        for q in conv.queuesVisited {
            if wants(queues[q].conversationsTopic) { topics.append(queues[q].conversationsTopic) }
            if wants(j.mediaTopics[q][m]) { topics.append(j.mediaTopics[q][m]) }
        }
        guard !topics.isEmpty else { return }
        let body = journeyConversationBody(conv)
        let tag = SimJourneyTag(conversation: conv.id, customer: conv.customer, media: conv.media, lagged: conv.lagged)
        for t in topics { outbox.append(SimMessage(topic: t, body: body, at: now, tag: tag)) }
    }

    func journeyConversationBody(_ conv: SimJourneyConversation) -> [UInt8] {
        var w = JSONWriter(capacity: 2048)
        w.object { w in
            w.field("id", plain: conv.id)
            w.field("maxParticipants", conv.participants.count)
            w.field("recordingState", "none")
            w.field("address", conv.address)
            w.array("participants") { w in
                for p in conv.participants { writeJourneyParticipant(&w, p, conv) }
            }
            w.array("recentTransfers") { w in
                for _ in 0..<conv.recentTransfers { w.object { w in w.field("state", plain: "complete") } }
            }
            w.array("divisions") { w in
                w.object { w in
                    w.object("division") { w in w.field("id", plain: organizationID) }
                    w.array("entities") { w in w.object { w in w.field("id", plain: conv.id) } }
                }
            }
        }
        return w.bytes
    }

    private func writeJourneyParticipant(_ w: inout JSONWriter, _ p: SimJourneyParticipant,
                                         _ conv: SimJourneyConversation) {
        let customer = journeys?.customers[conv.customer]
        let isCustomer = p.kind == .customer
        let agentAddress = "sip:\(p.id)@localhost"
        w.object { w in
            w.field("id", plain: p.id)
            switch p.kind {
            case .customer: w.field("purpose", plain: "customer")
            case .acd: w.field("purpose", plain: "acd")
            case .agent: w.field("purpose", plain: "agent")
            }
            if let a = p.agent {
                w.field("userId", plain: agents[a].id)
                w.field("name", agents[a].name)
            } else if isCustomer, let customer {
                w.field("name", "\(customer.firstName) \(customer.lastName)")
            }
            if let q = p.queue { w.field("queueId", plain: queues[q].id) }
            w.field("address", isCustomer ? conv.address : agentAddress)
            if isCustomer, let ext = conv.externalContactID { w.field("externalContactId", plain: ext) }
            if let t = p.connected { w.field("connectedTime", time: t) }
            if let t = p.end { w.field("endTime", time: t) }
            if p.kind == .agent {
                w.field("wrapupRequired", true)
                w.field("wrapupExpected", p.acwStart != nil)
                if let code = p.wrapupCode, p.acwEnd != nil {
                    w.object("wrapup") { w in
                        w.field("code", code)
                        w.field("notes", "")
                        w.field("durationSeconds", Int(((p.acwEnd ?? 0) - (p.acwStart ?? 0)) / 1000))
                        w.field("endTime", time: p.acwEnd)
                    }
                }
                if let t = p.acwStart { w.field("startAcwTime", time: t) }
                if let t = p.acwEnd { w.field("endAcwTime", time: t) }
            } else {
                w.field("wrapupRequired", false)
            }
            w.object("attributes") { _ in }
            w.array(SimJourneyConversation.mediaField(conv.media)) { w in
                w.object { w in writeCommunication(&w, p, conv, agentAddress: agentAddress) }
            }
        }
    }

    /// The participant's communication on the contact's medium (`calls[0]`, `chats[0]`, …).
    private func writeCommunication(_ w: inout JSONWriter, _ p: SimJourneyParticipant, _ conv: SimJourneyConversation,
                                    agentAddress: String) {
        let isCustomer = p.kind == .customer
        w.field("id", plain: p.communicationID)
        w.field("state", plain: p.state)
        w.field("held", false)
        switch conv.media {
        case .voice:
            w.field("direction", plain: "inbound")
            w.field("muted", false)
            w.field("recording", false)
            w.field("recordingState", plain: "none")
            w.object("self") { w in w.field("addressNormalized", isCustomer ? conv.address : agentAddress) }
            w.object("other") { w in w.field("addressNormalized", isCustomer ? orgVoiceAddress : conv.address) }
        case .callback:
            w.field("direction", plain: "inbound")
            w.array("callbackNumbers") { w in w.string(conv.address) }
            if let c = journeys?.customers[conv.customer] { w.field("callbackUserName", "\(c.firstName) \(c.lastName)") }
            if let t = conv.callbackScheduledAt { w.field("callbackScheduledTime", time: t) }
        case .chat:
            break
        case .email:
            w.field("direction", plain: "inbound")
            w.field("subject", conv.subject ?? "")
            w.field("messagesSent", isCustomer ? 1 : 0)
        case .message:
            w.field("direction", plain: "inbound")
            w.field("type", plain: conv.messageType ?? "webmessaging")
            let org = conv.messageType == "sms" ? orgVoiceAddress : orgDigitalAddress
            w.object("fromAddress") { w in w.field("addressNormalized", isCustomer ? conv.address : org) }
            w.object("toAddress") { w in w.field("addressNormalized", isCustomer ? org : conv.address) }
        }
        if let t = p.connected { w.field("connectedTime", time: t) }
        if let t = p.end { w.field("disconnectedTime", time: t) }
        if let d = p.disconnectType { w.field("disconnectType", plain: d) }
        w.field("provider", SimJourneyConversation.provider(conv.media))
    }
}
