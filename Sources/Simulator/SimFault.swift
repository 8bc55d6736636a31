import SwitchboardCore

/// A fault to inject into one org (`POST /_sim/faults`, SPEC §6). See docs/simulator.md.
public enum SimFault: Sendable, Equatable, Hashable {
    /// Every open socket of the org stays open but nothing more is sent on it (no heartbeats, no
    /// events, no pongs) until the client connects a new socket.
    case ghost
    /// The org's newest open socket (the last one attached, of an org whose topics take several channels) goes
    /// silent as ``ghost``; its other sockets carry on, heartbeats and all. Not drawn by random faults.
    case ghostOne
    /// Abrupt TCP close of every open socket of the org (no close frame).
    case close
    /// Every token issued to the org becomes invalid: API calls get 401 `bad.credentials`.
    case expireToken
    /// The next `count` API calls of the org get 429 `too.many.requests.retry.after` with `Retry-After: 1`.
    case rateLimit(count: Int)
    /// The next `count` API calls of the org get `status` (5xx) with an ErrorBody.
    case httpError(count: Int, status: Int)
    /// One frame of invalid JSON on every open socket of the org.
    case malformed
    /// The org's next `count` token requests (`POST /oauth/token` with its valid credentials) get `status`: 401
    /// `invalid_client` (a rotated secret), 400 `invalid_grant`, 429, or a 5xx (the login host unwell). Issued tokens
    /// keep working. Replaces what is left of an earlier one: `count` 0 ends it. Not drawn by random faults.
    case tokenRefreshFail(count: Int, status: Int)
    /// The org's next `count` WebSocket upgrades are refused with 503 (the streaming endpoint unwell while the REST
    /// API answers); channels, subscriptions and open sockets are untouched. `count` 0 ends it. Not drawn by random
    /// faults.
    case refuseSockets(count: Int)
    /// The next `count` event messages of the org are delivered twice.
    case duplicate(count: Int)
    /// The next `count` event messages of the org are each delivered after the message that follows them.
    case reorder(count: Int)
    /// Every channel of the org is closed and removed; new channels get a connectUri on a different
    /// path, and the old URIs refuse the upgrade (404).
    case moveEndpoint
    /// Every channel of the org expires now: sockets close, `HEAD` answers 404.
    case channelExpiry
    /// `v2.system.socket_closing` on every open socket, then a close after `maintenanceCloseGrace`.
    case socketClosing
    /// The org's OAuth client loses a permission: the API calls that need it get 403 `missing.permissions`
    /// and notification topics that need it are `Rejected` (``SimPermissions``). Not a random fault.
    case deny(permission: String)
    /// The permission is granted again.
    case allow(permission: String)
    /// A fault of the simulated AudioHook client, taken by one of the org's sessions (``SimAudioHookFault``).
    case audioHook(SimAudioHookFault)
    /// A fault of the seed Audio Connector server (``SimSeedAudioFault``).
    case seedAudio(SimSeedAudioFault)
    /// A fault of the simulated real-time transcription, taken by the org's next `count` transcription messages
    /// (``SimTranscriptionFault``).
    case transcription(SimTranscriptionFault, count: Int)
    /// A fault of the customer journeys' delivery or data, for the org's next `count` journey contacts, legs or
    /// messages (``SimJourneyFault``).
    case journey(SimJourneyFault, count: Int)
    /// A fault of the seed's journey event stream (``SimEventStreamFault``).
    case eventStream(SimEventStreamFault)

    /// The wire name (`ghost`, `expire-token`, `rate-limit`, …).
    public var kind: String {
        switch self {
        case .ghost: "ghost"
        case .ghostOne: "ghost-one"
        case .close: "close"
        case .expireToken: "expire-token"
        case .rateLimit: "rate-limit"
        case .httpError: "http-error"
        case .tokenRefreshFail: "token-refresh-fail"
        case .refuseSockets: "refuse-sockets"
        case .malformed: "malformed"
        case .duplicate: "duplicate"
        case .reorder: "reorder"
        case .moveEndpoint: "move-endpoint"
        case .channelExpiry: "channel-expiry"
        case .socketClosing: "socket-closing"
        case .deny: "deny"
        case .allow: "allow"
        case .audioHook(let f): f.kind
        case .seedAudio(let f): f.kind
        case .transcription(let f, _): f.rawValue
        case .journey(let f, _): f.rawValue
        case .eventStream(let f): f.rawValue
        }
    }

