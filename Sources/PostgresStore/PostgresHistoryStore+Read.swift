import Foundation
import Logging
import PostgresNIO
import Store
import SwitchboardCore

extension PostgresHistoryStore {
    public func series(_ series: SeriesKey, from: EpochMillis, to: EpochMillis, step: HistoryStep) async throws -> [SeriesPoint] {
        try SeriesStep.validate(step)
        guard from < to else { return [] }
        let logger = self.logger
        let samples: [(start: EpochMillis, sample: OccupancySample)] = try await withTransaction("reading history from", readOnly: true) { c in
            switch series {
            case .global:
                return try await Self.samples(c, """
                    SELECT start, SUM(handling_ms)::BIGINT, SUM(productive_ms)::BIGINT FROM org_bucket
                    WHERE start >= \(from) AND start < \(to) GROUP BY start ORDER BY start
                    """, logger)
            case .org(let org):
                return try await Self.samples(c, """
                    SELECT start, handling_ms, productive_ms FROM org_bucket
                    WHERE org = \(org.rawValue) AND start >= \(from) AND start < \(to) ORDER BY start
                    """, logger)
            case .queue(let queue):
                return try await Self.samples(c, """
                    SELECT q.start, q.handling_ms, q.productive_ms FROM queue_bucket q JOIN entity e ON e.id = q.queue
                    WHERE e.org = \(queue.org.rawValue) AND e.kind = \(PostgresSchema.EntityKind.queue.rawValue)
                      AND e.platform_id = \(queue.platformID) AND q.start >= \(from) AND q.start < \(to) ORDER BY q.start
                    """, logger)
            case .agent(let agent):
                guard let id = try await Self.entityID(c, agent, kind: .agent, logger) else { return [] }
                var result: [(start: EpochMillis, sample: OccupancySample)] = []
                let rows = try await c.query("""
                    SELECT start, data FROM agent_bucket
                    WHERE org = \(agent.org.rawValue) AND start >= \(from) AND start < \(to) ORDER BY start
                    """, logger: logger)
                for try await (start, data) in rows.decode((Int64, ByteBuffer).self) {
                    let sample: OccupancySample?
                    do {
                        sample = try AgentBucketCodec.find(id, in: data.readableBytesView)
                    } catch {
                        throw corrupt("the agents stored for \(start)", error)
                    }
                    if let sample { result.append((start, sample)) }
                }
                return result
            }
        }
        return SeriesStep.sum(samples, from: from, step: step)
    }

    public func closedBuckets(org: OrgID, from: EpochMillis, to: EpochMillis) async throws -> [ClosedBucket] {
        guard from < to else { return [] }
        let logger = self.logger
        return try await withTransaction("reading closed buckets from", readOnly: true) { c in
            let names = try await Self.platformIDs(c, org: org, logger)
            var buckets: [EpochMillis: ClosedBucket] = [:]
            for try await (start, handling, productive) in try await c.query("""
                SELECT start, handling_ms, productive_ms FROM org_bucket
                WHERE org = \(org.rawValue) AND start >= \(from) AND start < \(to)
                """, logger: logger).decode((Int64, Int64, Int64).self) {
                buckets[start] = ClosedBucket(org: org, start: start, agents: [:], queues: [:],
                                              total: OccupancySample(handlingMs: handling, productiveMs: productive))
            }
            for try await (start, data) in try await c.query("""
                SELECT start, data FROM agent_bucket WHERE org = \(org.rawValue) AND start >= \(from) AND start < \(to)
                """, logger: logger).decode((Int64, ByteBuffer).self) {
                buckets[start]?.agents = try agents(data, names, "the agents stored for \(start)")
            }
            for try await (start, queue, handling, productive, members) in try await c.query("""
                SELECT q.start, q.queue, q.handling_ms, q.productive_ms, q.agents FROM queue_bucket q
                JOIN entity e ON e.id = q.queue
                WHERE e.org = \(org.rawValue) AND e.kind = \(PostgresSchema.EntityKind.queue.rawValue)
                  AND q.start >= \(from) AND q.start < \(to)
                """, logger: logger).decode((Int64, Int64, Int64, Int64, Int32?).self) {
                let name = names[queue] ?? "#\(queue)"
                buckets[start]?.queues[name] = OccupancySample(handlingMs: handling, productiveMs: productive)
                // NULL: the count is unknown.
                if let members { buckets[start]?.queueAgents[name] = Int(members) }
            }
            return buckets.values.sorted { $0.start < $1.start }
        }
    }

