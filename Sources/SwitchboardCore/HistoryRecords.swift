/// History records: what the views hand to the store (docs/store.md). They live in the core so the views
/// need not know the store, and the store need not know the views.

/// Handling and productive time of one closed bucket (or a sum of buckets).
public struct OccupancySample: Sendable, Equatable, Hashable {
    public var handlingMs: Int64
    public var productiveMs: Int64
    public init(handlingMs: Int64, productiveMs: Int64) {
        self.handlingMs = handlingMs
        self.productiveMs = productiveMs
    }
    /// handling / productive; nil while nothing was productive.
    public var occupancy: Double? { productiveMs > 0 ? Double(handlingMs) / Double(productiveMs) : nil }
}

/// Bucket width: 15 minutes, aligned to UTC (every real time zone offset is a multiple of 15 minutes).
public enum Bucket {
    public static let widthMs: Int64 = 15 * 60_000
    public static func start(of t: EpochMillis) -> EpochMillis {
        t - ((t % widthMs) + widthMs) % widthMs
    }
}

/// A closed 15-minute bucket of one org, written once: every agent with handling or productive time in it,
/// each queue of the org (its members' sum) and the org itself.
public struct ClosedBucket: Sendable, Equatable {
    public var org: OrgID
    /// Multiple of ``Bucket/widthMs``.
    public var start: EpochMillis
    /// Agents by platform id (no org prefix).
    public var agents: [String: OccupancySample]
    /// Queues by platform id.
    public var queues: [String: OccupancySample]
    public var total: OccupancySample
    /// Per queue (platform id, the keys of ``queues``): how many of its members had productive time in the
    /// bucket (the reaction-time report's "agents on queue"). A queue without an entry was stored before the
    /// store kept the count (schema v1): unknown, not zero.
    public var queueAgents: [String: Int]

    public init(org: OrgID, start: EpochMillis, agents: [String: OccupancySample], queues: [String: OccupancySample],
                total: OccupancySample, queueAgents: [String: Int] = [:]) {
        self.org = org
        self.start = start
        self.agents = agents
        self.queues = queues
        self.total = total
        self.queueAgents = queueAgents
    }

    /// Agents with productive time in the bucket (the org's "agents on queue").
    public var productiveAgents: Int { agents.values.reduce(0) { $0 + ($1.productiveMs > 0 ? 1 : 0) } }
}

/// Today's totals of every agent of one org as of `asOf` (a bucket boundary the views have folded up to):
/// what a restart starts from instead of the platform's aggregates. Replaces the previous row of the day.
public struct DayTotals: Sendable, Equatable {
    public var org: OrgID
    /// Local midnight (UTC epoch ms) of the day.
    public var dayStart: EpochMillis
    public var asOf: EpochMillis
    /// Agents by platform id; every agent the views held, including those with zero time.
    public var agents: [String: OccupancySample]

    public init(org: OrgID, dayStart: EpochMillis, asOf: EpochMillis, agents: [String: OccupancySample]) {
        self.org = org
        self.dayStart = dayStart
        self.asOf = asOf
        self.agents = agents
    }
}


/// Where the views hand closed buckets and day totals (the store's writer). Called on the views' path, so
/// an implementation must not wait on disk: it queues and returns.
public protocol HistorySink: Sendable {
    func record(buckets: [ClosedBucket], dayTotals: [DayTotals])
}
