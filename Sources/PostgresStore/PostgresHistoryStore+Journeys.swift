import Foundation
import Logging
import PostgresNIO
import Store
import SwitchboardCore

/// Closed journeys and EventBridge deliveries: one `journey` row each, its customers' salted hashes in
/// `journey_key` (as in the SQLite store).
extension PostgresHistoryStore {
    /// Stores (or replaces) one journey and its hashes, inside the batch's transaction.
    static func upsert(_ j: StoredJourney, _ c: PostgresConnection, _ logger: Logger) async throws {
        let stored = DocumentCodec.encode(j.document)
        try await exec(c, """
            INSERT INTO journey (id, org, opened_at, closed_at, encoding, json)
            VALUES (\(j.id), \(j.org.rawValue), \(j.openedAt), \(j.closedAt), \(Int16(stored.encoding.rawValue)), \(Data(stored.bytes)))
            ON CONFLICT (id) DO UPDATE SET org = excluded.org, opened_at = excluded.opened_at,
                closed_at = excluded.closed_at, encoding = excluded.encoding, json = excluded.json
            """, logger)
        try await exec(c, "DELETE FROM journey_key WHERE journey = \(j.id)", logger)
        guard !j.customerHashes.isEmpty else { return }
        try await exec(c, """
            INSERT INTO journey_key (org, key_hash, journey) SELECT \(j.org.rawValue), h, \(j.id)
            FROM unnest(\(j.customerHashes)::text[]) AS t (h) ON CONFLICT DO NOTHING
            """, logger)
    }

    public func journey(id: String) async throws -> StoredJourney? {
        let logger = self.logger
        return try await withTransaction("reading a journey from", readOnly: true) { c in
            try await journeys(c, """
                SELECT id, org, opened_at, closed_at, encoding, json FROM journey WHERE id = \(id)
                """, logger).first
        }
    }

    public func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney] {
        let hashes = Array(Set(customerHashes)).sorted()
        guard !hashes.isEmpty, limit > 0 else { return [] }
        let logger = self.logger
        return try await withTransaction("searching journeys in", readOnly: true) { c in
            try await journeys(c, """
                SELECT id, org, opened_at, closed_at, encoding, json FROM journey
                WHERE id IN (SELECT journey FROM journey_key WHERE org = \(org.rawValue) AND key_hash = ANY(\(hashes)))
                ORDER BY opened_at DESC, id DESC LIMIT \(Int64(limit))
                """, logger)
        }
    }

    /// The journeys a query selects (its columns: id, org, opened_at, closed_at, encoding, json), with their hashes.
    func journeys(_ c: PostgresConnection, _ query: PostgresQuery, _ logger: Logger) async throws -> [StoredJourney] {
        var result: [StoredJourney] = []
        for try await (id, org, openedAt, closedAt, encoding, data) in try await c.query(query, logger: logger)
            .decode((String, String, Int64, Int64, Int16, ByteBuffer).self) {
            let document: [UInt8]
            do {
                document = try DocumentCodec.decode(encoding: Int(encoding), Array(data.readableBytesView))
            } catch {
                throw corrupt("the stored journey \(id)", error)
            }
            result.append(StoredJourney(id: id, org: OrgID(rawValue: org), openedAt: openedAt, closedAt: closedAt,
                                        customerHashes: [], document: document))
        }
        for i in result.indices {
            for try await hash in try await c.query(
                "SELECT key_hash FROM journey_key WHERE journey = \(result[i].id) ORDER BY key_hash", logger: logger
            ).decode(String.self) {
                result[i].customerHashes.append(hash)
            }
        }
        return result
    }

    static func insert(_ d: EventBridgeDelivery, _ c: PostgresConnection, _ logger: Logger) async throws {
        let stored = DocumentCodec.encode(d.body)
        try await exec(c, """
            INSERT INTO eventbridge_delivery (org, received_at, encoding, body)
            VALUES (\(d.org.rawValue), \(d.receivedAt), \(Int16(stored.encoding.rawValue)), \(Data(stored.bytes)))
            """, logger)
    }

    public func eventBridgeDeliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery] {
        let logger = self.logger
        return try await withConnection("reading EventBridge deliveries from") { c in
            var result: [EventBridgeDelivery] = []
            for try await (receivedAt, encoding, body) in try await c.query("""
                SELECT received_at, encoding, body FROM eventbridge_delivery
                WHERE org = \(org.rawValue) AND received_at >= \(since) ORDER BY received_at, id
                """, logger: logger).decode((Int64, Int16, ByteBuffer).self) {
                do {
                    result.append(EventBridgeDelivery(org: org, receivedAt: receivedAt,
                                                      body: try DocumentCodec.decode(encoding: Int(encoding),
                                                                                     Array(body.readableBytesView))))
                } catch {
                    throw corrupt("an EventBridge delivery of \(org) received at \(receivedAt)", error)
                }
            }
            return result
        }
    }

    /// Deletes the EventBridge deliveries past their org's replay window (``StoreRetention/eventBridgeMsByOrg``,
    /// else ``StoreRetention/eventBridgeMs``).
    static func sweepDeliveries(_ c: PostgresConnection, now: EpochMillis, retention: StoreRetention,
                                _ logger: Logger) async throws -> Int {
        try await sweep(c, table: "eventbridge_delivery", time: "received_at", now: now,
                        byOrg: retention.eventBridgeMsByOrg, otherwise: retention.eventBridgeMs, logger)
    }

    /// Deletes the journeys past their org's retention (``StoreRetention/journeyMsByOrg``, else
    /// ``StoreRetention/journeyMs``); their hashes go with them (ON DELETE CASCADE). Returns the journeys deleted.
    static func sweepJourneys(_ c: PostgresConnection, now: EpochMillis, retention: StoreRetention,
                              _ logger: Logger) async throws -> Int {
        try await sweep(c, table: "journey", time: "closed_at", now: now,
                        byOrg: retention.journeyMsByOrg, otherwise: retention.journeyMs, logger)
    }

    /// Deletes a table's rows older than their org's retention (`byOrg`), else `otherwise`; returns the rows
    /// deleted. `table` and `time` are this file's own constants, never input.
    private static func sweep(_ c: PostgresConnection, table: String, time: String, now: EpochMillis,
                              byOrg: [OrgID: Int64], otherwise: Int64, _ logger: Logger) async throws -> Int {
        var deleted = 0
        let orgs = byOrg.keys.map(\.rawValue).sorted()
        for org in orgs {
            let cutoff = now - byOrg[OrgID(rawValue: org)]!
            deleted += try await count(c, """
                WITH d AS (DELETE FROM \(unescaped: table) WHERE org = \(org) AND \(unescaped: time) < \(cutoff) RETURNING 1)
                SELECT COUNT(*) FROM d
                """, logger)
        }
        let cutoff = now - otherwise
        deleted += try await count(c, """
            WITH d AS (DELETE FROM \(unescaped: table) WHERE org <> ALL(\(orgs)::text[]) AND \(unescaped: time) < \(cutoff) RETURNING 1)
            SELECT COUNT(*) FROM d
            """, logger)
        return deleted
    }
}
