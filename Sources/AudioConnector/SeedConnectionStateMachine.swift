import SwitchboardCore

/// One seed Audio Connector connection's lifecycle as a pure state machine (docs/audio.md, "The seed Audio
/// Connector"): discover → connect → subscribe → stream, and back to discovery after any failure.
///
/// - Every connect uses the URI of the discovery made just before it, once: a URI is single-use and
///   time-bound (a reused one is closed with 4401), and may move between media nodes or regions.
/// - Failures (discovery, connect, close, watchdog, a server error) back off 1 s doubling to 60 s plus 0–10 %
///   jitter (random source injected), reset once a connection stayed open for `backoffResetAfter`.
/// - Subscriptions are make-before-break: a changed set subscribes the new ones first and unsubscribes the
///   old ones once the new are active, never holding more than ``limit`` at a time.
/// - `unsupported-interaction-type` / `invalid-sample-rate` are configuration problems: reported once per
///   attempt and retried only after the longest delay. `subscription-limit` lowers ``limit`` and asks the
///   owner to re-plan (``Action/replan(maxSubscriptionsPerConnection:)``).
/// - Watchdog: after `pingAfterQuiet` without any message a ping is asked for; after `watchdogTimeout` the
///   connection is closed and rediscovered.
///
/// Times are injected `ContinuousClock.Instant`s; the owner runs the actions and calls ``tick(now:)`` at
/// ``nextDeadline``. Events that do not fit the current state (late answers of an abandoned attempt) are ignored.
public struct SeedConnectionStateMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public struct Configuration: Sendable, Equatable {
        public var backoffInitial: Duration = .seconds(1)
        public var backoffMax: Duration = .seconds(60)
        /// Fraction of the delay added at random (0.1: 0–10 %).
        public var backoffJitter: Double = 0.1
        /// A connection open this long resets the backoff.
        public var backoffResetAfter: Duration = .seconds(60)
        /// No message at all (text, audio, pong) for this long: reconnect through a fresh discovery.
        public var watchdogTimeout: Duration = .seconds(60)
        /// Ask for a WebSocket ping after this much quiet (its pong is life).
        public var pingAfterQuiet: Duration = .seconds(25)
        /// The server's subscriptions-per-connection limit as first assumed (the simulator's default); lowered
        /// by a `subscription-limit` error.
        public var maxSubscriptionsPerConnection: Int = 4
        public init() {}
    }

    /// What the owner does next.
    public enum Action: Sendable, Equatable {
        /// `GET /api/v2/audioconnector/connections` with the org's token; then ``discovered(_:now:)`` or
        /// ``discoveryFailed(_:now:)``.
        case discover
        /// Open the WebSocket at this URI (from the latest discovery); then ``connected(now:)``,
        /// ``connectFailed(_:now:)`` or ``closed(code:reason:now:)``.
        case connect(uri: String)
        /// Send `subscribe` with this subscription.
        case subscribe(SeedSubscription)
        /// Send `unsubscribe` for this subscription id.
        case unsubscribe(subscriptionId: String)
        /// Send a WebSocket ping (its pong goes to ``activity(now:)``).
        case sendPing
        /// Close the socket (the machine has already moved on; do not report the close back).
        case closeConnection
        /// Call ``tick(now:)`` after this delay (it is also ``nextDeadline``).
        case scheduleRetry(after: Duration)
        /// The org's media region (from discovery) changed, for `/readyz` and the dashboard.
        case reportRegion(String)
        /// Report (log, status) why the connection failed or could not start; a retry follows.
        case fail(SeedConnectionFailure)
        /// The server allows only this many subscriptions per connection: re-plan and hand each connection its
        /// new set (``setSubscriptions(_:now:)``).
        case replan(maxSubscriptionsPerConnection: Int)
    }

    public enum Phase: Sendable, Equatable {
        case idle
        case discovering
        case connecting
        case open
        case waiting
        case stopped
    }

    /// One outstanding request; the server answers requests in order, without naming them.
    enum Request: Sendable, Equatable {
        case subscribe(SeedSubscription)
        case unsubscribe(String)
    }

    public let configuration: Configuration
    public private(set) var phase: Phase = .idle
    /// Subscriptions per connection this machine never exceeds (active plus requested).
    public internal(set) var limit: Int
    /// The last region reported.
    public private(set) var region: String?
    /// The subscriptions this connection should hold.
    public internal(set) var desired: [SeedSubscription] = []
    /// Active subscriptions by server id, in the order they became active (including ones being unsubscribed).
    public internal(set) var active: [(id: String, subscription: SeedSubscription)] = []
    /// The last failure, until the connection is open again.
    public private(set) var lastFailure: SeedConnectionFailure?
    /// Failures since the backoff was last reset.
    public private(set) var failures = 0
    var outstanding: [Request] = []
    var unsubscribing: Set<String> = []
    var refused: Set<SeedSubscription> = []
    private var uri: String?
    private var openedAt: Instant?
    private var lastActivity: Instant?
    private var pingAsked = false
    private var retryAt: Instant?
    private let random: @Sendable () -> Double

    /// - Parameter random: returns a value in `0..<1` (the jitter); defaults to the system generator.
    public init(configuration: Configuration = .init(), subscriptions: [SeedSubscription] = [],
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        precondition(configuration.maxSubscriptionsPerConnection > 0)
        self.configuration = configuration
        self.limit = configuration.maxSubscriptionsPerConnection
        self.desired = subscriptions
        self.random = random
    }

    /// Subscriptions held or asked for on the open connection (never more than ``limit``).
    public var occupancy: Int {
        active.count + outstanding.count(where: { if case .subscribe = $0 { true } else { false } })
    }

    /// When ``tick(now:)`` is due: the retry, the ping or the watchdog.
    public var nextDeadline: Instant? {
        switch phase {
        case .waiting: return retryAt
        case .open:
            guard let last = lastActivity else { return nil }
            return pingAsked ? last + configuration.watchdogTimeout : last + configuration.pingAfterQuiet
        default: return nil
        }
    }

    // MARK: lifecycle

    /// Starts the first attempt.
    public mutating func start(now: Instant) -> [Action] {
        guard phase == .idle else { return [] }
        phase = .discovering
        return [.discover]
    }

    /// Stops for good (org removed, shutdown, a connection no longer planned).
    public mutating func stop() -> [Action] {
        let wasLive = phase == .open || phase == .connecting
        phase = .stopped
        resetConnection()
        retryAt = nil
        return wasLive ? [.closeConnection] : []
    }

    /// The discovery answered: connect to its URI, now and only once.
    public mutating func discovered(_ discovery: SeedDiscovery, now: Instant) -> [Action] {
        guard phase == .discovering else { return [] }
        phase = .connecting
        uri = discovery.uri
        var actions: [Action] = []
        if region != discovery.region {
            region = discovery.region
            actions.append(.reportRegion(discovery.region))
        }
        actions.append(.connect(uri: discovery.uri))
        return actions
    }

    /// The discovery failed (HTTP error, transport, unreadable answer).
    public mutating func discoveryFailed(_ reason: String, now: Instant) -> [Action] {
        guard phase == .discovering else { return [] }
        return failed(.discoveryFailed(reason), now: now, close: false)
    }

    /// The WebSocket opened: subscribe.
    public mutating func connected(now: Instant) -> [Action] {
        guard phase == .connecting else { return [] }
        phase = .open
        uri = nil  // used: never again
        openedAt = now
        lastActivity = now
        pingAsked = false
        lastFailure = nil
        refused = []
        return reconcile()
    }

    /// The WebSocket would not open.
    public mutating func connectFailed(_ reason: String, now: Instant) -> [Action] {
        guard phase == .connecting else { return [] }
        return failed(.connectFailed(reason), now: now, close: false)
    }

    /// The socket closed (by the server or the network). 4401: the URI's token was refused.
    public mutating func closed(code: Int?, reason: String? = nil, now: Instant) -> [Action] {
        guard phase == .open || phase == .connecting else { return [] }
        return failed(code == 4401 ? .tokenRejected() : .closed(code: code, reason: reason), now: now, close: false)
    }

    /// Anything arrived that is not a text message the machine needs (audio, a pong, an unreadable message):
    /// the connection is alive.
    public mutating func activity(now: Instant) {
        guard phase == .open else { return }
        lastActivity = now
        pingAsked = false
    }

    /// Time passed: retry after a backoff, ask for a ping, or fire the watchdog.
    public mutating func tick(now: Instant) -> [Action] {
        switch phase {
        case .waiting:
            guard let at = retryAt, now >= at else { return [] }
            retryAt = nil
            phase = .discovering
            return [.discover]
        case .open:
            guard let last = lastActivity else { return [] }
            if now - last >= configuration.watchdogTimeout {
                return failed(.watchdog(configuration.watchdogTimeout), now: now, close: true)
            }
            if !pingAsked, now - last >= configuration.pingAfterQuiet {
                pingAsked = true
                return [.sendPing]
            }
            return []
        default:
            return []
        }
    }

    // MARK: failure and backoff

    /// The delay before the next attempt after `failures` failures, without jitter.
    public func baseDelay(after failures: Int) -> Duration {
        var d = configuration.backoffInitial
        var i = 0
        while i < failures && d < configuration.backoffMax {
            d = d * 2
            i += 1
        }
        return min(d, configuration.backoffMax)
    }

    private mutating func nextDelay(longest: Bool) -> Duration {
        let base = longest ? configuration.backoffMax : baseDelay(after: failures)
        failures += 1
        let extra = max(0, min(random(), 1)) * configuration.backoffJitter
        return base + base * extra
    }

    mutating func failed(_ failure: SeedConnectionFailure, now: Instant, close: Bool) -> [Action] {
        if let openedAt, now - openedAt >= configuration.backoffResetAfter { failures = 0 }
        resetConnection()
        lastFailure = failure
        let delay = nextDelay(longest: failure.isConfigurationProblem)
        phase = .waiting
        retryAt = now + delay
        return (close ? [.closeConnection] : []) + [.fail(failure), .scheduleRetry(after: delay)]
    }

    private mutating func resetConnection() {
        uri = nil
        openedAt = nil
        lastActivity = nil
        pingAsked = false
        active = []
        outstanding = []
        unsubscribing = []
    }
}
