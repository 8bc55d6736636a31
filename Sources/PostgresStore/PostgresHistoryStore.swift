import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Store
import Synchronization
import SwitchboardCore

/// The ``HistoryStore`` on PostgreSQL (docs/store.md, "PostgreSQL backend"): what several replicas share.
///
/// Same answers as ``SQLiteHistoryStore`` for the same batches (the contract tests run both): the same tables,
/// the same blobs (``AgentBucketCodec``, ``DocumentCodec``), each ``write(_:)`` one transaction. Opening connects
/// once on a connection of its own (so an unreachable server or a wrong password fails at once, not after the
/// pool's retries), takes the schema's advisory lock, refuses a schema newer than this build
/// (`postgres.newer-schema`) and creates or migrates it in one transaction. Queries then go through a
/// `PostgresClient` pool, which runs while ``run()`` does: the store is a `Service` of the owner's `ServiceGroup`
/// (no task of its own); ``withOpen(_:logger:metricsFactory:maximumConnections:_:)`` runs one around a body.
public final class PostgresHistoryStore: HistoryStore, Service {
    public let url: PostgresURL
    /// The schema version found in the database when it was opened (before migrating), 0 for a new one.
    public let openedSchemaVersion: Int
    /// The schema version this build writes.
    public static var schemaVersion: Int { PostgresSchema.version }

    let client: PostgresClient
    let logger: Logger
    let skippedBuckets: Counter
    /// Dictionary ids of agents and queues already committed (ids never change once committed).
    let entityIDs = Mutex<[EntityKey: Int64]>([:])
    private let closed = Atomic<Bool>(false)

    struct EntityKey: Hashable, Sendable {
        let org: String
        let kind: PostgresSchema.EntityKind
        let platformID: String
    }

    /// Where the store is, for messages and logs: the URL without its password.
    var place: String { url.redacted }

    /// Connects, creates or migrates the schema, and makes the connection pool; queries wait until ``run()`` runs it.
    /// - Parameter maximumConnections: the pool's bound (one writer and the readers).
    /// - Throws: ``PostgresStoreError`` naming the server (never the password) and what to do.
    public static func open(_ url: PostgresURL, logger: Logger = Logger(label: "switchboard.store"),
                            metricsFactory: (any MetricsFactory)? = nil,
                            maximumConnections: Int = 8) async throws -> PostgresHistoryStore {
        let found = try await migrate(url, logger: logger)
        if found == 0 {
            logger.info("created the history store schema", metadata: ["url": "\(url.redacted)", "schema": "\(PostgresSchema.version)"])
        } else if found < PostgresSchema.version {
            logger.notice("migrated the history store", metadata: [
                "url": "\(url.redacted)", "from": "\(found)", "to": "\(PostgresSchema.version)"])
        }
        var configuration = try url.clientConfiguration()
        configuration.options.maximumConnections = max(1, maximumConnections)
        return PostgresHistoryStore(url: url, openedSchemaVersion: found, configuration: configuration, logger: logger,
                                    metricsFactory: metricsFactory ?? MetricsSystem.factory)
    }

