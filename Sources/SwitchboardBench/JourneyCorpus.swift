import Foundation
import Journeys
import SwitchboardCore

/// The journeys scenario's workload (docs/performance.md "journeys"): customers with 2–4 contacts each across
/// media, every contact a queue conversation that goes customer + ACD → agent → end → after-call work → wrap-up
/// (one in four transferred to a second queue and agent first), with a few minutes between a customer's contacts.
///
/// From it: the Notification API's **snapshot frames** (`v2.routing.queues.{id}.conversations`, the whole
/// conversation at every step, on every queue the conversation visited — the shapes of the simulator's
/// `OrgModel.journeyConversationBody`), the **detail events** of the same contacts wrapped as Amazon EventBridge
/// events in batches (the simulator's `SimEventBridgePusher.event` shape), and for the memory figures the
/// ``JourneyEvent``s of a contact built directly.
struct JourneyCorpus {
    static let media: [JourneyMedia] = [.voice, .chat, .message, .email, .callback]
    static let org = "us"
    let customers: Int
    /// Business ms over which customers arrive.
    let arrivalSpan: EpochMillis
    let t0: EpochMillis
    let queues = 40
    let agents = 2000

    /// One timed message (a snapshot frame on a queue topic, or one detail event).
    struct Item {
        var at: EpochMillis
        var topic: String
        var body: [UInt8]
    }

    /// A participant as the snapshot shows it.
    struct Part {
        var id: String
        var purpose: String
        var user: String? = nil
        var queue: String? = nil
        var address: String
        var ext: String? = nil
        var comm: String
        var connected: EpochMillis?
        var end: EpochMillis? = nil
        var state = "connected"
        var disconnectType: String? = nil
        var acwStart: EpochMillis? = nil
        var acwEnd: EpochMillis? = nil
        var wrapup: String? = nil
    }

    func queueID(_ q: Int) -> String { FrameFactory.uuid(0, 2, q) }
    func agentID(_ a: Int) -> String { FrameFactory.uuid(0, 1, a) }

    /// A customer's contact plan: media, start times, durations (deterministic per customer).
    struct Contact {
        var conversation: String
        var media: JourneyMedia
        var start: EpochMillis
        var wait: EpochMillis
        var talk: EpochMillis
        var queue: Int
        var agent: Int
        var transfer: (queue: Int, agent: Int)?
        var address: String
        var ext: String?
    }

