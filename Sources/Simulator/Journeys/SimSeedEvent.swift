import Journeys
import SwitchboardCore

/// One event of the seed's journey event stream (docs/simulator.md, "The seed's event stream"), before it is
/// written for a subscription.
struct SimSeedEvent: Sendable, Equatable {
    /// `interaction.created`, `conversation.started`, `conversation.ended`, `transfer.initiated`,
    /// `disposition.completed`.
    let type: String
    let id: String
    /// Business time (epoch ms) of the moment.
    let time: EpochMillis
    let conversationID: String
    /// The customer's id as the contact shows it (nil: none; `filterByCustomerId` drops such events).
    let customerID: String?
    /// `externalContact`, `phone`, `email` or `messaging`.
    let customerIDType: String
    let media: JourneyMedia
    var queueID: String? = nil
    var agentID: String? = nil
    var durationSeconds: Int64? = nil
    var dispositionCode: String? = nil
    var transferMedia: JourneyMedia? = nil
    var transferQueueID: String? = nil

    static let types = ["interaction.created", "conversation.started", "conversation.ended", "transfer.initiated",
                        "disposition.completed"]

    /// The event frame for subscription `subscription`.
    func frame(subscription: String) -> String {
        var w = JSONWriter(capacity: 420)
        w.object { w in
            w.field("type", plain: "event")
            w.field("subscriptionId", plain: subscription)
            w.field("eventId", plain: id)
            w.field("eventType", plain: type)
            w.field("timestamp", time)
            w.object("payload") { w in
                w.field("interactionId", plain: conversationID)
                w.field("conversationId", plain: conversationID)
                if let customerID { w.field("customerId", customerID) }
                w.field("customerIdType", plain: customerIDType)
                w.field("channelType", plain: media.rawValue)
                if let q = queueID { w.field("queueId", plain: q) }
                if let a = agentID { w.field("agentId", plain: a) }
                if let d = durationSeconds { w.field("durationSeconds", d) }
                if let c = dispositionCode { w.field("dispositionCode", c) }
                if transferMedia != nil || transferQueueID != nil {
                    w.object("transferTarget") { w in
                        w.field("channelType", plain: (transferMedia ?? media).rawValue)
                        if let q = transferQueueID { w.field("queueId", plain: q) }
                    }
                }
            }
        }
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

/// Turns an org's detail-event moments into the seed stream's five event types, so a stitcher fed the stream
/// rebuilds the journeys truth (docs/simulator.md, "The seed's event stream"):
///
/// | moment | event |
/// | --- | --- |
/// | the customer's start (`customer.start`) | `interaction.created` |
/// | an agent answers (`user.start`), or is alerted and does not answer (`user.end` `TIMEOUT`: it counts as taken) | `conversation.started` with the agent and queue |
/// | an agent transfers to a queue (`user.end` `TRANSFER` then `acd.start`) | `transfer.initiated` with `transferTarget.queueId` |
/// | the customer is moved to another medium (`customer.end` `TRANSFER`) | `transfer.initiated` with `transferTarget.channelType`, then `conversation.ended` |
/// | the customer's end (`customer.end`) | `conversation.ended` with `durationSeconds` |
/// | a wrap-up (`wrapup`) | `disposition.completed` with the agent and `dispositionCode`; one that comes while the customer is still on the contact (an agent who transferred) is held and sent right after the contact's `conversation.ended` (never, if it never ends): a stitcher ends a contact at its disposition when no end came |
///
/// `acd.start` at the start, `acd.end` and `acw` give nothing (their times coincide with the events above).
struct SimSeedEventTranslator {
    struct Open {
        var deferred: [SimSeedEvent] = []
        var transferAt: EpochMillis?
    }

    let org: String
    private(set) var open: [String: Open] = [:]
    private var order: [String] = []
    private var serial: UInt64 = 0
    /// Contacts remembered at most (a contact that never ends is forgotten after this many newer ones).
    static let capacity = 20_000

    init(org: String) { self.org = org }

    private mutating func nextID() -> String {
        serial += 1
        return "\(org)-evt-\(serial)"
    }

    /// The customer id of a contact: its external contact id when the customer is known, else its address.
    static func customer(_ s: SimDetailSubject) -> (String?, String) {
        if let ext = s.externalContactID, !ext.isEmpty { return (ext, "externalContact") }
        guard !s.address.isEmpty else { return (nil, "phone") }
        let kind = CustomerAddress(inferring: s.address)?.kind ?? .messaging
        switch s.media {
        case .message where s.messageType != "sms": return (s.address, "messaging")
        default: return (s.address, kind.rawValue)
        }
    }

    /// The stream events of one detail moment, in the order they are sent.
    mutating func translate(_ kind: JourneyEvent.Kind, _ s: SimDetailSubject, _ f: SimDetailFields,
                            now: EpochMillis) -> [SimSeedEvent] {
        let (customer, customerType) = Self.customer(s)
        func event(_ type: String) -> SimSeedEvent {
            SimSeedEvent(type: type, id: nextID(), time: now, conversationID: s.conversationID, customerID: customer,
                         customerIDType: customerType, media: s.media)
        }
        let c = s.conversationID
        switch kind {
        case .customerStart:
            remember(c)
            return [event("interaction.created")]
        case .userStart:
            var e = event("conversation.started")
            e.agentID = f.userID
            e.queueID = f.queueID
            return [e]
        case .userEnd:
            if f.disconnectType == "TRANSFER" {
                open[c]?.transferAt = now
            } else if f.disconnectType == "TIMEOUT" {
                var e = event("conversation.started")
                e.agentID = f.userID
                e.queueID = f.queueID
                return [e]
            }
            return []
        case .acdStart:
            guard let at = open[c]?.transferAt, at == now else { return [] }
            open[c]?.transferAt = nil
            var e = event("transfer.initiated")
            e.transferMedia = s.media
            e.transferQueueID = f.queueID
            return [e]
        case .customerEnd:
            var out: [SimSeedEvent] = []
            if f.disconnectType == "TRANSFER" {
                var t = event("transfer.initiated")
                t.transferMedia = f.transferMedia
                out.append(t)
            }
            var e = event("conversation.ended")
            e.durationSeconds = f.durationMs.map { max(0, $0) / 1000 }
            out.append(e)
            if let o = open.removeValue(forKey: c) { out += o.deferred }
            return out
        case .wrapup:
            var e = event("disposition.completed")
            e.agentID = f.userID
            e.queueID = f.queueID
            e.dispositionCode = f.wrapupCode
            if open[c] != nil {
                open[c]?.deferred.append(e)
                return []
            }
            return [e]
        default:
            return []
        }
    }

    private mutating func remember(_ c: String) {
        open[c] = Open()
        order.append(c)
        if order.count > Self.capacity * 2 {
            order.removeAll { open[$0] == nil }
            while order.count > Self.capacity { open[order.removeFirst()] = nil }
        }
    }
}
