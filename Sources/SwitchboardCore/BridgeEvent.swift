/// The common event schema: what the normalizer makes of every upstream message, and what
/// the views fold. Ids are org-namespaced, times are UTC epoch milliseconds, durations are
/// milliseconds, names are display-only (everything is keyed by id).
///
/// Events carry absolute times so the views can apply them idempotently and in event-time
/// order: a duplicate is a no-op, a late event is placed where it belongs.
public enum BridgeEvent: Sendable, Equatable {
    /// An agent's presence and/or routing status changed (from `.activity`, `.presence`, `.routingStatus`).
    case agentStatus(AgentStatusChange)
    /// The state of one agent on one conversation, from a full conversation snapshot.
    case agentInteraction(AgentInteraction)
    /// An agent's display name and hire date (directory listing or a profile change).
    case agentProfile(AgentProfile)
    /// Live queue figures from `v2.analytics.queues.{id}.observations` or the observations query.
    case queueObservation(QueueObservation)
    /// A queue's display name.
    case queueProfile(QueueProfile)
    /// Today's totals for one agent from the users aggregates query: a baseline after a restart or gap.
    case agentBaseline(AgentBaseline)
    /// The org's connector health changed, or a heartbeat arrived.
    case connector(ConnectorStatus)
    /// One agent's utilization for today by 30-minute interval (conversations aggregates, REST-polled).
    case utilization(AgentUtilization)
    /// The org's quality scores today (REST-polled, every 15 min and early after `v2.quality.evaluations`).
    case quality(QualityReport)
    /// One queue's service figures (offered, answered, abandoned, service level) for today and the rolling
    /// windows (conversation aggregates, REST-polled; docs/queues.md).
    case queueService(QueueServiceReport)
    /// Every agent and queue the org has now (a full directory read): the views drop the others.
    case directory(OrgDirectory)
}

/// The complete set of watched agents and queues of one org, from a full directory read (the re-sync
/// after a connect). Agents and queues not in it no longer exist upstream (deleted, or the org was
/// re-pointed to another upstream) and leave the views.
public struct OrgDirectory: Sendable, Equatable {
    public var org: OrgID
    /// Platform ids.
    public var users: Set<String>
    public var queues: Set<String>

    public init(org: OrgID, users: Set<String>, queues: Set<String>) {
        self.org = org
        self.users = users
        self.queues = queues
    }
}

public struct AgentStatusChange: Sendable, Equatable {
    public var agent: EntityID
    /// When the change happened on the platform (event time, not receive time).
    public var at: EpochMillis
    /// New system presence, when the message carried one.
    public var presence: SystemPresence?
    /// New routing status, when the message carried one.
    public var routingStatus: RoutingStatus?
    /// Queues the agent is active on, when the message carried them.
    public var activeQueues: [EntityID]?

    public init(agent: EntityID, at: EpochMillis, presence: SystemPresence? = nil,
                routingStatus: RoutingStatus? = nil, activeQueues: [EntityID]? = nil) {
        self.agent = agent
        self.at = at
        self.presence = presence
        self.routingStatus = routingStatus
        self.activeQueues = activeQueues
    }
}

/// One agent on one conversation, reduced from a full snapshot. Times are absolute, so folding
/// the same snapshot twice, or an older one after a newer one, changes nothing.
public struct AgentInteraction: Sendable, Equatable {
    public var agent: EntityID
    public var conversationID: String
    public var queue: EntityID?
    public var mediaType: String?
    /// Event time of the snapshot this was reduced from (the latest time found in it).
    public var observedAt: EpochMillis
    /// When the agent's communication connected (talk began).
    public var connectedAt: EpochMillis?
    /// When the agent's communication ended.
    public var disconnectedAt: EpochMillis?
    /// True while the agent holds the customer.
    public var held: Bool
    /// After-call work start and end, when known.
    public var acwStartAt: EpochMillis?
    public var acwEndAt: EpochMillis?
    /// True when the platform expects a wrap-up (ACW follows the call).
    public var wrapupExpected: Bool
    public var wrapupCode: String?

    public init(agent: EntityID, conversationID: String, queue: EntityID? = nil, mediaType: String? = nil,
                observedAt: EpochMillis, connectedAt: EpochMillis? = nil, disconnectedAt: EpochMillis? = nil,
                held: Bool = false, acwStartAt: EpochMillis? = nil, acwEndAt: EpochMillis? = nil,
                wrapupExpected: Bool = false, wrapupCode: String? = nil) {
        self.agent = agent
        self.conversationID = conversationID
        self.queue = queue
        self.mediaType = mediaType
        self.observedAt = observedAt
        self.connectedAt = connectedAt
        self.disconnectedAt = disconnectedAt
        self.held = held
        self.acwStartAt = acwStartAt
        self.acwEndAt = acwEndAt
        self.wrapupExpected = wrapupExpected
        self.wrapupCode = wrapupCode
    }
}

/// An agent's directory facts. Every profile comes from a directory read, so a nil `hireDate` means the
/// directory has none (it clears one seen before).
public struct AgentProfile: Sendable, Equatable {
    public var agent: EntityID
    public var name: String
    /// The hire date (`employerInfo.dateHire`) as a ``CalendarDay`` number (days since 1970-01-01, a
    /// calendar date with no zone); nil when the directory has none or it is not a valid date.
    public var hireDate: Int?
    public init(agent: EntityID, name: String, hireDate: Int? = nil) {
        self.agent = agent
        self.name = name
        self.hireDate = hireDate
    }
}

