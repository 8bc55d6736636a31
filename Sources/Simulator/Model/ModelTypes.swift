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
    var handling: Bool { routing == .interacting }
}

struct Agent {
    let id: String
    let name: String
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
    // Topic names, built once.
    let activityTopic: String
    let presenceTopic: String
    let routingTopic: String
    let conversationsTopic: String
}

struct Queue {
    let id: String
    let name: String
    var members: [Int] = []
    /// Waiting conversations, oldest first.
    var waiting: [Int] = []
    var alerting = 0
    var interacting = 0
    /// Members per routing status (index = `RoutingStatus` case order) and On Queue members.
    var routingCounts: [Int] = Array(repeating: 0, count: RoutingStatus.allCases.count)
    var onQueueMembers = 0
    /// Relative share of the org's calls.
    var weight: Double = 1
    var dirtyConversations = true
    var dirtyUsers = true
    let observationsTopic: String
    let conversationsTopic: String
}

/// One participant of a simulated conversation.
struct Participant {
    enum Kind { case customer, acd, agent }
    let id: String
    let kind: Kind
    var queue: Int?
    var agent: Int?
    var communicationID: String
    var start: EpochMillis
    var connected: EpochMillis?
    var end: EpochMillis?
    var state: String  // call state: alerting, connected, disconnected, terminated
    var held = false
    var disconnectType: String? = nil
    var wrapupExpected = false
    var acwStart: EpochMillis? = nil
    var acwEnd: EpochMillis? = nil
    var wrapupCode: String? = nil
    var attributes: [(String, String)] = []
}

struct Conversation {
    let id: String
    let start: EpochMillis
    var queue: Int
    var participants: [Participant]
    /// When the current wait in the queue began (for longest-wait figures).
    var waitingSince: EpochMillis?
    var customerAddress: String
    var recentTransfers = 0
    var finished = false
    /// Bumped whenever the waiting state changes; abandon actions carry it.
    var epoch: UInt32 = 0
}

/// What the model schedules.
enum ModelAction {
    case login(agent: Int)
    case presenceDue(agent: Int, epoch: UInt32)
    case arrival(queue: Int)
    case abandon(conversation: Int, epoch: UInt32)
    case answer(agent: Int, epoch: UInt32)
    case ringTimeout(agent: Int, epoch: UInt32)
    case holdStart(agent: Int, epoch: UInt32)
    case holdEnd(agent: Int, epoch: UInt32)
    case talkEnd(agent: Int, epoch: UInt32)
    case acwEnd(agent: Int, epoch: UInt32)
    case notRespondingEnd(agent: Int, epoch: UInt32)
    case communicatingEnd(agent: Int, epoch: UInt32)
    case observationTick
}

/// A message the model published: a topic and its `eventBody`, encoded once.
struct SimMessage: Sendable {
    let topic: String
    let body: [UInt8]
    let at: EpochMillis
}

/// A binary min-heap on (time, sequence): equal times run in scheduling order, so the run is deterministic.
struct EventHeap {
    private struct Entry {
        let time: EpochMillis
        let seq: UInt64
        let action: ModelAction
        func before(_ o: Entry) -> Bool { time != o.time ? time < o.time : seq < o.seq }
    }
    private var items: [Entry] = []
    private var seq: UInt64 = 0

    var count: Int { items.count }
    var nextTime: EpochMillis? { items.first?.time }

    mutating func push(_ time: EpochMillis, _ action: ModelAction) {
        seq += 1
        items.append(Entry(time: time, seq: seq, action: action))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard items[i].before(items[p]) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (EpochMillis, ModelAction)? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l].before(items[m]) { m = l }
                if r < items.count && items[r].before(items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return (top.time, top.action)
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
