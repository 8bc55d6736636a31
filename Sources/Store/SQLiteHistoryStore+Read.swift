import Foundation
import GRDB
import SwitchboardCore

extension SQLiteHistoryStore {
    public func series(_ series: SeriesKey, from: EpochMillis, to: EpochMillis, step: HistoryStep) async throws -> [SeriesPoint] {
        try SeriesStep.validate(step)
        let path = self.path
        guard from < to else { return [] }
        let samples: [(start: EpochMillis, sample: OccupancySample)] = try await withReader("reading history from") { db in
            switch series {
            case .global:
                return try Self.samples(db, sql: """
                    SELECT start, SUM(handling_ms), SUM(productive_ms) FROM org_bucket
                    WHERE start >= ? AND start < ? GROUP BY start ORDER BY start
                    """, [from, to])
            case .org(let org):
                return try Self.samples(db, sql: """
                    SELECT start, handling_ms, productive_ms FROM org_bucket
                    WHERE org = ? AND start >= ? AND start < ? ORDER BY start
                    """, [org.rawValue, from, to])
            case .queue(let queue):
                guard let id = try Self.entityID(db, queue, kind: .queue) else { return [] }
                return try Self.samples(db, sql: """
                    SELECT start, handling_ms, productive_ms FROM queue_bucket
                    WHERE queue = ? AND start >= ? AND start < ? ORDER BY start
                    """, [id, from, to])
            case .agent(let agent):
                guard let id = try Self.entityID(db, agent, kind: .agent) else { return [] }
                var result: [(start: EpochMillis, sample: OccupancySample)] = []
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT start, data FROM agent_bucket WHERE org = ? AND start >= ? AND start < ? ORDER BY start
                    """, arguments: [agent.org.rawValue, from, to])
                while let row = try rows.next() {
                    let start: EpochMillis = row[0]
                    let data: Data = row[1]
                    if let sample = try Self.decoding(path, start, { try AgentBucketCodec.find(id, in: data) }) {
                        result.append((start, sample))
                    }
                }
                return result
            }
        }
        return SeriesStep.sum(samples, from: from, step: step)
    }

    public func closedBuckets(org: OrgID, from: EpochMillis, to: EpochMillis) async throws -> [ClosedBucket] {
        guard from < to else { return [] }
        let path = self.path
        return try await withReader("reading closed buckets from") { db in
            let names = try Self.platformIDs(db, org: org)
            var buckets: [EpochMillis: ClosedBucket] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT start, handling_ms, productive_ms FROM org_bucket WHERE org = ? AND start >= ? AND start < ?
                """, arguments: [org.rawValue, from, to]) {
                let start: EpochMillis = row[0]
                buckets[start] = ClosedBucket(org: org, start: start, agents: [:], queues: [:],
                                              total: OccupancySample(handlingMs: row[1], productiveMs: row[2]))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT start, data FROM agent_bucket WHERE org = ? AND start >= ? AND start < ?
                """, arguments: [org.rawValue, from, to]) {
                let start: EpochMillis = row[0]
                let data: Data = row[1]
                let entries = try Self.decoding(path, start) { try AgentBucketCodec.decode(data) }
                var agents: [String: OccupancySample] = [:]
                agents.reserveCapacity(entries.count)
                for entry in entries { agents[names[entry.key] ?? "#\(entry.key)"] = entry.sample }
                buckets[start]?.agents = agents
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT q.start, q.queue, q.handling_ms, q.productive_ms, q.agents FROM queue_bucket q
                JOIN entity e ON e.id = q.queue
                WHERE e.org = ? AND e.kind = ? AND q.start >= ? AND q.start < ?
                """, arguments: [org.rawValue, StoreSchema.EntityKind.queue.rawValue, from, to]) {
                let start: EpochMillis = row[0]
                let queue: Int64 = row[1]
                let name = names[queue] ?? "#\(queue)"
                buckets[start]?.queues[name] = OccupancySample(handlingMs: row[2], productiveMs: row[3])
                // NULL: stored before schema v2 kept the count (unknown).
                if let agents: Int = row[4] { buckets[start]?.queueAgents[name] = agents }
            }
            return buckets.values.sorted { $0.start < $1.start }
        }
    }

