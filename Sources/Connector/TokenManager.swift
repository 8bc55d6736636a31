import GenesysAPI
import Logging
import SwitchboardCore

/// Executes the ``TokenStateMachine`` for one org: fetches tokens, renews them ahead of expiry,
/// renews once on a 401, retries failed renewals with backoff, and reports each outcome.
///
/// A failure episode is logged at `error` when it begins and again when no usable token is left; the retries in
/// between at `debug`; the success that ends it at `notice`. The owner hears every step (``Event``).
///
/// Drive it by running ``run()`` as a child task of the org connector; REST calls then get
/// tokens through ``AccessTokenProvider``.
public actor TokenManager: AccessTokenProvider {
    /// What the owner hears about.
    public enum Event: Sendable {
        /// A token arrived; `recovered` is the failure episode it ends (nil when the previous fetch did not fail);
        /// `first`: the first token of this manager.
        case issued(lifetime: Duration, recovered: TokenStateMachine.Episode?, first: Bool)
        /// A fetch failed (`failure.hard`: no usable token is left).
        case failed(GenesysAPIError, TokenStateMachine.Failure)
        /// The token served while renewals fail expired before a fetch succeeded: no usable token is left.
        case expired(GenesysAPIError, TokenStateMachine.Failure)
    }

    private var machine: TokenStateMachine
    private let fetch: @Sendable () async throws -> AccessToken
    private let onEvent: @Sendable (Event) async -> Void
    /// The last fetch error of the failure episode under way.
    private var lastError: GenesysAPIError?
    private var issuedBefore = false
    private var waiters: [CheckedContinuation<AccessToken, any Error>] = []
    private let logger: Logger

    /// - Parameters:
    ///   - margin: renewal lead (capped at 10 % of the token's lifetime).
    ///   - retry: backoff for failed fetches.
    ///   - fetch: one token request (``OAuthClient/fetchToken()``).
    public init(margin: Duration, retry: Backoff = Backoff(), logger: Logger,
                fetch: @escaping @Sendable () async throws -> AccessToken,
                onEvent: @escaping @Sendable (Event) async -> Void = { _ in }) {
        self.machine = TokenStateMachine(margin: margin, retry: retry)
        self.fetch = fetch
        self.onEvent = onEvent
        self.logger = logger
    }

    /// Runs until cancelled: the first fetch, then renewals and retries as the machine schedules them.
    public func run() async {
        var action = machine.start()
        while !Task.isCancelled {
            switch action {
            case .fetch: await performFetch()
            case .expired(let failure): await expired(failure)
            case .none: break
            }
            // Sleep until the next deadline or a wake-up (a 401 asked for a renewal).
            await sleep(until: machine.nextDeadline)
            action = machine.tick(now: .now)
            if action == .none && machine.isFetching { action = .fetch }
        }
        failWaiters(CancellationError())
    }

    private var sleeper: CheckedContinuation<Void, Never>?
    private var wakePending = false

    private func wakeUp() {
        if let s = sleeper {
            sleeper = nil
            s.resume()
        } else {
            wakePending = true
        }
    }

    private func waitForWake() async {
        if wakePending {
            wakePending = false
            return
        }
        await withCheckedContinuation { sleeper = $0 }
    }

    private func sleep(until deadline: ContinuousClock.Instant?) async {
        // The timer child always ends (deadline, or cancellation of run()), so this never hangs.
        let until = min(deadline ?? .now + .seconds(3600), .now + .seconds(3600))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: until, clock: .continuous)
                await self.wakeUp()
            }
            await waitForWake()
            group.cancelAll()
        }
        wakePending = false
    }

    private func performFetch() async {
        do {
            let token = try await fetch()
            let now = ContinuousClock.now
            let result = machine.fetchSucceeded(value: token.value, lifetime: token.lifetime, now: now)
            let t = result.token
            lastError = nil
            if let episode = result.recovered {
                logger.notice("token renewal recovered", metadata: [
                    "failedAttempts": "\(episode.failures)", "failingFor": "\((now - episode.since).shortText)",
                    "lifetime": "\(token.lifetime.shortText)", "renewIn": "\((t.renewAt - t.issuedAt).shortText)"])
            } else {
                logger.info("token issued", metadata: ["lifetime": "\(token.lifetime.shortText)",
                                                       "renewIn": "\((t.renewAt - t.issuedAt).shortText)"])
            }
            let issued = AccessToken(value: t.value, lifetime: token.lifetime)
            let w = waiters
            waiters = []
            for c in w { c.resume(returning: issued) }
            let first = !issuedBefore
            issuedBefore = true
            await onEvent(.issued(lifetime: token.lifetime, recovered: result.recovered, first: first))
        } catch {
            if Task.isCancelled { return }
            let e = (error as? GenesysAPIError)
                ?? GenesysAPIError(code: "genesys.transport", message: "token request failed: \(error)")
            let now = ContinuousClock.now
            let failure = machine.fetchFailed(error: e.description, now: now)
            lastError = e
            var metadata: Logger.Metadata = ["code": "\(e.code)", "error": "\(e.message)", "attempt": "\(failure.attempt)",
                                             "retryIn": "\(failure.delay.shortText)"]
            if let status = e.status { metadata["status"] = "\(status)" }
            if let expires = failure.expiresAt { metadata["tokenLastsFor"] = "\((expires - now).shortText)" }
            if failure.attempt == 1 && !failure.hard {
                logger.error("token renewal failed; the current token stays in use while it lasts, retrying with backoff",
                             metadata: metadata)
            } else if failure.turnedHard {
                logger.error("""
                    token request failed and no usable token is left; this org's REST calls fail until one is \
                    issued — check its OAuth client id, secret and grant
                    """, metadata: metadata)
            } else {
                logger.debug("token request failed again", metadata: metadata)
            }
            if failure.hard { failWaiters(e) }
            await onEvent(.failed(e, failure))
        }
    }

    /// The token served while renewals fail has expired.
    private func expired(_ failure: TokenStateMachine.Failure) async {
        let e = lastError ?? GenesysAPIError(code: "genesys.auth-failed", message: failure.error)
        logger.error("""
            the current token expired while its renewal keeps failing; no usable token is left — check this org's \
            OAuth client id, secret and grant
            """,
                     metadata: ["code": "\(e.code)", "failedAttempts": "\(failure.attempt)",
                                "failingFor": "\((ContinuousClock.now - failure.since).shortText)",
                                "nextAttemptIn": "\((failure.retryAt - ContinuousClock.now).shortText)"])
        await onEvent(.expired(e, failure))
    }

    private func failWaiters(_ error: any Error) {
        let w = waiters
        waiters = []
        for c in w { c.resume(throwing: error) }
    }

    public func accessToken() async throws -> AccessToken {
        let now = ContinuousClock.now
        if let t = machine.usableToken(now: now) { return AccessToken(value: t.value, lifetime: t.expiresAt - now) }
        if let e = machine.hardError(now: now), !machine.isFetching {
            throw GenesysAPIError(code: "genesys.auth-failed", message: "no valid token: \(e)")
        }
        return try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    public func tokenRejected(_ token: AccessToken) async throws -> AccessToken {
        if machine.rejected(token.value, now: .now) == .fetch { wakeUp() }
        let now = ContinuousClock.now
        if let t = machine.usableToken(now: now), t.value != token.value {
            return AccessToken(value: t.value, lifetime: t.expiresAt - now)
        }
        return try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    /// Forces a renewal (after `token_revoked`) and waits for the new token.
    public func renewNow() async throws -> AccessToken {
        if let t = machine.usableToken(now: .now) {
            return try await tokenRejected(AccessToken(value: t.value, lifetime: .zero))
        }
        return try await accessToken()
    }
}