    public func dayTotals(org: OrgID, dayStart: EpochMillis) async throws -> DayTotals? {
        let logger = self.logger
        return try await withTransaction("reading day totals from", readOnly: true) { c -> DayTotals? in
            for try await (asOf, data) in try await c.query("""
                SELECT as_of, data FROM day_totals WHERE org = \(org.rawValue) AND day_start = \(dayStart)
                """, logger: logger).decode((Int64, ByteBuffer).self) {
                let names = try await Self.platformIDs(c, org: org, logger)
                return DayTotals(org: org, dayStart: dayStart, asOf: asOf,
                                 agents: try agents(data, names, "the day totals of \(org) for \(dayStart)"))
            }
            return nil
        }
    }

    public func documents(kind: DocumentKind, org: OrgID, dayStart: EpochMillis) async throws -> [StoredDocument] {
        let logger = self.logger
        return try await withConnection("reading documents from") { c in
            var documents: [StoredDocument] = []
            for try await (key, asOf, encoding, stored) in try await c.query("""
                SELECT key, as_of, encoding, json FROM document
                WHERE kind = \(kind.rawValue) AND org = \(org.rawValue) AND day_start = \(dayStart) ORDER BY key
                """, logger: logger).decode((String, Int64, Int16, ByteBuffer).self) {
                let json: [UInt8]
                do {
                    json = try DocumentCodec.decode(encoding: Int(encoding), Array(stored.readableBytesView))
                } catch {
                    throw corrupt("the \(kind.rawValue) document '\(key)' of \(org) for \(dayStart)", error)
                }
                documents.append(StoredDocument(kind: kind, org: org, dayStart: dayStart, key: key, asOf: asOf, json: json))
            }
            return documents
        }
    }

    public func hubState() async throws -> HubState? {
        let logger = self.logger
        return try await withConnection("reading the hub state from") { c -> HubState? in
            for try await (epoch, text, savedAt, clean) in try await c.query(
                "SELECT epoch, topics, saved_at, clean FROM hub_state WHERE id = 1", logger: logger
            ).decode((String, String, Int64, Bool).self) {
                let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
                return HubState(epoch: epoch, topics: json["seq"] as? [String: Int] ?? [:], savedAt: savedAt, clean: clean,
                                entities: json["entities"] as? [String: [String]] ?? [:])
            }
            return nil
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        let logger = self.logger
        return try await withConnection("reading the config audit log from") { c in
            var entries: [AuditEntry] = []
            for try await (at, hash, outcome, summary) in try await c.query("""
                SELECT at, file_hash, outcome, summary FROM config_audit ORDER BY at DESC, id DESC LIMIT \(Int64(max(0, limit)))
                """, logger: logger).decode((Int64, String, String, String).self) {
                entries.append(AuditEntry(at: at, fileHash: hash, outcome: AuditEntry.Outcome(rawValue: outcome) ?? .refused,
                                          summary: summary))
            }
            return entries
        }
    }

    // MARK: Helpers

    static func samples(_ c: PostgresConnection, _ query: PostgresQuery,
                        _ logger: Logger) async throws -> [(start: EpochMillis, sample: OccupancySample)] {
        var result: [(start: EpochMillis, sample: OccupancySample)] = []
        for try await (start, handling, productive) in try await c.query(query, logger: logger).decode((Int64, Int64, Int64).self) {
            result.append((start, OccupancySample(handlingMs: handling, productiveMs: productive)))
        }
        return result
    }

    static func entityID(_ c: PostgresConnection, _ entity: EntityID, kind: PostgresSchema.EntityKind,
                         _ logger: Logger) async throws -> Int64? {
        for try await id in try await c.query("""
            SELECT id FROM entity WHERE org = \(entity.org.rawValue) AND kind = \(kind.rawValue) AND platform_id = \(entity.platformID)
            """, logger: logger).decode(Int64.self) {
            return id
        }
        return nil
    }

    /// Platform ids of the org's agents and queues by dictionary id.
    static func platformIDs(_ c: PostgresConnection, org: OrgID, _ logger: Logger) async throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for try await (id, platformID) in try await c.query(
            "SELECT id, platform_id FROM entity WHERE org = \(org.rawValue)", logger: logger
        ).decode((Int64, String).self) {
            names[id] = platformID
        }
        return names
    }

    /// An AgentBucketCodec blob's samples by platform id.
    func agents(_ data: ByteBuffer, _ names: [Int64: String], _ what: @autoclosure () -> String) throws -> [String: OccupancySample] {
        let entries: [(key: Int64, sample: OccupancySample)]
        do {
            entries = try AgentBucketCodec.decode(data.readableBytesView)
        } catch {
            throw corrupt(what(), error)
        }
        var agents: [String: OccupancySample] = [:]
        agents.reserveCapacity(entries.count)
        for entry in entries { agents[names[entry.key] ?? "#\(entry.key)"] = entry.sample }
        return agents
    }
}
