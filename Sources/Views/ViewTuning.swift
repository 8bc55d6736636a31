/// Tunables of the views: traffic thresholds and timeline retention. Every field has a default.
public struct ViewTuning: Sendable, Equatable {
    /// On refresh an agent is re-emitted when an occupancy moved by at least this much (2-decimal precision).
    public var occupancyStep: Double = 0.01
    /// On refresh an agent is re-emitted when a handling or productive figure moved by at least this (ms).
    public var durationStepMs: Int64 = 300_000
    /// An agent whose state did not change has its figures checked (and, when they moved materially,
    /// re-emitted) once per turn: turns are this far apart, staggered across agents so that each
    /// refresh or sweep carries an even share instead of one burst (docs/views.md, "Traffic").
    /// 0 checks every agent on every refresh.
    public var figureTurnMs: Int64 = 30_000
    /// On refresh a queue is re-emitted when its longest wait moved by at least this (ms).
    public var longestWaitStepMs: Int64 = 1_000
    /// Change points are kept for the longest rolling window (60 min) plus this grace, then folded
    /// into today's totals. Events older than that are dropped.
    public var foldGraceMs: Int64 = 5 * 60_000
    /// An interaction with no end (no disconnect, or ACW without `endAcwTime`) stops counting this long
    /// after it began, so a lost final snapshot cannot count handling forever.
    public var maxOpenInteractionMs: Int64 = 4 * 3_600_000
    /// More change points than this for one agent fold the oldest early (memory bound under floods).
    public var maxPointsPerAgent: Int = 160
    /// A 15-minute history bucket is closed (and handed to the store, written once) this long after it
    /// ended, so events that arrive a little late still count in it (docs/store.md).
    public var bucketCloseGraceMs: Int64 = 2 * 60_000
    /// The day totals recorded at a bucket's close are every agent's `today` this long before the bucket's end
    /// (docs/store.md, "Day totals"): a restart or a cluster take-over starts from them and reads the platform's
    /// history from there, so an event that reached the views up to this much + the close grace late is in the
    /// stored baseline or in that history, never lost between them.
    public var dayTotalsHoldbackMs: Int64 = 10 * 60_000
    /// After an org comes back from a gap, buckets reaching into the gap close this long after the reconnect,
    /// so the re-sync's history of the gap is in them.
    public var bucketReopenGraceMs: Int64 = 5 * 60_000

    public init() {}
}
