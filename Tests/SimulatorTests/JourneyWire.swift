import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore

/// The real wire shapes of what the journeys send, decoded with Codable (field names of the Genesys py-models
/// `QueueConversationEventTopicConversation` and `*DetailEventTopic*Event`), and a plain mapping of them to
/// `JourneyEvent`s as a bridge would make it (docs/journeys.md, "Wiring").
enum JourneyWire {
    struct Address: Decodable { let addressNormalized: String? }
    struct Wrapup: Decodable {
        let code: String?
        let endTime: String?
    }
    struct Communication: Decodable {
        let id: String
        let state: String
        let connectedTime: String?
        let disconnectedTime: String?
        let disconnectType: String?
        let callbackNumbers: [String]?
        let type: String?
        let subject: String?
        let fromAddress: Address?
        let `self`: Address?
    }
    struct Participant: Decodable {
        let id: String
        let purpose: String
        let userId: String?
        let queueId: String?
        let address: String?
        let externalContactId: String?
        let connectedTime: String?
        let endTime: String?
        let wrapupRequired: Bool?
        let wrapup: Wrapup?
        let startAcwTime: String?
        let endAcwTime: String?
        let calls: [Communication]?
        let chats: [Communication]?
        let emails: [Communication]?
        let messages: [Communication]?
        let callbacks: [Communication]?

        var communications: [Communication] { calls ?? chats ?? emails ?? messages ?? callbacks ?? [] }
    }
    struct Conversation: Decodable {
        let id: String
        let address: String?
        let participants: [Participant]
    }

    struct DetailEvent: Decodable {
        let eventTime: Int64
        let conversationId: String
        let participantId: String
        let sessionId: String
        let mediaType: String
        let direction: String?
        let ani: String?
        let addressFrom: String?
        let externalContactId: String?
        let conversationExternalContactIds: [String]?
        let queueId: String?
        let userId: String?
        let disconnectType: String?
        let acdOutcome: String?
        let wrapupCode: String?
        let messageType: String?
    }

    /// A detail event (its topic, or an EventBridge `detail.topicName`) as journey events: the event, and a
    /// `transfer.initiated` at the same time for an `acd.end` or `user.end` with `disconnectType` TRANSFER.
    static func events(topic: String, body: [UInt8], org: OrgID, id: String? = nil,
                       receivedAt: EpochMillis? = nil) throws -> [JourneyEvent] {
        guard let kind = JourneyEvent.Kind(detailEventTopic: topic) else { return [] }
        let d = try JSONDecoder().decode(DetailEvent.self, from: Data(body))
        guard let media = JourneyMedia(platform: d.mediaType) else { return [] }
        let ext = d.externalContactId ?? d.conversationExternalContactIds?.first
        let addresses = [d.ani, d.addressFrom].compactMap { $0.flatMap(CustomerAddress.init(inferring:)) }
        let identity = CustomerIdentity(externalContactID: ext, addresses: addresses)
        let eventID = id ?? "detail:\(topic):\(d.eventTime):\(d.participantId)"
        var e = JourneyEvent(org: org, id: eventID, source: id == nil ? .detailEvent : .eventBridge, time: d.eventTime,
                             receivedAt: receivedAt ?? d.eventTime, conversationID: d.conversationId, media: media,
                             kind: kind, queueID: d.queueId, agentID: d.userId,
                             customer: identity.isEmpty ? nil : identity, wrapupCode: d.wrapupCode)
        var out = [e]
        if d.disconnectType == "TRANSFER", kind == .acdEnd || kind == .userEnd {
            e.id += ":transfer"
            e.kind = .transferInitiated
            out.append(e)
        }
        return out
    }
}
