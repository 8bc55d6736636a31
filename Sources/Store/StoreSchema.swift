import GRDB

/// The SQLite schema, as an append-only list of migrations (docs/store.md, "Adding a migration").
///
/// Migration *n* (1-based) sets `PRAGMA user_version = n`, so a build can tell a file written by a newer
/// build (`user_version` above ``version``) without knowing its migrations' names. Never edit or reorder a
/// released migration: append `v2`, `v3`, … and commit a fixture made by the build that adds it.
enum StoreSchema {
    /// `PRAGMA application_id` of a Switchboard store: "SWBD".
    static let applicationID: Int32 = 0x5357_4244

    /// Every migration, oldest first. Append only.
    static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("v1", v1),
        ("v2", v2),
        ("v3", v3),
    ]

    /// The schema version this build writes and the newest it can open.
    static var version: Int { migrations.count }

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (index, migration) in migrations.enumerated() {
            let body = migration.migrate
            migrator.registerMigration(migration.id) { db in
                try body(db)
                try db.execute(sql: "PRAGMA user_version = \(index + 1)")
            }
        }
        return migrator
    }

    /// Entity kinds in the `entity` dictionary.
    enum EntityKind: Int, Sendable {
        case agent = 0
        case queue = 1
    }

    // MARK: v1

    /// Occupancy history, day totals, documents, hub state and the config audit log.
    @Sendable static func v1(_ db: Database) throws {
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(sql: """
            -- Agents and queues by org and platform id → a small integer used in blobs and queue rows.
            CREATE TABLE entity (
                id INTEGER PRIMARY KEY,
                org TEXT NOT NULL,
                kind INTEGER NOT NULL,
                platform_id TEXT NOT NULL,
                UNIQUE (org, kind, platform_id)
            );
            -- One row per closed 15-minute bucket of an org: the org's figures. Its presence means the
            -- bucket is stored (agent_bucket and queue_bucket rows are written in the same transaction).
            CREATE TABLE org_bucket (
                org TEXT NOT NULL,
                start INTEGER NOT NULL,
                handling_ms INTEGER NOT NULL,
                productive_ms INTEGER NOT NULL,
                PRIMARY KEY (org, start)
            ) WITHOUT ROWID;
            -- Every queue of the org in a closed bucket.
            CREATE TABLE queue_bucket (
                queue INTEGER NOT NULL,
                start INTEGER NOT NULL,
                handling_ms INTEGER NOT NULL,
                productive_ms INTEGER NOT NULL,
                PRIMARY KEY (queue, start)
            ) WITHOUT ROWID;
            -- Every agent with time in a closed bucket: one AgentBucketCodec blob per (org, bucket).
            CREATE TABLE agent_bucket (
                org TEXT NOT NULL,
                start INTEGER NOT NULL,
                agents INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (org, start)
            );
            -- The latest totals of the day per org (every agent the views held): an AgentBucketCodec blob.
            CREATE TABLE day_totals (
                org TEXT NOT NULL,
                day_start INTEGER NOT NULL,
                as_of INTEGER NOT NULL,
                agents INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (org, day_start)
            );
            -- Polled documents (utilization, quality, journeys, speech results), latest per key; the JSON
            -- as DocumentCodec stores it (encoding 0 raw, 1 zlib).
            CREATE TABLE document (
                kind TEXT NOT NULL,
                org TEXT NOT NULL,
                day_start INTEGER NOT NULL,
                key TEXT NOT NULL,
                as_of INTEGER NOT NULL,
                encoding INTEGER NOT NULL,
                json BLOB NOT NULL,
                PRIMARY KEY (kind, org, day_start, key)
            );
            CREATE TABLE hub_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                epoch TEXT NOT NULL,
                topics TEXT NOT NULL,
                saved_at INTEGER NOT NULL,
                clean INTEGER NOT NULL
            );
            CREATE TABLE config_audit (
                id INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                file_hash TEXT NOT NULL,
                outcome TEXT NOT NULL,
                summary TEXT NOT NULL
            );
            CREATE INDEX config_audit_at ON config_audit (at);
            """)
    }

    // MARK: v2

    /// Per queue and bucket, how many of its members had productive time (the reaction-time report). NULL in
    /// rows stored before: unknown.
    @Sendable static func v2(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE queue_bucket ADD COLUMN agents INTEGER")
    }
}

extension StoreSchema {
    // MARK: v3

    /// Closed journeys the journey views let go (docs/journeys.md "Retention"): one row per journey with its
    /// document (DocumentCodec encoding), and its customers' salted hashes for searches (never an address); the
    /// accepted EventBridge deliveries, replayed at start.
    @Sendable static func v3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE journey (
                id TEXT PRIMARY KEY,
                org TEXT NOT NULL,
                opened_at INTEGER NOT NULL,
                closed_at INTEGER NOT NULL,
                encoding INTEGER NOT NULL,
                json BLOB NOT NULL
            );
            CREATE INDEX journey_org_closed ON journey (org, closed_at);
            CREATE TABLE journey_key (
                org TEXT NOT NULL,
                key_hash TEXT NOT NULL,
                journey TEXT NOT NULL REFERENCES journey (id) ON DELETE CASCADE,
                PRIMARY KEY (org, key_hash, journey)
            ) WITHOUT ROWID;
            CREATE INDEX journey_key_journey ON journey_key (journey);
            -- Accepted EventBridge request bodies (DocumentCodec encoding), replayed at start.
            CREATE TABLE eventbridge_delivery (
                id INTEGER PRIMARY KEY,
                org TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                encoding INTEGER NOT NULL,
                body BLOB NOT NULL
            );
            CREATE INDEX eventbridge_delivery_org_received ON eventbridge_delivery (org, received_at);
            """)
    }
}
