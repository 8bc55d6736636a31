import Foundation
import Logging
import PostgresStore
import PostgresTestSupport
import Store
import SwitchboardCore
import Testing

/// The backends the contract tests run against: the same assertions on each, so they cannot drift.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, empty store of this backend, then closes it and removes what it made.
    func withStore(_ body: (any HistoryStore) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pgstore-contract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = try SQLiteHistoryStore(path: dir.appendingPathComponent("s.sqlite").path, logger: quietLogger)
            defer { try? store.close() }
            try await body(store)
        case .postgres:
            try await withPostgresStore { store, _ in try await body(store) }
        }
    }
}

/// Runs `body` with a PostgreSQL store on a new database of the test server (and the database's URL).
func withPostgresStore(tcp: Bool = false, _ body: (PostgresHistoryStore, PostgresURL) async throws -> Void) async throws {
    let server = try TestPostgresServer.shared.get()
    let url = try await server.createDatabase(tcp: tcp)
    try await PostgresHistoryStore.withOpen(url, logger: quietLogger, maximumConnections: 4) { store in
        try await body(store, url)
    }
}

let quietLogger: Logger = {
    var l = Logger(label: "postgres-store-tests")
    l.logLevel = .critical
    return l
}()

func sample(_ h: Int64, _ p: Int64) -> OccupancySample { OccupancySample(handlingMs: h, productiveMs: p) }

/// 2026-03-02T00:00Z, a Monday.
let day0: EpochMillis = 1_772_409_600_000
let width = Bucket.widthMs
let dayMs = SeriesStep.dayMs

func bucket(_ org: OrgID, _ index: Int64, agents: [String: OccupancySample], queues: [String: OccupancySample] = [:],
            queueAgents: [String: Int] = [:], base: EpochMillis = day0) -> ClosedBucket {
    let total = agents.values.reduce(sample(0, 0)) { sample($0.handlingMs + $1.handlingMs, $0.productiveMs + $1.productiveMs) }
    return ClosedBucket(org: org, start: base + index * width, agents: agents, queues: queues, total: total,
                        queueAgents: queueAgents)
}

/// A utilization-like JSON document of `intervals` entries: large enough from ~10 to be stored deflated.
func largeJSON(intervals: Int) -> [UInt8] {
    let items = (0..<intervals).map { #"{"start":"2026-03-02T0\#($0 % 10):00:00Z","state":"interacting","ms":\#($0 * 1000)}"# }
    return Array(("[" + items.joined(separator: ",") + "]").utf8)
}

/// A stored journey as the journey views write one.
func journey(_ n: Int, org: OrgID = "us", opened: EpochMillis, closed: EpochMillis,
             hashes: [String] = ["phone#00000000000000aa"], size: Int = 40) -> StoredJourney {
    let doc = #"{"v":1,"journey":{"id":"\#(org)/j-\#(n)","pad":""# + String(repeating: "x", count: size) + #""}}"#
    return StoredJourney(id: "\(org)/j-\(n)", org: org, openedAt: opened, closedAt: closed,
                         customerHashes: hashes.sorted(), document: Array(doc.utf8))
}
