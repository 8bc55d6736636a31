/// The SQL of the shared view stream (docs/scale-out.md, "Shared view stream").
enum ViewStreamSQL {
    /// One row per org and flush (kind 0: the org topics' deltas) or per state (every org topic's entities: kind 1
    /// a periodic checkpoint written after that pass's deltas, kind 4 a state that replaces deltas never written —
    /// a new term, a new session of the leader, deltas dropped while the database was away — which every follower
    /// applies), the body a `RemoteStreamRecord`. `term` is the writer's leadership term.
    static let create = """
        CREATE TABLE IF NOT EXISTS cluster_view_stream (
            id bigserial PRIMARY KEY, org text NOT NULL, term bigint NOT NULL, kind smallint NOT NULL,
            body bytea NOT NULL, written_at timestamptz NOT NULL DEFAULT now())
        """
    static let createIndex = """
        CREATE INDEX IF NOT EXISTS cluster_view_stream_org_kind ON cluster_view_stream (org, kind, id)
        """
    static let createOrgIndex = """
        CREATE INDEX IF NOT EXISTS cluster_view_stream_org_id ON cluster_view_stream (org, id)
        """
    /// Bodies are stored out of line without PostgreSQL's own (pglz) compression: they are written once, read once
    /// by each follower within seconds and deleted within a minute, and compressing them costs the leader's writer
    /// half of each insert — a 10 MB state row took 264 ms compressed, 114 ms not (docs/performance.md, Cluster),
    /// during which that org's next deltas wait. Only altered when not already so (the ALTER takes a brief
    /// exclusive lock on the table). PostgreSQL 15 has no `STORAGE` in `CREATE TABLE`.
    static let bodyStorage = """
        DO $$ BEGIN
            IF (SELECT attstorage FROM pg_attribute WHERE attrelid = 'cluster_view_stream'::regclass
                AND attname = 'body') <> 'e' THEN
                ALTER TABLE cluster_view_stream ALTER COLUMN body SET STORAGE EXTERNAL;
            END IF;
        END $$
        """
    /// The channel every insert is announced on (the payload is the org: the bodies stay in the table, so the
    /// 8,000-byte NOTIFY limit never applies).
    static let channel = "switchboard_views"
}

extension ViewStreamSQL {
    /// Row kinds (the `kind` column).
    enum Kind {
        static let deltas: Int16 = 0
        /// A periodic state: the deltas before it cover it; a follower keeping up passes it by unread.
        static let checkpoint: Int16 = 1
        static let alerts: Int16 = 2
        static let totals: Int16 = 3
        /// A state that stands for deltas that were never written: every follower applies it.
        static let restart: Int16 = 4
    }
}
