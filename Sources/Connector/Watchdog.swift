/// The heartbeat watchdog (seed 000's "ghosting" trap): the socket must show life (a heartbeat,
/// a pong or any message) within `timeout`; after `pingAfterQuiet` of silence a
/// `{"message":"ping"}` is sent so a dead socket is found before the timeout where possible.
///
/// Pure value type over monotonic instants.
public struct Watchdog: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum Action: Sendable, Equatable {
        case none
        /// Send `{"message":"ping"}` now.
        case sendPing
        /// Nothing for `timeout`: the org is stale; close the socket and re-sync.
        case stale
    }

    public let timeout: Duration
    public let pingAfterQuiet: Duration
    public private(set) var lastActivity: Instant
    private var pingedAt: Instant?
    private var fired = false

    public init(timeout: Duration = .seconds(65), pingAfterQuiet: Duration = .seconds(35), now: Instant) {
        self.timeout = timeout
        self.pingAfterQuiet = min(pingAfterQuiet, timeout)
        self.lastActivity = now
    }

    /// A heartbeat, pong or any message arrived.
    public mutating func activity(at now: Instant) {
        lastActivity = max(lastActivity, now)
        pingedAt = nil
        fired = false
    }

    /// Time passes.
    public mutating func tick(now: Instant) -> Action {
        guard !fired else { return .none }
        let quiet = now - lastActivity
        if quiet >= timeout {
            fired = true
            return .stale
        }
        if quiet >= pingAfterQuiet {
            // One ping per quiet spell; another only if half the remaining time passes unanswered.
            if let p = pingedAt, now - p < max(.milliseconds(1), (timeout - pingAfterQuiet) / 2) { return .none }
            pingedAt = now
            return .sendPing
        }
        return .none
    }

    /// When the owner should next call ``tick(now:)``.
    public var nextDeadline: Instant {
        if fired { return lastActivity + timeout * 1000 }
        if let p = pingedAt { return min(lastActivity + timeout, p + max(.milliseconds(1), (timeout - pingAfterQuiet) / 2)) }
        return lastActivity + pingAfterQuiet
    }
}
