/// Where closed journeys go when they leave the journey views' memory (docs/journeys.md, "Retention"), and
/// where reads look when memory no longer has them. The store implements it (`StoreWriter`: saves go into its
/// batched transactions, reads see what is pending as well as what is stored); the journey views know only this.
public protocol JourneyArchive: Sendable {
    /// Keeps closed journeys (a later save of the same id replaces the earlier). Never waits on disk.
    func save(_ journeys: [StoredJourney])
    /// One kept journey by id (`<org>/j-<16 hex>`); nil when none is kept.
    func journey(id: String) async throws -> StoredJourney?
    /// An org's kept journeys carrying any of `customerHashes`, newest first (`openedAt`, then id, descending),
    /// at most `limit`.
    func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney]
    /// Keeps an accepted EventBridge delivery; returns once it is durable (committed), throws when it could not
    /// be stored.
    func keep(_ delivery: EventBridgeDelivery) async throws
    /// An org's kept deliveries received at or after `since`, oldest first (replayed at start).
    func deliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery]
}

/// One accepted `POST /v1/ingest/eventbridge/<org>` body as it came, kept so a restart can replay it (open
/// journeys survive; duplicate ids are dropped again). Opaque to the store.
public struct EventBridgeDelivery: Sendable, Equatable {
    public var org: OrgID
    /// When the bridge received it (its events' `receivedAt`).
    public var receivedAt: EpochMillis
    public var body: [UInt8]

    public init(org: OrgID, receivedAt: EpochMillis, body: [UInt8]) {
        self.org = org
        self.receivedAt = receivedAt
        self.body = body
    }
}

/// A closed journey as kept by a ``JourneyArchive``. The store does not interpret ``document``; it indexes
/// the journey by org, by ``customerHashes`` (never an address) and by ``closedAt`` (retention).
public struct StoredJourney: Sendable, Equatable {
    /// `<org>/j-<16 hex>`.
    public var id: String
    public var org: OrgID
    /// The journey's first event time (newest-first order of searches).
    public var openedAt: EpochMillis
    /// When the journey was declared closed: the org's `journeys.retention` runs from here.
    public var closedAt: EpochMillis
    /// The salted hashes of the journey's customer key and aliases (`phone#1f0c…`), for searches by customer.
    public var customerHashes: [String]
    /// What the journey views wrote (JSON); opaque to the store.
    public var document: [UInt8]

    public init(id: String, org: OrgID, openedAt: EpochMillis, closedAt: EpochMillis, customerHashes: [String],
                document: [UInt8]) {
        self.id = id
        self.org = org
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.customerHashes = customerHashes
        self.document = document
    }
}
