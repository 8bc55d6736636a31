import Crypto
import PostgresNIO
import SwitchboardCore

/// The advisory-lock keys and the SQL of the leadership tables (docs/scale-out.md, "The PostgreSQL driver").
public enum LeadershipSQL {
    /// An org's advisory-lock key: the first 8 bytes of SHA-256 of `switchboard-org:` + the org id, read
    /// big-endian as a signed 64-bit integer (`pg_try_advisory_lock(bigint)`). The same on every replica,
    /// platform and release; a collision between two orgs (2⁻⁶⁴ per pair) would only make them share a leader.
    public static func lockKey(for org: OrgID) -> Int64 {
        lockKey(text: "switchboard-org:" + org.rawValue)
    }

    /// The transaction-scoped lock taken around creating the tables, so replicas starting together do not race
    /// on `CREATE TABLE IF NOT EXISTS` (same derivation, text `switchboard-schema:cluster`).
    public static let schemaLockKey: Int64 = lockKey(text: "switchboard-schema:cluster")

    static func lockKey(text: String) -> Int64 {
        let digest = Array(SHA256.hash(data: Array(text.utf8)))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        return Int64(bitPattern: value)
    }

    static let createLeadership = """
        CREATE TABLE IF NOT EXISTS cluster_leadership (
            org text PRIMARY KEY, term bigint NOT NULL, leader text NOT NULL, since timestamptz NOT NULL)
        """
    static let createReplicas = """
        CREATE TABLE IF NOT EXISTS cluster_replicas (
            name text PRIMARY KEY, heartbeat timestamptz NOT NULL, gone boolean NOT NULL DEFAULT false)
        """

    /// The condition a fenced write adds (docs/scale-out.md, "Fencing by term"): true only while `term` is the
    /// org's current term. For a writer's statement, e.g.
    /// `INSERT INTO t (...) SELECT ... WHERE (SELECT term FROM cluster_leadership WHERE org = $1) = $2`, or
    /// `UPDATE t SET ... WHERE ... AND (SELECT term FROM cluster_leadership WHERE org = $1) = $2`; a statement
    /// that changed no row was refused (another replica has led the org since).
    public static let fencingCondition = "(SELECT term FROM cluster_leadership WHERE org = $1) = $2"

    /// The org's current term (nil: nobody ever led it), read on any connection (a writer's pool, not the
    /// leadership session). ``FencingToken/check(current:)`` says what it means for a writer's term.
    public static func currentTerm(org: OrgID, on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        let rows = try await connection.query("SELECT term FROM cluster_leadership WHERE org = \(org.rawValue)",
                                              logger: logger)
        for try await term in rows.decode(Int64.self) { return term }
        return nil
    }
}
