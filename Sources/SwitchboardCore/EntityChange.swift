/// The contract between the views and the hub.
///
/// Views emit ``EntityChange``s: the latest state of one entity (an org, an agent, a queue, a
/// totals object), already encoded as JSON exactly once. The hub keeps the latest fragment per
/// entity and topic, builds snapshots by concatenating fragments, coalesces deltas per flush
/// interval (latest fragment wins), and sends the same bytes to every subscriber of a topic.
/// Nothing downstream re-encodes an entity.

/// The collections of a snapshot's `data` object (SPEC §4), plus those later capabilities add.
public struct EntityKind: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    /// A singleton is one JSON object in the snapshot (`"occupancy":{…}`), not an array.
    public let isSingleton: Bool
    /// Figures a poller refreshes in bulk (every agent's at once, minutes apart) rather than a live state: the hub
    /// spreads a burst of them over several deltas (`server.pacedBytesPerFlush`) so that one poll does not make one
    /// delta of megabytes that every client, compressor and replica must take before the next live change.
    public let isPaced: Bool

    public init(rawValue: String) {
        self.init(rawValue, singleton: false)
    }
    /// `paced` defaults to whether `rawValue` names a paced kind (a kind read back from a store or another
    /// replica's record keeps its pacing).
    public init(_ rawValue: String, singleton: Bool, paced: Bool? = nil) {
        self.rawValue = rawValue
        self.isSingleton = singleton
        self.isPaced = paced ?? Self.pacedNames.contains(rawValue)
    }
    private static let pacedNames: Set<String> = ["utilization", "quality"]
    public var description: String { rawValue }
    public static func < (a: EntityKind, b: EntityKind) -> Bool { a.rawValue < b.rawValue }
    public static func == (a: EntityKind, b: EntityKind) -> Bool { a.rawValue == b.rawValue }
    public func hash(into h: inout Hasher) { h.combine(rawValue) }

    /// `"orgs":[…]`: one entry per org: id, name, status, heartbeat ages, occupancy.
    public static let orgs = EntityKind("orgs", singleton: false)
    /// `"agents":[…]`
    public static let agents = EntityKind("agents", singleton: false)
    /// `"queues":[…]`
    public static let queues = EntityKind("queues", singleton: false)
    /// `"occupancy":{…}`: the topic's time-weighted totals (global, or the org's own).
    public static let occupancy = EntityKind("occupancy", singleton: true)
    /// `"utilization":[…]`: one entry per agent with today's 30-minute intervals (docs/utilization.md).
    public static let utilization = EntityKind("utilization", singleton: false)
    /// `"quality":[…]`: one entry per agent with evaluations today, per form (docs/quality.md).
    public static let quality = EntityKind("quality", singleton: false)

    // The speech topics (`speech:<org>`, `speech:global`; docs/protocol.md "Speech topics") hold
    // `calls`, and `agents`, `queues`, `orgs` speech rollups under the same keys as the live topics: topics
    // keep their entities apart, so the shared raw values never meet.
    /// `"calls":[…]`: one entry per AudioHook session, live or recently ended.
    public static let calls = EntityKind("calls", singleton: false)
    /// `"totals":{…}`: a speech topic's totals (the org's, or every org's in `speech:global`).
    public static let totals = EntityKind("totals", singleton: true)
    /// `"journeys":[…]`: customer journeys, open or closed less than 60 s ago (docs/protocol.md "Journey topics").
    public static let journeys = EntityKind("journeys", singleton: false)
}

/// Which topics an entity belongs to.
public enum ChangeScope: Sendable, Hashable {
    /// Only the `global` topic (e.g. the global totals).
    case global
    /// The org's topic `org:<id>` and `global` (orgs, agents, queues).
    case org(OrgID)
    /// Only the org's topic (e.g. that org's totals, which are `occupancy` there).
    case orgOnly(OrgID)
    /// The org's topic of a family, `<family>:<id>`, and the family's `<family>:global` (e.g. calls, speech
    /// rollups per agent, queue, org).
    case family(TopicFamily, OrgID)
    /// Only `<family>:<id>` (e.g. that org's speech `totals`).
    case familyOrgOnly(TopicFamily, OrgID)
    /// Only `<family>:global` (e.g. the global speech `totals`).
    case familyGlobal(TopicFamily)

    /// The org whose topics it reaches; nil for the global-only scopes.
    public var org: OrgID? {
        switch self {
        case .org(let o), .orgOnly(let o), .family(_, let o), .familyOrgOnly(_, let o): o
        case .global, .familyGlobal: nil
        }
    }

    /// `speech:<id>` and `speech:global`.
    public static func speech(_ org: OrgID) -> ChangeScope { .family(.speech, org) }
    /// Only `speech:<id>`.
    public static func speechOrgOnly(_ org: OrgID) -> ChangeScope { .familyOrgOnly(.speech, org) }
    /// Only `speech:global`.
    public static var speechGlobal: ChangeScope { .familyGlobal(.speech) }
}

