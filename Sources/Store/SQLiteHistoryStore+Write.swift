import Foundation
import GRDB
import SwitchboardCore

/// What one `write` of a store (``SQLiteHistoryStore/writeReporting(_:)``, the PostgreSQL store's) did.
public struct StoreWriteReport: Sendable, Equatable {
    /// Closed buckets stored by this batch.
    public var bucketsWritten: Int
    /// Closed buckets already stored for their (org, start), left unchanged (closed buckets are written once).
    public var bucketsSkipped: Int

    public init(bucketsWritten: Int, bucketsSkipped: Int) {
        self.bucketsWritten = bucketsWritten
        self.bucketsSkipped = bucketsSkipped
    }
}

extension SQLiteHistoryStore {
    public func write(_ batch: StoreBatch) async throws {
        _ = try await writeReporting(batch)
    }

    /// ``write(_:)``, telling how many buckets were new and how many were already stored.
    @discardableResult
    public func writeReporting(_ batch: StoreBatch) async throws -> StoreWriteReport {
        guard !batch.isEmpty else { return StoreWriteReport(bucketsWritten: 0, bucketsSkipped: 0) }
        let known = entityIDs.withLock { $0 }
        let (report, added) = try await withWriter("writing a batch to") { db in
            var ids = EntityIDs(known: known)
            var report = StoreWriteReport(bucketsWritten: 0, bucketsSkipped: 0)
            for bucket in batch.buckets {
                if try Self.insert(bucket, db, &ids) { report.bucketsWritten += 1 } else { report.bucketsSkipped += 1 }
            }
            for totals in batch.dayTotals { try Self.upsert(totals, db, &ids) }
            for document in batch.documents { try Self.upsert(document, db) }
            for entry in batch.audit {
                try db.execute(sql: "INSERT INTO config_audit (at, file_hash, outcome, summary) VALUES (?, ?, ?, ?)",
                               arguments: [entry.at, entry.fileHash, entry.outcome.rawValue, entry.summary])
            }
            if let state = batch.hubState { try Self.upsert(state, db) }
            for journey in batch.journeys { try Self.upsert(journey, db) }
            for delivery in batch.deliveries { try Self.insert(delivery, db) }
            return (report, ids.added)
        }
        // Only committed ids are remembered: a rolled-back transaction's new ids do not exist.
        if !added.isEmpty { entityIDs.withLock { $0.merge(added) { a, _ in a } } }
        if report.bucketsSkipped > 0 {
            skippedBuckets.increment(by: Int64(report.bucketsSkipped))
            logger.warning("closed buckets already stored were not overwritten", metadata: [
                "skipped": "\(report.bucketsSkipped)", "path": "\(path)"])
        }
        return report
    }

    /// Dictionary ids: those known before the transaction plus those found or created in it.
    struct EntityIDs {
        let known: [EntityKey: Int64]
        var added: [EntityKey: Int64] = [:]

