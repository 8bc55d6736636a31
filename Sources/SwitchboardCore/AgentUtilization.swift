/// One 30-minute interval of one agent's handling, from `analytics/conversations/aggregates/query`
/// (granularity PT30M, groupBy userId). Durations are milliseconds; counts are conversations.
public struct UtilizationInterval: Sendable, Equatable, Hashable, Codable {
    /// Interval start (UTC epoch ms); the interval is [start, start + 30 min).
    public var start: EpochMillis
    /// Sum of `tHandle` (talk + hold + after-call work) of the handles that ended in the interval.
    public var handleMs: Int64
    /// `tHandle.count`: handles completed (the AHT denominator).
    public var handleCount: Int
    public var talkMs: Int64
    public var heldMs: Int64
    public var acwMs: Int64
    /// `nConnected`.
    public var connected: Int
    /// True while the interval has not ended (it is re-fetched until it closes).
    public var open: Bool

    public init(start: EpochMillis, handleMs: Int64 = 0, handleCount: Int = 0, talkMs: Int64 = 0, heldMs: Int64 = 0,
                acwMs: Int64 = 0, connected: Int = 0, open: Bool = false) {
        self.start = start
        self.handleMs = handleMs
        self.handleCount = handleCount
        self.talkMs = talkMs
        self.heldMs = heldMs
        self.acwMs = acwMs
        self.connected = connected
        self.open = open
    }

    /// Average handle time: `tHandle.sum / tHandle.count`; nil when nothing was handled.
    public var averageHandleMs: Int64? { handleCount > 0 ? handleMs / Int64(handleCount) : nil }

    /// True when every figure is zero (empty buckets are left out by the platform).
    public var isEmpty: Bool {
        handleMs == 0 && handleCount == 0 && talkMs == 0 && heldMs == 0 && acwMs == 0 && connected == 0
    }
}

/// Today's utilization of one agent: every non-empty 30-minute interval since local midnight,
/// sorted by start. Each event replaces the agent's previous intervals for that day.
///
/// `Codable` (synthesized: the property names are the keys) because the bridge stores it as a document
/// (docs/store.md, "Documents"): renaming a property changes the stored format.
public struct AgentUtilization: Sendable, Equatable, Codable {
    /// The agent's id, or the queue's for a queue rollup (``subject`` `.queue`).
    public var agent: EntityID
    /// An agent (default) or a queue rollup.
    public var subject: Subject
    /// Local midnight (UTC epoch ms) of the day.
    public var dayStart: EpochMillis
    /// When the data was fetched (business clock).
    public var asOf: EpochMillis
    public var intervals: [UtilizationInterval]

    public init(agent: EntityID, dayStart: EpochMillis, asOf: EpochMillis, intervals: [UtilizationInterval],
                subject: Subject = .agent) {
        self.agent = agent
        self.subject = subject
        self.dayStart = dayStart
        self.asOf = asOf
        self.intervals = intervals
    }
}

extension AgentUtilization {
    /// What an ``AgentUtilization`` describes.
    public enum Subject: String, Sendable, Equatable, Codable {
        /// One agent (`agent` is the agent's id).
        case agent
        /// One queue's rollup (`agent` holds the queue's id): conversations aggregates grouped by `queueId`.
        case queue
    }
}

/// One conversation of an agent's interval, from the details query (drill-down).
public struct UtilizationDetail: Sendable, Equatable {
    public var conversationID: String
    public var start: EpochMillis
    public var end: EpochMillis?
    public var handleMs: Int64
    public var talkMs: Int64
    public var heldMs: Int64
    public var acwMs: Int64

    public init(conversationID: String, start: EpochMillis, end: EpochMillis?, handleMs: Int64, talkMs: Int64,
                heldMs: Int64, acwMs: Int64) {
        self.conversationID = conversationID
        self.start = start
        self.end = end
        self.handleMs = handleMs
        self.talkMs = talkMs
        self.heldMs = heldMs
        self.acwMs = acwMs
    }
}

/// Why a drill-down could not be answered. Codes: `drilldown.org-not-connected` (no running connector
/// for the org), `drilldown.upstream` (the platform refused or failed after retries).
public struct DrillDownError: CodedError, Equatable {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// Runs the details query for one agent's interval through the org's own connector (its token, retry
/// policy and rate-limit governor). The bridge implements it over the supervisor's connectors.
public protocol UtilizationDrillDown: Sendable {
    /// The agent's (platform id `userID`) conversations whose handle completed in [from, to), oldest first.
    func conversationDetails(org: OrgID, userID: String, from: EpochMillis, to: EpochMillis)
        async throws(DrillDownError) -> [UtilizationDetail]
}
