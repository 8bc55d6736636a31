/// The SQL of the shared view stream (docs/scale-out.md, "Shared view stream").
enum ViewStreamSQL {
    /// One row per org and flush (kind 0: the org topics' deltas) or per state (kind 1: every org topic's
    /// entities), the body a `RemoteStreamRecord`. `term` is the writer's leadership term.
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
    /// The channel every insert is announced on (the payload is the org: the bodies stay in the table, so the
    /// 8,000-byte NOTIFY limit never applies).
    static let channel = "switchboard_views"
}