        mutating func id(_ db: Database, org: String, kind: StoreSchema.EntityKind, platformID: String) throws -> Int64 {
            let key = EntityKey(org: org, kind: kind, platformID: platformID)
            if let id = known[key] ?? added[key] { return id }
            let id: Int64
            if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM entity WHERE org = ? AND kind = ? AND platform_id = ?",
                                                 arguments: [org, kind.rawValue, platformID]) {
                id = existing
            } else {
                try db.execute(sql: "INSERT INTO entity (org, kind, platform_id) VALUES (?, ?, ?)",
                               arguments: [org, kind.rawValue, platformID])
                id = db.lastInsertedRowID
            }
            added[key] = id
            return id
        }
    }

    /// Stores a closed bucket unless its (org, start) is already stored; true when stored.
    static func insert(_ bucket: ClosedBucket, _ db: Database, _ ids: inout EntityIDs) throws -> Bool {
        let org = bucket.org.rawValue
        try db.execute(sql: """
            INSERT INTO org_bucket (org, start, handling_ms, productive_ms) VALUES (?, ?, ?, ?)
            ON CONFLICT (org, start) DO NOTHING
            """, arguments: [org, bucket.start, bucket.total.handlingMs, bucket.total.productiveMs])
        guard db.changesCount == 1 else { return false }
        var agents: [Int64: OccupancySample] = [:]
        agents.reserveCapacity(bucket.agents.count)
        for (platformID, sample) in bucket.agents {
            agents[try ids.id(db, org: org, kind: .agent, platformID: platformID)] = sample
        }
        try db.execute(sql: "INSERT INTO agent_bucket (org, start, agents, data) VALUES (?, ?, ?, ?)",
                       arguments: [org, bucket.start, agents.count, Data(AgentBucketCodec.encode(agents))])
        let statement = try db.cachedStatement(
            sql: "INSERT INTO queue_bucket (queue, start, handling_ms, productive_ms, agents) VALUES (?, ?, ?, ?, ?)")
        for (platformID, sample) in bucket.queues {
            let queue = try ids.id(db, org: org, kind: .queue, platformID: platformID)
            try statement.execute(arguments: [queue, bucket.start, sample.handlingMs, sample.productiveMs,
                                              bucket.queueAgents[platformID]])
        }
        return true
    }

    static func upsert(_ totals: DayTotals, _ db: Database, _ ids: inout EntityIDs) throws {
        let org = totals.org.rawValue
        var agents: [Int64: OccupancySample] = [:]
        agents.reserveCapacity(totals.agents.count)
        for (platformID, sample) in totals.agents {
            agents[try ids.id(db, org: org, kind: .agent, platformID: platformID)] = sample
        }
        try db.execute(sql: """
            INSERT INTO day_totals (org, day_start, as_of, agents, data) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (org, day_start) DO UPDATE SET as_of = excluded.as_of, agents = excluded.agents, data = excluded.data
            """, arguments: [org, totals.dayStart, totals.asOf, agents.count, Data(AgentBucketCodec.encode(agents))])
    }

    static func upsert(_ document: StoredDocument, _ db: Database) throws {
        let stored = DocumentCodec.encode(document.json)
        try db.execute(sql: """
            INSERT INTO document (kind, org, day_start, key, as_of, encoding, json) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (kind, org, day_start, key) DO UPDATE SET as_of = excluded.as_of, encoding = excluded.encoding,
                json = excluded.json
            """, arguments: [document.kind.rawValue, document.org.rawValue, document.dayStart, document.key,
                             document.asOf, stored.encoding.rawValue, Data(stored.bytes)])
    }

    static func upsert(_ state: HubState, _ db: Database) throws {
        // `{"seq":{topic:n},"entities":{topic:["kind/id",…]}}`; version 1 wrote the bare `{topic:n}` (still read).
        let topics = try JSONSerialization.data(withJSONObject: ["seq": state.topics, "entities": state.entities],
                                                options: [.sortedKeys])
        try db.execute(sql: """
            INSERT INTO hub_state (id, epoch, topics, saved_at, clean) VALUES (1, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, topics = excluded.topics,
                saved_at = excluded.saved_at, clean = excluded.clean
            """, arguments: [state.epoch, String(decoding: topics, as: UTF8.self), state.savedAt, state.clean])
    }

    // MARK: Retention

    public func sweep(now: EpochMillis, retention: StoreRetention) async throws -> SweepReport {
        let deleted = try await withWriter("sweeping") { db in
            var deleted = 0
            func delete(_ sql: String, _ cutoff: EpochMillis, _ extra: [any DatabaseValueConvertible] = []) throws {
                try db.execute(sql: sql, arguments: StatementArguments(extra + [cutoff]))
                deleted += db.changesCount
            }
            let occupancy = now - retention.occupancyMs
            try delete("DELETE FROM org_bucket WHERE start < ?", occupancy)
            try delete("DELETE FROM agent_bucket WHERE start < ?", occupancy)
            try delete("DELETE FROM queue_bucket WHERE start < ?", occupancy)
            try delete("DELETE FROM day_totals WHERE day_start < ?", occupancy)
            for kind in DocumentKind.allCases {
                try delete("DELETE FROM document WHERE kind = ? AND day_start < ?", now - retention.ms(for: kind), [kind.rawValue])
            }
            try delete("DELETE FROM config_audit WHERE at < ?", now - retention.auditMs)
            deleted += try Self.sweepJourneys(db, now: now, retention: retention)
            deleted += try Self.sweepDeliveries(db, now: now, retention: retention)
            return deleted
        }
        if deleted > 0 { logger.info("retention sweep", metadata: ["rowsDeleted": "\(deleted)", "path": "\(path)"]) }
        return SweepReport(rowsDeleted: deleted)
    }
}

extension StoreRetention {
    /// The retention of a document kind.
    public func ms(for kind: DocumentKind) -> Int64 {
        switch kind {
        case .utilization: utilizationMs
        case .quality: qualityMs
        case .journey: journeyMs
        case .speech: speechMs
        }
    }
}
