import Hub
import Logging
import NIOCore
import PostgresNIO
import SwitchboardCore

/// The reading side of ``ClusterViewStream``: one cursor per followed org over `cluster_view_stream` (one org's
/// rows are written one after the other by its single leader, so its ids commit in order — rows of different orgs
/// need not), rows applied to the hub in id order, the org's last state row read whenever a delta does not
/// follow.
final class ViewStreamFollower {
    let stream: ClusterViewStream
    let connection: PostgresConnection
    /// Per org: the id of the last row applied or skipped (absent: not read yet in this session).
    var cursor: [OrgID: Int64] = [:]
    /// Per org: the newest term seen; older rows are a stale leader's.
    var newestTerm: [OrgID: Int64] = [:]
    /// Per org: the id of the last state row read (a gap is answered by a newer one only).
    var stateRead: [OrgID: Int64] = [:]
    /// Orgs whose next state row is read and applied (starting to follow, or a delta that did not follow); for the
    /// others a state row of a term already seen is passed by.
    var wantState: Set<OrgID> = []
    static let batchSize = 200
    var logger: Logger { stream.logger }

    init(stream: ClusterViewStream, connection: PostgresConnection) {
        self.stream = stream
        self.connection = connection
    }

    var lastLeaderCheck: ContinuousClock.Instant?

    func run(_ notified: AsyncStream<Void>) async throws {
        for await _ in notified {
            let now = ContinuousClock.now
            if lastLeaderCheck.map({ now - $0 >= stream.options.pollInterval }) ?? true {
                lastLeaderCheck = now
                try await checkLeaders()
            }
            for org in stream.orgs() {
                if stream.term(org) != nil {
                    // Led here: what this replica writes is already in its hub; follow again from the end when
                    // it stops leading.
                    cursor[org] = nil
                    stateRead[org] = nil
                    wantState.remove(org)
                    continue
                }
                try await follow(org)
            }
        }
    }

    private func follow(_ org: OrgID) async throws {
        if cursor[org] == nil {
            // Start from the org's last state row (what the hub already holds is skipped by the hub itself).
            cursor[org] = (try await lastStateID(org)).map { $0 - 1 } ?? 0
            wantState.insert(org)
        }
        while true {
            let from = cursor[org] ?? 0
            // A state row's body (every entity of the org: megabytes for thousands of agents) is read only when it is
            // needed: on starting to follow, after a delta that did not follow, or from a newer term. Otherwise it
            // is a checkpoint written between deltas that this replica is applying (ClusterViewStream's publish
            // loop writes a pass's deltas before its periodic state), passed by unread.
            let want = wantState.contains(org), newest = newestTerm[org] ?? 0
            let rows = try await connection.query("""
                SELECT id, term, kind, CASE WHEN kind <> \(ViewStreamSQL.Kind.checkpoint) OR \(want) OR term > \(newest) THEN body ELSE ''::bytea END
                FROM cluster_view_stream WHERE org = \(org.rawValue) AND id > \(from) ORDER BY id LIMIT \(Self.batchSize)
                """, logger: logger)
            var batch: [(Int64, Int64, Int16, ByteBuffer)] = []
            for try await row in rows.decode((Int64, Int64, Int16, ByteBuffer).self) { batch.append(row) }
            if batch.isEmpty { return }
            var applied = 0, states = 0
            var reread = false
            for (id, term, kind, body) in batch {
                if stream.term(org) != nil { return }  // became the leader meanwhile
                cursor[org] = id
                if let newest = newestTerm[org], term < newest { continue }
                if kind == ViewStreamSQL.Kind.checkpoint, !wantState.contains(org), let newest = newestTerm[org], term <= newest {
                    continue  // a checkpoint passed by (above)
                }
                if kind == ViewStreamSQL.Kind.checkpoint && body.readableBytes == 0 {
                    // Wanted since the query (a delta of this batch did not follow): read it again with its body.
                    cursor[org] = id - 1
                    reread = true
                    break
                }
                newestTerm[org] = term
                let record: RemoteStreamRecord
                do {
                    record = try RemoteStreamRecord(decoding: Array(buffer: body))
                } catch {
                    logger.error("view stream: a row cannot be read; skipped", metadata: [
                        "org": "\(org)", "id": "\(id)", "error": "\(error.message)"])
                    continue
                }
                switch record {
                case .totals(let bytes):
                    stream.onTotals(org, bytes)
                case .alerts(let alerts):
                    for a in alerts {
                        if a.kind == .upstreamStale, a.org == org { stream.supersedeStale(org) }
                        stream.hub.publish(alert: a)
                    }
                case .states(let s):
                    _ = stream.hub.applyRemote(states: s)
                    stateRead[org] = id
                    wantState.remove(org)
                    states += 1
                case .deltas(let ds):
                    let results = stream.hub.applyRemote(ds)
                    guard results.contains(.needsState) else {
                        applied += 1
                        continue
                    }
                    // Read the org's last state row, and the rows after it — unless it was read already (then this
                    // delta is skipped, and so are the next ones until the state row the leader writes after every
                    // gap arrives).
                    wantState.insert(org)
                    if let stateID = try await lastStateID(org), stateID > (stateRead[org] ?? 0) {
                        cursor[org] = stateID - 1
                        reread = true
                    }
                }
                if reread { break }
            }
            stream.recordApplied(rows: applied, states: states)
            if !reread && batch.count < Self.batchSize { return }
        }
    }

