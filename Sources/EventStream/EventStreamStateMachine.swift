import SwitchboardCore

/// The seed's journey event stream as a pure state machine (docs/journeys.md, "The seed's event stream"):
/// `DISCONNECTED → CONNECTING → OPEN`, and back to `DISCONNECTED` after any drop.
///
/// - **Connect** with the org's current token (the owner asks the token provider at each connect, so a reconnect
///   after a renewal uses the new token). The socket is `OPEN` once its first frame, `connection.opened`, names the
///   connection and its `callbackUrl` (within ``Configuration/openTimeout`` of the upgrade, else a drop).
/// - **Subscribe** on every open: the previous subscription (of an earlier connection) is deleted first, a new one
///   names this connection's `callbackUrl`. Then **verify** it with a `GET`: its `connectionId` must be this
///   connection's and its state `active`. The platform answers 201 to a subscription whose callback matches no
///   connection and then sends nothing, so a mismatch is a **loud** problem (``Action/mismatch(_:)``, once per
///   episode) and the subscription is made again, with backoff. Verified again every ``Configuration/verifyInterval``
///   (a subscription can be orphaned later); ``Action/matched`` ends the episode.
/// - **Drops** (close, failed upgrade, no `connection.opened`, the watchdog: no frame for
///   ``Configuration/watchdogTimeout``) back off 1 s doubling to 60 s plus 0–10 % jitter — never an immediate
///   reconnect — reset once a connection stayed open ``Configuration/backoffResetAfter``.
///
/// Times are injected `ContinuousClock.Instant`s; the owner performs the actions and calls ``tick(now:)`` at
/// ``nextDeadline``. Answers that do not fit the current state (of an abandoned attempt) are ignored.
public struct EventStreamStateMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum State: String, Sendable, CaseIterable {
        case disconnected = "DISCONNECTED"
        case connecting = "CONNECTING"
        case open = "OPEN"
    }

    public struct Configuration: Sendable, Equatable {
        public var backoffInitial: Duration = .seconds(1)
        public var backoffMax: Duration = .seconds(60)
        /// Fraction of the delay added at random (0.1: 0–10 %).
        public var backoffJitter: Double = 0.1
        /// A connection open this long resets the backoff.
        public var backoffResetAfter: Duration = .seconds(60)
        /// No frame at all (events, heartbeats) for this long: reconnect.
        public var watchdogTimeout: Duration = .seconds(65)
        /// The upgrade done, `connection.opened` must come within this.
        public var openTimeout: Duration = .seconds(10)
        /// A verified subscription is checked again this often.
        public var verifyInterval: Duration = .seconds(30)
        public init() {}
    }

    public enum Action: Sendable, Equatable {
        /// Open the callback socket with the current token; then ``socketOpened(now:)``, frames, and
        /// ``socketClosed(reason:now:)`` (also for a failed upgrade).
        case connect
        /// Close the socket (the machine has moved on: do not report the close back).
        case closeSocket
        /// `DELETE …/subscriptions/{id}` (fire and forget).
        case deleteSubscription(id: String)
        /// `POST …/subscriptions` naming this callback; then ``subscribed(_:now:)`` or ``subscribeFailed(_:now:)``.
        case subscribe(callbackURL: String)
        /// `GET …/subscriptions/{id}`; then ``verified(_:now:)`` or ``verifyFailed(notFound:reason:now:)``.
        case verify(subscriptionID: String)
        /// The subscription is not bound to this connection: raise it loudly (log, problem, alert, metric).
        case mismatch(String)
        /// A subscription verified after a mismatch: the episode is over.
        case matched
        case stateChanged(State)
        /// Why a connection or call failed (logged); a retry follows.
        case failure(String)
    }

    public let configuration: Configuration
    public private(set) var state: State = .disconnected
    public private(set) var connectionID: String?
    public private(set) var callbackURL: String?
    public private(set) var subscriptionID: String?
    /// True between a mismatch and the next good verification.
    public private(set) var mismatchEpisode = false
    private var failures = 0
    private var subscribeFailures = 0
    private var openedAt: Instant?
    private var lastFrame: Instant?
    private var reconnectAt: Instant?
    private var openDeadline: Instant?
    private var subscribeAt: Instant?
    private var verifyAt: Instant?
    private enum Call { case none, subscribing, verifying }
    private var call = Call.none
    private let random: @Sendable () -> Double

    /// - Parameter random: a value in `0..<1` for the jitter (tests pin it).
    public init(configuration: Configuration = .init(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.configuration = configuration
        self.random = random
    }

    /// The delay before attempt `failures + 1`: `initial` doubling to `max`, plus up to `jitter` of it.
    public func delay(after failures: Int) -> Duration {
        var d = configuration.backoffInitial
        var i = 0
        while i < failures && d < configuration.backoffMax {
            d = d * 2
            i += 1
        }
        d = min(d, configuration.backoffMax)
        return d + d * (max(0, min(random(), 1)) * configuration.backoffJitter)
    }

    // MARK: - Inputs

    public mutating func start(now: Instant) -> [Action] {
        guard state == .disconnected, reconnectAt == nil else { return [] }
        return connect()
    }

    private mutating func connect() -> [Action] {
        state = .connecting
        reconnectAt = nil
        openDeadline = nil
        return [.stateChanged(.connecting), .connect]
    }

    /// The upgrade completed: `connection.opened` is awaited.
    public mutating func socketOpened(now: Instant) -> [Action] {
        guard state == .connecting else { return [] }
        openDeadline = now + configuration.openTimeout
        lastFrame = now
        return []
    }

    /// Any frame (events, heartbeats, backpressure): life for the watchdog.
    public mutating func frameReceived(now: Instant) {
        lastFrame = now
    }

    /// `connection.opened`: the socket is open; subscribe (deleting the previous subscription).
    public mutating func connectionOpened(id: String, callbackURL url: String, now: Instant) -> [Action] {
        lastFrame = now
        guard state == .connecting else { return [] }
        state = .open
        openedAt = now
        openDeadline = nil
        connectionID = id
        callbackURL = url
        var actions: [Action] = [.stateChanged(.open)]
        if let old = subscriptionID { actions.append(.deleteSubscription(id: old)) }
        subscriptionID = nil
        subscribeAt = nil
        verifyAt = nil
        call = .subscribing
        actions.append(.subscribe(callbackURL: url))
        return actions
    }

    /// The `POST` answered: verify the subscription with a `GET`.
    public mutating func subscribed(_ s: EventStreamSubscription, now: Instant) -> [Action] {
        guard state == .open, call == .subscribing else { return [.deleteSubscription(id: s.id)] }
        subscriptionID = s.id
        call = .verifying
        return [.verify(subscriptionID: s.id)]
    }

    public mutating func subscribeFailed(_ reason: String, now: Instant) -> [Action] {
        guard state == .open, call == .subscribing else { return [] }
        call = .none
        subscribeAt = now + delay(after: subscribeFailures)
        subscribeFailures += 1
        return [.failure("subscribing failed: \(reason)")]
    }

    /// The `GET` answered: bound to this connection and active, or a mismatch.
    public mutating func verified(_ s: EventStreamSubscription, now: Instant) -> [Action] {
        guard state == .open, call == .verifying, s.id == subscriptionID else { return [] }
        call = .none
        if s.connectionId == connectionID && (s.state ?? "active") == "active" {
            subscribeFailures = 0
            verifyAt = now + configuration.verifyInterval
            guard mismatchEpisode else { return [] }
            mismatchEpisode = false
            return [.matched]
        }
        let detail = "subscription \(s.id) is \(s.state ?? "of unknown state") and bound to "
            + "\(s.connectionId.map { "connection \($0)" } ?? "no connection"), not to the open connection "
            + "\(connectionID ?? "?") (callbackUrl \(s.callbackUrl ?? "?") vs \(callbackURL ?? "?")): the platform "
            + "accepts such a subscription and sends it nothing"
        return mismatch(detail, now: now)
    }

    private mutating func mismatch(_ detail: String, now: Instant) -> [Action] {
        var actions: [Action] = []
        if !mismatchEpisode {
            mismatchEpisode = true
            actions.append(.mismatch(detail))
        }
        if let id = subscriptionID { actions.append(.deleteSubscription(id: id)) }
        subscriptionID = nil
        verifyAt = nil
        subscribeAt = now + delay(after: subscribeFailures)
        subscribeFailures += 1
        return actions
    }

    /// The `GET` failed: a 404 (the subscription is gone) is a mismatch; anything else is checked again later.
    public mutating func verifyFailed(notFound: Bool, reason: String, now: Instant) -> [Action] {
        guard state == .open, call == .verifying else { return [] }
        call = .none
        if notFound {
            return mismatch("subscription \(subscriptionID ?? "?") no longer exists (404)", now: now)
        }
        verifyAt = now + min(configuration.verifyInterval, delay(after: subscribeFailures))
        return [.failure("verifying the subscription failed: \(reason)")]
    }

    /// The socket ended (closed, dropped, or the upgrade failed): back off, then connect again.
    public mutating func socketClosed(reason: String, now: Instant) -> [Action] {
        guard state != .disconnected else { return [] }
        return drop(reason, now: now, close: false)
    }

    private mutating func drop(_ reason: String, now: Instant, close: Bool) -> [Action] {
        if let openedAt, now - openedAt >= configuration.backoffResetAfter { failures = 0 }
        state = .disconnected
        openedAt = nil
        openDeadline = nil
        connectionID = nil
        callbackURL = nil
        call = .none
        subscribeAt = nil
        verifyAt = nil
        reconnectAt = now + delay(after: failures)
        failures += 1
        var actions: [Action] = close ? [.closeSocket] : []
        actions += [.stateChanged(.disconnected), .failure(reason)]
        return actions
    }

    /// Deadlines: reconnect, `connection.opened`, the watchdog, a re-subscription, the next verification.
    public mutating func tick(now: Instant) -> [Action] {
        switch state {
        case .disconnected:
            guard let at = reconnectAt, now >= at else { return [] }
            return connect()
        case .connecting:
            guard let at = openDeadline, now >= at else { return [] }
            return drop("no connection.opened within \(configuration.openTimeout) of the upgrade", now: now, close: true)
        case .open:
            if let last = lastFrame, now - last >= configuration.watchdogTimeout {
                return drop("no frame for \(configuration.watchdogTimeout) (watchdog)", now: now, close: true)
            }
            guard call == .none, let url = callbackURL else { return [] }
            if subscriptionID == nil, let at = subscribeAt, now >= at {
                subscribeAt = nil
                call = .subscribing
                return [.subscribe(callbackURL: url)]
            }
            if let id = subscriptionID, let at = verifyAt, now >= at {
                verifyAt = nil
                call = .verifying
                return [.verify(subscriptionID: id)]
            }
            return []
        }
    }

    /// When ``tick(now:)`` has something to do next (nil: only an input can move the machine).
    public var nextDeadline: Instant? {
        switch state {
        case .disconnected: return reconnectAt
        case .connecting: return openDeadline
        case .open:
            let watchdog = lastFrame.map { $0 + configuration.watchdogTimeout }
            let call: Instant? = self.call != .none ? nil : subscriptionID == nil ? subscribeAt : verifyAt
            return [watchdog, call].compactMap { $0 }.min()
        }
    }
}