    private init(url: PostgresURL, openedSchemaVersion: Int, configuration: PostgresClient.Configuration, logger: Logger,
                 metricsFactory: any MetricsFactory) {
        self.url = url
        self.openedSchemaVersion = openedSchemaVersion
        self.logger = logger
        skippedBuckets = Counter(label: "switchboard_store_buckets_skipped_total", factory: metricsFactory)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled or the service group shuts down gracefully; the pool's
    /// connections are closed when it returns.
    public func run() async {
        let client = self.client
        await cancelWhenGracefulShutdown { await client.run() }
    }

    /// Runs the connection pool until the task is cancelled, whatever a graceful shutdown says: for an owner whose
    /// last writes come after the shutdown began (the bridge's store writer).
    public func runPoolUntilCancelled() async {
        await client.run()
    }

    /// Later calls to the store throw `postgres.closed` at once (instead of waiting for a pool no longer run).
    public func close() async {
        closed.store(true, ordering: .sequentiallyConsistent)
    }

    /// Opens the store at `url`, runs its pool beside `body`, then closes it and stops the pool (structured: the
    /// pool's task is a child of this call). For tools and tests; the bridge runs the store in its `ServiceGroup`.
    public static func withOpen<T: Sendable>(_ url: PostgresURL, logger: Logger = Logger(label: "switchboard.store"),
                                             metricsFactory: (any MetricsFactory)? = nil, maximumConnections: Int = 8,
                                             _ body: (PostgresHistoryStore) async throws -> T) async throws -> T {
        let store = try await open(url, logger: logger, metricsFactory: metricsFactory,
                                   maximumConnections: maximumConnections)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            do {
                let result = try await body(store)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }
    }

    // MARK: Migrations

    /// Creates or upgrades the schema in one transaction under the advisory lock; returns the version found.
    static func migrate(_ url: PostgresURL, logger: Logger) async throws -> Int {
        let place = url.redacted
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 0, logger: logger)
        } catch {
            throw PostgresStoreError.from(error, doing: "connecting to", at: place)
        }
        do {
            let found = try await connection.withTransaction(logger: logger) { c -> Int in
                try await exec(c, "SELECT pg_advisory_xact_lock(\(PostgresSchema.advisoryLock))", logger)
                try await exec(c, PostgresQuery(unsafeSQL: PostgresSchema.versionTable), logger)
                var found = 0
                for try await version in try await c.query("SELECT version FROM switchboard_schema WHERE id = 1",
                                                           logger: logger).decode(Int.self) {
                    found = version
                }
                guard found <= PostgresSchema.version else {
                    throw PostgresStoreError(code: "postgres.newer-schema", message: """
                        \(place) holds store schema version \(found), newer than this build's \(PostgresSchema.version): a newer \
                        Switchboard wrote it; run that version or a newer one against it, or point this one at another database
                        """)
                }
                for migration in PostgresSchema.migrations.dropFirst(found) {
                    for statement in migration.statements { try await exec(c, PostgresQuery(unsafeSQL: statement), logger) }
                }
                if found < PostgresSchema.version {
                    let now = EpochMillis(Date().timeIntervalSince1970 * 1000)
                    try await exec(c, """
                        INSERT INTO switchboard_schema (id, version, migrated_at) VALUES (1, \(PostgresSchema.version), \(now))
                        ON CONFLICT (id) DO UPDATE SET version = excluded.version, migrated_at = excluded.migrated_at
                        """, logger)
                }
                return found
            }
            try? await connection.close()
            return found
        } catch {
            try? await connection.close()
            throw PostgresStoreError.from(error, doing: "creating or migrating the store schema of", at: place)
        }
    }

    // MARK: Helpers

    /// Runs `query` and reads every row it returns (so the connection is free for the next one).
    static func exec(_ c: PostgresConnection, _ query: PostgresQuery, _ logger: Logger) async throws {
        for try await _ in try await c.query(query, logger: logger) {}
    }

    /// Runs `body` in one transaction on a pooled connection, mapping errors to ``PostgresStoreError``. A
    /// `readOnly` transaction reads one snapshot (repeatable read) and cannot write.
    func withTransaction<T: Sendable>(_ doing: String, readOnly: Bool = false,
                                      _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        try checkOpen(doing)
        do {
            return try await client.withTransaction(logger: logger) { c in
                if readOnly { try await Self.exec(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger) }
                return try await body(c)
            }
        } catch {
            throw PostgresStoreError.from(error, doing: doing, at: place)
        }
    }

    /// Runs `body` on a pooled connection (one statement, or reads that need no common snapshot).
    func withConnection<T: Sendable>(_ doing: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen(doing)
        do {
            return try await client.withConnection { c in try await body(c) }
        } catch {
            throw PostgresStoreError.from(error, doing: doing, at: place)
        }
    }

    private func checkOpen(_ doing: String) throws {
        guard !closed.load(ordering: .sequentiallyConsistent) else {
            throw PostgresStoreError(code: "postgres.closed", message: "\(doing) \(place) after the store was closed: a bug in the caller (close() comes last)")
        }
    }

    // MARK: Statistics

    public func statistics() async throws -> StoreStatistics {
        let logger = self.logger
        return try await withTransaction("reading statistics from", readOnly: true) { c in
            let rows = try await c.query("""
                SELECT (SELECT COUNT(*) FROM org_bucket),
                       (SELECT COALESCE(SUM(agents), 0)::BIGINT FROM agent_bucket),
                       (SELECT COUNT(*) FROM document),
                       (SELECT COUNT(*) FROM config_audit),
                       (SELECT COUNT(*) FROM journey),
                       (SELECT COALESCE(SUM(pg_total_relation_size(to_regclass(t))), 0)::BIGINT
                          FROM unnest(\(PostgresSchema.tables)::text[]) AS t)
                """, logger: logger)
            for try await (buckets, agents, documents, audit, journeys, bytes)
                in rows.decode((Int64, Int64, Int64, Int64, Int64, Int64).self) {
                return StoreStatistics(bytesOnDisk: bytes, buckets: Int(buckets), agentBuckets: Int(agents),
                                       documents: Int(documents), auditEntries: Int(audit), journeys: Int(journeys))
            }
            return StoreStatistics(bytesOnDisk: 0, buckets: 0, agentBuckets: 0, documents: 0, auditEntries: 0)
        }
    }

    /// A blob that does not decode is damage: reported as `store.corrupt` with what it is.
    func corrupt(_ what: String, _ error: any Error) -> PostgresStoreError {
        PostgresStoreError(code: "store.corrupt", message: """
            \(place): \(what) does not decode (\(error)); restore the database from a backup, or drop the store's \
            tables to start an empty history
            """)
    }
}
