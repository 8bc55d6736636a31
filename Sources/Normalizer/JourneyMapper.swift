import Journeys
import SwitchboardCore

/// Maps conversation snapshots and detail events to ``Journeys/JourneyEvent``s (docs/journeys.md, "Sources").
/// Pure; the socket (``NotificationNormalizer``) and EventBridge (``EventBridgeDecoder``) share it.
///
/// A **snapshot** repeats the conversation's whole history, so it gives one event per time it carries, each with
/// a derived id (``Journeys/JourneyEvent/derivedID(conversationID:kind:time:participant:)``, the participant id
/// as participant) that its repeats share:
///
/// | participant | events |
/// | --- | --- |
/// | `customer` | `customer.start` at `connectedTime` (else its first communication's), `customer.end` at `endTime` (else the last `disconnectedTime` once every communication ended) |
/// | `acd` | `acd.start` / `acd.end` the same way, with its `queueId` |
/// | `agent`, `user` (with a `userId`) | `user.start` / `user.end` the same way, with the user and its `queueId`; `acw` at `startAcwTime`; `wrapup` (with the code) at `endAcwTime`, else `startAcwTime`, else `endTime`, once a wrap-up code or an `endAcwTime` is there; `transfer.initiated` at a communication's `disconnectedTime` when its `disconnectType` is `transfer` or `transfer.*` |
///
/// The media is the topic's media variant, else the customer's first communication list in the order callbacks,
/// calls, chats, messages, emails (else any participant's). Every event of a snapshot carries the customer's
/// identity: the customer participants' `externalContactId`, and their `address`, `ani` and their communications'
/// own `addressNormalized` (kind read from the shape: ``Journeys/CustomerAddress/init(inferring:)``).
///
/// A **detail event** gives one event of its topic's kind at its `eventTime` (epoch ms), with `queueId`, `userId`
/// (agent events) and `wrapupCode`; the customer is `ani`/`addressFrom` (`dnis`/`addressTo` when `direction` is
/// `OUTBOUND`) and `externalContactId`. An `acd.end` or `user.end` whose `disconnectType` is `TRANSFER` also gives
/// a `transfer.initiated` at the same time — except an `acd.end` with `acdOutcome: ANSWERED`, which is the queue
/// handing the customer to the agent who answered, not a transfer.
public enum JourneyMapper {
    /// What a body gives.
    public enum Result: Sendable, Equatable {
        /// The events (possibly none: a media journeys do not follow, a snapshot with no times yet).
        case events([JourneyEvent])
        /// The body cannot be used (no conversation id, no event time): why.
        case unusable(String)
    }

    // MARK: Snapshots

    static func snapshot(_ c: JourneyWire.Conversation, org: OrgID, topicMedia: String?, receivedAt: EpochMillis,
                         source: JourneyEvent.Source) -> Result {
        guard let conversation = c.id, !conversation.isEmpty else {
            return .unusable("the conversation snapshot has no id")
        }
        let participants = c.participants ?? []
        let customers = participants.filter { $0.purpose?.lowercased() == "customer" }
        guard let media = Self.media(topicMedia: topicMedia, customers: customers, all: participants) else {
            return .events([])
        }
        let identity = Self.identity(customers)
        var out: [JourneyEvent] = []
        func add(_ kind: JourneyEvent.Kind, _ time: EpochMillis?, participant: String?, queue: String? = nil,
                 agent: String? = nil, wrapup: String? = nil) {
            guard let time else { return }
            let id = JourneyEvent.derivedID(conversationID: conversation, kind: kind, time: time, participant: participant)
            out.append(JourneyEvent(org: org, id: id, source: source, time: time, receivedAt: receivedAt,
                                    conversationID: conversation, media: media, kind: kind,
                                    queueID: queue.flatMap { $0.isEmpty ? nil : $0 },
                                    agentID: agent.flatMap { $0.isEmpty ? nil : $0 }, customer: identity,
                                    wrapupCode: wrapup.flatMap { $0.isEmpty ? nil : $0 }))
        }
        for (i, p) in participants.enumerated() {
            let pid = p.id ?? "p\(i)"
            let comms = p.media.flatMap(\.1)
            let span = Self.span(p, comms)
            switch p.purpose?.lowercased() {
            case "customer":
                add(.customerStart, span.start, participant: pid)
                add(.customerEnd, span.end, participant: pid)
            case "acd":
                add(.acdStart, span.start, participant: pid, queue: p.queueId)
                add(.acdEnd, span.end, participant: pid, queue: p.queueId)
            case "agent", "user":
                guard let user = p.userId, !user.isEmpty else { continue }
                add(.userStart, span.start, participant: pid, queue: p.queueId, agent: user)
                add(.userEnd, span.end, participant: pid, queue: p.queueId, agent: user)
                let acwStart = NotificationNormalizer.time(p.startAcwTime)
                let acwEnd = NotificationNormalizer.time(p.endAcwTime)
                add(.acw, acwStart, participant: pid, agent: user)
                let code = p.wrapup?.code.flatMap { $0.isEmpty ? nil : $0 }
                if code != nil || acwEnd != nil {
                    add(.wrapup, acwEnd ?? acwStart ?? span.end, participant: pid, agent: user, wrapup: code)
                }
                for (j, comm) in comms.enumerated() where Self.isTransfer(comm.disconnectType) {
                    add(.transferInitiated, NotificationNormalizer.time(comm.disconnectedTime) ?? span.end,
                        participant: "\(pid)#\(j)")
                }
            default:
                continue
            }
        }
        return .events(out)
    }

