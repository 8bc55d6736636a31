import Foundation
import Normalizer
import SwitchboardCore

/// A text frame of the seed's journey event stream's callback socket (docs/journeys.md, "The seed's event
/// stream"). Pure and total: any bytes give a frame or an ``EventStreamError``, never a crash.
public enum EventStreamFrame: Sendable, Equatable {
    /// The first frame: the connection's id and the exact `callbackUrl` a subscription must name.
    case connectionOpened(connectionID: String, callbackURL: String)
    case event(SeedStreamEvent)
    /// The platform throttles a subscription: `queued` events wait behind its `maxEventsPerSecond`.
    case backpressure(queued: Int, maxEventsPerSecond: Int?)
    case heartbeat
    /// A frame type this client does not use (ignored, still life for the watchdog).
    case other(type: String)

    /// The largest frame read (an event is well under 2 KiB).
    public static let maxBytes = 64 << 10

    private struct Envelope: Decodable {
        var type: String?
        var connectionId: String?
        var callbackUrl: String?
        var queued: Int?
        var maxEventsPerSecond: Int?
        var subscriptionId: String?
        var eventId: String?
        var eventType: String?
        var timestamp: Int64?
        var payload: SeedStreamEvent.Payload?
    }

    public static func decode(_ text: String) throws(EventStreamError) -> EventStreamFrame {
        try decode(Array(text.utf8))
    }

    public static func decode(_ bytes: [UInt8]) throws(EventStreamError) -> EventStreamFrame {
        guard bytes.count <= maxBytes else { throw .frameTooLarge(bytes.count) }
        let e: Envelope
        do {
            e = try JSONDecoder().decode(Envelope.self, from: Data(bytes))
        } catch {
            throw .malformed("not a JSON object of the stream's shape (\(Self.reason(error)))")
        }
        guard let type = e.type, !type.isEmpty else { throw .malformed("a frame without \"type\"") }
        switch type {
        case "connection.opened":
            guard let id = e.connectionId, !id.isEmpty, let url = e.callbackUrl, !url.isEmpty else {
                throw .malformed("connection.opened without connectionId or callbackUrl")
            }
            return .connectionOpened(connectionID: id, callbackURL: url)
        case "event":
            return .event(SeedStreamEvent(subscriptionId: e.subscriptionId, eventId: e.eventId, eventType: e.eventType,
                                          timestamp: e.timestamp, payload: e.payload))
        case "backpressure":
            return .backpressure(queued: max(0, e.queued ?? 0), maxEventsPerSecond: e.maxEventsPerSecond)
        case "heartbeat":
            return .heartbeat
        default:
            return .other(type: String(type.prefix(64)))
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted: "invalid JSON"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "unreadable"
        }
    }
}

/// `POST /api/v2/eventstreams/subscriptions`'s body.
public struct EventStreamSubscriptionRequest: Sendable, Equatable, Encodable {
    public struct Filters: Sendable, Equatable, Encodable {
        public var eventTypes: [String]
    }

    public var resourceTypes = ["interaction"]
    public var filters = Filters(eventTypes: EventStreamSubscriptionRequest.eventTypes)
    public var callbackUrl: String
    public var maxEventsPerSecond: Int
    public var filterByCustomerId = true

    /// The five event types a journey uses.
    public static let eventTypes = ["interaction.created", "conversation.started", "conversation.ended",
                                    "transfer.initiated", "disposition.completed"]

    public init(callbackUrl: String, maxEventsPerSecond: Int) {
        self.callbackUrl = callbackUrl
        self.maxEventsPerSecond = maxEventsPerSecond
    }

    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }
}

/// A subscription as `POST` and `GET /api/v2/eventstreams/subscriptions/{id}` answer it.
public struct EventStreamSubscription: Sendable, Equatable, Decodable {
    public var id: String
    /// `active` while bound to a live connection; `orphaned` otherwise.
    public var state: String?
    public var callbackUrl: String?
    /// The live connection it is bound to; nil when none (the callback matched no connection).
    public var connectionId: String?
    public var maxEventsPerSecond: Int?
    public var eventTypes: [String]?
    public var filterByCustomerId: Bool?

    public init(id: String, state: String? = nil, callbackUrl: String? = nil, connectionId: String? = nil,
                maxEventsPerSecond: Int? = nil, eventTypes: [String]? = nil, filterByCustomerId: Bool? = nil) {
        self.id = id
        self.state = state
        self.callbackUrl = callbackUrl
        self.connectionId = connectionId
        self.maxEventsPerSecond = maxEventsPerSecond
        self.eventTypes = eventTypes
        self.filterByCustomerId = filterByCustomerId
    }

    public static func decode(_ bytes: [UInt8]) throws(EventStreamError) -> EventStreamSubscription {
        do {
            let s = try JSONDecoder().decode(EventStreamSubscription.self, from: Data(bytes))
            guard !s.id.isEmpty else { throw EventStreamError.malformed("a subscription without an id") }
            return s
        } catch let e as EventStreamError {
            throw e
        } catch {
            throw .malformed("a subscription answer that is not the expected JSON object")
        }
    }
}
