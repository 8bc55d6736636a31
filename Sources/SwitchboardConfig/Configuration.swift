import Foundation
import SwitchboardCore

/// The whole orgs YAML, validated. Built by ``ConfigLoader``; every field has a documented default
/// (see `orgs.example.yaml` and docs/configuration.md).
public struct SwitchboardConfiguration: Sendable, Equatable {
    public var server: ServerConfig
    /// Downstream authentication: static tokens and/or JWTs, or none (demo, loopback only).
    public var auth: AuthConfig
    public var occupancy: OccupancyConfig
    /// The wall's badge thresholds: top level, per org and per queue (docs/configuration.md, "Thresholds").
    public var thresholds: ThresholdsConfig
    /// History and durability (`store:`); restart-only. A configuration built in code keeps nothing unless
    /// told (the YAML loader defaults to a file, docs/configuration.md).
    public var store = StoreConfig.none
    /// The speech views (`speech:`): correlation grace and how long ended calls stay listed.
    public var speech = SpeechConfig()
    /// The deployment-wide `journeys:` section: the salt of hashed customer keys (docs/journeys.md).
    public var journeys = JourneysConfig()
    /// Scale-out (`cluster:`, docs/scale-out.md): the shared database and this replica's name; nil runs alone.
    /// Restart-only (``ClusterConfig/restartOnlyChanges(from:to:)``).
    public var cluster: ClusterConfig?
    public var orgs: [OrgConfig]
    /// Where the configuration was read from, for messages.
    public var sourcePath: String?
    /// Other files the configuration was built from (secret files, a PEM key), absolute paths: the
    /// supervisor re-reads the configuration when one of them changes.
    public var readFiles: [String] = []
    /// Environment variables (`${NAME}`) and secret files that were not checked because
    /// ``ConfigLoadOptions/requireSecrets`` was false (`check-config --no-env`); empty otherwise.
    public var unchecked: [String] = []

    public init(server: ServerConfig = .init(), auth: AuthConfig = .init(), occupancy: OccupancyConfig = .init(),
                thresholds: ThresholdsConfig = .init(), orgs: [OrgConfig] = [], sourcePath: String? = nil) {
        self.server = server
        self.auth = auth
        self.occupancy = occupancy
        self.thresholds = thresholds
        self.orgs = orgs
        self.sourcePath = sourcePath
    }

    public func org(_ id: OrgID) -> OrgConfig? { orgs.first { $0.id == id } }
}

