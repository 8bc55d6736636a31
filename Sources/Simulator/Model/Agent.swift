import SwitchboardCore

/// The nine system presences the workload uses.
enum Presence: UInt8, CaseIterable, Sendable {
    case onQueue, available, busy, breakTime, meal, meeting, training, away, offline

    var system: SystemPresence {
        switch self {
        case .onQueue: .onQueue
        case .available: .available
        case .busy: .busy
        case .breakTime: .breakTime
        case .meal: .meal
        case .meeting: .meeting
        case .training: .training
        case .away: .away
        case .offline: .offline
        }
    }
    /// `On Queue`, `Available`, … as on the wire.
    var platformSpelling: String { system.platformSpelling }
    /// `ON_QUEUE`, … as the aggregates qualifiers.
    var qualifier: String { system.rawValue }
    /// The bridge's default productive presences.
    var isProductive: Bool { self == .onQueue || self == .available }
}

/// Where an agent is in the call flow.
enum AgentPhase: UInt8, Sendable {
    case free, alerting, talking, held, acw, notResponding, communicating
}

/// One constant stretch of an agent's state; it lasts until the next segment's start.
struct Segment: Sendable, Equatable {
    var start: EpochMillis
    var presence: Presence
    var routing: RoutingStatus
    /// SPEC §5: time on interactions. A non-ACD call (COMMUNICATING) is talking too, so it is handling.
    var handling: Bool { routing == .interacting || routing == .communicating }
}

/// One agent. A class so the hot paths read single fields without copying the whole record.
final class Agent {
    let id: String
    var name: String
    /// The directory `version`: 1, plus one per rename.
    var version = 1
    var queues: [Int]
    var presence: Presence = .offline
    var routing: RoutingStatus = .offQueue
    var presenceModified: EpochMillis
    var routingStart: EpochMillis
    var phase: AgentPhase = .free
    /// Bumped on every offer; call actions carry it and are dropped when stale.
    var callEpoch: UInt32 = 0
    /// Bumped on every presence change; presence actions carry it.
    var presenceEpoch: UInt32 = 0
    var conversation: Int? = nil
    var idleSince: EpochMillis
    /// A presence change became due while busy with a call; applied once free.
    var presenceDue = false
    var timeline: [Segment] = []
    /// Days between the hire date and the simulated day's date; nil for an agent the directory has no
    /// hire date for. Fixed by the seed (``OrgModel/tenureDays(_:)``).
    let tenureDays: Int?
    /// The hire date (``CalendarDay`` number), set when the day starts: `tenureDays` before its date.
    var hireDay: Int?
    // Topic names, built once.
    let activityTopic: String
    let presenceTopic: String
    let routingTopic: String
    let conversationsTopic: String

    init(id: String, name: String, queues: [Int], presenceModified: EpochMillis, routingStart: EpochMillis,
         idleSince: EpochMillis, activityTopic: String, presenceTopic: String, routingTopic: String,
         conversationsTopic: String, tenureDays: Int? = nil) {
        self.id = id
        self.name = name
        self.tenureDays = tenureDays
        self.queues = queues
        self.presenceModified = presenceModified
        self.routingStart = routingStart
        self.idleSince = idleSince
        self.activityTopic = activityTopic
        self.presenceTopic = presenceTopic
        self.routingTopic = routingTopic
        self.conversationsTopic = conversationsTopic
    }
}

extension RoutingStatus {
    var index: Int {
        switch self {
        case .offQueue: 0
        case .idle: 1
        case .interacting: 2
        case .notResponding: 3
        case .communicating: 4
        }
    }
}
