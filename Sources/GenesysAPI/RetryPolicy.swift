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

/// Sleeps for a duration; injected so tests need not wait real seconds.
public typealias Sleeper = @Sendable (Duration) async throws -> Void

/// `Task.sleep` on the continuous clock.
public let realSleeper: Sleeper = { try await Task.sleep(for: $0) }
