import Journeys
import SwitchboardCore

/// What every detail event of one conversation carries (the platform's analytics detail events).
struct SimDetailSubject {
    let conversationID: String
    let media: JourneyMedia
    /// The customer's address as the conversation shows it.
    let address: String
    let externalContactID: String?
    /// Messages: `sms` or `webmessaging`.
    let messageType: String?
    let subject: String?
    let callbackScheduledAt: EpochMillis?
    let customerName: String?
    let tag: SimJourneyTag
}

/// One detail event's own fields (beyond the subject's).
struct SimDetailFields {
    var participantID: String
    var sessionID: String
    var queueID: String? = nil
    var userID: String? = nil
    /// Upper case (`PEER`, `TRANSFER`, …).
    var disconnectType: String? = nil
    var acdOutcome: String? = nil
    var answeredUserID: String? = nil
    var wrapupCode: String? = nil
    var wrapupDurationMs: Int64? = nil
    var durationMs: Int64? = nil
    /// `customer.end` of a move to another medium: the medium the customer is moved to (the seed stream's
    /// `transferTarget`; the detail event does not say).
    var transferMedia: JourneyMedia? = nil
}

/// `v2.detail.events.conversation.{id}.<kind>` (customer.start|end, acd.start|end, user.start|end, acw,
/// wrapup): written once, published to the topic's subscribers and collected for EventBridge. Epoch-ms
/// `eventTime`, upper-case enums, the py-models `*DetailEventTopic*Event`.
extension OrgModel {
    /// The detail-event topic of a conversation.
    static func detailTopic(_ conversationID: String, _ kind: JourneyEvent.Kind) -> String {
        "v2.detail.events.conversation.\(conversationID).\(kind.rawValue)"
    }

    /// The org's number callers dial (`dnis`) and the address its digital channels are reached at.
    var orgVoiceAddress: String { "tel:+18005550100" }
    var orgDigitalAddress: String { "contact@\(org).example.com" }

    func emitDetail(_ kind: JourneyEvent.Kind, _ s: SimDetailSubject, _ f: SimDetailFields) {
        guard let j = journeys, publishing else { return }
        j.seedEvents += j.seedTranslator.translate(kind, s, f, now: now)
        let topic = Self.detailTopic(s.conversationID, kind)
        let subscribed = wants(topic)
        guard subscribed || j.eventBridgeOn else { return }
        let body = detailBody(kind, s, f)
        let message = SimMessage(topic: topic, body: body, at: now, tag: s.tag)
        if subscribed { outbox.append(message) }
        j.collectForEventBridge(message)
    }

