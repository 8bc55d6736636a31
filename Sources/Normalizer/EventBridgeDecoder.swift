import Foundation
import Journeys
import SwitchboardCore

/// Reads what an Amazon EventBridge API destination POSTs (docs/protocol.md "Journey topics", EventBridge): one
/// event, or a JSON array of events, each
/// `{"version":"0","id":"…","detail-type":"v2.detail.events.conversation.{id}.acd.start","source":"aws.partner/genesys.com/…",
/// "time":"…","detail":{"topicName":"v2.detail.events.conversation.<id>.acd.start","eventBody":{…},"metadata":{…}}}`.
///
/// `detail` is the Notification API envelope, so its `eventBody` is decoded by the same types and mapped by the
/// same ``JourneyMapper`` as the socket's. The topic is `detail.topicName`, else `detail-type` (a pattern with a
/// literal `{id}`; the body names the conversation). A detail event takes the EventBridge event `id` as its id;
/// a conversation snapshot's events get derived ids as on the socket. Pure and total: any bytes give an answer.
public enum EventBridgeDecoder {
    /// One event of the body, in order.
    public enum Item: Sendable, Equatable {
        /// A well-formed event: its id and the journey events it gives (none for a topic or media journeys do
        /// not use).
        case event(index: Int, id: String, events: [JourneyEvent])
        /// An event that cannot be used, and why (`id` when it had one).
        case refused(index: Int, id: String?, reason: String)
    }

    /// What a body holds.
    public enum Outcome: Sendable, Equatable {
        case items([Item])
        /// Nothing in the body is an event (not JSON, not an object or array, an empty array): why.
        case invalid(String)
    }

    /// Decodes a request body; every journey event is stamped `receivedAt` and attributed to `org`.
    public static func decode(_ body: [UInt8], org: OrgID, receivedAt: EpochMillis) -> Outcome {
        var start = 0
        while start < body.count, [0x20, 0x09, 0x0A, 0x0D].contains(body[start]) { start += 1 }
        guard start < body.count else { return .invalid("the body is empty; send one EventBridge event or a JSON array of them") }
        let decoder = JSONDecoder()
        decoder.userInfo[Self.contextKey] = Context(org: org, receivedAt: receivedAt)
        let data = Data(body)
        let raws: [RawEvent]
        do {
            switch body[start] {
            case UInt8(ascii: "["): raws = try decoder.decode([RawEvent].self, from: data)
            case UInt8(ascii: "{"): raws = [try decoder.decode(RawEvent.self, from: data)]
            default:
                return .invalid("the body is not a JSON object or array; send one EventBridge event or a JSON array of them")
            }
        } catch {
            return .invalid("the body is not JSON (\(NotificationNormalizer.describe(error)))")
        }
        guard !raws.isEmpty else { return .invalid("the array is empty; send at least one event") }
        return .items(raws.enumerated().map { i, raw in
            if let problem = raw.problem { return .refused(index: i, id: raw.id, reason: problem) }
            return .event(index: i, id: raw.id ?? "", events: raw.events)
        })
    }

    struct Context: Sendable {
        var org: OrgID
        var receivedAt: EpochMillis
    }

    static let contextKey = CodingUserInfoKey(rawValue: "switchboard.eventbridge")!

    /// One element: never throws; what is wrong with it becomes ``problem``.
    struct RawEvent: Decodable {
        var id: String?
        var problem: String?
        var events: [JourneyEvent] = []

        enum Keys: String, CodingKey {
            case id, detail
            case detailType = "detail-type"
        }

        enum DetailKeys: String, CodingKey {
            case topicName, eventBody
        }

        init(from decoder: any Decoder) throws {
            guard let context = decoder.userInfo[EventBridgeDecoder.contextKey] as? Context else {
                problem = "internal: no decoding context"
                return
            }
            let c: KeyedDecodingContainer<Keys>
            do {
                c = try decoder.container(keyedBy: Keys.self)
            } catch {
                problem = "not an EventBridge event: expected a JSON object"
                return
            }
            id = try? c.decodeIfPresent(String.self, forKey: .id)
            guard let id, !id.isEmpty else {
                problem = "no 'id': an EventBridge event has a non-empty string id"
                return
            }
            do {
                problem = try read(c, id: id, context: context)
            } catch {
                problem = "detail: \(NotificationNormalizer.describe(error))"
            }
        }

        /// Decodes the detail; returns a problem, or nil with ``events`` set.
        private mutating func read(_ c: KeyedDecodingContainer<Keys>, id: String, context: Context) throws -> String? {
            guard c.contains(.detail), !(try c.decodeNil(forKey: .detail)) else {
                return "no 'detail': the event carries the notification in 'detail'"
            }
            let d = try c.nestedContainer(keyedBy: DetailKeys.self, forKey: .detail)
            let detailType = try? c.decodeIfPresent(String.self, forKey: .detailType)
            guard let topic = (try d.decodeIfPresent(String.self, forKey: .topicName)) ?? detailType, !topic.isEmpty else {
                return "no detail.topicName (nor detail-type): the topic says what the body is"
            }
            let kind = JourneyWire.topic(topic)
            if kind == .other { return nil }  // a topic journeys do not use: accepted, nothing to apply
            guard d.contains(.eventBody), !(try d.decodeNil(forKey: .eventBody)) else {
                return "no detail.eventBody"
            }
            let result: JourneyMapper.Result
            switch kind {
            case .conversation(let media):
                let body = try d.decode(JourneyWire.Conversation.self, forKey: .eventBody)
                result = JourneyMapper.snapshot(body, org: context.org, topicMedia: media,
                                                receivedAt: context.receivedAt, source: .eventBridge)
            case .detail(let kindName):
                let body = try d.decode(JourneyWire.DetailEvent.self, forKey: .eventBody)
                result = JourneyMapper.detail(body, kindName: kindName, org: context.org, id: id,
                                              receivedAt: context.receivedAt, source: .eventBridge)
            case .other:
                return nil
            }
            switch result {
            case .events(let e):
                events = e
                return nil
            case .unusable(let why):
                return why
            }
        }
    }
}
