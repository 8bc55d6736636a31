/// Today's quality evaluations of one agent on one evaluation form (or on all forms, for the seed
/// shape, `formID` nil): from `analytics/evaluations/aggregates/query` grouped by userId and formId.
public struct FormQuality: Sendable, Equatable, Codable {
    public var formID: String?
    public var formName: String?
    /// `nEvaluations`.
    public var count: Int
    /// Average total score (`oTotalScore.sum / count`), 0…100; nil when unknown.
    public var averageScore: Double?
    /// Average critical score (`oTotalCriticalScore`); nil when unknown (the seed shape has none).
    public var averageCriticalScore: Double?
    /// Pass rate in percent (seed shape only).
    public var passRate: Double?

    public init(formID: String?, formName: String? = nil, count: Int, averageScore: Double?,
                averageCriticalScore: Double? = nil, passRate: Double? = nil) {
        self.formID = formID
        self.formName = formName
        self.count = count
        self.averageScore = averageScore
        self.averageCriticalScore = averageCriticalScore
        self.passRate = passRate
    }
}

/// One agent's quality today, every form; replaces what the views held for that agent.
public struct AgentQuality: Sendable, Equatable, Codable {
    public var agent: EntityID
    /// Display name when the source gives one (the seed shape); names are never keys.
    public var name: String?
    public var forms: [FormQuality]

    public init(agent: EntityID, name: String? = nil, forms: [FormQuality]) {
        self.agent = agent
        self.name = name
        self.forms = forms
    }
}

/// One queue's quality today (evaluations of calls of that queue), every form.
public struct QueueQuality: Sendable, Equatable, Codable {
    public var queue: EntityID
    public var forms: [FormQuality]

    public init(queue: EntityID, forms: [FormQuality]) {
        self.queue = queue
        self.forms = forms
    }
}

/// The result of one quality poll of an org: every agent (and queue) with evaluations today.
///
/// `Codable` (synthesized: the property names are the keys) because the bridge stores it as a document
/// (docs/store.md, "Documents"): renaming a property changes the stored format.
public struct QualityReport: Sendable, Equatable, Codable {
    /// What the views and exports say about quality data's freshness (docs/quality.md).
    public static let lagNote = "Quality data lags up to 30 minutes behind evaluations."

    public var org: OrgID
    /// When the poll completed (business clock).
    public var asOf: EpochMillis
    /// Local midnight (UTC epoch ms) of the day the report covers (the poll's `[dayStart, asOf)`); nil when
    /// the source did not say (such a report is shown but not stored).
    public var dayStart: EpochMillis?
    /// Scores below this many evaluations are "insufficient data" (tunable `qualityMinEvaluations`).
    public var minEvaluations: Int
    public var agents: [AgentQuality]
    /// Per-queue rollups (evaluations aggregates grouped by `queueId`, or the seed's `groupBy=queue`).
    public var queues: [QueueQuality]

    public init(org: OrgID, asOf: EpochMillis, minEvaluations: Int, agents: [AgentQuality], queues: [QueueQuality] = [],
                dayStart: EpochMillis? = nil) {
        self.org = org
        self.asOf = asOf
        self.dayStart = dayStart
        self.minEvaluations = minEvaluations
        self.agents = agents
        self.queues = queues
    }
}