    /// Shows stale the followed orgs no replica leads now — nobody holds the org's advisory lock, or its leader's
    /// heartbeat is older than the replica timeout (a leader cut off from the database) — and fresh again those a
    /// live replica leads and has written in its term (a new leader's first row is its state and its take-over
    /// announcement, whose stale stands until the leader says the org is open: ``ClusterViewStream/supersedeStale(_:)``).
    private func checkLeaders() async throws {
        let timeout = Double(stream.options.replicaTimeout.components.seconds)
            + Double(stream.options.replicaTimeout.components.attoseconds) / 1e18
        var held: Set<Int64> = []
        // A session-level lock on one bigint key shows as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
        let locks = try await connection.query("""
            SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 1
            """, logger: logger)
        for try await key in locks.decode(Int64.self) { held.insert(key) }
        let rows = try await connection.query("""
            SELECT l.org, l.term, coalesce(extract(epoch FROM now() - r.heartbeat)::float8, 1e9), coalesce(r.gone, true)
            FROM cluster_leadership l LEFT JOIN cluster_replicas r ON r.name = l.leader
            """, logger: logger)
        var alive: [OrgID: Int64] = [:]
        for try await (org, term, age, gone) in rows.decode((String, Int64, Double, Bool).self) where !gone && age <= timeout {
            if held.contains(LeadershipSQL.lockKey(for: OrgID(org))) { alive[OrgID(org)] = term }
        }
        var stale: [OrgID] = []
        for org in stream.orgs() {
            if stream.term(org) != nil {
                // Led here: fresh once its views are published (a take-over's own stale, shown then, stands).
                if stream.publishing(org) { stream.markLed(org) }
            } else if let term = alive[org] {
                // Led, but not heard from in its term yet: wait for its first rows rather than say "recovered"
                // while its connector is still starting.
                if (newestTerm[org] ?? 0) >= term { stream.markLed(org) }
            } else {
                stale.append(org)
            }
        }
        if !stale.isEmpty {
            stream.markStale(stale, why: "no replica leads it now: the figures shown are the last received until another replica takes over")
        }
    }

    private func lastStateID(_ org: OrgID) async throws -> Int64? {
        let rows = try await connection.query("""
            SELECT id FROM cluster_view_stream WHERE org = \(org.rawValue)
                AND kind IN (\(ViewStreamSQL.Kind.checkpoint), \(ViewStreamSQL.Kind.restart)) ORDER BY id DESC LIMIT 1
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }
}
