/// The PostgreSQL schema, as an append-only list of migrations (docs/store.md, "PostgreSQL backend").
///
/// The version lives in the one-row table `switchboard_schema`; migration *n* (1-based) sets it to *n*. Opening
/// takes the transaction-scoped advisory lock ``advisoryLock`` first, so replicas opening the same database at
/// once migrate it one after the other (the second finds it current). Never edit or reorder a released
/// migration: append `v2`, `v3`, … Each migration is a list of statements (the extended protocol runs one
/// statement per query), all in the opening transaction.
///
/// The tables mirror the SQLite schema (same names, same blobs: ``AgentBucketCodec`` and ``DocumentCodec``
/// from the Store target), so both backends answer alike. Text keys use the "C" collation: ordering by key or
/// id is by bytes, as in SQLite, whatever the database's locale.
enum PostgresSchema {
    /// `pg_advisory_xact_lock` key of schema changes: "SWBD", the SQLite store's application id.
    static let advisoryLock: Int64 = 0x5357_4244

    /// Every migration, oldest first. Append only.
    static let migrations: [(id: String, statements: [String])] = [
        ("v1", v1),
    ]

    /// The schema version this build writes and the newest it can open.
    static var version: Int { migrations.count }

    /// Tables of the store, for statistics (their sizes) and for tests.
    static let tables = ["entity", "org_bucket", "queue_bucket", "agent_bucket", "day_totals", "document", "hub_state",
                         "config_audit", "journey", "journey_key", "eventbridge_delivery"]

    /// The version table itself (created before the lock's holder reads it).
    static let versionTable = """
        CREATE TABLE IF NOT EXISTS switchboard_schema (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL,
            migrated_at BIGINT NOT NULL
        )
        """

    /// Entity kinds in the `entity` dictionary (as in the SQLite store).
    enum EntityKind: Int16, Sendable {
        case agent = 0
        case queue = 1
    }

    // MARK: v1

    /// The SQLite schema v3 at once: occupancy history, day totals, documents, hub state, the config audit
    /// log, journeys and their customer hashes, EventBridge deliveries.
    static let v1: [String] = [
        """
        CREATE TABLE entity (
            id BIGSERIAL PRIMARY KEY,
            org TEXT COLLATE "C" NOT NULL,
            kind SMALLINT NOT NULL,
            platform_id TEXT COLLATE "C" NOT NULL,
            UNIQUE (org, kind, platform_id)
        )
        """,
        """
        CREATE TABLE org_bucket (
            org TEXT COLLATE "C" NOT NULL,
            start BIGINT NOT NULL,
            handling_ms BIGINT NOT NULL,
            productive_ms BIGINT NOT NULL,
            PRIMARY KEY (org, start)
        )
        """,
        "CREATE INDEX org_bucket_start ON org_bucket (start)",
        """
        CREATE TABLE queue_bucket (
            queue BIGINT NOT NULL,
            start BIGINT NOT NULL,
            handling_ms BIGINT NOT NULL,
            productive_ms BIGINT NOT NULL,
            agents INTEGER,
            PRIMARY KEY (queue, start)
        )
        """,
        "CREATE INDEX queue_bucket_start ON queue_bucket (start)",
        """
        CREATE TABLE agent_bucket (
            org TEXT COLLATE "C" NOT NULL,
            start BIGINT NOT NULL,
            agents INTEGER NOT NULL,
            data BYTEA NOT NULL,
            PRIMARY KEY (org, start)
        )
        """,
        "CREATE INDEX agent_bucket_start ON agent_bucket (start)",
        """
        CREATE TABLE day_totals (
            org TEXT COLLATE "C" NOT NULL,
            day_start BIGINT NOT NULL,
            as_of BIGINT NOT NULL,
            agents INTEGER NOT NULL,
            data BYTEA NOT NULL,
            PRIMARY KEY (org, day_start)
        )
        """,
        """
        CREATE TABLE document (
            kind TEXT COLLATE "C" NOT NULL,
            org TEXT COLLATE "C" NOT NULL,
            day_start BIGINT NOT NULL,
            key TEXT COLLATE "C" NOT NULL,
            as_of BIGINT NOT NULL,
            encoding SMALLINT NOT NULL,
            json BYTEA NOT NULL,
            PRIMARY KEY (kind, org, day_start, key)
        )
        """,
        """
        CREATE TABLE hub_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            epoch TEXT NOT NULL,
            topics TEXT NOT NULL,
            saved_at BIGINT NOT NULL,
            clean BOOLEAN NOT NULL
        )
        """,
        """
        CREATE TABLE config_audit (
            id BIGSERIAL PRIMARY KEY,
            at BIGINT NOT NULL,
            file_hash TEXT NOT NULL,
            outcome TEXT NOT NULL,
            summary TEXT NOT NULL
        )
        """,
        "CREATE INDEX config_audit_at ON config_audit (at)",
        """
        CREATE TABLE journey (
            id TEXT COLLATE "C" PRIMARY KEY,
            org TEXT COLLATE "C" NOT NULL,
            opened_at BIGINT NOT NULL,
            closed_at BIGINT NOT NULL,
            encoding SMALLINT NOT NULL,
            json BYTEA NOT NULL
        )
        """,
        "CREATE INDEX journey_org_closed ON journey (org, closed_at)",
        """
        CREATE TABLE journey_key (
            org TEXT COLLATE "C" NOT NULL,
            key_hash TEXT COLLATE "C" NOT NULL,
            journey TEXT COLLATE "C" NOT NULL REFERENCES journey (id) ON DELETE CASCADE,
            PRIMARY KEY (org, key_hash, journey)
        )
        """,
        "CREATE INDEX journey_key_journey ON journey_key (journey)",
        """
        CREATE TABLE eventbridge_delivery (
            id BIGSERIAL PRIMARY KEY,
            org TEXT COLLATE "C" NOT NULL,
            received_at BIGINT NOT NULL,
            encoding SMALLINT NOT NULL,
            body BYTEA NOT NULL
        )
        """,
        "CREATE INDEX eventbridge_delivery_org_received ON eventbridge_delivery (org, received_at)",
    ]
}