    /// A participant's start and end: its own times, else its communications' (the end once every one ended).
    private static func span(_ p: JourneyWire.Participant, _ comms: [JourneyWire.Communication])
        -> (start: EpochMillis?, end: EpochMillis?)
    {
        var start = NotificationNormalizer.time(p.connectedTime)
        var end = NotificationNormalizer.time(p.endTime)
        if start == nil {
            start = comms.compactMap { NotificationNormalizer.time($0.connectedTime) }.min()
        }
        if end == nil, !comms.isEmpty {
            var last: EpochMillis?
            var allEnded = true
            for comm in comms {
                let t = NotificationNormalizer.time(comm.disconnectedTime)
                if let t { last = max(last ?? t, t) }
                let state = comm.state?.lowercased() ?? ""
                if t == nil && state != "disconnected" && state != "terminated" { allEnded = false }
            }
            if allEnded { end = last }
        }
        return (start, end)
    }

    private static func media(topicMedia: String?, customers: [JourneyWire.Participant],
                              all: [JourneyWire.Participant]) -> JourneyMedia? {
        if let topicMedia { return JourneyMedia(platform: topicMedia) }
        for group in [customers, all] {
            for p in group {
                for (name, comms) in p.media where !comms.isEmpty { return JourneyMedia(platform: name.rawValue) }
            }
        }
        return nil
    }

    private static func identity(_ customers: [JourneyWire.Participant]) -> CustomerIdentity? {
        var identity = CustomerIdentity()
        for p in customers {
            if identity.externalContactID == nil, let x = p.externalContactId, !x.isEmpty { identity.externalContactID = x }
            var raw = [p.address, p.ani]
            for (_, comms) in p.media { raw += comms.map { $0.ownAddress?.addressNormalized } }
            for case let r? in raw {
                if let a = CustomerAddress(inferring: r), !identity.addresses.contains(a) { identity.addresses.append(a) }
            }
        }
        return identity.isEmpty ? nil : identity
    }

    static func isTransfer(_ disconnectType: String?) -> Bool {
        guard let d = disconnectType?.lowercased() else { return false }
        return d == "transfer" || d.hasPrefix("transfer.") || d.hasPrefix("transfer_")
    }

    // MARK: Detail events

    /// `kindName`: what follows the conversation id in the topic (`acd.start`); `id`: the source's event id (an
    /// EventBridge event's), else one is derived.
    static func detail(_ d: JourneyWire.DetailEvent, kindName: String, org: OrgID, id: String?,
                       receivedAt: EpochMillis, source: JourneyEvent.Source) -> Result {
        guard let kind = JourneyEvent.Kind(detailEventTopic: "v2.detail.events.conversation.x." + kindName) else {
            return .events([])
        }
        guard let conversation = d.conversationId, !conversation.isEmpty else {
            return .unusable("the detail event has no conversationId")
        }
        guard let time = d.eventTime else { return .unusable("the detail event has no eventTime (epoch ms)") }
        guard let mediaType = d.mediaType else { return .unusable("the detail event has no mediaType") }
        guard let media = JourneyMedia(platform: mediaType) else { return .events([]) }
        let outbound = d.direction?.uppercased() == "OUTBOUND"
        var identity = CustomerIdentity(externalContactID: d.externalContactId.flatMap { $0.isEmpty ? nil : $0 })
        for case let r? in outbound ? [d.dnis, d.addressTo] : [d.ani, d.addressFrom] {
            if let a = CustomerAddress(inferring: r), !identity.addresses.contains(a) { identity.addresses.append(a) }
        }
        let eventID = id ?? "det:\(conversation):\(kind.rawValue):\(d.participantId ?? ""):\(time)"
        let agentScoped = kind == .userStart || kind == .userEnd || kind == .acw || kind == .wrapup
        let event = JourneyEvent(org: org, id: eventID, source: source, time: time, receivedAt: receivedAt,
                                 conversationID: conversation, media: media, kind: kind,
                                 queueID: d.queueId.flatMap { $0.isEmpty ? nil : $0 },
                                 agentID: agentScoped ? d.userId.flatMap { $0.isEmpty ? nil : $0 } : nil,
                                 customer: identity.isEmpty ? nil : identity,
                                 wrapupCode: kind == .wrapup ? d.wrapupCode.flatMap { $0.isEmpty ? nil : $0 } : nil)
        var out = [event]
        let answered = d.acdOutcome?.uppercased() == "ANSWERED"
        if (kind == .userEnd || (kind == .acdEnd && !answered)) && isTransfer(d.disconnectType) {
            out.append(JourneyEvent(org: org, id: eventID + ":transfer", source: source, time: time,
                                    receivedAt: receivedAt, conversationID: conversation, media: media,
                                    kind: .transferInitiated, customer: identity.isEmpty ? nil : identity))
        }
        return .events(out)
    }
}
