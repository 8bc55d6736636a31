import Journeys
import SwitchboardCore

/// One event of the seed's journey event stream as it arrives on the callback socket (docs/journeys.md, "The seed's
/// event stream"): `{"type":"event","subscriptionId","eventId","eventType","timestamp":<epoch ms>,"payload":{…}}`.
/// Every field is optional on the wire; ``SeedEventMapper`` says what a usable one needs.
public struct SeedStreamEvent: Sendable, Equatable, Decodable {
    public struct TransferTarget: Sendable, Equatable, Decodable {
        public var channelType: String?
        public var queueId: String?
        public init(channelType: String? = nil, queueId: String? = nil) {
            self.channelType = channelType
            self.queueId = queueId
        }
    }

    public struct Payload: Sendable, Equatable, Decodable {
        public var interactionId: String?
        public var conversationId: String?
        public var customerId: String?
        /// `externalContact`, `phone`, `email` or `messaging`.
        public var customerIdType: String?
        /// `voice`, `chat`, `message`, `email` or `callback`.
        public var channelType: String?
        public var queueId: String?
        public var agentId: String?
        public var durationSeconds: Double?
        public var dispositionCode: String?
        public var transferTarget: TransferTarget?

        public init(interactionId: String? = nil, conversationId: String? = nil, customerId: String? = nil,
                    customerIdType: String? = nil, channelType: String? = nil, queueId: String? = nil,
                    agentId: String? = nil, durationSeconds: Double? = nil, dispositionCode: String? = nil,
                    transferTarget: TransferTarget? = nil) {
            self.interactionId = interactionId
            self.conversationId = conversationId
            self.customerId = customerId
            self.customerIdType = customerIdType
            self.channelType = channelType
            self.queueId = queueId
            self.agentId = agentId
            self.durationSeconds = durationSeconds
            self.dispositionCode = dispositionCode
            self.transferTarget = transferTarget
        }
    }

    public var subscriptionId: String?
    public var eventId: String?
    public var eventType: String?
    /// Epoch milliseconds.
    public var timestamp: Int64?
    public var payload: Payload?

    public init(subscriptionId: String? = nil, eventId: String? = nil, eventType: String? = nil,
                timestamp: Int64? = nil, payload: Payload? = nil) {
        self.subscriptionId = subscriptionId
        self.eventId = eventId
        self.eventType = eventType
        self.timestamp = timestamp
        self.payload = payload
    }
}

/// Maps the seed stream's events to ``Journeys/JourneyEvent``s (pure; docs/journeys.md, "The seed's event stream").
///
/// - The kind is `eventType` (``Journeys/JourneyEvent/Kind/init(seedEventType:)``): `interaction.created`,
///   `conversation.started`, `conversation.ended`, `transfer.initiated`, `disposition.completed`.
/// - The conversation is `conversationId`, else `interactionId`; the time `timestamp`; the media `channelType`.
/// - The customer is `customerId` read by `customerIdType`: an external contact id, or a phone, email or messaging
///   address (normalised later by the org's key policy); without a type the address's shape decides.
/// - `queueId`, `agentId`, `dispositionCode` (as the wrap-up code), `transferTarget.channelType` and `.queueId`.
/// - The id is `eventId` (a re-subscription that repeats events repeats their ids: dropped as duplicates).
public enum SeedEventMapper {
    public enum Result: Sendable, Equatable {
        case event(JourneyEvent)
        /// Why the event cannot be used.
        case unusable(String)
    }

    public static func map(_ e: SeedStreamEvent, org: OrgID, receivedAt: EpochMillis) -> Result {
        guard let type = e.eventType, let kind = JourneyEvent.Kind(seedEventType: type) else {
            return .unusable("unknown eventType \(e.eventType.map { "\"\($0)\"" } ?? "(none)")")
        }
        guard let p = e.payload else { return .unusable("\(type) has no payload") }
        guard let conversation = nonEmpty(p.conversationId) ?? nonEmpty(p.interactionId) else {
            return .unusable("\(type) names no interactionId or conversationId")
        }
        guard let time = e.timestamp, time > 0 else { return .unusable("\(type) has no timestamp") }
        guard let channel = p.channelType, let media = JourneyMedia(platform: channel) else {
            return .unusable("\(type) has an unknown channelType \(p.channelType.map { "\"\($0)\"" } ?? "(none)")")
        }
        let id = nonEmpty(e.eventId) ?? JourneyEvent.derivedID(conversationID: conversation, kind: kind, time: time,
                                                                participant: p.agentId)
        return .event(JourneyEvent(
            org: org, id: id, source: .seedStream, time: time, receivedAt: receivedAt, conversationID: conversation,
            media: media, kind: kind, queueID: nonEmpty(p.queueId), agentID: nonEmpty(p.agentId),
            customer: identity(p), targetMedia: p.transferTarget?.channelType.flatMap { JourneyMedia(platform: $0) },
            targetQueueID: nonEmpty(p.transferTarget?.queueId), wrapupCode: nonEmpty(p.dispositionCode)))
    }

    /// The customer an event names; nil without a `customerId`.
    static func identity(_ p: SeedStreamEvent.Payload) -> CustomerIdentity? {
        guard let id = nonEmpty(p.customerId) else { return nil }
        switch p.customerIdType?.lowercased() {
        case "externalcontact", "external_contact", "externalcontactid":
            return CustomerIdentity(externalContactID: id)
        case "phone": return CustomerIdentity(addresses: [CustomerAddress(.phone, id)])
        case "email": return CustomerIdentity(addresses: [CustomerAddress(.email, id)])
        case "messaging": return CustomerIdentity(addresses: [CustomerAddress(.messaging, id)])
        default:
            return CustomerAddress(inferring: id).map { CustomerIdentity(addresses: [$0]) }
        }
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }
}
