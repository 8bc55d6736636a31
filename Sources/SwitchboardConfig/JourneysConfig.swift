import Crypto
import Journeys
import SwitchboardCore

/// The deployment-wide `journeys:` section (docs/journeys.md, docs/configuration.md): the salt of the hashed
/// customer keys users see.
public struct JourneysConfig: Sendable, Equatable {
    /// The HMAC salt of hashed customer keys (`journeys.salt: ${VAR}` or `journeys.saltFile`), at least 16
    /// characters, the same on every replica so a hash typed into a search finds the journey on any of them.
    /// Nil: a random salt per start (hashes then change at every restart).
    public var salt: Secret?

    public init(salt: Secret? = nil) {
        self.salt = salt
    }
}

/// An org's `journeys:` section (docs/journeys.md "Configuration"): how its customers are recognised, the
/// journey timers, retention, how customers are shown, and the optional Amazon EventBridge ingest. Without
/// the section the org has no journeys.
public struct OrgJourneysConfig: Sendable, Equatable {
    /// The customer key's sources, most trusted first. Default: external contact, phone, email, messaging.
    public var identity: [CustomerKeyPolicy.Source]
    /// ISO 3166 alpha-2 country whose numbering plan reads national phone numbers (E.164). Default `US`.
    public var defaultCountry: String
    /// A contact with no event for this long goes `IDLE`; a journey whose contacts all stopped closes when no
    /// new contact came for this long. Default 5 min.
    public var sessionTimeout: Duration
    /// How long an idle contact waits before it is closed as timed out. Default 5 min.
    public var idleGrace: Duration
    /// Events are held this long (real time: a network allowance) and applied in event-time order.
    /// Default 100 ms.
    public var reorderWindow: Duration
    /// Closed journeys stay readable this long. Default 30 days.
    public var retention: Duration
    /// At most this many closed journeys are kept (least recently used leave first). Default 50 000.
    public var maxClosed: Int
    /// How the customer key is shown on the topics and HTTP reads. Default hashed.
    public var showCustomer: CustomerKeyRedactor.Mode
    /// Accept detail events pushed by an EventBridge API destination (`POST /v1/ingest/eventbridge/<org>`).
    public var eventBridge: EventBridgeConfig?
    /// `protocol: seed` orgs: the seed event stream's settings (the stream is the org's journey source whether or
    /// not this is written; nil: the defaults).
    public var eventStream: EventStreamConfig?

    public init(identity: [CustomerKeyPolicy.Source] = CustomerKeyPolicy.Source.allCases, defaultCountry: String = "US",
                sessionTimeout: Duration = .seconds(300), idleGrace: Duration = .seconds(300),
                reorderWindow: Duration = .milliseconds(100), retention: Duration = .seconds(30 * 86_400),
                maxClosed: Int = 50_000, showCustomer: CustomerKeyRedactor.Mode = .hashed,
                eventBridge: EventBridgeConfig? = nil) {
        self.identity = identity
        self.defaultCountry = defaultCountry
        self.sessionTimeout = sessionTimeout
        self.idleGrace = idleGrace
        self.reorderWindow = reorderWindow
        self.retention = retention
        self.maxClosed = maxClosed
        self.showCustomer = showCustomer
        self.eventBridge = eventBridge
    }

    /// The largest values accepted.
    public static let maxSessionTimeout: Duration = .seconds(86_400)
    public static let maxIdleGrace: Duration = .seconds(86_400)
    public static let maxReorderWindow: Duration = .seconds(10)
    public static let maxRetention: Duration = .seconds(366 * 86_400)
    public static let maxMaxClosed = 10_000_000
}

/// `orgs[].journeys.eventStream` (`protocol: seed` orgs only; docs/journeys.md, "The seed's event stream").
public struct EventStreamConfig: Sendable, Equatable {
    /// The subscription's `maxEventsPerSecond`: above it the platform queues events and signals backpressure.
    /// 1…100, default 50.
    public var maxEventsPerSecond: Int

    public init(maxEventsPerSecond: Int = 50) {
        self.maxEventsPerSecond = maxEventsPerSecond
    }

    public static let maxMaxEventsPerSecond = 100
}

/// `orgs[].journeys.eventBridge`: the key an EventBridge API destination sends in `x-api-key`.
public struct EventBridgeConfig: Sendable, Equatable {
    /// At least 16 characters; from the environment (`apiKey: ${VAR}`) or a file (`apiKeyFile`).
    public var apiKey: Secret

    public init(apiKey: Secret) {
        self.apiKey = apiKey
    }

    /// The shortest key accepted.
    public static let minimumKeyLength = 16

    /// Whether `presented` (the `x-api-key` header) is the key. Both are hashed first and the digests compared
    /// in constant time, so neither the key's content nor its length shows in the time taken.
    public func accepts(_ presented: String?) -> Bool {
        guard let presented, !presented.isEmpty, !apiKey.isEmpty else { return false }
        let a = Array(SHA256.hash(data: Array(presented.utf8)))
        let b = Array(SHA256.hash(data: Array(apiKey.reveal().utf8)))
        return ClientCredential.constantTimeEqual(a, b)
    }
}
