import Foundation
import GRDB
import Logging
import Metrics
import Synchronization
import SwitchboardCore

/// The embedded ``HistoryStore``: one SQLite file in WAL mode through GRDB (docs/store.md).
///
/// Opening checks the file before anything is written to it and refuses (``StoreError``) a file that is
/// not SQLite, another application's database, a damaged file or a schema newer than this build; it never
/// replaces a file. A new or empty file is created and migrated. Writes come from one ``StoreWriter``;
/// reads run concurrently on the pool's reader connections.
public final class SQLiteHistoryStore: HistoryStore {
    public enum Mode: Sendable, Equatable {
        /// Creates and migrates the file as needed (the bridge).
        case readWrite
        /// Opens an existing store without writing to it (`switchboard store check`).
        case readOnly
    }

    public let path: String
    public let mode: Mode
    /// The schema version found in the file when it was opened (before migrating), 0 for a new file.
    public let openedSchemaVersion: Int
    /// The schema version this build writes.
    public static var schemaVersion: Int { StoreSchema.version }
    /// `PRAGMA application_id` of every Switchboard store.
    public static var applicationID: Int32 { StoreSchema.applicationID }

    let reader: any DatabaseReader
    let writer: (any DatabaseWriter)?
    let logger: Logger
    let skippedBuckets: Counter
    /// Dictionary ids of agents and queues already seen by the writer (filled after each commit).
    let entityIDs = Mutex<[EntityKey: Int64]>([:])

    struct EntityKey: Hashable, Sendable {
        let org: String
        let kind: StoreSchema.EntityKind
        let platformID: String
    }

    /// Opens (and in `.readWrite` creates or migrates) the store at `path`.
    /// - Throws: ``StoreError`` naming the path and what to do.
    public init(path: String, mode: Mode = .readWrite, logger: Logger = Logger(label: "switchboard.store"),
                metricsFactory: (any MetricsFactory)? = nil) throws {
        self.path = path
        self.mode = mode
        self.logger = logger
        let factory = metricsFactory ?? MetricsSystem.factory
        skippedBuckets = Counter(label: "switchboard_store_buckets_skipped_total", factory: factory)

        try StoreFileCheck.prepareLocation(path: path, mode: mode)
        let inspection = try StoreFileCheck.inspect(path: path, mode: mode)
        openedSchemaVersion = inspection.schemaVersion

        var configuration = Configuration()
        configuration.label = "switchboard.store"
        configuration.busyMode = .timeout(5)
        configuration.readonly = mode == .readOnly
        configuration.prepareDatabase { db in
            // Keep the WAL file from staying large after a big transaction (it is reused, then truncated
            // to this size at the next checkpoint).
            try db.execute(sql: "PRAGMA journal_size_limit = \(16 << 20)")
        }
        do {
            switch mode {
            case .readWrite:
                let pool = try DatabasePool(path: path, configuration: configuration)
                try StoreSchema.migrator().migrate(pool)
                reader = pool
                writer = pool
            case .readOnly:
                // A queue, not a pool: a read-only pool needs the file to be in WAL mode already.
                reader = try DatabaseQueue(path: path, configuration: configuration)
                writer = nil
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreFileCheck.classify(error, path: path, doing: mode == .readWrite ? "opening and migrating" : "opening")
        }
        if inspection.isNew {
            logger.info("created an empty history store", metadata: ["path": "\(path)", "schema": "\(StoreSchema.version)"])
        } else if inspection.schemaVersion < StoreSchema.version && mode == .readWrite {
            logger.notice("migrated the history store", metadata: [
                "path": "\(path)", "from": "\(inspection.schemaVersion)", "to": "\(StoreSchema.version)"])
        }
    }

    /// Checkpoints the WAL into the main file and truncates it (the bench and `store fill` use it before
    /// measuring; SQLite also checkpoints by itself every 1,000 pages).
    public func checkpoint() async throws {
        guard let writer else { return }
        try await writer.writeWithoutTransaction { db in
            _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// Closes every connection; the last close checkpoints and removes the WAL file. Later calls throw.
    public func close() throws {
        // Reader connections first (GRDB closes the writer first otherwise, and a read-only connection
        // closing last cannot checkpoint: the -wal and -shm files would stay behind).
        (reader as? DatabasePool)?.releaseMemory()
        try reader.close()
    }

    /// Runs `body` in one write transaction, mapping errors to ``StoreError``.
    func withWriter<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard let writer else {
            throw StoreError(code: "store.read-only", message: "\(path) was opened read-only; \(doing) needs the bridge's read-write store")
        }
        do {
            return try await writer.write(body)
        } catch let error as StoreError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw StoreFileCheck.classify(error, path: path, doing: doing)
        }
    }

    /// Runs `body` in one read transaction, mapping errors to ``StoreError``.
    func withReader<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await reader.read(body)
        } catch let error as StoreError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw StoreFileCheck.classify(error, path: path, doing: doing)
        }
    }

    // MARK: Statistics

    public func statistics() async throws -> StoreStatistics {
        let counts = try await withReader("reading statistics") { db in
            (buckets: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM org_bucket") ?? 0,
             agentBuckets: try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(agents), 0) FROM agent_bucket") ?? 0,
             documents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0,
             audit: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM config_audit") ?? 0,
             journeys: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journey") ?? 0)
        }
        return StoreStatistics(bytesOnDisk: Self.fileBytesOnDisk(path),
                               buckets: counts.buckets, agentBuckets: counts.agentBuckets,
                               documents: counts.documents, auditEntries: counts.audit, journeys: counts.journeys)
    }

    /// Bytes of the store file and its WAL at `path`.
    public static func fileBytesOnDisk(_ path: String) -> Int64 {
        fileBytes(path) + fileBytes(path + "-wal")
    }

    static func fileBytes(_ path: String) -> Int64 {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber else { return 0 }
        return size.int64Value
    }
}
