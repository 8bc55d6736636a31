import GenesysAPI
import Logging
import SwitchboardCore

/// Executes the ``TokenStateMachine`` for one org: fetches tokens, renews them ahead of expiry,
/// renews once on a 401, retries failed renewals with backoff, and reports each outcome.
///
/// Drive it by running ``run()`` as a child task of the org connector; REST calls then get
/// tokens through ``AccessTokenProvider``.
public actor TokenManager: AccessTokenProvider {
    /// What the owner hears about.
    public enum Event: Sendable {
        case issued(lifetime: Duration)
        /// A fetch failed; `hard` is true when no usable token is left.
        case failed(GenesysAPIError, hard: Bool)
    }

    private var machine: TokenStateMachine
    private let fetch: @Sendable () async throws -> AccessToken
    private let onEvent: @Sendable (Event) -> Void
    private var waiters: [CheckedContinuation<AccessToken, any Error>] = []
    private let logger: Logger

    /// - Parameters:
    ///   - margin: renewal lead (capped at 10 % of the token's lifetime).
    ///   - retry: backoff for failed fetches.
    ///   - fetch: one token request (``OAuthClient/fetchToken()``).
    public init(margin: Duration, retry: Backoff = Backoff(), logger: Logger,
                fetch: @escaping @Sendable () async throws -> AccessToken,
                onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.machine = TokenStateMachine(margin: margin, retry: retry)
        self.fetch = fetch
        self.onEvent = onEvent
        self.logger = logger
    }

    /// Runs until cancelled: the first fetch, then renewals and retries as the machine schedules them.
    public func run() async {
        var action = machine.start()
        while !Task.isCancelled {
            if action == .fetch { await performFetch() }
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
            let t = machine.fetchSucceeded(value: token.value, lifetime: token.lifetime, now: .now)
            logger.info("token issued", metadata: ["lifetime": "\(token.lifetime.shortText)",
                                                   "renewIn": "\((t.renewAt - t.issuedAt).shortText)"])
            onEvent(.issued(lifetime: token.lifetime))
            let issued = AccessToken(value: t.value, lifetime: token.lifetime)
            let w = waiters
            waiters = []
            for c in w { c.resume(returning: issued) }
        } catch {
            if Task.isCancelled { return }
            let e = (error as? GenesysAPIError)
                ?? GenesysAPIError(code: "genesys.transport", message: "token request failed: \(error)")
            let delay = machine.fetchFailed(error: e.description, now: .now)
            let hard = machine.usableToken(now: .now) == nil
            logger.error("token renewal failed", metadata: ["code": "\(e.code)", "error": "\(e.message)",
                                                            "retryIn": "\(delay.shortText)"])
            onEvent(.failed(e, hard: hard))
            if hard { failWaiters(e) }
        }
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