/// A family of topics beside the live views' `global` and `org:<id>`: `<name>:global` (every org) and
/// `<name>:<id>` (one org), read with the same scopes as `global` and `org:<id>` (docs/protocol.md §2). Each
/// family's topics hold their own entities (a speech topic's `agents` are not the live views' `agents`).
public struct TopicFamily: Hashable, Sendable, CustomStringConvertible {
    /// The wire prefix (`speech` in `speech:us`).
    public let name: String
    /// The collections of its snapshots, in order (`data` always has them, possibly empty).
    public let kinds: [EntityKind]

    public init(name: String, kinds: [EntityKind]) {
        self.name = name
        self.kinds = kinds
    }

    public static func == (a: TopicFamily, b: TopicFamily) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }
    public var description: String { name }

    /// `speech:*`: how people talk on monitored calls (docs/speech.md).
    public static let speech = TopicFamily(name: "speech", kinds: [.calls, .agents, .queues, .orgs, .totals])
    /// `speechtext:*`: what they say — keyword hits and sentiment (docs/speech-text.md).
    public static let speechText = TopicFamily(name: "speechtext", kinds: [.calls, .agents, .queues, .orgs, .totals])
    /// `journeys:*`: customer journeys across conversations and media, with figures per queue and org
    /// (docs/journeys.md).
    public static let journeys = TopicFamily(name: "journeys", kinds: [.journeys, .queues, .orgs, .totals])
    /// Every family, in the order the hub lists them.
    public static let all: [TopicFamily] = [.speech, .speechText, .journeys]
}

/// A complete JSON value, encoded once.
public struct EncodedJSON: Sendable, Equatable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// The latest state of one entity, or its removal.
public struct EntityChange: Sendable, Equatable {
    public let kind: EntityKind
    /// Unique within the kind: the namespaced id (`us/0f3c…`), the org id, or `global`.
    public let id: String
    public let scope: ChangeScope
    /// The entity's full JSON; nil when the entity was removed.
    public let json: EncodedJSON?

    public init(kind: EntityKind, id: String, scope: ChangeScope, json: EncodedJSON?) {
        self.kind = kind
        self.id = id
        self.scope = scope
        self.json = json
    }
}

/// Alerts pushed to stream clients (SPEC §4 `{"type":"alert",…}`).
public struct StreamAlert: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case upstreamStale = "upstream-stale"
        case upstreamDisconnected = "upstream-disconnected"
        case upstreamRecovered = "upstream-recovered"
        case authFailed = "auth-failed"
        /// Renewing the org's token failed while the current one still works (the sockets stay up): a
        /// configuration or credential problem that needs a person (seed 004, edge case 3). Held apart from the
        /// `upstream-*` / `auth-failed` state until `token-renewed`.
        case tokenRenewalFailed = "token-renewal-failed"
        /// A token was issued again after failed renewals: ends `token-renewal-failed`.
        case tokenRenewed = "token-renewed"
        /// The seed event stream's subscription is not bound to the live callback connection (a `protocol: seed`
        /// org with journeys): the platform accepted it and sends it nothing. Held apart (the sockets are up) until
        /// `eventstream-callback-matched`.
        case eventStreamCallbackMismatch = "eventstream-callback-mismatch"
        /// A subscription was verified bound to the live connection again: ends `eventstream-callback-mismatch`.
        case eventStreamCallbackMatched = "eventstream-callback-matched"
        /// Sent to `admin` connections only.
        case configRejected = "config-rejected"
        /// A reload was applied after a refused one: the `config-rejected` (or `restart-required`) alert no
        /// longer holds (admins only).
        case configAccepted = "config-accepted"
        /// A reload changed a setting the running bridge applies only at its next start (admins only).
        case restartRequired = "restart-required"
    }

    public var kind: Kind
    /// The org concerned; nil for process-wide alerts (config).
    public var org: OrgID?
    public var since: EpochMillis
    public var message: String

    public init(kind: Kind, org: OrgID?, since: EpochMillis, message: String) {
        self.kind = kind
        self.org = org
        self.since = since
        self.message = message
    }
}

/// Where views send their changes. The hub implements it; publishing never waits on clients.
public protocol ViewChangeSink: Sendable {
    func publish(_ changes: [EntityChange])
    func publish(alert: StreamAlert)
}

/// Where connectors send normalised events. The views engine implements it.
public protocol BridgeEventSink: Sendable {
    func ingest(org: OrgID, events: [BridgeEvent]) async
}

/// The entities whose figures move with time (orgs, totals, agents, queues), computed at one instant.
public struct LiveEntities: Sendable {
    /// The business time they were computed at.
    public let at: EpochMillis
    /// The kinds covered: a snapshot takes these from here and every other kind from the latest deltas.
    public let kinds: Set<EntityKind>
    public let changes: [EntityChange]

    public init(at: EpochMillis, kinds: Set<EntityKind>, changes: [EntityChange]) {
        self.at = at
        self.kinds = kinds
        self.changes = changes
    }
}

/// Where the hub reads entities at the moment a snapshot is taken, so that a snapshot is true when it is
/// read rather than when each entity last changed. The views engine implements it.
public protocol LiveEntitySource: Sendable {
    /// Runs `body` with the live entities of `org` (nil: every org, plus the global totals) computed now.
    /// No change is published between the computation and `body`, so `body` may combine them with what
    /// was published before.
    func withLiveEntities<R: Sendable>(org: OrgID?, _ body: @Sendable (LiveEntities) -> R) async -> R
}
