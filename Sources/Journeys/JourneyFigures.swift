import SwitchboardCore

/// The journey figures of an org (or of all orgs: fold every org's actions into one): active journeys by
/// path, channel switches per journey, time to close, journeys abandoned at timeout, and the same per queue
/// the path passes through. A pure fold of the stitcher's actions; views read it.
///
/// Active figures follow every open journey's latest state. Closed figures count each journey once, as it
/// was when it closed (late events after that do not change them).
public struct JourneyFigures: Sendable, Equatable {
    /// Open journeys.
    public private(set) var active = 0
    /// Open journeys by their path so far.
    public private(set) var activeByPath: [JourneyPath: Int] = [:]
    /// Open journeys by state (`INITIATED`, `ACTIVE`, `TRANSFERRING`).
    public private(set) var activeByState: [JourneyState: Int] = [:]
    /// Journeys closed, by reason.
    public private(set) var closedByReason: [ClosedReason: Int] = [:]
    /// Closed journeys by their final path.
    public private(set) var closedByPath: [JourneyPath: Int] = [:]
    /// Closed journeys by their number of channel switches (0, 1, 2, …).
    public private(set) var switchesHistogram: [Int: Int] = [:]
    /// Time to close (`closedAt − openedAt`) of closed journeys.
    public private(set) var timeToClose = DurationStats()
    /// Per queue (platform id): the journeys whose contacts passed through it.
    public private(set) var queues: [String: QueueFigures] = [:]
    /// Events placed late, and duplicates dropped.
    public private(set) var lateEvents = 0
    public private(set) var duplicatesDropped = 0

    private var contributions: [EntityID: Contribution] = [:]

    public init() {}

    /// Journeys closed.
    public var closed: Int { closedByReason.values.reduce(0, +) }
    /// Journeys closed because a contact never ended.
    public var abandonedAtTimeout: Int { closedByReason[.abandonedAtTimeout] ?? 0 }
    /// Mean channel switches per closed journey (0 before any).
    public var meanChannelSwitches: Double {
        let n = switchesHistogram.values.reduce(0, +)
        guard n > 0 else { return 0 }
        return Double(switchesHistogram.reduce(0) { $0 + $1.key * $1.value }) / Double(n)
    }

    /// One queue's share of the figures.
    public struct QueueFigures: Sendable, Equatable {
        public internal(set) var active = 0
        public internal(set) var activeByPath: [JourneyPath: Int] = [:]
        public internal(set) var activeByState: [JourneyState: Int] = [:]
        public internal(set) var closed = 0
        public internal(set) var closedByReason: [ClosedReason: Int] = [:]
        public internal(set) var closedByPath: [JourneyPath: Int] = [:]
        public internal(set) var abandonedAtTimeout = 0
        public internal(set) var channelSwitches = 0
        public internal(set) var timeToClose = DurationStats()
        public init() {}
    }

    /// Count, sum, minimum and maximum of durations (ms).
    public struct DurationStats: Sendable, Equatable {
        public internal(set) var count = 0
        public internal(set) var sumMs: Int64 = 0
        public internal(set) var minMs: Int64?
        public internal(set) var maxMs: Int64?
        public init() {}
        public var meanMs: Double? { count > 0 ? Double(sumMs) / Double(count) : nil }
        mutating func add(_ ms: Int64) {
            count += 1
            sumMs += ms
            minMs = min(minMs ?? ms, ms)
            maxMs = max(maxMs ?? ms, ms)
        }
    }

    private struct Contribution: Sendable, Equatable {
        var path: JourneyPath
        var state: JourneyState
        var queues: [String]
    }

    /// Folds one of the stitcher's actions in.
    public mutating func record(_ action: JourneyStitcher.Action) {
        switch action {
        case .journeyOpened(let j), .journeyChanged(let j):
            guard !j.isClosed else { return }  // a closed journey is counted by its .journeyClosed
            withdraw(j.id)
            let c = Contribution(path: j.path, state: j.state, queues: j.queues)
            contributions[j.id] = c
            active += 1
            activeByPath[c.path, default: 0] += 1
            activeByState[c.state, default: 0] += 1
            for q in c.queues {
                var f = queues[q, default: QueueFigures()]
                f.active += 1
                f.activeByPath[c.path, default: 0] += 1
                f.activeByState[c.state, default: 0] += 1
                queues[q] = f
            }
        case .journeyClosed(let j):
            withdraw(j.id)
            let reason = j.closedReason ?? .timeout
            closedByReason[reason, default: 0] += 1
            closedByPath[j.path, default: 0] += 1
            switchesHistogram[j.channelSwitches, default: 0] += 1
            let ttc = j.timeToClose ?? 0
            timeToClose.add(ttc)
            for q in j.queues {
                var f = queues[q, default: QueueFigures()]
                f.closed += 1
                f.closedByReason[reason, default: 0] += 1
                f.closedByPath[j.path, default: 0] += 1
                if reason == .abandonedAtTimeout { f.abandonedAtTimeout += 1 }
                f.channelSwitches += j.channelSwitches
                f.timeToClose.add(ttc)
                queues[q] = f
            }
        case .lateEvent:
            lateEvents += 1
        case .duplicateDropped:
            duplicatesDropped += 1
        case .unattributed, .evicted:
            break
        }
    }

    /// Folds several actions in, in order.
    public mutating func record(_ actions: [JourneyStitcher.Action]) {
        for a in actions { record(a) }
    }

    private mutating func withdraw(_ id: EntityID) {
        guard let c = contributions.removeValue(forKey: id) else { return }
        active -= 1
        Self.decrement(&activeByPath, c.path)
        Self.decrement(&activeByState, c.state)
        for q in c.queues {
            guard var f = queues[q] else { continue }
            f.active -= 1
            Self.decrement(&f.activeByPath, c.path)
            Self.decrement(&f.activeByState, c.state)
            queues[q] = f
        }
    }

    private static func decrement<K: Hashable>(_ d: inout [K: Int], _ k: K) {
        guard let v = d[k] else { return }
        d[k] = v > 1 ? v - 1 : nil
    }
}
