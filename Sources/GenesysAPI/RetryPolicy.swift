import SwitchboardCore

/// How the REST client retries, after the Genesys Java SDK (`ApiClient.Retry`):
/// 429 sleeps `Retry-After` seconds (3 s when absent) and gives up when the platform asks for
/// more than 3 minutes; 500/502/503/504 back off 3 s, 9 s, 27 s and then give up; at most 5 retries.
public struct RetryPolicy: Sendable, Equatable {
    /// Delays after successive 5xx responses. Default 3 s, 9 s, 27 s.
    public var serverErrorDelays: [Duration]
    /// Wait on a 429 without `Retry-After`. Default 3 s.
    public var defaultRetryAfter: Duration
    /// Longest `Retry-After` honoured; beyond it the call fails at once. Default 180 s.
    public var maxRetryAfter: Duration
    /// Retries of any kind per call. Default 5.
    public var maxRetries: Int
    /// Multiplies every `Retry-After` (tests use a small factor so they do not wait seconds). Default 1.
    public var retryAfterScale: Double

    public init(serverErrorDelays: [Duration] = [.seconds(3), .seconds(9), .seconds(27)],
                defaultRetryAfter: Duration = .seconds(3), maxRetryAfter: Duration = .seconds(180),
                maxRetries: Int = 5, retryAfterScale: Double = 1) {
        self.serverErrorDelays = serverErrorDelays
        self.defaultRetryAfter = defaultRetryAfter
        self.maxRetryAfter = maxRetryAfter
        self.maxRetries = maxRetries
        self.retryAfterScale = retryAfterScale
    }

    /// The SDK's policy.
    public static let `default` = RetryPolicy()

    /// This policy fitted to an org's backoff tunables: the 5xx ladder is scaled by `initial` (the SDK's
    /// 3 s, 9 s, 27 s are 3, 9 and 27 × the default 1 s) and no step waits longer than `cap`
    /// (`backoffMax`). With the default tunables the ladder is the SDK's.
    public func fitted(initial: Duration, cap: Duration) -> RetryPolicy {
        var p = self
        let scale = Double(initial.components.seconds) + Double(initial.components.attoseconds) / 1e18
        p.serverErrorDelays = serverErrorDelays.map { min($0 * scale, cap) }
        return p
    }

    /// What to do after a response with `status` on attempt `attempt` (0-based), given how many 5xx
    /// retries were already spent.
    public func decision(status: Int, retryAfterSeconds: Int?, attempt: Int, serverErrorsSoFar: Int) -> RetryDecision {
        guard attempt < maxRetries else { return .giveUp }
        switch status {
        case 429:
            let wanted: Duration = retryAfterSeconds.map { .seconds($0) } ?? defaultRetryAfter
            guard wanted <= maxRetryAfter else { return .giveUp }
            return .retry(after: wanted * retryAfterScale)
        case 500, 502, 503, 504:
            guard serverErrorsSoFar < serverErrorDelays.count else { return .giveUp }
            return .retry(after: serverErrorDelays[serverErrorsSoFar])
        default:
            return .giveUp
        }
    }
}

/// The outcome of ``RetryPolicy/decision(status:retryAfterSeconds:attempt:serverErrorsSoFar:)``.
public enum RetryDecision: Sendable, Equatable {
    case retry(after: Duration)
    case giveUp
}

/// One wait of the retry ladder, as the connector shows it: `GET /api/v2/users: HTTP 503, retry 2 of 3 in 9s`.
public struct RetryNotice: Sendable, Equatable, CustomStringConvertible {
    /// Method and path (channel ids redacted).
    public var request: String
    /// `HTTP 503`, `transport error`.
    public var cause: String
    /// Which server-error retry this is (1-based); nil for a 429, which waits as long as the platform asks.
    public var retry: Int?
    /// Server-error retries in the ladder.
    public var of: Int
    public var delay: Duration

    public init(request: String, cause: String, retry: Int?, of: Int, delay: Duration) {
        self.request = request
        self.cause = cause
        self.retry = retry
        self.of = of
        self.delay = delay
    }

    public var description: String {
        let which = retry.map { "retry \($0) of \(of)" } ?? "rate limited, retry"
        return "\(request): \(cause), \(which) in \(delay.shortText)"
    }
}

/// Told before each wait of a REST call's retry ladder.
public typealias RetryObserver = @Sendable (RetryNotice) async -> Void

/// Sleeps for a duration; injected so tests need not wait real seconds.
public typealias Sleeper = @Sendable (Duration) async throws -> Void

/// `Task.sleep` on the continuous clock.
public let realSleeper: Sleeper = { try await Task.sleep(for: $0) }

/// One attempt's outcome, for metrics: the HTTP status (nil: no answer, a transport failure) and the share of the
/// org's rate-limit budget left in the window when the response carried the `inin-ratelimit-*` headers.
public struct ResponseNotice: Sendable, Equatable {
    public let status: Int?
    public let budgetRemaining: Double?

    public init(status: Int?, budgetRemaining: Double?) {
        self.status = status
        self.budgetRemaining = budgetRemaining
    }
}

/// Told of every attempt's outcome; called inline, so it must not block.
public typealias ResponseObserver = @Sendable (ResponseNotice) -> Void
