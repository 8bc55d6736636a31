import Foundation
import Logging
import PostgresNIO
import Store
import SwitchboardCore

extension PostgresHistoryStore {
    public func write(_ batch: StoreBatch) async throws {
        _ = try await writeReporting(batch)
    }

    /// ``write(_:)``, telling how many buckets were new and how many were already stored.
    @discardableResult
    public func writeReporting(_ batch: StoreBatch) async throws -> StoreWriteReport {
        guard !batch.isEmpty else { return StoreWriteReport(bucketsWritten: 0, bucketsSkipped: 0) }
        let logger = self.logger
        var ids = EntityIDs(known: entityIDs.withLock { $0 })
        let (written, skipped, added) = try await withTransaction("writing a batch to") { c in
            var written = 0
            var skipped = 0
            for bucket in batch.buckets {
                if try await Self.insert(bucket, c, &ids, logger) { written += 1 } else { skipped += 1 }
            }
            for totals in batch.dayTotals { try await Self.upsert(totals, c, &ids, logger) }
            for document in batch.documents { try await Self.upsert(document, c, logger) }
            for entry in batch.audit {
                try await Self.exec(c, """
                    INSERT INTO config_audit (at, file_hash, outcome, summary)
                    VALUES (\(entry.at), \(entry.fileHash), \(entry.outcome.rawValue), \(entry.summary))
                    """, logger)
            }
            if let state = batch.hubState { try await Self.upsert(state, c, logger) }
            for journey in batch.journeys { try await Self.upsert(journey, c, logger) }
            for delivery in batch.deliveries { try await Self.insert(delivery, c, logger) }
            return (written, skipped, ids.added)
        }
        // Only committed ids are remembered: a rolled-back transaction's new ids do not exist.
        if !added.isEmpty { entityIDs.withLock { $0.merge(added) { a, _ in a } } }
        if skipped > 0 {
            skippedBuckets.increment(by: Int64(skipped))
            logger.warning("closed buckets already stored were not overwritten", metadata: [
                "skipped": "\(skipped)", "url": "\(place)"])
        }
        return StoreWriteReport(bucketsWritten: written, bucketsSkipped: skipped)
    }

    /// Dictionary ids: those known before the transaction plus those found or created in it.
    struct EntityIDs: Sendable {
        let known: [EntityKey: Int64]
        var added: [EntityKey: Int64] = [:]

        /// The ids of `platformIDs` (of one org and kind), creating the missing ones: two statements whatever
        /// their number. `ON CONFLICT DO NOTHING` then a select, so two replicas creating the same entity at
        /// once both get the one id.
        mutating func ids(_ c: PostgresConnection, org: String, kind: PostgresSchema.EntityKind, _ platformIDs: [String],
                          _ logger: Logger) async throws -> [String: Int64] {
            var result: [String: Int64] = [:]
            var missing: [String] = []
            for platformID in platformIDs {
                let key = EntityKey(org: org, kind: kind, platformID: platformID)
                if let id = known[key] ?? added[key] { result[platformID] = id } else { missing.append(platformID) }
            }
            guard !missing.isEmpty else { return result }
            try await PostgresHistoryStore.exec(c, """
                INSERT INTO entity (org, kind, platform_id) SELECT \(org), \(kind.rawValue), unnest(\(missing)::text[])
                ON CONFLICT (org, kind, platform_id) DO NOTHING
                """, logger)
            let rows = try await c.query("""
                SELECT platform_id, id FROM entity WHERE org = \(org) AND kind = \(kind.rawValue) AND platform_id = ANY(\(missing))
                """, logger: logger)
            for try await (platformID, id) in rows.decode((String, Int64).self) {
                result[platformID] = id
                added[EntityKey(org: org, kind: kind, platformID: platformID)] = id
            }
            return result
        }
    }

    /// Stores a closed bucket unless its (org, start) is already stored; true when stored.
    static func insert(_ bucket: ClosedBucket, _ c: PostgresConnection, _ ids: inout EntityIDs,
                       _ logger: Logger) async throws -> Bool {
        let org = bucket.org.rawValue
        var stored = false
        for try await _ in try await c.query("""
            INSERT INTO org_bucket (org, start, handling_ms, productive_ms)
            VALUES (\(org), \(bucket.start), \(bucket.total.handlingMs), \(bucket.total.productiveMs))
            ON CONFLICT (org, start) DO NOTHING RETURNING start
            """, logger: logger) {
            stored = true
        }
        guard stored else { return false }
        let agentIDs = try await ids.ids(c, org: org, kind: .agent, Array(bucket.agents.keys), logger)
        var agents: [Int64: OccupancySample] = [:]
        agents.reserveCapacity(bucket.agents.count)
        for (platformID, sample) in bucket.agents { agents[agentIDs[platformID]!] = sample }
        try await exec(c, """
            INSERT INTO agent_bucket (org, start, agents, data)
            VALUES (\(org), \(bucket.start), \(agents.count), \(Data(AgentBucketCodec.encode(agents))))
            """, logger)
        guard !bucket.queues.isEmpty else { return true }
        let names = Array(bucket.queues.keys)
        let queueIDs = try await ids.ids(c, org: org, kind: .queue, names, logger)
        let queues = names.map { queueIDs[$0]! }
        let handling = names.map { bucket.queues[$0]!.handlingMs }
        let productive = names.map { bucket.queues[$0]!.productiveMs }
        // -1: no count (stored as NULL, "unknown", as the SQLite store does for rows before schema v2).
        let members = names.map { Int64(bucket.queueAgents[$0] ?? -1) }
        try await exec(c, """
            INSERT INTO queue_bucket (queue, start, handling_ms, productive_ms, agents)
            SELECT q, \(bucket.start), h, p, NULLIF(a, -1)
            FROM unnest(\(queues)::bigint[], \(handling)::bigint[], \(productive)::bigint[], \(members)::bigint[]) AS t (q, h, p, a)
            """, logger)
        return true
    }