    func contacts(of c: Int) -> [Contact] {
        var rng = UInt64(truncatingIfNeeded: c) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ n: Int) -> Int {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return Int(rng % UInt64(n))
        }
        let known = c % 2 == 0
        let phone = "+1555" + String(format: "%07d", c % 10_000_000)
        let email = "customer.\(c)@example.com"
        let ext = known ? FrameFactory.uuid(0, 5, c) : nil
        let count = 2 + c % 3
        var t = t0 + EpochMillis(c) * arrivalSpan / EpochMillis(max(1, customers))
        var out: [Contact] = []
        for k in 0..<count {
            // Phone-only customers use voice, messages (SMS) and callbacks; known ones every medium.
            let media = known ? Self.media[(c + k) % 5] : [JourneyMedia.voice, .message, .callback][(c + k) % 3]
            let address: String
            switch media {
            case .voice: address = "tel:\(phone)"
            case .callback, .message: address = phone
            case .chat, .email: address = email
            }
            let wait = EpochMillis(5_000 + next(40_000)), talk = EpochMillis(60_000 + next(240_000))
            let transfer = (c + k) % 4 == 3 ? (queue: next(queues), agent: next(agents)) : nil
            out.append(Contact(conversation: FrameFactory.uuid(0, 3, c * 4 + k), media: media, start: t, wait: wait,
                               talk: talk, queue: next(queues), agent: next(agents), transfer: transfer,
                               address: address, ext: ext))
            t += wait + talk + 20_000 + EpochMillis(30_000 + next(150_000))
        }
        return out
    }

    // MARK: Snapshot frames

    /// Every snapshot frame of every customer, in time order.
    func snapshotFrames() -> [Item] {
        var out: [Item] = []
        for c in 0..<customers { for contact in contacts(of: c) { snapshots(contact, into: &out) } }
        out.sort { $0.at < $1.at }
        return out
    }

    private func snapshots(_ k: Contact, into out: inout [Item]) {
        let cid = k.conversation
        var parts = [Part(id: "\(cid)-c", purpose: "customer", address: k.address, ext: k.ext, comm: "\(cid)-cc",
                          connected: k.start),
                     Part(id: "\(cid)-q1", purpose: "acd", queue: queueID(k.queue), address: "queue", comm: "\(cid)-qc1",
                          connected: k.start)]
        var visited = [queueID(k.queue)]
        func emit(_ at: EpochMillis) {
            let body = conversationBody(k, parts)
            for q in visited {
                let topic = "v2.routing.queues.\(q).conversations"
                var frame = Array(#"{"topicName":"\#(topic)","version":"2","eventBody":"#.utf8)
                frame += body
                frame += Array(#","metadata":{"CorrelationId":"\#(cid)-\#(at)"}}"#.utf8)
                out.append(Item(at: at, topic: topic, body: frame))
            }
        }
        emit(k.start)
        var t = k.start + k.wait
        parts[1].end = t
        parts[1].state = "disconnected"
        parts[1].disconnectType = "transfer"
        parts.append(Part(id: "\(cid)-a1", purpose: "agent", user: agentID(k.agent), queue: queueID(k.queue),
                          address: "sip:\(agentID(k.agent))@localhost", comm: "\(cid)-ac1", connected: t))
        emit(t)
        if let tr = k.transfer {
            t += k.talk / 2
            let a = parts.count - 1
            parts[a].end = t
            parts[a].state = "disconnected"
            parts[a].disconnectType = "transfer"
            parts[a].acwStart = t
            parts.append(Part(id: "\(cid)-q2", purpose: "acd", queue: queueID(tr.queue), address: "queue",
                              comm: "\(cid)-qc2", connected: t))
            visited.append(queueID(tr.queue))
            emit(t)
            parts[a].acwEnd = t + 10_000
            parts[a].wrapup = "transferred"
            parts[a].state = "terminated"
            t += 8_000
            parts[parts.count - 1].end = t
            parts[parts.count - 1].state = "disconnected"
            parts.append(Part(id: "\(cid)-a2", purpose: "agent", user: agentID(tr.agent), queue: queueID(tr.queue),
                              address: "sip:\(agentID(tr.agent))@localhost", comm: "\(cid)-ac2", connected: t))
            emit(t)
            t += k.talk / 2
        } else {
            t += k.talk
        }
        let a = parts.count - 1
        parts[0].end = t
        parts[0].state = "disconnected"
        parts[0].disconnectType = "peer"
        parts[a].end = t
        parts[a].state = "disconnected"
        parts[a].disconnectType = "peer"
        parts[a].acwStart = t
        emit(t)
        t += 20_000
        parts[a].acwEnd = t
        parts[a].wrapup = "resolved"
        parts[a].state = k.media == .email || k.media == .message ? "disconnected" : "terminated"
        emit(t)
    }

    /// The conversation body as the simulator writes it (`OrgModel.journeyConversationBody`).
    func conversationBody(_ k: Contact, _ parts: [Part]) -> [UInt8] {
        var s = #"{"id":"\#(k.conversation)","maxParticipants":\#(parts.count),"recordingState":"none","address":"\#(k.address)","participants":["#
        for (i, p) in parts.enumerated() {
            if i > 0 { s += "," }
            s += #"{"id":"\#(p.id)","purpose":"\#(p.purpose)""#
            if let u = p.user { s += #","userId":"\#(u)","name":"Agent \#(u.prefix(8))""# }
            if p.purpose == "customer" { s += #","name":"Customer Name""# }
            if let q = p.queue { s += #","queueId":"\#(q)""# }
            s += #","address":"\#(p.address)""#
            if let x = p.ext { s += #","externalContactId":"\#(x)""# }
            if let t = p.connected { s += #","connectedTime":"\#(Timestamp.format(t))""# }
            if let t = p.end { s += #","endTime":"\#(Timestamp.format(t))""# }
            if p.purpose == "agent" {
                s += #","wrapupRequired":true,"wrapupExpected":\#(p.acwStart != nil)"#
                if let code = p.wrapup, let e = p.acwEnd {
                    s += #","wrapup":{"code":"\#(code)","notes":"","durationSeconds":\#((e - (p.acwStart ?? e)) / 1000),"endTime":"\#(Timestamp.format(e))"}"#
                }
                if let t = p.acwStart { s += #","startAcwTime":"\#(Timestamp.format(t))""# }
                if let t = p.acwEnd { s += #","endAcwTime":"\#(Timestamp.format(t))""# }
            } else {
                s += #","wrapupRequired":false"#
            }
            s += #","attributes":{},"\#(Self.mediaField(k.media))":[{"id":"\#(p.comm)","state":"\#(p.state)","held":false"#
            let isCustomer = p.purpose == "customer"
            switch k.media {
            case .voice:
                s += #","direction":"inbound","muted":false,"recording":false,"recordingState":"none","self":{"addressNormalized":"\#(p.address)"},"other":{"addressNormalized":"\#(isCustomer ? "tel:+18005550100" : k.address)"}"#
            case .callback:
                s += #","direction":"inbound","callbackNumbers":["\#(k.address)"],"callbackUserName":"Customer Name""#
            case .chat:
                break
            case .email:
                s += #","direction":"inbound","subject":"My order","messagesSent":\#(isCustomer ? 1 : 0)"#
            case .message:
                s += #","direction":"inbound","type":"sms","fromAddress":{"addressNormalized":"\#(isCustomer ? k.address : "+18005550100")"},"toAddress":{"addressNormalized":"\#(isCustomer ? "+18005550100" : k.address)"}"#
            }
            if let t = p.connected { s += #","connectedTime":"\#(Timestamp.format(t))""# }
            if let t = p.end { s += #","disconnectedTime":"\#(Timestamp.format(t))""# }
            if let d = p.disconnectType { s += #","disconnectType":"\#(d)""# }
            s += #","provider":"\#(Self.provider(k.media))"}]}"#
        }
        s += #"],"recentTransfers":[],"divisions":[{"division":{"id":"division-1"},"entities":[{"id":"\#(k.conversation)"}]}]}"#
        return Array(s.utf8)
    }

    static func mediaField(_ m: JourneyMedia) -> String {
        switch m {
        case .voice: "calls"
        case .chat: "chats"
        case .message: "messages"
        case .email: "emails"
        case .callback: "callbacks"
        }
    }

    static func provider(_ m: JourneyMedia) -> String {
        switch m {
        case .voice: "Edge"
        case .chat: "PureCloud Webchat v2"
        case .message: "PureCloud Messaging"
        case .email: "PureCloud Email"
        case .callback: "PureCloud"
        }
    }

    // MARK: EventBridge batches

    /// The contacts' detail events as EventBridge events, `batch` per body in time order (the batch's time is
    /// its last event's).
    func eventBridgeBodies(batch: Int) -> [Item] {
        var events: [Item] = []
        for c in 0..<customers { for k in contacts(of: c) { detailEvents(k, into: &events) } }
        events.sort { $0.at < $1.at }
        var out: [Item] = []
        var i = 0
        while i < events.count {
            let slice = events[i..<min(i + batch, events.count)]
            var body: [UInt8] = [UInt8(ascii: "[")]
            for (n, e) in slice.enumerated() {
                if n > 0 { body.append(UInt8(ascii: ",")) }
                body += e.body
            }
            body.append(UInt8(ascii: "]"))
            out.append(Item(at: slice.last!.at, topic: "", body: body))
            i += batch
        }
        return out
    }

    private func detailEvents(_ k: Contact, into out: inout [Item]) {
        let mt = ["VOICE", "CHAT", "MESSAGE", "EMAIL", "CALLBACK"][Self.media.firstIndex(of: k.media)!]
        var serial = 0
        func emit(_ kind: String, _ at: EpochMillis, participant: String, extra: String) {
            serial += 1
            let topic = "v2.detail.events.conversation.\(k.conversation).\(kind)"
            let id = "\(k.conversation)-\(serial)"
            var body = #"{"eventTime":\#(at),"conversationId":"\#(k.conversation)","participantId":"\#(participant)","sessionId":"\#(participant)-s","mediaType":"\#(mt)","provider":"\#(Self.provider(k.media))","direction":"INBOUND""#
            switch k.media {
            case .voice, .callback, .message: body += #","ani":"\#(k.address)","dnis":"tel:+18005550100""#
            case .chat, .email: body += #","addressFrom":"\#(k.address)","addressTo":"contact@us.example.com""#
            }
            if let x = k.ext, kind.hasPrefix("customer") { body += #","externalContactId":"\#(x)""# }
            body += extra
            if kind != "acw" && kind != "wrapup" { body += #","divisionId":"division-1""# }
            if let x = k.ext { body += #","conversationExternalContactIds":["\#(x)"]"# }
            body += "}"
            let second = Timestamp.format(at - at % 1000).replacingOccurrences(of: ".000Z", with: "Z")
            let event = #"{"version":"0","id":"\#(id)","detail-type":"v2.detail.events.conversation.{id}.\#(kind)","source":"aws.partner/genesys.com/cloud/org-1/switchboard","account":"000000000000","time":"\#(second)","region":"us-east-1","resources":[],"detail":{"topicName":"\#(topic)","version":"2","eventBody":\#(body),"metadata":{"CorrelationId":"\#(id)"},"timestamp":"\#(Timestamp.format(at))"}}"#
            out.append(Item(at: at, topic: topic, body: Array(event.utf8)))
        }
        let cid = k.conversation
        emit("customer.start", k.start, participant: "\(cid)-c", extra: "")
        emit("acd.start", k.start, participant: "\(cid)-q1",
             extra: #","queueId":"\#(queueID(k.queue))","routingPriority":0,"requestedRoutingSkillIds":[]"#)
        var t = k.start + k.wait
        emit("acd.end", t, participant: "\(cid)-q1",
             extra: #","queueId":"\#(queueID(k.queue))","disconnectType":"TRANSFER","acdOutcome":"ANSWERED","answeredUserId":"\#(agentID(k.agent))","usedRouting":"STANDARD","routingPriority":0,"requestedRoutingSkillIds":[]"#)
        var agent = (id: agentID(k.agent), queue: queueID(k.queue), p: "\(cid)-a1")
        emit("user.start", t, participant: agent.p, extra: #","userId":"\#(agent.id)","queueId":"\#(agent.queue)""#)
        if let tr = k.transfer {
            t += k.talk / 2
            emit("user.end", t, participant: agent.p,
                 extra: #","userId":"\#(agent.id)","queueId":"\#(agent.queue)","disconnectType":"TRANSFER","interactingDurationMs":\#(k.talk / 2),"heldDurationMs":0"#)
            emit("acd.start", t, participant: "\(cid)-q2",
                 extra: #","queueId":"\#(queueID(tr.queue))","routingPriority":0,"requestedRoutingSkillIds":[]"#)
            emit("wrapup", t + 10_000, participant: agent.p,
                 extra: #","queueId":"\#(agent.queue)","wrapupCode":"transferred","wrapupNotes":"","wrapupDurationMs":10000"#)
            t += 8_000
            emit("acd.end", t, participant: "\(cid)-q2",
                 extra: #","queueId":"\#(queueID(tr.queue))","disconnectType":"TRANSFER","acdOutcome":"ANSWERED","usedRouting":"STANDARD","routingPriority":0,"requestedRoutingSkillIds":[]"#)
            agent = (agentID(tr.agent), queueID(tr.queue), "\(cid)-a2")
            emit("user.start", t, participant: agent.p, extra: #","userId":"\#(agent.id)","queueId":"\#(agent.queue)""#)
            t += k.talk / 2
        } else {
            t += k.talk
        }
        emit("customer.end", t, participant: "\(cid)-c", extra: #","disconnectType":"PEER","interactingDurationMs":\#(k.talk)"#)
        emit("user.end", t, participant: agent.p,
             extra: #","userId":"\#(agent.id)","queueId":"\#(agent.queue)","disconnectType":"PEER","interactingDurationMs":\#(k.talk),"heldDurationMs":0"#)
        emit("acw", t, participant: agent.p, extra: #","userId":"\#(agent.id)","queueId":"\#(agent.queue)","wrapupNotes":"""#)
        emit("wrapup", t + 20_000, participant: agent.p,
             extra: #","queueId":"\#(agent.queue)","wrapupCode":"resolved","wrapupNotes":"","wrapupDurationMs":20000"#)
    }

    // MARK: Events for the memory figures

    /// The journey events of a customer's contacts, as the mapper makes them from detail events; the last
    /// contact stays open (customer, queue and agent started, nothing ended) unless `closeLast`. `receivedAt`:
    /// every event's receive time (the stitcher's liveness clock).
    func events(of c: Int, receivedAt: EpochMillis, closeLast: Bool, onlyClosing: Bool = false) -> [JourneyEvent] {
        let org = OrgID(Self.org)
        var out: [JourneyEvent] = []
        let list = contacts(of: c)
        for (n, k) in list.enumerated() {
            let last = n == list.count - 1
            if onlyClosing && !last { continue }
            var addresses: [CustomerAddress] = []
            if let a = CustomerAddress(inferring: k.address) { addresses.append(a) }
            let who = CustomerIdentity(externalContactID: k.ext, addresses: addresses)
            func add(_ kind: JourneyEvent.Kind, _ t: EpochMillis, _ p: String, queue: String? = nil, agent: String? = nil,
                     wrapup: String? = nil) {
                out.append(JourneyEvent(org: org, id: JourneyEvent.derivedID(conversationID: k.conversation, kind: kind,
                                                                             time: t, participant: p),
                                        source: .notification, time: t, receivedAt: receivedAt,
                                        conversationID: k.conversation, media: k.media, kind: kind, queueID: queue,
                                        agentID: agent, customer: who, wrapupCode: wrapup))
            }
            let cid = k.conversation
            let q = queueID(k.queue), a = agentID(k.agent)
            let answered = k.start + k.wait, end = answered + k.talk
            if !onlyClosing {
                add(.customerStart, k.start, "\(cid)-c")
                add(.acdStart, k.start, "\(cid)-q1", queue: q)
                add(.acdEnd, answered, "\(cid)-q1", queue: q)
                add(.userStart, answered, "\(cid)-a1", queue: q, agent: a)
            }
            if !last || closeLast {
                add(.customerEnd, end, "\(cid)-c")
                add(.userEnd, end, "\(cid)-a1", queue: q, agent: a)
                add(.acw, end, "\(cid)-a1", agent: a)
                add(.wrapup, end + 20_000, "\(cid)-a1", agent: a, wrapup: "resolved")
            }
        }
        return out
    }
}
