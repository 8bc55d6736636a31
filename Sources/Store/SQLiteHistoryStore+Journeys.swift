import Foundation
import GRDB
import SwitchboardCore

/// Closed journeys (schema v3, docs/store.md): one `journey` row each, its customers' salted hashes in
/// `journey_key`.
extension SQLiteHistoryStore {
    /// Stores (or replaces) one journey and its hashes, inside the batch's transaction.
    static func upsert(_ j: StoredJourney, _ db: Database) throws {
        let stored = DocumentCodec.encode(j.document)
        try db.execute(sql: """
            INSERT INTO journey (id, org, opened_at, closed_at, encoding, json) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET org = excluded.org, opened_at = excluded.opened_at,
                closed_at = excluded.closed_at, encoding = excluded.encoding, json = excluded.json
            """, arguments: [j.id, j.org.rawValue, j.openedAt, j.closedAt, stored.encoding.rawValue, Data(stored.bytes)])
        try db.execute(sql: "DELETE FROM journey_key WHERE journey = ?", arguments: [j.id])
        let statement = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO journey_key (org, key_hash, journey) VALUES (?, ?, ?)")
        for hash in j.customerHashes {
            try statement.execute(arguments: [j.org.rawValue, hash, j.id])
        }
    }

    public func journey(id: String) async throws -> StoredJourney? {
        let path = self.path
        return try await withReader("reading a journey from") { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, org, opened_at, closed_at, encoding, json FROM journey WHERE id = ?
                """, arguments: [id]) else { return nil }
            return try Self.journey(row, db, path)
        }
    }

    public func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney] {
        let hashes = Array(Set(customerHashes)).sorted()
        guard !hashes.isEmpty, limit > 0 else { return [] }
        let path = self.path
        return try await withReader("searching journeys in") { db in
            let marks = Array(repeating: "?", count: hashes.count).joined(separator: ", ")
            var arguments: [any DatabaseValueConvertible] = [org.rawValue]
            arguments += hashes.map { $0 as any DatabaseValueConvertible }
            arguments.append(limit)
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, org, opened_at, closed_at, encoding, json FROM journey
                WHERE id IN (SELECT journey FROM journey_key WHERE org = ? AND key_hash IN (\(marks)))
                ORDER BY opened_at DESC, id DESC LIMIT ?
                """, arguments: StatementArguments(arguments))
            return try rows.map { try Self.journey($0, db, path) }
        }
    }

    static func journey(_ row: Row, _ db: Database, _ path: String) throws -> StoredJourney {
        let id: String = row[0]
        let data: Data = row[5]
        let document: [UInt8]
        do {
            document = try DocumentCodec.decode(encoding: row[4], [UInt8](data))
        } catch {
            throw StoreError(code: "store.corrupt",
                             message: "\(path): the stored journey \(id) does not decode (\(error)); restore the store from a backup, or move it away to start an empty history")
        }
        let hashes = try String.fetchAll(db, sql: "SELECT key_hash FROM journey_key WHERE journey = ? ORDER BY key_hash",
                                         arguments: [id])
        return StoredJourney(id: id, org: OrgID(rawValue: row[1]), openedAt: row[2], closedAt: row[3],
                             customerHashes: hashes, document: document)
    }

    static func insert(_ d: EventBridgeDelivery, _ db: Database) throws {
        let stored = DocumentCodec.encode(d.body)
        try db.execute(sql: "INSERT INTO eventbridge_delivery (org, received_at, encoding, body) VALUES (?, ?, ?, ?)",
                       arguments: [d.org.rawValue, d.receivedAt, stored.encoding.rawValue, Data(stored.bytes)])
    }

    public func eventBridgeDeliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery] {
        let path = self.path
        return try await withReader("reading EventBridge deliveries from") { db in
            try Row.fetchAll(db, sql: """
                SELECT received_at, encoding, body FROM eventbridge_delivery WHERE org = ? AND received_at >= ?
                ORDER BY received_at, id
                """, arguments: [org.rawValue, since]).map { row in
                let data: Data = row[2]
                do {
                    return EventBridgeDelivery(org: org, receivedAt: row[0],
                                               body: try DocumentCodec.decode(encoding: row[1], [UInt8](data)))
                } catch {
                    throw StoreError(code: "store.corrupt",
                                     message: "\(path): an EventBridge delivery of \(org) received at \(row[0] as EpochMillis) does not decode (\(error)); restore the store from a backup, or move it away to start an empty history")
                }
            }
        }
    }

    /// Deletes the EventBridge deliveries past their org's replay window (``StoreRetention/eventBridgeMsByOrg``,
    /// else ``StoreRetention/eventBridgeMs``).
    static func sweepDeliveries(_ db: Database, now: EpochMillis, retention: StoreRetention) throws -> Int {
        try sweep(db, table: "eventbridge_delivery", time: "received_at", now: now,
                  byOrg: retention.eventBridgeMsByOrg, otherwise: retention.eventBridgeMs)
    }

    /// Deletes the journeys past their org's retention (``StoreRetention/journeyMsByOrg``, else
    /// ``StoreRetention/journeyMs``); their hashes go with them. Returns the journeys deleted.
    static func sweepJourneys(_ db: Database, now: EpochMillis, retention: StoreRetention) throws -> Int {
        try sweep(db, table: "journey", time: "closed_at", now: now,
                  byOrg: retention.journeyMsByOrg, otherwise: retention.journeyMs)
    }

    /// Deletes a table's rows older than their org's retention (`byOrg`), else `otherwise`; returns the rows
    /// deleted. `table` and `time` are this file's own constants, never input.
    private static func sweep(_ db: Database, table: String, time: String, now: EpochMillis,
                              byOrg: [OrgID: EpochMillis], otherwise: EpochMillis) throws -> Int {
        var deleted = 0
        let orgs = byOrg.keys.map(\.rawValue).sorted()
        for org in orgs {
            try db.execute(sql: "DELETE FROM \(table) WHERE org = ? AND \(time) < ?",
                           arguments: [org, now - byOrg[OrgID(rawValue: org)]!])
            deleted += db.changesCount
        }
        let marks = Array(repeating: "?", count: orgs.count).joined(separator: ", ")
        try db.execute(sql: "DELETE FROM \(table) WHERE org NOT IN (\(marks)) AND \(time) < ?",
                       arguments: StatementArguments(orgs.map { $0 as any DatabaseValueConvertible } + [now - otherwise]))
        deleted += db.changesCount
        return deleted
    }
}