    /// Newer totals only: in a cluster an org's previous leader may flush a batch it queued before it let go after
    /// the new leader has written later totals (last-writer-wins would move the day back).
    static func upsert(_ totals: DayTotals, _ c: PostgresConnection, _ ids: inout EntityIDs, _ logger: Logger) async throws {
        let org = totals.org.rawValue
        let agentIDs = try await ids.ids(c, org: org, kind: .agent, Array(totals.agents.keys), logger)
        var agents: [Int64: OccupancySample] = [:]
        agents.reserveCapacity(totals.agents.count)
        for (platformID, sample) in totals.agents { agents[agentIDs[platformID]!] = sample }
        try await exec(c, """
            INSERT INTO day_totals (org, day_start, as_of, agents, data)
            VALUES (\(org), \(totals.dayStart), \(totals.asOf), \(agents.count), \(Data(AgentBucketCodec.encode(agents))))
            ON CONFLICT (org, day_start) DO UPDATE SET as_of = excluded.as_of, agents = excluded.agents, data = excluded.data
            WHERE day_totals.as_of <= excluded.as_of
            """, logger)
    }

    static func upsert(_ document: StoredDocument, _ c: PostgresConnection, _ logger: Logger) async throws {
        let stored = DocumentCodec.encode(document.json)
        try await exec(c, """
            INSERT INTO document (kind, org, day_start, key, as_of, encoding, json)
            VALUES (\(document.kind.rawValue), \(document.org.rawValue), \(document.dayStart), \(document.key),
                    \(document.asOf), \(Int16(stored.encoding.rawValue)), \(Data(stored.bytes)))
            ON CONFLICT (kind, org, day_start, key) DO UPDATE SET as_of = excluded.as_of, encoding = excluded.encoding,
                json = excluded.json
            """, logger)
    }

    static func upsert(_ state: HubState, _ c: PostgresConnection, _ logger: Logger) async throws {
        // The SQLite store's text: `{"entities":{topic:["kind/id",…]},"seq":{topic:n}}`.
        let topics = try JSONSerialization.data(withJSONObject: ["seq": state.topics, "entities": state.entities],
                                                options: [.sortedKeys])
        try await exec(c, """
            INSERT INTO hub_state (id, epoch, topics, saved_at, clean)
            VALUES (1, \(state.epoch), \(String(decoding: topics, as: UTF8.self)), \(state.savedAt), \(state.clean))
            ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, topics = excluded.topics,
                saved_at = excluded.saved_at, clean = excluded.clean
            """, logger)
    }

    // MARK: Retention

    public func sweep(now: EpochMillis, retention: StoreRetention) async throws -> SweepReport {
        let logger = self.logger
        let deleted = try await withTransaction("sweeping") { c in
            var deleted = 0
            let occupancy = now - retention.occupancyMs
            deleted += try await Self.count(c, "WITH d AS (DELETE FROM org_bucket WHERE start < \(occupancy) RETURNING 1) SELECT COUNT(*) FROM d", logger)
            deleted += try await Self.count(c, "WITH d AS (DELETE FROM agent_bucket WHERE start < \(occupancy) RETURNING 1) SELECT COUNT(*) FROM d", logger)
            deleted += try await Self.count(c, "WITH d AS (DELETE FROM queue_bucket WHERE start < \(occupancy) RETURNING 1) SELECT COUNT(*) FROM d", logger)
            deleted += try await Self.count(c, "WITH d AS (DELETE FROM day_totals WHERE day_start < \(occupancy) RETURNING 1) SELECT COUNT(*) FROM d", logger)
            for kind in DocumentKind.allCases {
                let cutoff = now - retention.ms(for: kind)
                deleted += try await Self.count(c, """
                    WITH d AS (DELETE FROM document WHERE kind = \(kind.rawValue) AND day_start < \(cutoff) RETURNING 1)
                    SELECT COUNT(*) FROM d
                    """, logger)
            }
            let audit = now - retention.auditMs
            deleted += try await Self.count(c, "WITH d AS (DELETE FROM config_audit WHERE at < \(audit) RETURNING 1) SELECT COUNT(*) FROM d", logger)
            deleted += try await Self.sweepJourneys(c, now: now, retention: retention, logger)
            deleted += try await Self.sweepDeliveries(c, now: now, retention: retention, logger)
            return deleted
        }
        if deleted > 0 { logger.info("retention sweep", metadata: ["rowsDeleted": "\(deleted)", "url": "\(place)"]) }
        return SweepReport(rowsDeleted: deleted)
    }

    /// Runs a query answering one count.
    static func count(_ c: PostgresConnection, _ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        var n = 0
        for try await value in try await c.query(query, logger: logger).decode(Int64.self) { n = Int(value) }
        return n
    }
}