    /// Kinds of the org's API and sockets the `POST /_sim/faults` error names besides ``kinds`` (not drawn at random).
    public static let apiOnlyKinds = ["ghost-one", "token-refresh-fail", "refuse-sockets", "deny", "allow"]

    /// Every wire name drawn by random faults.
    public static let kinds = ["ghost", "close", "expire-token", "rate-limit", "http-error", "malformed", "duplicate",
                               "reorder", "move-endpoint", "channel-expiry", "socket-closing"]

    /// Parses the wire form; nil for an unknown kind. `count` defaults to 1 (3 for duplicate and
    /// reorder), `status` to 503 (500 for token-refresh-fail).
    public init?(kind: String, count: Int? = nil, status: Int? = nil) {
        switch kind {
        case "ghost": self = .ghost
        case "ghost-one": self = .ghostOne
        case "close": self = .close
        case "expire-token": self = .expireToken
        case "rate-limit": self = .rateLimit(count: max(1, count ?? 1))
        case "http-error": self = .httpError(count: max(1, count ?? 1), status: status ?? 503)
        case "token-refresh-fail": self = .tokenRefreshFail(count: max(0, count ?? 1), status: status ?? 500)
        case "refuse-sockets": self = .refuseSockets(count: max(0, count ?? 1))
        case "malformed": self = .malformed
        case "duplicate": self = .duplicate(count: max(1, count ?? 3))
        case "reorder": self = .reorder(count: max(1, count ?? 3))
        case "move-endpoint": self = .moveEndpoint
        case "channel-expiry": self = .channelExpiry
        case "socket-closing": self = .socketClosing
        default:
            if let f = SimSeedAudioFault(rawValue: kind) {
                self = .seedAudio(f)
                return
            }
            if let f = SimTranscriptionFault(rawValue: kind) {
                self = .transcription(f, count: max(1, count ?? 1))
                return
            }
            if let f = SimEventStreamFault(rawValue: kind) {
                self = .eventStream(f)
                return
            }
            if let f = SimJourneyFault(rawValue: kind) {
                self = .journey(f, count: max(1, count ?? (f == .replay ? 1 : 3)))
                return
            }
            guard let f = SimAudioHookFault(rawValue: kind) else { return nil }
            self = .audioHook(f)
        }
    }

    /// Also parses `deny` / `allow`, which name a `permission` (e.g. `analytics:evaluationAggregate:view`).
    public init?(kind: String, count: Int?, status: Int?, permission: String?) {
        switch kind {
        case "deny", "allow":
            guard let permission, !permission.isEmpty else { return nil }
            self = kind == "deny" ? .deny(permission: permission) : .allow(permission: permission)
        default:
            self.init(kind: kind, count: count, status: status)
        }
    }

    var count: Int? {
        switch self {
        case .rateLimit(let n), .httpError(let n, _), .tokenRefreshFail(let n, _), .refuseSockets(let n), .duplicate(let n),
             .reorder(let n),
             .transcription(_, let n), .journey(_, let n): n
        default: nil
        }
    }
    var status: Int? {
        switch self {
        case .httpError(_, let s), .tokenRefreshFail(_, let s): s
        default: nil
        }
    }
}

/// One injected fault, as logged (`GET /_sim/faults`).
public struct SimFaultRecord: Codable, Sendable, Equatable {
    /// Sequence number in the log, from 1.
    public var seq: Int
    public var org: String
    public var kind: String
    public var count: Int?
    public var status: Int?
    /// Business time of the injection (ISO-8601 UTC) and as epoch milliseconds.
    public var at: String
    public var atMillis: Int64
    /// Real (wall) time of the injection, ISO-8601 UTC.
    public var realAt: String
    /// `api` (POST /_sim/faults or ``GenesysSimulator/inject(_:org:)``) or `random`.
    public var source: String
    /// What it touched (e.g. `2 sockets`).
    public var detail: String
}
