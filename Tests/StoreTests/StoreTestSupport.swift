import Foundation
import GRDB
import Logging
@testable import Store
import SwitchboardCore
import Synchronization
import Testing

/// A fresh temporary directory; tests `defer { dir.remove() }` (which also keeps it alive to the end).
final class TempDir: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A seeded generator, so a fuzz failure can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func sample(_ h: Int64, _ p: Int64) -> OccupancySample { OccupancySample(handlingMs: h, productiveMs: p) }

let quietLogger: Logger = {
    var l = Logger(label: "store-tests")
    l.logLevel = .critical
    return l
}()

func openStore(_ path: String, mode: SQLiteHistoryStore.Mode = .readWrite) throws -> SQLiteHistoryStore {
    try SQLiteHistoryStore(path: path, mode: mode, logger: quietLogger)
}

/// 2026-03-02T00:00Z, a Monday.
let day0: EpochMillis = 1_772_409_600_000
let width = Bucket.widthMs

func bucket(_ org: OrgID, _ index: Int64, agents: [String: OccupancySample], queues: [String: OccupancySample] = [:],
            base: EpochMillis = day0) -> ClosedBucket {
    let total = agents.values.reduce(sample(0, 0)) { sample($0.handlingMs + $1.handlingMs, $0.productiveMs + $1.productiveMs) }
    return ClosedBucket(org: org, start: base + index * width, agents: agents, queues: queues, total: total)
}

/// Expects `body` to throw a StoreError with `code` whose message names `path`.
func expectRefusal(_ code: String, path: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(path), "the message names the path: \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// What a store file's header and schema say, read on a connection of its own (synchronously: GRDB's
/// blocking calls are for non-async code).
struct FileFacts: Equatable {
    var applicationID: Int32
    var userVersion: Int
    var journalMode: String
    var tables: [String]
    var migrations: [String]

    static func read(_ path: String) throws -> FileFacts {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            FileFacts(applicationID: try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                      userVersion: try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                      journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                      tables: try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
                      migrations: try db.tableExists("grdb_migrations")
                          ? String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : [])
        }
    }

    /// Runs `sql` on a connection of its own.
    static func execute(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.write { db in try db.execute(sql: sql) }
    }
}
