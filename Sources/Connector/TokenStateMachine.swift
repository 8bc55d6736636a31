import SwitchboardCore

/// The client-credentials token lifecycle as a pure state machine.
///
/// - The token is renewed ahead of expiry by a lead: the configured margin (default 5 min, seed 004)
///   or 10 % of the lifetime, whichever is larger, but never more than half the lifetime (a 60 s
///   token is renewed at 30 s, not at once and forever).
/// - The old token stays in use until the new one arrives (sockets never drop for a renewal).
/// - A 401 triggers one renewal however many requests report the same token.
/// - A failed renewal is retried with backoff, never in a loop, while the old token is served as long as it
///   is valid. Failures from the first to the next success are one *episode*: each failure is reported with
///   its place in the episode (``Failure``), the moment the served token runs out during one is reported as
///   ``Action/expired(_:)``, and the success that ends it carries the episode (``Issued/recovered``), so the
///   owner can raise a visible alert once per episode and clear it on recovery (seed 004, edge case 3).
///
/// Times are instants on the monotonic clock, passed in by the owner.
public struct TokenStateMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public struct Token: Sendable, Equatable {
        public let value: Secret
        public let issuedAt: Instant
        public let expiresAt: Instant
        public let renewAt: Instant
    }

    enum State: Sendable {
        case idle
        /// A fetch is in flight; `current` is still served while it is valid.
        case fetching(current: Token?)
        case valid(Token)
        /// The last fetch failed; retry at `retryAt`; `current` is served while it is valid.
        case failed(current: Token?, retryAt: Instant, error: String)
    }

    /// Failed fetches from the first after a success (or the start) to the next success.
    public struct Episode: Sendable, Equatable {
        /// When the first fetch of the episode failed.
        public let since: Instant
        /// Failed fetches so far.
        public var failures: Int
        /// True once no usable token was left during the episode.
        public var hard: Bool

        public init(since: Instant, failures: Int, hard: Bool) {
            self.since = since
            self.failures = failures
            self.hard = hard
        }
    }

    /// One failure as the owner reports it.
    public struct Failure: Sendable, Equatable {
        /// The fetch's error text (``fetchFailed(error:now:)``).
        public let error: String
        /// Failed fetches in this episode so far (1: the episode begins).
        public let attempt: Int
        /// When the episode began.
        public let since: Instant
        /// When the next fetch is due.
        public let retryAt: Instant
        /// The backoff delay before the next fetch (zero for ``Action/expired(_:)``: no fetch failed).
        public let delay: Duration
        /// When the token still served expires; nil when none is left (a hard failure).
        public let expiresAt: Instant?
        /// This report is the episode's first without a usable token.
        public let turnedHard: Bool
        /// No usable token is left.
        public var hard: Bool { expiresAt == nil }
    }

    /// A token arrived.
    public struct Issued: Sendable, Equatable {
        public let token: Token
        /// The failure episode this success ends; nil when the previous fetch did not fail.
        public let recovered: Episode?
    }

    /// What the owner must do.
    public enum Action: Sendable, Equatable {
        case none
        /// Request a token from the OAuth endpoint, then call ``fetchSucceeded`` or ``fetchFailed``.
        case fetch
        /// The token served while renewals fail has expired: no usable token is left until a fetch succeeds.
        /// Report it (the failure turned hard); the retry schedule stands.
        case expired(Failure)
    }

    private(set) var state: State = .idle
    private var backoff: Backoff
    /// The failure episode under way; nil after a success.
    public private(set) var episode: Episode?
    public let margin: Duration

    /// - Parameters:
    ///   - margin: renew at least this long before expiry (10 % of the lifetime when that is longer;
    ///     at most half the lifetime).
    ///   - retry: the backoff for failed fetches.
    public init(margin: Duration = .seconds(300), retry: Backoff = Backoff(initial: .seconds(1), cap: .seconds(60))) {
        self.margin = margin
        self.backoff = retry
    }

    /// The renewal lead for a token of `lifetime`: max(margin, 10 % of the lifetime), capped at half
    /// the lifetime. A 24 h token renews 2.4 h ahead, a 30 min one 5 min ahead (seed 004), a 60 s one
    /// 30 s ahead.
    public func lead(for lifetime: Duration) -> Duration { min(max(margin, lifetime / 10), lifetime / 2) }

    /// The owner starts: fetch the first token.
    public mutating func start() -> Action {
        guard case .idle = state else { return .none }
        state = .fetching(current: nil)
        return .fetch
    }

    /// A token arrived; ends a failure episode.
    @discardableResult
    public mutating func fetchSucceeded(value: Secret, lifetime: Duration, now: Instant) -> Issued {
        let expires = now + lifetime
        let token = Token(value: value, issuedAt: now, expiresAt: expires, renewAt: expires - lead(for: lifetime))
        state = .valid(token)
        backoff.reset()
        let ended = episode
        episode = nil
        return Issued(token: token, recovered: ended)
    }

    /// The fetch failed: stay on the old token while it lasts and retry after a backoff delay (never at
    /// once: the delay starts at the backoff's `initial` and doubles to its cap).
    @discardableResult
    public mutating func fetchFailed(error: String, now: Instant) -> Failure {
        let delay = backoff.nextDelay()
        var current: Token?
        switch state {
        case .fetching(let c), .failed(let c, _, _): current = c
        case .valid(let c): current = c
        case .idle: current = nil
        }
        if let c = current, now >= c.expiresAt { current = nil }
        state = .failed(current: current, retryAt: now + delay, error: error)
        var e = episode ?? Episode(since: now, failures: 0, hard: false)
        e.failures += 1
        let turnedHard = current == nil && !e.hard
        if current == nil { e.hard = true }
        episode = e
        return Failure(error: error, attempt: e.failures, since: e.since, retryAt: now + delay, delay: delay,
                       expiresAt: current?.expiresAt, turnedHard: turnedHard)
    }

    /// Time passes: renew when due, retry a failed fetch when its delay is over, report the served token
    /// running out while renewals fail.
    public mutating func tick(now: Instant) -> Action {
        switch state {
        case .valid(let t) where now >= t.renewAt:
            state = .fetching(current: t)
            return .fetch
        case .failed(let c, let retryAt, _) where now >= retryAt:
            state = .fetching(current: c)
            return .fetch
        case .failed(let c?, let retryAt, let error) where now >= c.expiresAt:
            state = .failed(current: nil, retryAt: retryAt, error: error)
            var e = episode ?? Episode(since: now, failures: 0, hard: false)
            let turnedHard = !e.hard
            e.hard = true
            episode = e
            return .expired(Failure(error: error, attempt: e.failures, since: e.since, retryAt: retryAt, delay: .zero,
                                    expiresAt: nil, turnedHard: turnedHard))
        default:
            return .none
        }
    }

    /// The platform refused `value` with a 401. Renews once: a report about a token that was
    /// already replaced, or while a fetch is in flight, asks for nothing more.
    public mutating func rejected(_ value: Secret, now: Instant) -> Action {
        switch state {
        case .valid(let t) where t.value == value:
            state = .fetching(current: nil)
            return .fetch
        case .failed(let c, _, let e) where c?.value == value:
            // Stop serving the refused token; the retry schedule stands.
            if case .failed(_, let at, _) = state { state = .failed(current: nil, retryAt: at, error: e) }
            return .none
        default:
            return .none
        }
    }

    /// The token to use at `now`: the current one while it has not expired (also during renewal).
    public func usableToken(now: Instant) -> Token? {
        switch state {
        case .valid(let t): return t
        case .fetching(let c?), .failed(let c?, _, _): return now < c.expiresAt ? c : nil
        default: return nil
        }
    }

    /// The last failure while no usable token is left, for callers that must fail rather than wait.
    public func hardError(now: Instant) -> String? {
        if case .failed(_, _, let e) = state, usableToken(now: now) == nil { return e }
        return nil
    }

    /// When the owner should next call ``tick(now:)``: the renewal, the retry, or the expiry of the token
    /// served while renewals fail, whichever is first.
    public var nextDeadline: Instant? {
        switch state {
        case .valid(let t): return t.renewAt
        case .failed(let c?, let at, _): return min(at, c.expiresAt)
        case .failed(nil, let at, _): return at
        default: return nil
        }
    }

    /// True while a fetch is in flight.
    public var isFetching: Bool {
        if case .fetching = state { return true }
        return false
    }
}