    public func dayTotals(org: OrgID, dayStart: EpochMillis) async throws -> DayTotals? {
        let path = self.path
        return try await withReader("reading day totals from") { db -> DayTotals? in
            guard let row = try Row.fetchOne(db, sql: "SELECT as_of, data FROM day_totals WHERE org = ? AND day_start = ?",
                                             arguments: [org.rawValue, dayStart]) else { return nil }
            let data: Data = row[1]
            let names = try Self.platformIDs(db, org: org)
            let entries = try Self.decoding(path, dayStart) { try AgentBucketCodec.decode(data) }
            var agents: [String: OccupancySample] = [:]
            for entry in entries { agents[names[entry.key] ?? "#\(entry.key)"] = entry.sample }
            return DayTotals(org: org, dayStart: dayStart, asOf: row[0], agents: agents)
        }
    }

    public func documents(kind: DocumentKind, org: OrgID, dayStart: EpochMillis) async throws -> [StoredDocument] {
        let path = self.path
        return try await withReader("reading documents from") { db in
            try Row.fetchAll(db, sql: """
                SELECT key, as_of, encoding, json FROM document WHERE kind = ? AND org = ? AND day_start = ? ORDER BY key
                """, arguments: [kind.rawValue, org.rawValue, dayStart]).map { row in
                let key: String = row[0]
                let stored: Data = row[3]
                let json: [UInt8]
                do {
                    json = try DocumentCodec.decode(encoding: row[2], [UInt8](stored))
                } catch {
                    throw StoreError(code: "store.corrupt",
                                     message: "\(path): the \(kind.rawValue) document '\(key)' of \(org) for \(dayStart) does not decode (\(error)); restore the store from a backup, or move it away to start an empty history")
                }
                return StoredDocument(kind: kind, org: org, dayStart: dayStart, key: key, asOf: row[1], json: json)
            }
        }
    }

    public func hubState() async throws -> HubState? {
        try await withReader("reading the hub state from") { db -> HubState? in
            guard let row = try Row.fetchOne(db, sql: "SELECT epoch, topics, saved_at, clean FROM hub_state WHERE id = 1") else {
                return nil
            }
            let text: String = row[1]
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            if let seq = json["seq"] as? [String: Int] {
                return HubState(epoch: row[0], topics: seq, savedAt: row[2], clean: row[3],
                                entities: json["entities"] as? [String: [String]] ?? [:])
            }
            return HubState(epoch: row[0], topics: json as? [String: Int] ?? [:], savedAt: row[2], clean: row[3])
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await withReader("reading the config audit log from") { db in
            try Row.fetchAll(db, sql: "SELECT at, file_hash, outcome, summary FROM config_audit ORDER BY at DESC, id DESC LIMIT ?",
                             arguments: [max(0, limit)]).map { row in
                let outcome: String = row[2]
                return AuditEntry(at: row[0], fileHash: row[1], outcome: AuditEntry.Outcome(rawValue: outcome) ?? .refused,
                                  summary: row[3])
            }
        }
    }

    // MARK: Helpers

    static func samples(_ db: Database, sql: String, _ arguments: StatementArguments) throws -> [(start: EpochMillis, sample: OccupancySample)] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            (row[0], OccupancySample(handlingMs: row[1], productiveMs: row[2]))
        }
    }

    static func entityID(_ db: Database, _ entity: EntityID, kind: StoreSchema.EntityKind) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM entity WHERE org = ? AND kind = ? AND platform_id = ?",
                           arguments: [entity.org.rawValue, kind.rawValue, entity.platformID])
    }

    /// Platform ids of the org's agents and queues by dictionary id.
    static func platformIDs(_ db: Database, org: OrgID) throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, platform_id FROM entity WHERE org = ?", arguments: [org.rawValue]) {
            names[row[0]] = row[1]
        }
        return names
    }

    /// A blob that does not decode is damage: reported as `store.corrupt` with the bucket's time.
    static func decoding<T>(_ path: String, _ start: EpochMillis, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AgentBucketCodec.DecodeError {
            throw StoreError(code: "store.corrupt",
                             message: "\(path): the agents stored for \(start) do not decode (\(error)); restore the store from a backup, or move it away to start an empty history")
        }
    }
}
