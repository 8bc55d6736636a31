import ArgumentParser
import Foundation
import Store
import SwitchboardCore

/// `switchboard store …`: the history store (docs/store.md).
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect the history store.",
        subcommands: [Check.self, WriteLoop.self, Fill.self]
    )

    /// `switchboard store check --path P`: the checks the bridge runs when it opens the store, without
    /// writing anything, and what the store holds.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a store file read-only and print what it holds.",
            discussion: """
                Runs the checks the bridge runs at start (a SQLite file, Switchboard's, intact, a schema this \
                build knows) without writing to the file, then prints its size and row counts. Exit status 0 \
                when the bridge would open it; otherwise 1 and the reason, with what to do. Safe while the \
                bridge runs (WAL readers do not block the writer).
                """
        )

        @Option(help: "The store file (store.path in the orgs YAML).", completion: .file())
        var path: String

        func run() async throws {
            do {
                let store = try SQLiteHistoryStore(path: path, mode: .readOnly)
                let s = try await store.statistics()
                try store.close()
                printLine("\(path): ok — schema version \(store.openedSchemaVersion) (this build: \(SQLiteHistoryStore.schemaVersion))")
                printLine("  \(s.bytesOnDisk) bytes on disk (file + WAL)")
                printLine("  \(s.buckets) closed bucket(s), \(s.agentBuckets) agent-bucket(s), \(s.documents) document(s), \(s.auditEntries) audit entr\(s.auditEntries == 1 ? "y" : "ies")")
            } catch let error as StoreError {
                printError("switchboard: \(error.message) [\(error.code)]")
                throw ExitCode(1)
            }
        }
    }

    /// Hidden: the child of the torn-write test. Writes batches of closed buckets in a loop and prints
    /// `committed N` after each commit, until killed (or `--batches` are written).
    struct WriteLoop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write-loop",
            abstract: "Write synthetic batches in a loop (torn-write test).",
            shouldDisplay: false
        )

        @Option var path: String
        @Option(help: "Closed buckets per batch (one transaction).") var buckets = 4
        @Option(help: "Agents per bucket.") var agents = 2_000
        @Option(help: "Stop after this many batches (0: until killed).") var batches = 0

        func run() async throws {
            let store = try SQLiteHistoryStore(path: path)
            var generator = SyntheticHistory(seed: 7, agents: agents, queues: 8, activeShare: 1)
            // Made once, re-stamped per batch: the loop's time is spent writing, where a kill should land.
            let templates = (0..<buckets).map { _ in generator.bucket(org: "torn", start: 0) }
            var n = 0
            while batches == 0 || n < batches {
                var batch = StoreBatch()
                for (k, template) in templates.enumerated() {
                    var bucket = template
                    bucket.start = EpochMillis(n * buckets + k) * Bucket.widthMs
                    batch.buckets.append(bucket)
                }
                batch.dayTotals = [DayTotals(org: "torn", dayStart: 0, asOf: EpochMillis(n), agents: batch.buckets[0].agents)]
                try await store.write(batch)
                printLine("committed \(n)")
                n += 1
            }
            try store.close()
        }
    }

    /// Hidden: fills a store with synthetic history and prints its size (docs/store.md, "Size").
    struct Fill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fill",
            abstract: "Fill a store with synthetic history and print its size.",
            shouldDisplay: false
        )

        @Option var path: String
        @Option var orgs = 3
        @Option var agents = 5_000
        @Option var days = 35
        @Option var queues = 40
        @Option(help: "Share of agents with time in a bucket.") var active = 0.7
        @Flag(help: "Also store one utilization document (16 intervals) per agent working each day (the same share).")
        var documents = false

        func run() async throws {
            let store = try SQLiteHistoryStore(path: path)
            var generator = SyntheticHistory(seed: 1, agents: agents, queues: queues, activeShare: active)
            let began = ContinuousClock.now
            let day0: EpochMillis = 1_767_225_600_000  // 2026-01-01T00:00Z
            for day in 0..<days {
                for o in 0..<orgs {
                    let org = OrgID("org\(o)")
                    var batch = StoreBatch()
                    var totals: [String: OccupancySample] = [:]
                    for b in 0..<96 {
                        let bucket = generator.bucket(org: org, start: day0 + EpochMillis(day) * 86_400_000 + EpochMillis(b) * Bucket.widthMs)
                        for (agent, s) in bucket.agents {
                            totals[agent, default: OccupancySample(handlingMs: 0, productiveMs: 0)].handlingMs += s.handlingMs
                            totals[agent]?.productiveMs += s.productiveMs
                        }
                        batch.buckets.append(bucket)
                    }
                    let dayStart = day0 + EpochMillis(day) * 86_400_000
                    batch.dayTotals = [DayTotals(org: org, dayStart: dayStart, asOf: dayStart + 86_400_000, agents: totals)]
                    if documents {
                        for agent in generator.agentIDs where generator.chance(active) {
                            batch.documents.append(StoredDocument(
                                kind: .utilization, org: org, dayStart: dayStart, key: agent, asOf: dayStart + 86_400_000,
                                json: generator.utilizationDocument(org: org, agent: agent, dayStart: dayStart)))
                        }
                    }
                    try await store.write(batch)
                }
                printLine("day \(day + 1)/\(days) written, \(ContinuousClock.now - began)")
            }
            try await store.checkpoint()
            let s = try await store.statistics()
            let took = ContinuousClock.now - began
            try store.close()
            let bytes = SQLiteHistoryStore.fileBytesOnDisk(path)
            printLine("""
                \(orgs) org(s) × \(agents) agents × \(days) day(s) × 96 buckets, \(Int(active * 100)) % active: \
                \(s.buckets) closed buckets, \(s.agentBuckets) agent-buckets, \(s.documents) documents
                file: \(bytes) bytes (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB), \
                \(String(format: "%.2f", Double(bytes) / Double(max(1, s.agentBuckets)))) bytes per agent-bucket (all tables)
                took \(took)
                """)
        }
    }
}
