import SwitchboardCore

/// The client-credentials token lifecycle as a pure state machine.
///
/// - The token is renewed ahead of expiry by a lead: the configured margin (default 5 min, seed 004)
///   or 10 % of the lifetime, whichever is larger, but never more than half the lifetime (a 60 s
///   token is renewed at 30 s, not at once and forever).
/// - The old token stays in use until the new one arrives (sockets never drop for a renewal).
/// - A 401 triggers one renewal however many requests report the same token.
/// - A failed renewal is a hard error (reported once per failure) retried with backoff, never in a loop.
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

    /// What the owner must do.
    public enum Action: Sendable, Equatable {
        case none
        /// Request a token from the OAuth endpoint, then call ``fetchSucceeded`` or ``fetchFailed``.
        case fetch
    }

    private(set) var state: State = .idle
    private var backoff: Backoff
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

    /// A token arrived.
    public mutating func fetchSucceeded(value: Secret, lifetime: Duration, now: Instant) -> Token {
        let expires = now + lifetime
        let token = Token(value: value, issuedAt: now, expiresAt: expires, renewAt: expires - lead(for: lifetime))
        state = .valid(token)
        backoff.reset()
        return token
    }

    /// The fetch failed: stay on the old token while it lasts and retry after a backoff delay.
    /// Returns the retry delay.
    @discardableResult
    public mutating func fetchFailed(error: String, now: Instant) -> Duration {
        let delay = backoff.nextDelay()
        var current: Token?
        switch state {
        case .fetching(let c), .failed(let c, _, _): current = c
        case .valid(let c): current = c
        case .idle: current = nil
        }
        state = .failed(current: current, retryAt: now + delay, error: error)
        return delay
    }

    /// Time passes: renew when due, retry a failed fetch when its delay is over.
    public mutating func tick(now: Instant) -> Action {
        switch state {
        case .valid(let t) where now >= t.renewAt:
            state = .fetching(current: t)
            return .fetch
        case .failed(let c, let retryAt, _) where now >= retryAt:
            state = .fetching(current: c)
            return .fetch
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

    /// When the owner should next call ``tick(now:)``.
    public var nextDeadline: Instant? {
        switch state {
        case .valid(let t): return t.renewAt
        case .failed(_, let at, _): return at
        default: return nil
        }
    }

    /// True while a fetch is in flight.
    public var isFetching: Bool {
        if case .fetching = state { return true }
        return false
    }
}
