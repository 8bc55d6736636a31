import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import SwitchboardCore

/// The REST side of one Genesys org: every call the connector makes, with the platform's retry
/// rules built in.
///
/// - One `HTTPClient` is shared by the whole process; each org gets its own `GenesysRESTClient`
///   (base URL, token provider, rate-limit governor).
/// - 429: sleeps `Retry-After` (3 s when absent; gives up beyond 3 min). 500/502/503/504: backs off
///   3 s, 9 s, 27 s, then gives up with `genesys.server-error` (see ``RetryPolicy``).
/// - 401: asks the token provider for one renewal and retries once; a second 401 is `genesys.unauthorized`.
/// - `inin-ratelimit-*` headers feed a ``RateLimitGovernor`` that spaces requests out before the
///   budget is spent. `ININ-Correlation-Id` is logged with every failure.
public final class GenesysRESTClient: Sendable {
    let http: HTTPClient
    /// REST base, e.g. `https://api.mypurecloud.com`.
    public let apiBase: String
    let tokens: any AccessTokenProvider
    let policy: RetryPolicy
    let sleeper: Sleeper
    let timeout: Duration
    let logger: Logger
    let onRetry: RetryObserver?
    let onResponse: ResponseObserver?
    private let governor: Mutex<RateLimitGovernor>
    private let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - http: the process-wide client.
    ///   - apiBase: the org's REST base URL.
    ///   - tokens: the org's token manager.
    ///   - policy: retry policy (default: the SDK's).
    ///   - sleeper: how retries wait (tests inject a fast one).
    ///   - timeout: per-request deadline.
    ///   - onRetry: told before each wait of the retry ladder (the connector keeps its status text current).
    ///   - onResponse: told of every attempt's outcome (status or transport failure, rate-limit budget left), for metrics.
    public init(http: HTTPClient, apiBase: String, tokens: any AccessTokenProvider, policy: RetryPolicy = .default,
                sleeper: @escaping Sleeper = realSleeper, timeout: Duration = .seconds(15), logger: Logger,
                onRetry: RetryObserver? = nil, onResponse: ResponseObserver? = nil) {
        self.http = http
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.tokens = tokens
        self.policy = policy
        self.sleeper = sleeper
        self.timeout = timeout
        self.logger = logger
        self.onRetry = onRetry
        self.onResponse = onResponse
        self.governor = Mutex(RateLimitGovernor())
        self.now = { SystemClock.realNow() }
    }

