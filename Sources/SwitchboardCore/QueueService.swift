/// A queue's configured service level for one media type: the platform's `ServiceLevel`
/// (`mediaSettings.<media>.serviceLevel` on `GET /api/v2/routing/queues`), "`percentage` of
/// conversations answered within `durationMs`" (80 % in 20 s is the platform's default).
public struct ServiceLevelTarget: Sendable, Equatable, Hashable {
    /// The goal, a ratio in (0, 1].
    public var percentage: Double
    /// Answered within this many milliseconds counts as within target.
    public var durationMs: Int64

    public init(percentage: Double, durationMs: Int64) {
        self.percentage = percentage
        self.durationMs = durationMs
    }
}

/// The counts behind a queue's service figures over one span, from the conversation aggregates
/// (docs/queues.md). Counts add up across intervals, queues and orgs; ratios are computed from the
/// sums, never averaged.
public struct QueueServiceCounts: Sendable, Equatable, Hashable, Codable {
    /// Conversations that entered the queue (`nOffered`).
    public var offered: Int
    /// Answered by an agent (`tAnswered.count`).
    public var answered: Int
    /// Total wait of the answered ones, queue entry to answer (`tAnswered.sum`, ms).
    public var answerWaitMs: Int64
    /// Customer hung up while waiting (`tAbandon.count`).
    public var abandoned: Int
    /// Answered within the queue's service-level duration (`oServiceLevel.numerator`).
    public var withinTarget: Int
    /// The conversations the service level is judged on (`oServiceLevel.denominator`: answered + abandoned
    /// with the platform's default service-level options).
    public var serviceLevelCalls: Int

    public init(offered: Int = 0, answered: Int = 0, answerWaitMs: Int64 = 0, abandoned: Int = 0,
                withinTarget: Int = 0, serviceLevelCalls: Int = 0) {
        self.offered = offered
        self.answered = answered
        self.answerWaitMs = answerWaitMs
        self.abandoned = abandoned
        self.withinTarget = withinTarget
        self.serviceLevelCalls = serviceLevelCalls
    }

    /// withinTarget ÷ serviceLevelCalls; nil when nothing was answered or abandoned.
    public var serviceLevel: Double? {
        serviceLevelCalls > 0 ? Double(withinTarget) / Double(serviceLevelCalls) : nil
    }

    /// abandoned ÷ offered (the platform's Abandon %); nil when nothing was offered.
    public var abandonRate: Double? { offered > 0 ? Double(abandoned) / Double(offered) : nil }

    /// Average speed of answer: answerWaitMs ÷ answered, rounded; nil when nothing was answered.
    public var asaMs: Int64? {
        answered > 0 ? Int64((Double(answerWaitMs) / Double(answered)).rounded()) : nil
    }

    public static func + (a: QueueServiceCounts, b: QueueServiceCounts) -> QueueServiceCounts {
        QueueServiceCounts(offered: a.offered + b.offered, answered: a.answered + b.answered,
                           answerWaitMs: a.answerWaitMs + b.answerWaitMs, abandoned: a.abandoned + b.abandoned,
                           withinTarget: a.withinTarget + b.withinTarget,
                           serviceLevelCalls: a.serviceLevelCalls + b.serviceLevelCalls)
    }

    public static func += (a: inout QueueServiceCounts, b: QueueServiceCounts) { a = a + b }
}

/// Service counts for the three windows, all ending at the same instant.
public struct QueueServiceWindows: Sendable, Equatable, Hashable, Codable {
    public var today: QueueServiceCounts
    public var rolling15m: QueueServiceCounts
    public var rolling60m: QueueServiceCounts

    public init(today: QueueServiceCounts = .init(), rolling15m: QueueServiceCounts = .init(),
                rolling60m: QueueServiceCounts = .init()) {
        self.today = today
        self.rolling15m = rolling15m
        self.rolling60m = rolling60m
    }

    public subscript(_ window: OccupancyWindow) -> QueueServiceCounts {
        switch window {
        case .today: today
        case .rolling15m: rolling15m
        case .rolling60m: rolling60m
        }
    }

    public static func + (a: QueueServiceWindows, b: QueueServiceWindows) -> QueueServiceWindows {
        QueueServiceWindows(today: a.today + b.today, rolling15m: a.rolling15m + b.rolling15m,
                            rolling60m: a.rolling60m + b.rolling60m)
    }

    public static func += (a: inout QueueServiceWindows, b: QueueServiceWindows) { a = a + b }
}

/// One queue's service figures, polled from the conversation aggregates: `today` from local midnight,
/// `rolling15m` and `rolling60m`, every window ending at `asOf`.
public struct QueueServiceReport: Sendable, Equatable {
    public var queue: EntityID
    /// Local midnight (UTC epoch ms) of the day `today` belongs to.
    public var dayStart: EpochMillis
    /// The instant every window ends at (the poll's time, to the minute).
    public var asOf: EpochMillis
    public var windows: QueueServiceWindows

    public init(queue: EntityID, dayStart: EpochMillis, asOf: EpochMillis, windows: QueueServiceWindows) {
        self.queue = queue
        self.dayStart = dayStart
        self.asOf = asOf
        self.windows = windows
    }
}