    func detailBody(_ kind: JourneyEvent.Kind, _ s: SimDetailSubject, _ f: SimDetailFields) -> [UInt8] {
        var w = JSONWriter(capacity: 640)
        w.object { w in
            w.field("eventTime", now)
            w.field("conversationId", plain: s.conversationID)
            w.field("participantId", plain: f.participantID)
            w.field("sessionId", plain: f.sessionID)
            w.field("mediaType", plain: SimJourneyConversation.detailMediaType(s.media))
            w.field("provider", SimJourneyConversation.provider(s.media))
            w.field("direction", plain: "INBOUND")
            switch s.media {
            case .voice, .callback:
                w.field("ani", s.address)
                w.field("dnis", plain: orgVoiceAddress)
            case .message where s.messageType == "sms":
                w.field("ani", s.address)
                w.field("dnis", plain: orgVoiceAddress)
                w.field("addressFrom", s.address)
                w.field("addressTo", plain: orgVoiceAddress)
            case .chat, .email, .message:
                w.field("addressFrom", s.address)
                w.field("addressTo", plain: orgDigitalAddress)
            }
            if s.media == .message { w.field("messageType", plain: s.messageType == "sms" ? "SMS" : "WEBMESSAGING") }
            if let subject = s.subject { w.field("subject", subject) }
            if s.media == .callback {
                w.array("callbackNumbers") { w in w.string(s.address) }
                if let name = s.customerName { w.field("callbackUserName", name) }
                if let t = s.callbackScheduledAt { w.field("callbackScheduledTime", t) }
            }
            if let ext = s.externalContactID, kind == .customerStart || kind == .customerEnd {
                w.field("externalContactId", plain: ext)
            }
            switch kind {
            case .acdStart:
                if let q = f.queueID { w.field("queueId", plain: q) }
                w.field("routingPriority", 0)
                w.array("requestedRoutingSkillIds") { _ in }
            case .acdEnd:
                if let q = f.queueID { w.field("queueId", plain: q) }
                if let d = f.disconnectType { w.field("disconnectType", plain: d) }
                if let o = f.acdOutcome { w.field("acdOutcome", plain: o) }
                if let u = f.answeredUserID { w.field("answeredUserId", plain: u) }
                if let d = f.durationMs { w.field("connectedDurationMs", d) }
                w.field("usedRouting", plain: "STANDARD")
                w.field("routingPriority", 0)
                w.array("requestedRoutingSkillIds") { _ in }
            case .userStart:
                if let u = f.userID { w.field("userId", plain: u) }
                if let q = f.queueID { w.field("queueId", plain: q) }
            case .userEnd:
                if let u = f.userID { w.field("userId", plain: u) }
                if let q = f.queueID { w.field("queueId", plain: q) }
                if let d = f.disconnectType { w.field("disconnectType", plain: d) }
                if let d = f.durationMs { w.field("interactingDurationMs", d) }
                w.field("heldDurationMs", 0)
            case .acw, .wrapup:
                if kind == .acw, let u = f.userID { w.field("userId", plain: u) }
                if let q = f.queueID { w.field("queueId", plain: q) }
                if let code = f.wrapupCode { w.field("wrapupCode", code) }
                w.field("wrapupNotes", "")
                if let d = f.wrapupDurationMs { w.field("wrapupDurationMs", d) }
            case .customerEnd:
                if let d = f.disconnectType { w.field("disconnectType", plain: d) }
                if let d = f.durationMs { w.field("interactingDurationMs", d) }
            default:
                break
            }
            // The after-call work and wrap-up events have no division.
            if kind != .acw && kind != .wrapup { w.field("divisionId", plain: organizationID) }
            if let ext = s.externalContactID {
                w.array("conversationExternalContactIds") { w in w.plain(ext) }
            }
        }
        return w.bytes
    }

    /// A generated conversation's detail event for participant `p`.
    func emitJourneyDetail(_ kind: JourneyEvent.Kind, _ conv: SimJourneyConversation, participant p: Int,
                           disconnectType: String? = nil, acdOutcome: String? = nil, answeredBy: Int? = nil,
                           transferMedia: JourneyMedia? = nil) {
        guard let j = journeys, publishing else { return }
        let part = conv.participants[p]
        let customer = j.customers[conv.customer]
        let subject = SimDetailSubject(
            conversationID: conv.id, media: conv.media, address: conv.address, externalContactID: conv.externalContactID,
            messageType: conv.messageType, subject: conv.subject, callbackScheduledAt: conv.callbackScheduledAt,
            customerName: customer.map { "\($0.firstName) \($0.lastName)" },
            tag: SimJourneyTag(conversation: conv.id, customer: conv.customer, media: conv.media, lagged: conv.lagged))
        var f = SimDetailFields(participantID: part.id, sessionID: part.communicationID)
        f.queueID = part.queue.map { queues[$0].id }
        f.userID = part.agent.map { agents[$0].id }
        f.disconnectType = disconnectType
        f.acdOutcome = acdOutcome
        f.answeredUserID = answeredBy.map { agents[$0].id }
        f.transferMedia = transferMedia
        switch kind {
        case .acdEnd: f.durationMs = now - (part.connected ?? now)
        case .userEnd, .customerEnd: f.durationMs = now - (part.connected ?? now)
        case .acw, .wrapup:
            f.wrapupCode = part.wrapupCode
            f.wrapupDurationMs = (part.acwEnd ?? now) - (part.acwStart ?? now)
        default: break
        }
        emitDetail(kind, subject, f)
    }
}