/// `host:port`. Port 0 picks a free port.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    /// Parses `HOST:PORT` (`127.0.0.1:8080`, `[::1]:8080`, `:8080` for all interfaces).
    public init?(parsing s: String) {
        guard let colon = s.lastIndex(of: ":") else { return nil }
        var host = String(s[..<colon])
        guard let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    /// True for 127.0.0.0/8, ::1 and localhost.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}

/// `server:` — the bridge's own listener and stream settings.
public struct ServerConfig: Sendable, Equatable {
    /// Default `127.0.0.1:8080`.
    public var listen: ListenAddress = .init(host: "127.0.0.1", port: 8080)
    /// A line the dashboard shows in its footer (`GET /v1/about`); set by `switchboard demo` to say the
    /// day is simulated. Not a YAML key.
    public var notice: String?
    /// At most one delta per topic per flush interval. Default 250 ms.
    public var flushInterval: Duration = .milliseconds(250)
    /// Deltas kept per topic for resume. Default 512.
    public var historySize: Int = 512
    /// Oldest delta kept for resume. Default 5 minutes.
    public var historyMaxAge: Duration = .seconds(300)
    /// Encoded bytes of the deltas kept for resume, per topic (the newest delta is always kept). Default 8 MiB:
    /// under a 10,000 events/s storm on 15,000 agents (≈ 50 KiB deltas) about 40 s of history per topic instead
    /// of 512 deltas' 25 MiB; at ordinary rates the count bound (`historySize`) is reached first.
    public var historyMaxBytes: Int = 8 << 20
    /// Bytes of paced entities (``EntityKind/isPaced``: utilization, quality — a poll refreshes every agent's at
    /// once) one delta of a topic carries; the rest of a burst waits for the next flushes, live changes never do.
    /// Default 64 KiB: a 5,000-agent org's utilization poll (≈ 5 MB) spreads over ≈ 20 s of `org:<id>` deltas (three
    /// such orgs over ≈ 1 minute of `global`) instead of one delta; each delta stays cheap to compress and, in a
    /// cluster, to carry through PostgreSQL (docs/performance.md, Cluster).
    public var pacedBytesPerFlush: Int = 64 << 10
    /// Bound of each client's outbound queue. Default 1 MiB (Centrifugo's figure).
    public var clientQueueBytes: Int = 1 << 20
    /// Largest frame a client may send. Default 64 KiB.
    public var maxInboundFrameBytes: Int = 64 << 10
    /// Largest frame the server sends; larger messages are fragmented. Default 1 MiB.
    public var maxOutboundFrameBytes: Int = 1 << 20
    /// Offer `permessage-deflate` to stream clients that ask for it: snapshots and deltas compressed once per
    /// topic and shared (docs/protocol.md "Compression"). Default true.
    public var perMessageDeflate: Bool = true
    /// Topics one connection may subscribe to. Default 64.
    public var maxTopicsPerConnection: Int = 64
    /// Concurrent stream connections. Default 20,000.
    public var maxConnections: Int = 20_000
    /// Server ping period. Default 25 s.
    public var pingInterval: Duration = .seconds(25)
    /// Close when no pong arrives within this after a ping. Default 10 s.
    public var pongTimeout: Duration = .seconds(10)
    /// Period of the views' figure refresh (rolling windows move even without events). Default 5 s.
    public var refreshInterval: Duration = .seconds(5)
    /// A new connection must deliver its first complete request head within this; else it is closed.
    /// Default 10 s.
    public var headerReadTimeout: Duration = .seconds(10)
    /// A plain HTTP connection with no request in progress (or a request body that stopped arriving)
    /// is closed after this. Stream connections are kept alive by pings instead. Default 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// Largest request line plus headers; larger requests get `431` and the connection is closed.
    /// Default 16 KiB.
    public var maxHeaderBytes: Int = 16 << 10
    /// Connections that are not (yet) an authenticated stream — still sending their first request,
    /// or plain HTTP keep-alive connections. Past it new connections are closed at once. Default 1024.
    public var maxUnauthenticatedConnections: Int = 1024
    /// Pages (browser origins) that may open a stream, besides the bridge's own origin (an `Origin`
    /// naming the server the request's `Host` names). Requests without `Origin` (non-browser clients)
    /// are always allowed. Default: none besides the same origin. `*` allows every origin.
    public var allowedOrigins: [AllowedOrigin] = []

    public init() {}
}

/// A downstream scope (SPEC §3).
public enum Scope: Sendable, Hashable, CustomStringConvertible {
    /// Everything.
    case global
    /// One org only.
    case org(OrgID)
    /// Config and control endpoints, `/readyz` details, config alerts; also `/metrics`.
    case admin
    /// `GET /metrics` only (a Prometheus scraper): every org's figures, nothing else.
    case metrics

    /// Parses `global`, `admin`, `metrics`, `org:<id>`.
    public init?(parsing s: String) {
        switch s {
        case "global": self = .global
        case "admin": self = .admin
        case "metrics": self = .metrics
        default:
            guard s.hasPrefix("org:"), s.count > 4 else { return nil }
            self = .org(OrgID(String(s.dropFirst(4))))
        }
    }

    public var description: String {
        switch self {
        case .global: "global"
        case .admin: "admin"
        case .metrics: "metrics"
        case .org(let id): "org:\(id)"
        }
    }
}

/// One downstream client declared in `clients:`.
public struct ClientConfig: Sendable, Equatable {
    public var name: String
    /// The token in the clear; an EMPTY `Secret` when the config gives only `tokenSha256`.
    /// Authenticate with ``credential`` (``ClientCredential/matches(_:)``), which handles both.
    public var token: Secret
    public var scopes: [Scope]
    /// How the client authenticates: `.token` (set by this initialiser) or `.sha256`.
    public var credential: ClientCredential
    public init(name: String, token: Secret, scopes: [Scope]) {
        self.name = name
        self.token = token
        self.scopes = scopes
        self.credential = .token(token)
    }
}

/// `auth:` and `clients:`.
public struct AuthConfig: Sendable, Equatable {
    /// `auth: none` — no downstream authentication (demo; `run` allows it only on loopback).
    public var disabled: Bool = false
    /// Static bearer tokens.
    public var clients: [ClientConfig] = []
    /// Shared secret for HS256-signed JWTs (`jwt.hs256Secret`).
    public var jwtHS256Secret: Secret?
    /// PEM public key for RS256-signed JWTs (`jwt.rs256PublicKey`).
    public var jwtRS256PublicKeyPEM: String?
    /// Required `iss` claim, when set.
    public var jwtIssuer: String?
    /// Required `aud` claim, when set.
    public var jwtAudience: String?

    public init() {}
}

/// Band thresholds (SPEC §5): `under` < underBelow ≤ `healthy` < healthyBelow ≤ `elevated` ≤ elevatedUpTo < `burnout`.
public struct BandThresholds: Sendable, Equatable {
    /// Default 0.60.
    public var under: Double = 0.60
    /// Default 0.80.
    public var healthy: Double = 0.80
    /// Default 0.90.
    public var elevated: Double = 0.90
    public init() {}
    public init(under: Double, healthy: Double, elevated: Double) {
        self.under = under
        self.healthy = healthy
        self.elevated = elevated
    }

    /// The band of an occupancy ratio; nil when occupancy is undefined.
    public func band(for occupancy: Double?) -> OccupancyBand? {
        guard let o = occupancy else { return nil }
        if o < under { return .under }
        if o <= healthy { return .healthy }
        if o <= elevated { return .elevated }
        return .burnout
    }
}

/// `occupancy:`.
public struct OccupancyConfig: Sendable, Equatable {
    /// System presences counted as productive (with any handling time). Default On Queue, Available.
    public var productivePresences: Set<SystemPresence> = [.onQueue, .available]
    public var bands: BandThresholds = .init()
    /// The window the band is computed on. Default rolling60m.
    public var bandWindow: OccupancyWindow = .rolling60m
    /// Least productive time in the band window before an agent gets a band; below it the agent is
    /// "warming up" (a few minutes of data would otherwise read 100 % and tag a burnout). Default 10 min.
    public var bandMinProductive: Duration = .seconds(600)
    public init() {}
}

/// Which queues or users to watch.
public enum Selection: Sendable, Equatable {
    /// Resolve through the directory endpoints.
    case all
    /// Exactly these platform ids.
    case ids([String])
}

/// Which upstream API shapes an org speaks (SPEC §8).
public enum UpstreamProtocol: String, Sendable, Equatable {
    /// The real Genesys Cloud APIs (default).
    case genesys
    /// The seed documents' invented shapes, for relays and rigs that follow them.
    case seed
}

/// Per-org tunables, each with a default.
public struct OrgTunables: Sendable, Equatable {
    /// No heartbeat or message for this long ⇒ stale. Default 65 s.
    public var heartbeatTimeout: Duration = .seconds(65)
    /// Probe the socket with `{"message":"ping"}` after this much quiet (no frame at all). Default 8 s: with
    /// ``pingTimeout`` a dead socket is found 14 s after its last frame (docs/connector.md, "Heartbeat watchdog").
    public var pingAfterQuiet: Duration = .seconds(8)
    /// How long each ping waits for a frame (the pong, or anything else); two unanswered in a row ⇒ stale.
    /// Default 3 s.
    public var pingTimeout: Duration = .seconds(3)
    /// Reconnect backoff: first delay. Default 1 s.
    public var backoffInitial: Duration = .seconds(1)
    /// Reconnect backoff: cap. Default 60 s.
    public var backoffMax: Duration = .seconds(60)
    /// Jitter as a fraction of the delay. Default 0.1.
    public var backoffJitter: Double = 0.1
    /// A connection open this long resets the backoff. Default 60 s.
    public var backoffResetAfter: Duration = .seconds(60)
    /// Renew the token at least this long before expiry (10 % of its lifetime when that is longer, at most
    /// half of it). Default 5 min (seed 004).
    public var tokenRefreshMargin: Duration = .seconds(300)
    /// Roll the channel over this long before its `expires`. Default 1 h (at 23 h of 24).
    public var channelRolloverBefore: Duration = .seconds(3600)
    /// REST request timeout. Default 15 s.
    public var requestTimeout: Duration = .seconds(15)
    /// Refresh of the open utilization interval. Default 5 min.
    public var utilizationPollInterval: Duration = .seconds(300)
    /// Quality poll. Default 15 min.
    public var qualityPollInterval: Duration = .seconds(900)
    /// Queue service figures poll (offered, answered, abandoned, service level; docs/queues.md). Default 1 min.
    public var queueServicePollInterval: Duration = .seconds(60)
    /// Minimum evaluations before a quality score is shown. Default 3.
    public var qualityMinEvaluations: Int = 3
    /// An evaluation passes with a total score at least this high (0…100), for `passRate` on real
    /// orgs (the platform has no pass/fail of its own). Default 80.
    public var qualityPassScore: Double = 80
    /// Media types the utilization feed counts (`voice`, `chat`, …); nil for every media type (default).
    /// Seed 001 counts voice only.
    public var utilizationMediaTypes: [String]? = nil
    /// The analytics `mediaType` dimension's values (the platform's session media types).
    public static let knownMediaTypes = [
        "voice", "callback", "chat", "email", "message", "cobrowse", "video", "screenshare", "internalmessage", "unknown",
    ]
    public init() {}
}

/// One Genesys org.
public struct OrgConfig: Sendable, Equatable {
    public var id: OrgID
    public var name: String
    /// The Genesys domain (`mypurecloud.com`), when given by region.
    public var region: String?
    /// REST base, e.g. `https://api.mypurecloud.com`.
    public var apiBase: String
    /// OAuth base, e.g. `https://login.mypurecloud.com`.
    public var loginBase: String
    public var clientId: String
    public var clientSecret: Secret
    public var timezone: TimeZone
    public var queues: Selection
    public var users: Selection
    public var upstreamProtocol: UpstreamProtocol
    public var tunables: OrgTunables
    /// The org's AudioHook Monitor integration (`audio:` on a `protocol: genesys` org); nil when the org
    /// streams no audio or speaks the seed protocol.
    public var audio: AudioConfig?
    /// The org's seed Audio Connector subscription (`audio:` on a `protocol: seed` org); nil when the org
    /// streams no audio or speaks the real protocol.
    public var seedAudio: SeedAudioConfig?
    /// The org's keyword phrases, transcription and hot-call rules (`speechText:`, docs/speech-text.md); nil when
    /// the section is absent (no speech text for the org).
    public var speechText: SpeechTextConfig?
    /// The org's customer journeys (`journeys:`, docs/journeys.md); nil when the section is absent (no journeys
    /// for the org).
    public var journeys: OrgJourneysConfig?

    public init(id: OrgID, name: String, region: String? = nil, apiBase: String, loginBase: String,
                clientId: String, clientSecret: Secret, timezone: TimeZone, queues: Selection = .all,
                users: Selection = .all, upstreamProtocol: UpstreamProtocol = .genesys, tunables: OrgTunables = .init(),
                audio: AudioConfig? = nil, seedAudio: SeedAudioConfig? = nil, speechText: SpeechTextConfig? = nil,
                journeys: OrgJourneysConfig? = nil) {
        self.id = id
        self.name = name
        self.region = region
        self.apiBase = apiBase
        self.loginBase = loginBase
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.timezone = timezone
        self.queues = queues
        self.users = users
        self.upstreamProtocol = upstreamProtocol
        self.tunables = tunables
        self.audio = audio
        self.seedAudio = seedAudio
        self.speechText = speechText
        self.journeys = journeys
    }
}

/// The Genesys Cloud regions (py SDK `purecloud_region_hosts.py`, v257): domain → API and login hosts.
public enum GenesysRegions {
    public static let domains: [String] = [
        "mypurecloud.com", "use2.us-gov-pure.cloud", "usw2.pure.cloud", "cac1.pure.cloud", "sae1.pure.cloud",
        "mxc1.pure.cloud", "mypurecloud.ie", "euw2.pure.cloud", "mypurecloud.de", "euc2.pure.cloud",
        "mec1.pure.cloud", "aps1.pure.cloud", "apse1.pure.cloud", "mypurecloud.com.au", "mypurecloud.jp",
        "apne2.pure.cloud", "apne3.pure.cloud",
    ]
    public static func apiBase(domain: String) -> String { "https://api.\(domain)" }
    public static func loginBase(domain: String) -> String { "https://login.\(domain)" }
}
