/// The heartbeat watchdog (seed 000's "ghosting" trap), with a ping probe.
///
/// Any frame (a heartbeat, a pong, an event, even a malformed one) is life. After `pingAfterQuiet` of
/// silence the socket is probed with the platform's own `{"message":"ping"}` (answered by a
/// `channel.metadata` pong); no frame within `pingTimeout` of the probe → one more probe; no frame within
/// `pingTimeout` of that → stale. So a ghost is found `pingAfterQuiet + 2 × pingTimeout` after its last
/// frame (8 + 2 × 3 = 14 s by default) rather than a heartbeat timeout later, and a live socket is never
/// declared dead on silence alone: it was asked twice. `timeout` stays the outer bound (a platform that
/// answers no ping still has its heartbeats judged as before).
///
/// Pure value type over monotonic instants.
public struct Watchdog: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum Action: Sendable, Equatable {
        case none
        /// Send `{"message":"ping"}` now.
        case sendPing
        /// The probes went unanswered (or nothing for `timeout`): the org is stale; reconnect.
        case stale
    }

    /// Why the watchdog fired (for the status text and the log).
    public enum Verdict: Sendable, Equatable {
        /// `probes` pings in a row went unanswered.
        case unansweredPings(probes: Int)
        /// Nothing at all for `timeout`.
        case timeout
    }

    public let timeout: Duration
    public let pingAfterQuiet: Duration
    public let pingTimeout: Duration
    /// Probes sent in one quiet spell before the verdict (the first one and its retries).
    public let probes: Int
    public private(set) var lastActivity: Instant
    /// The probe under way: when it was sent, and how many were sent in this quiet spell.
    private var probeSentAt: Instant?
    private var probesSent = 0
    public private(set) var verdict: Verdict?

    /// - Parameters:
    ///   - timeout: the outer bound: nothing for this long is stale whatever the probes say.
    ///   - pingAfterQuiet: quiet spell before the first probe (at most `timeout`).
    ///   - pingTimeout: how long each probe waits for a frame.
    ///   - retries: probes after the first before the verdict (1: the first may be lost on a busy link).
    public init(timeout: Duration = .seconds(65), pingAfterQuiet: Duration = .seconds(8),
                pingTimeout: Duration = .seconds(3), retries: Int = 1, now: Instant) {
        self.timeout = timeout
        self.pingAfterQuiet = min(pingAfterQuiet, timeout)
        self.pingTimeout = max(.milliseconds(1), pingTimeout)
        self.probes = 1 + max(0, retries)
        self.lastActivity = now
    }

    /// A frame arrived at `now`. An instant no newer than the last one changes nothing (the owner may pass
    /// the same last-activity instant at every tick).
    public mutating func activity(at now: Instant) {
        guard now > lastActivity else { return }
        lastActivity = now
        probeSentAt = nil
        probesSent = 0
        verdict = nil
    }

    /// Time passes.
    public mutating func tick(now: Instant) -> Action {
        guard verdict == nil else { return .none }
        if now - lastActivity >= timeout {
            verdict = .timeout
            return .stale
        }
        if let sent = probeSentAt {
            guard now - sent >= pingTimeout else { return .none }
            if probesSent >= probes {
                verdict = .unansweredPings(probes: probesSent)
                return .stale
            }
            probeSentAt = now
            probesSent += 1
            return .sendPing
        }
        guard now - lastActivity >= pingAfterQuiet else { return .none }
        probeSentAt = now
        probesSent = 1
        return .sendPing
    }

    /// When the owner should next call ``tick(now:)``.
    public var nextDeadline: Instant {
        if verdict != nil { return lastActivity + timeout * 1000 }
        if let sent = probeSentAt { return min(lastActivity + timeout, sent + pingTimeout) }
        return lastActivity + pingAfterQuiet
    }

    /// The longest a ghost (a socket that sends nothing) goes unnoticed after its last frame, ticks aside.
    public var detectionBound: Duration {
        min(timeout, pingAfterQuiet + pingTimeout * probes)
    }
}
