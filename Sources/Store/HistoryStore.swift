import SwitchboardCore

/// The store's contract (docs/store.md). Backend-neutral on purpose: the embedded SQLite backend
/// (`SQLiteHistoryStore`) implements it, and `PostgresHistoryStore` (the PostgresStore target) for several
/// replicas. Nothing here names a SQLite or GRDB type; times are UTC epoch ms, durations ms.
///
/// Writes arrive in batches from one `StoreWriter` (never from the ingest path directly); each batch is
/// one transaction, so a batch is either wholly stored or not at all.
public protocol HistoryStore: Sendable {
    /// Stores one batch in one transaction.
    func write(_ batch: StoreBatch) async throws

    /// Occupancy figures of `series` for the closed 15-minute buckets starting in `[from, to)`, summed per
    /// `step` (a multiple of 15 minutes; `.day` steps start at the UTC-offset given). Buckets without data are
    /// left out. `.global` sums every org's org series.
    func series(_ series: SeriesKey, from: EpochMillis, to: EpochMillis, step: HistoryStep) async throws -> [SeriesPoint]

    /// The closed 15-minute buckets of one org in `[from, to)`, every agent with time in them (for reports).
    func closedBuckets(org: OrgID, from: EpochMillis, to: EpochMillis) async throws -> [ClosedBucket]

    /// The latest stored day totals of `org` for the local day starting at `dayStart`, if any.
    func dayTotals(org: OrgID, dayStart: EpochMillis) async throws -> DayTotals?

    /// Stored documents (polled utilization / quality) of `kind` for one org and day.
    func documents(kind: DocumentKind, org: OrgID, dayStart: EpochMillis) async throws -> [StoredDocument]

    /// The hub state saved last, if any.
    func hubState() async throws -> HubState?

    /// The newest `limit` config audit entries, newest first.
    func auditLog(limit: Int) async throws -> [AuditEntry]

    /// One stored closed journey by id (`<org>/j-<16 hex>`), if kept.
    func journey(id: String) async throws -> StoredJourney?

    /// An org's stored journeys carrying any of `customerHashes`, newest first (`openedAt`, then id,
    /// descending), at most `limit`.
    func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney]

    /// An org's stored EventBridge deliveries received at or after `since`, oldest first.
    func eventBridgeDeliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery]

    /// Deletes what is older than each kind's retention at `now`.
    func sweep(now: EpochMillis, retention: StoreRetention) async throws -> SweepReport

    /// What the store holds (for `/readyz`, the bench and docs): bytes on disk, rows per kind.
    func statistics() async throws -> StoreStatistics
}

/// What a series is about. Its text form is the hub's topic / entity naming: `global`, `org:us`,
/// `queue:us/<id>`, `agent:us/<id>`.
public enum SeriesKey: Sendable, Hashable, CustomStringConvertible {
    case global
    case org(OrgID)
    case queue(EntityID)
    case agent(EntityID)

    public var description: String {
        switch self {
        case .global: "global"
        case .org(let o): "org:\(o.rawValue)"
        case .queue(let q): "queue:\(q.description)"
        case .agent(let a): "agent:\(a.description)"
        }
    }
}

/// One point of a history answer: the step starting at `start`.
public struct SeriesPoint: Sendable, Equatable {
    public var start: EpochMillis
    public var sample: OccupancySample
    public init(start: EpochMillis, sample: OccupancySample) {
        self.start = start
        self.sample = sample
    }
}

/// The step of a history answer.
public enum HistoryStep: Sendable, Equatable {
    /// 15 minutes × n (n ≥ 1): `15m` is 1, `1h` is 4.
    case buckets(Int)
    /// One local day; `utcOffsetMs` places midnight (a day with a DST change is still 24 h of buckets
    /// from the first midnight: good enough for a trend, said in docs/store.md).
    case day(utcOffsetMs: Int64)
}

/// Kinds of stored documents, each with its own retention.
public enum DocumentKind: String, Sendable, CaseIterable {
    case utilization
    case quality
    case journey
    case speech
}

/// A polled result kept as the connector last saw it (JSON produced by the caller; the store does not
/// interpret it). Unique per (kind, org, dayStart, key); a newer write replaces the older.
public struct StoredDocument: Sendable, Equatable {
    public var kind: DocumentKind
    public var org: OrgID
    public var dayStart: EpochMillis
    /// E.g. the agent's platform id.
    public var key: String
    public var asOf: EpochMillis
    public var json: [UInt8]