public struct QueueProfile: Sendable, Equatable {
    public var queue: EntityID
    public var name: String
    /// The queue's configured service level (`mediaSettings.<media>.serviceLevel`), nil when the directory
    /// gives none. Every profile comes from a directory read, so nil clears one seen before.
    public var serviceLevel: ServiceLevelTarget?
    public init(queue: EntityID, name: String, serviceLevel: ServiceLevelTarget? = nil) {
        self.queue = queue
        self.name = name
        self.serviceLevel = serviceLevel
    }
}

/// Live figures for one queue. Every field is optional: an observation message carries the
/// metrics of one group (per media type, or the user-level group), and the view merges them.
public struct QueueObservation: Sendable, Equatable {
    public var queue: EntityID
    public var at: EpochMillis
    /// `group.mediaType`, nil for the user-level group.
    public var mediaType: String?
    public var waiting: Int?
    public var interacting: Int?
    public var alerting: Int?
    public var onQueueAgents: Int?
    /// Users per routing status (`oUserRoutingStatuses` qualifiers).
    public var routingStatuses: [RoutingStatus: Int]?
    /// Start of the longest-waiting conversation, when known (from observation details).
    public var oldestWaitingSince: EpochMillis?
    /// Longest wait as a duration, when the platform sent it as one (`oLongestWaiting`).
    public var longestWaitMs: Int64?

    public init(queue: EntityID, at: EpochMillis, mediaType: String? = nil, waiting: Int? = nil,
                interacting: Int? = nil, alerting: Int? = nil, onQueueAgents: Int? = nil,
                routingStatuses: [RoutingStatus: Int]? = nil, oldestWaitingSince: EpochMillis? = nil,
                longestWaitMs: Int64? = nil) {
        self.queue = queue
        self.at = at
        self.mediaType = mediaType
        self.waiting = waiting
        self.interacting = interacting
        self.alerting = alerting
        self.onQueueAgents = onQueueAgents
        self.routingStatuses = routingStatuses
        self.oldestWaitingSince = oldestWaitingSince
        self.longestWaitMs = longestWaitMs
    }
}

/// Today's totals for an agent as the platform's users aggregates report them, up to `asOf`.
public struct AgentBaseline: Sendable, Equatable {
    public var agent: EntityID
    /// Local midnight (UTC epoch ms) of the day these totals belong to.
    public var dayStart: EpochMillis
    /// The end of the aggregated range.
    public var asOf: EpochMillis
    public var handlingMs: Int64
    public var productiveMs: Int64
    /// Current state, when the re-sync learned it (directory with presence/routing status).
    public var presence: SystemPresence?
    public var routingStatus: RoutingStatus?

    public init(agent: EntityID, dayStart: EpochMillis, asOf: EpochMillis, handlingMs: Int64, productiveMs: Int64,
                presence: SystemPresence? = nil, routingStatus: RoutingStatus? = nil) {
        self.agent = agent
        self.dayStart = dayStart
        self.asOf = asOf
        self.handlingMs = handlingMs
        self.productiveMs = productiveMs
        self.presence = presence
        self.routingStatus = routingStatus
    }
}

/// Connector health for one org.
public struct ConnectorStatus: Sendable, Equatable {
    public var org: OrgID
    public var status: OrgStatus
    public var at: EpochMillis
    public var lastHeartbeatAt: EpochMillis?
    public var lastEventAt: EpochMillis?
    /// Why the status changed, for people (never a secret).
    public var detail: String?
    /// Features that do not work for this org although the connector is up, by feature (`quality`,
    /// `utilization`, `directory`, `notifications`, …) → what is wrong and what to do (e.g. the permission the
    /// platform says the OAuth client lacks). Empty when everything works.
    public var problems: [String: String] = [:]
    /// The media region of a `protocol: seed` org's Audio Connector (from its latest discovery), once known; the
    /// org card shows it.
    public var audioRegion: String?
    /// How far behind the platform the org's socket readers are, in whole real seconds, while that has lasted past the
    /// heartbeat timeout (``UpstreamLag``: the views or the host are slower than the upstream sends, and the figures are
    /// that old); nil otherwise. The org card says so and `/readyz` turns `degraded`.
    public var behindSeconds: Int?

    /// What `/readyz` lists for ``behindSeconds``: what is wrong, and what to do.
    public static func behindMessage(_ seconds: Int) -> String {
        "reading the platform's events \(seconds) s behind: the figures are that old; the bridge is short of CPU "
            + "(switchboard_upstream_lag_seconds, docs/deploy.md \"SwitchboardUpstreamBehind\")"
    }

    public init(org: OrgID, status: OrgStatus, at: EpochMillis, lastHeartbeatAt: EpochMillis? = nil,
                lastEventAt: EpochMillis? = nil, detail: String? = nil) {
        self.org = org
        self.status = status
        self.at = at
        self.lastHeartbeatAt = lastHeartbeatAt
        self.lastEventAt = lastEventAt
        self.detail = detail
    }
}