    /// A response that made it through the retry loop (2xx, or 404 when the caller accepts it).
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let correlationID: String?
    }

    /// Sends one request with retries. `path` starts with `/api/v2/…` and may carry a query.
    /// - Parameter accept404: return a 404 instead of throwing (HEAD on a channel).
    public func send(_ method: HTTPMethod, _ path: String, json body: [UInt8]? = nil,
                     accept404: Bool = false) async throws -> Response {
        // Logged and put in errors: the channel id in a notifications path is replaced by a short hash.
        let what = "\(method.rawValue) \(Redaction.apiPath(path))"
        var attempt = 0
        var serverErrors = 0
        var renewed = false
        var token = try await tokens.accessToken()
        while true {
            try await paceForRateLimit(background: Self.isBackground(path))
            var request = HTTPClientRequest(url: apiBase + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token.value.reveal())")
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response: HTTPClientResponse
            let bytes: [UInt8]
            do {
                response = try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                var buffer = try await response.body.collect(upTo: 64 << 20)
                bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                onResponse?(ResponseNotice(status: nil, budgetRemaining: nil))
                // Transport failures count as server errors for the backoff schedule.
                guard serverErrors < policy.serverErrorDelays.count, attempt < policy.maxRetries else {
                    throw GenesysAPIError.transport(what, error)
                }
                let delay = policy.serverErrorDelays[serverErrors]
                logger.warning("transport error, retrying", metadata: ["request": "\(what)", "error": "\(error)",
                                                                       "retryIn": "\(delay.shortText)"])
                serverErrors += 1
                attempt += 1
                await onRetry?(RetryNotice(request: what, cause: "transport error", retry: serverErrors,
                                           of: policy.serverErrorDelays.count, delay: delay))
                try await sleeper(delay)
                continue
            }
            let status = Int(response.status.code)
            let correlation = response.headers.first(name: "ININ-Correlation-Id")
            let budget = observeRateLimit(response.headers)
            onResponse?(ResponseNotice(status: status, budgetRemaining: budget))
            if (200..<300).contains(status) || (accept404 && status == 404) {
                logger.trace("ok", metadata: ["request": "\(what)", "status": "\(status)",
                                              "correlationId": "\(correlation ?? "-")"])
                return Response(status: status, body: bytes, correlationID: correlation)
            }
            if status == 401 {
                guard !renewed else { throw GenesysAPIError.unauthorized(what, correlationID: correlation) }
                logger.info("401: renewing the token once and retrying",
                            metadata: ["request": "\(what)", "correlationId": "\(correlation ?? "-")"])
                renewed = true
                token = try await tokens.tokenRejected(token)
                continue
            }
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
            switch policy.decision(status: status, retryAfterSeconds: retryAfter, attempt: attempt,
                                   serverErrorsSoFar: serverErrors) {
            case .retry(let delay):
                logger.warning("retrying", metadata: ["request": "\(what)", "status": "\(status)", "retryIn": "\(delay.shortText)",
                                                      "correlationId": "\(correlation ?? "-")"])
                if status != 429 { serverErrors += 1 }
                attempt += 1
                await onRetry?(RetryNotice(request: what, cause: "HTTP \(status)", retry: status == 429 ? nil : serverErrors,
                                           of: policy.serverErrorDelays.count, delay: delay))
                try await sleeper(delay)
            case .giveUp:
                let error: GenesysAPIError
                switch status {
                case 429: error = .rateLimited(what, retryAfter: retryAfter, correlationID: correlation)
                case 500...599: error = .serverError(what, status: status, correlationID: correlation)
                default: error = .http(what, status: status, body: String(decoding: bytes, as: UTF8.self),
                                       correlationID: correlation)
                }
                logger.error("request failed", metadata: ["request": "\(what)", "code": "\(error.code)",
                                                          "correlationId": "\(correlation ?? "-")"])
                throw error
            }
        }
    }

    /// Feeds the governor; returns the share of the budget left (0…1) when the headers carry it.
    @discardableResult
    private func observeRateLimit(_ headers: HTTPHeaders) -> Double? {
        let count = headers.first(name: "inin-ratelimit-count").flatMap { Int($0) }
        let allowed = headers.first(name: "inin-ratelimit-allowed").flatMap { Int($0) }
        let reset = headers.first(name: "inin-ratelimit-reset").flatMap { Int($0) }
        let t = now()
        governor.withLock { $0.observe(count: count, allowed: allowed, resetSeconds: reset, now: t) }
        return RateLimitGovernor.remainingShare(count: count, allowed: allowed)
    }

    /// The pollers' conversation and quality queries yield to the calls a re-sync needs: directory,
    /// notifications, observations and the users aggregates that rebuild today's totals
    /// (``RateLimitGovernor/backgroundReserve``).
    public static func isBackground(_ path: String) -> Bool {
        path.hasPrefix("/api/v2/analytics/conversations/") || path.hasPrefix("/api/v2/analytics/evaluations/")
            || path.hasPrefix("/api/v2/quality/")
    }

    private func paceForRateLimit(background: Bool) async throws {
        let t = now()
        let wait = governor.withLock { $0.delayBeforeNextRequest(now: t, background: background) }
        if wait > 0 {
            logger.debug("rate-limit budget low, pacing", metadata: ["waitMs": "\(wait)"])
            try await sleeper(.milliseconds(wait))
        }
    }

    /// Decodes a JSON body, mapping failures to `genesys.decode`.
    func decode<T: Decodable>(_ type: T.Type, _ response: Response, _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw GenesysAPIError.decode(Redaction.apiPath(what), "\(error)", correlationID: response.correlationID)
        }
    }
}