    public init(kind: DocumentKind, org: OrgID, dayStart: EpochMillis, key: String, asOf: EpochMillis, json: [UInt8]) {
        self.kind = kind
        self.org = org
        self.dayStart = dayStart
        self.key = key
        self.asOf = asOf
        self.json = json
    }
}

/// The hub's resume state: its epoch and the last sequence number per topic. `clean` is true only when
/// written by a graceful shutdown after the last delta; a restart keeps the epoch only then.
public struct HubState: Sendable, Equatable {
    public var epoch: String
    public var topics: [String: Int]
    public var savedAt: EpochMillis
    public var clean: Bool
    /// Per topic, the listed entities (`kind/id`) a client may hold: what the restarted hub removes if the
    /// views do not send them again.
    public var entities: [String: [String]]

    public init(epoch: String, topics: [String: Int], savedAt: EpochMillis, clean: Bool,
                entities: [String: [String]] = [:]) {
        self.epoch = epoch
        self.topics = topics
        self.savedAt = savedAt
        self.clean = clean
        self.entities = entities
    }
}

/// One accepted or refused orgs-YAML (re)load.
public struct AuditEntry: Sendable, Equatable {
    public enum Outcome: String, Sendable { case accepted, refused }
    public var at: EpochMillis
    /// SHA-256 of the file's bytes, hex.
    public var fileHash: String
    public var outcome: Outcome
    /// What changed (orgs added / removed / retuned) or the refusal's diagnostics; never a secret.
    public var summary: String

    public init(at: EpochMillis, fileHash: String, outcome: Outcome, summary: String) {
        self.at = at
        self.fileHash = fileHash
        self.outcome = outcome
        self.summary = summary
    }
}

/// Everything one transaction writes.
public struct StoreBatch: Sendable, Equatable {
    public var buckets: [ClosedBucket] = []
    public var dayTotals: [DayTotals] = []
    public var documents: [StoredDocument] = []
    public var audit: [AuditEntry] = []
    public var hubState: HubState?
    /// Closed journeys the journey views let go (a later one with the same id replaces the earlier).
    public var journeys: [StoredJourney] = []
    /// Accepted EventBridge deliveries (replayed at start).
    public var deliveries: [EventBridgeDelivery] = []

    public init() {}
    public var isEmpty: Bool {
        buckets.isEmpty && dayTotals.isEmpty && documents.isEmpty && audit.isEmpty && hubState == nil && journeys.isEmpty
            && deliveries.isEmpty
    }
}

/// Retention per kind, in ms.
public struct StoreRetention: Sendable, Equatable {
    public var occupancyMs: Int64 = 35 * 86_400_000
    public var utilizationMs: Int64 = 35 * 86_400_000
    public var qualityMs: Int64 = 35 * 86_400_000
    public var auditMs: Int64 = 365 * 86_400_000
    /// Journey documents, and stored journeys of an org not in ``journeyMsByOrg``.
    public var journeyMs: Int64 = 30 * 86_400_000
    public var speechMs: Int64 = 30 * 86_400_000
    /// Stored journeys per org (the org's `journeys.retention`), from their ``StoredJourney/closedAt``.
    public var journeyMsByOrg: [OrgID: Int64] = [:]
    /// EventBridge deliveries per org (what a restart replays: the org's session timeout + idle grace), from
    /// when they were received.
    public var eventBridgeMsByOrg: [OrgID: Int64] = [:]
    /// EventBridge deliveries of an org not in ``eventBridgeMsByOrg``.
    public var eventBridgeMs: Int64 = 2 * 86_400_000
    public init() {}
}

public struct SweepReport: Sendable, Equatable {
    public var rowsDeleted: Int
    public init(rowsDeleted: Int) { self.rowsDeleted = rowsDeleted }
}

public struct StoreStatistics: Sendable, Equatable {
    public var bytesOnDisk: Int64
    public var buckets: Int
    public var agentBuckets: Int
    public var documents: Int
    public var auditEntries: Int
    public var journeys: Int
    public init(bytesOnDisk: Int64, buckets: Int, agentBuckets: Int, documents: Int, auditEntries: Int, journeys: Int = 0) {
        self.bytesOnDisk = bytesOnDisk
        self.buckets = buckets
        self.agentBuckets = agentBuckets
        self.documents = documents
        self.auditEntries = auditEntries
        self.journeys = journeys
    }
}

/// Why the store refused to open or to work. Messages name the path and what to do.
public struct StoreError: CodedError, Equatable {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
