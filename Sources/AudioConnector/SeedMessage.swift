import Foundation
import SwitchboardConfig
import SwitchboardCore

/// One text message of the seed Audio Connector (docs/audio.md, "The seed Audio Connector"), either way:
/// the client sends `subscribe` and `unsubscribe`; the server answers `subscribed`, `unsubscribed` or `error`
/// and sends interaction metadata (`interaction`, `interactionEnded`) around the binary audio.
public enum SeedMessage: Sendable, Equatable {
    // Client → server
    case subscribe(SeedSubscription)
    case unsubscribe(subscriptionId: String)
    // Server → client
    /// A `subscribe` was accepted (the oldest unanswered request: replies carry no request id).
    case subscribed(subscriptionId: String, status: String?)
    /// An `unsubscribe` was done.
    case unsubscribed(subscriptionId: String?)
    /// A request was refused (the oldest unanswered one), or the connection has a problem.
    case error(SeedServerError)
    /// An interaction's metadata (before, between or after its audio).
    case interaction(SeedInteraction)
    /// An interaction ended.
    case interactionEnded(interactionId: String, endTime: EpochMillis?)

    /// The `type` field's value.
    public var type: String {
        switch self {
        case .subscribe: "subscribe"
        case .unsubscribe: "unsubscribe"
        case .subscribed: "subscribed"
        case .unsubscribed: "unsubscribed"
        case .error: "error"
        case .interaction: "interaction"
        case .interactionEnded: "interactionEnded"
        }
    }
}

/// One audio subscription as sent in `subscribe`: filters, format (always Opus) and sample rate (always sent).
public struct SeedSubscription: Sendable, Hashable {
    /// Always `["voice"]` in practice (the config refuses anything else).
    public var interactionTypes: [String]
    /// nil: no queue filter (every queue).
    public var queueIds: [String]?
    public var directions: [SeedAudioDirection]
    public var format: String
    public var sampleRate: Int

    public init(interactionTypes: [String] = ["voice"], queueIds: [String]? = nil,
                directions: [SeedAudioDirection] = SeedAudioDirection.allCases, format: String = "opus",
                sampleRate: Int = 16000) {
        self.interactionTypes = interactionTypes
        self.queueIds = queueIds
        self.directions = directions
        self.format = format
        self.sampleRate = sampleRate
    }
}

/// A server `error`: its `code` (such as `subscription-limit`) and `message`.
public struct SeedServerError: Sendable, Equatable {
    public var code: String
    public var message: String?
    public init(code: String, message: String? = nil) {
        self.code = code
        self.message = message
    }

    /// The server allows fewer subscriptions per connection than were asked for.
    public static let subscriptionLimit = "subscription-limit"
    /// A filter named an interaction type other than `voice`.
    public static let unsupportedInteractionType = "unsupported-interaction-type"
    /// The sample rate is not one the server serves.
    public static let invalidSampleRate = "invalid-sample-rate"

    /// Codes that mean the configuration is wrong: retrying the same subscription cannot help.
    public var isConfigurationProblem: Bool {
        code == Self.unsupportedInteractionType || code == Self.invalidSampleRate
    }
}

/// `interaction` metadata. Only `interactionId` is required; the rest may come late or not at all.
public struct SeedInteraction: Sendable, Equatable {
    /// The conversation id.
    public var interactionId: String
    public var direction: SeedAudioDirection?
    public var agentId: String?
    public var queueId: String?
    public var startTime: EpochMillis?
    /// Channel names in stream order, e.g. `["customer", "agent"]`.
    public var channels: [String]?

    public init(interactionId: String, direction: SeedAudioDirection? = nil, agentId: String? = nil,
                queueId: String? = nil, startTime: EpochMillis? = nil, channels: [String]? = nil) {
        self.interactionId = interactionId
        self.direction = direction
        self.agentId = agentId
        self.queueId = queueId
        self.startTime = startTime
        self.channels = channels
    }
}

/// The discovery answer, `GET /api/v2/audioconnector/connections`: a single-use WebSocket URI.
public struct SeedDiscovery: Sendable, Equatable {
    /// The WebSocket URI to connect to, with its single-use connection token. Never logged whole.
    public var uri: String
    public var connectionId: String
    /// The media region serving the org (`us-east-1`), for `/readyz` and the dashboard.
    public var region: String
    /// Seconds the URI's token stays valid.
    public var expiresIn: Int?

    public init(uri: String, connectionId: String, region: String, expiresIn: Int? = nil) {
        self.uri = uri
        self.connectionId = connectionId
        self.region = region
        self.expiresIn = expiresIn
    }

    /// The URI without its query (the connection token), for logs.
    public var redactedURI: String {
        uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
    }
}

// MARK: - Encoding

extension SeedMessage {
    private struct SubscribeBody: Encodable {
        struct Subscription: Encodable {
            struct Filters: Encodable {
                var interactionTypes: [String]
                var queueIds: [String]?
                var direction: [String]
            }
            var type = "audio"
            var filters: Filters
            var format: String
            var sampleRate: Int
        }
        var type = "subscribe"
        var subscription: Subscription
    }

    private struct Reply: Encodable {
        var type: String
        var subscriptionId: String?
        var status: String?
        var code: String?
        var message: String?
        var interactionId: String?
        var direction: String?
        var agentId: String?
        var queueId: String?
        var startTime: String?
        var endTime: String?
        var channels: [String]?
    }

    /// The message as one line of JSON (keys sorted, so equal messages encode equally). Every case encodes,
    /// so the simulator and tests can play the server.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch self {
        case .subscribe(let s):
            let filters = SubscribeBody.Subscription.Filters(interactionTypes: s.interactionTypes, queueIds: s.queueIds,
                                                             direction: s.directions.map(\.rawValue))
            data = try? encoder.encode(SubscribeBody(subscription: .init(filters: filters, format: s.format,
                                                                         sampleRate: s.sampleRate)))
        case .unsubscribe(let id):
            data = try? encoder.encode(Reply(type: type, subscriptionId: id))
        case .subscribed(let id, let status):
            data = try? encoder.encode(Reply(type: type, subscriptionId: id, status: status))
        case .unsubscribed(let id):
            data = try? encoder.encode(Reply(type: type, subscriptionId: id))
        case .error(let e):
            data = try? encoder.encode(Reply(type: type, code: e.code, message: e.message))
        case .interaction(let i):
            data = try? encoder.encode(Reply(type: type, interactionId: i.interactionId, direction: i.direction?.rawValue,
                                             agentId: i.agentId, queueId: i.queueId,
                                             startTime: i.startTime.map { Timestamp.format($0) }, channels: i.channels))
        case .interactionEnded(let id, let end):
            data = try? encoder.encode(Reply(type: type, interactionId: id, endTime: end.map { Timestamp.format($0) }))
        }
        // Encoding plain structs of strings and numbers cannot fail.
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
