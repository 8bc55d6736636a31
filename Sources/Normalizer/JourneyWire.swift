import Foundation
import SwitchboardCore

/// Decodable mirrors of the bodies customer journeys read (docs/journeys.md "Sources"): the conversation
/// snapshots of `v2.routing.queues.{id}.conversations` (and its media variants; `v2.users.{id}.conversations`
/// has the same shape) and the analytics detail events `v2.detail.events.conversation.{id}.*`. The socket and
/// Amazon EventBridge (whose `detail` is the same envelope) decode the same types.
///
/// Every field is optional and unknown fields are ignored, like ``GenesysWire``.
///
/// The conversation types look like ``GenesysWire``'s and are kept apart on purpose: journeys read fields the
/// connector's decoders do not (`self`, `address`, `ani`, `externalContactId`, `disconnectType`), and adding them
/// to ``GenesysWire`` would make the agents' conversation decoding refuse a body whose unused field has an odd
/// type, where today it ignores it (FastPathGeneratedTests catches exactly that).
enum JourneyWire {
    /// A communication's own or far end: `{"addressNormalized":"tel:+1555…","addressRaw":"…","name":"…"}`.
    struct Address: Decodable {
        var addressNormalized: String?
        var addressRaw: String?
    }

    /// One call, callback, chat, email or message of a participant.
    struct Communication: Decodable {
        var state: String?
        var connectedTime: String?
        var disconnectedTime: String?
        var disconnectType: String?
        var ownAddress: Address?

        enum CodingKeys: String, CodingKey {
            case state, connectedTime, disconnectedTime, disconnectType
            case ownAddress = "self"
        }
    }

    struct Wrapup: Decodable {
        var code: String?
    }

    struct Participant: Decodable {
        var id: String?
        var purpose: String?
        var userId: String?
        var queueId: String?
        var address: String?
        var ani: String?
        var externalContactId: String?
        var connectedTime: String?
        var endTime: String?
        var startAcwTime: String?
        var endAcwTime: String?
        var wrapup: Wrapup?
        var calls: [Communication]?
        var callbacks: [Communication]?
        var chats: [Communication]?
        var emails: [Communication]?
        var messages: [Communication]?

        /// The communications with the media they are, in the order that picks a conversation's media (a
        /// callback conversation's customer also has the call placed for it).
        var media: [(JourneyMediaName, [Communication])] {
            [(.callback, callbacks ?? []), (.voice, calls ?? []), (.chat, chats ?? []), (.message, messages ?? []),
             (.email, emails ?? [])]
        }
    }

    /// The media names of the lists above (the ``Journeys/JourneyMedia`` spellings).
    enum JourneyMediaName: String {
        case voice, callback, chat, message, email
    }

    /// A conversation snapshot (`QueueConversationEventTopicConversation`).
    struct Conversation: Decodable {
        var id: String?
        var participants: [Participant]?
    }

    /// An analytics detail event body (`…DetailEventTopic…Event`): epoch-ms `eventTime`, upper-case enums.
    struct DetailEvent: Decodable {
        var eventTime: EpochMillis?
        var conversationId: String?
        var participantId: String?
        var mediaType: String?
        var direction: String?
        var ani: String?
        var dnis: String?
        var addressFrom: String?
        var addressTo: String?
        var externalContactId: String?
        var queueId: String?
        var userId: String?
        var disconnectType: String?
        var acdOutcome: String?
        var wrapupCode: String?

        enum CodingKeys: String, CodingKey {
            case eventTime, conversationId, participantId, mediaType, direction, ani, dnis, addressFrom, addressTo
            case externalContactId, queueId, userId, disconnectType, acdOutcome, wrapupCode
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // Epoch milliseconds on the platform; an ISO-8601 string is read too.
            if let n = try? c.decodeIfPresent(Int64.self, forKey: .eventTime) {
                eventTime = n
            } else if let d = try? c.decodeIfPresent(Double.self, forKey: .eventTime), d.isFinite,
                abs(d) < 9e15 {
                eventTime = EpochMillis(d.rounded())
            } else if let s = try? c.decodeIfPresent(String.self, forKey: .eventTime) {
                eventTime = NotificationNormalizer.time(s)
            } else {
                eventTime = nil
            }
            conversationId = try c.decodeIfPresent(String.self, forKey: .conversationId)
            participantId = try c.decodeIfPresent(String.self, forKey: .participantId)
            mediaType = try c.decodeIfPresent(String.self, forKey: .mediaType)
            direction = try c.decodeIfPresent(String.self, forKey: .direction)
            ani = try c.decodeIfPresent(String.self, forKey: .ani)
            dnis = try c.decodeIfPresent(String.self, forKey: .dnis)
            addressFrom = try c.decodeIfPresent(String.self, forKey: .addressFrom)
            addressTo = try c.decodeIfPresent(String.self, forKey: .addressTo)
            externalContactId = try c.decodeIfPresent(String.self, forKey: .externalContactId)
            queueId = try c.decodeIfPresent(String.self, forKey: .queueId)
            userId = try c.decodeIfPresent(String.self, forKey: .userId)
            disconnectType = try c.decodeIfPresent(String.self, forKey: .disconnectType)
            acdOutcome = try c.decodeIfPresent(String.self, forKey: .acdOutcome)
            wrapupCode = try c.decodeIfPresent(String.self, forKey: .wrapupCode)
        }
    }

    /// Which body a journey topic carries.
    enum Topic: Equatable {
        /// A conversation snapshot; the media of a media variant (`….conversations.emails`), when named.
        case conversation(media: String?)
        /// A detail event of a kind a journey uses.
        case detail(JourneyKindName)
        /// Anything else (a detail event journeys do not use, another topic).
        case other
    }

    /// A detail event's kind, as its topic spells it.
    typealias JourneyKindName = String

    /// Reads a topic (or an EventBridge `detail-type`, whose id is a literal `{id}`): queue and user
    /// conversation topics and their media variants, and detail events.
    static func topic(_ topic: String) -> Topic {
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "v2" else { return .other }
        if (parts[1] == "routing" && parts.count >= 5 && parts[2] == "queues" && parts[4] == "conversations")
            || (parts[1] == "users" && parts.count >= 4 && parts[3] == "conversations")
        {
            let at = parts[1] == "routing" ? 5 : 4
            if parts.count == at { return .conversation(media: nil) }
            if parts.count == at + 1 { return .conversation(media: String(parts[at])) }
            return .other
        }
        if parts[1] == "detail" {
            let prefix = "v2.detail.events.conversation."
            guard topic.hasPrefix(prefix) else { return .other }
            let rest = topic.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: ".") else { return .other }
            return .detail(String(rest[rest.index(after: dot)...]))
        }
        return .other
    }
}
