import SwitchboardCore

/// An org's seed Audio Connector connections: the plan (``SeedSubscriptionPlanner``) spread over one
/// ``SeedConnectionStateMachine`` per connection. Pure, like the machines: events are addressed to a
/// connection by its id, actions come back tagged with theirs. Ids are never reused, so a late event of a
/// connection the pool has closed is ignored rather than fed to a newer one. A `subscription-limit` from any connection
/// lowers the limit for all and re-plans at once: connections gain or lose subscriptions live
/// (make-before-break), extra connections start with their own discovery, surplus ones are closed.
public struct SeedConnectionPool: Sendable {
    public typealias Instant = ContinuousClock.Instant
    public typealias Machine = SeedConnectionStateMachine

    /// One action for one connection (by id).
    public struct Output: Sendable, Equatable {
        public var connection: Int
        public var action: Machine.Action
        public init(connection: Int, action: Machine.Action) {
            self.connection = connection
            self.action = action
        }
    }

    public let configuration: Machine.Configuration
    /// The subscriptions the org needs, in plan order.
    public private(set) var subscriptions: [SeedSubscription]
    /// The per-connection limit the plan uses (lowered by `subscription-limit`).
    public private(set) var limit: Int
    /// One machine per planned connection, in plan order.
    public private(set) var machines: [Machine] = []
    /// Each machine's connection id, in the same order.
    public private(set) var connectionIDs: [Int] = []
    private var nextID = 0
    private let random: @Sendable () -> Double
    private var started = false

    public init(subscriptions: [SeedSubscription], configuration: Machine.Configuration = .init(),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.configuration = configuration
        self.subscriptions = subscriptions
        self.limit = configuration.maxSubscriptionsPerConnection
        self.random = random
        for subs in plan() {
            machines.append(Machine(configuration: configuration, subscriptions: subs, random: random))
            connectionIDs.append(nextID)
            nextID += 1
        }
    }

    /// Which subscriptions each connection gets under the current limit.
    public func plan() -> [[SeedSubscription]] {
        SeedSubscriptionPlanner.connections(for: subscriptions, limit: limit)
    }

    /// The earliest deadline of any connection.
    public var nextDeadline: Instant? { machines.compactMap(\.nextDeadline).min() }

    /// Starts every connection (each with its own discovery).
    public mutating func start(now: Instant) -> [Output] {
        started = true
        return machines.indices.flatMap { i in machines[i].start(now: now).map { Output(connection: connectionIDs[i], action: $0) } }
    }

    /// Stops every connection.
    public mutating func stop() -> [Output] {
        started = false
        return machines.indices.flatMap { i in machines[i].stop().map { Output(connection: connectionIDs[i], action: $0) } }
    }

    /// The org's subscriptions changed (a reload): re-plan and apply live.
    public mutating func setSubscriptions(_ subscriptions: [SeedSubscription], now: Instant) -> [Output] {
        self.subscriptions = subscriptions
        return apply(now: now)
    }

    /// Ticks every connection.
    public mutating func tick(now: Instant) -> [Output] {
        var out: [Output] = []
        for id in connectionIDs {
            out += handle(connection: id, now: now) { $0.tick(now: now) }
        }
        return out
    }

    /// Feeds one event to one connection's machine (`{ $0.received(message, now: now) }`) and handles a re-plan
    /// it asks for. An id no longer in the pool (a connection closed by a re-plan) is ignored.
    public mutating func handle(connection id: Int, now: Instant,
                                _ event: (inout Machine) -> [Machine.Action]) -> [Output] {
        guard let i = connectionIDs.firstIndex(of: id) else { return [] }
        let actions = event(&machines[i])
        var out: [Output] = []
        var replan = false
        for action in actions {
            if case .replan(let n) = action {
                if n < limit { limit = n }
                replan = true
            }
            out.append(Output(connection: id, action: action))
        }
        if replan { out += apply(now: now) }
        return out
    }

    /// Brings the machines in line with the plan.
    private mutating func apply(now: Instant) -> [Output] {
        let plan = self.plan()
        var out: [Output] = []
        for (i, subs) in plan.enumerated() {
            if i < machines.count {
                machines[i].lower(limit: limit)
                out += machines[i].setSubscriptions(subs, now: now).map { Output(connection: connectionIDs[i], action: $0) }
            } else {
                var m = Machine(configuration: configuration, subscriptions: subs, random: random)
                m.lower(limit: limit)
                let actions = started ? m.start(now: now) : []
                machines.append(m)
                connectionIDs.append(nextID)
                out += actions.map { Output(connection: nextID, action: $0) }
                nextID += 1
            }
        }
        while machines.count > plan.count {
            let i = machines.count - 1
            out += machines[i].stop().map { Output(connection: connectionIDs[i], action: $0) }
            machines.removeLast()
            connectionIDs.removeLast()
        }
        return out
    }
}
