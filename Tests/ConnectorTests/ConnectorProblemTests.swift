import GenesysAPI
import SwitchboardCore
import Testing
@testable import Connector

@Suite struct ConnectorProblemTests {
    @Test func permissionsAreReadFromThePlatformsMessage() {
        #expect(ConnectorProblem.permissions(in: "Unable to perform the requested action. You are missing the following permission(s): [analytics:evaluationAggregate:view]")
                == ["analytics:evaluationAggregate:view"])
        #expect(ConnectorProblem.permissions(in: "missing [a:b:view, quality:evaluation:view]") == ["a:b:view", "quality:evaluation:view"])
        #expect(ConnectorProblem.permissions(in: "Forbidden").isEmpty)
        #expect(ConnectorProblem.permissions(in: "time 10:00:00 is not a permission").isEmpty)
    }

    @Test func onlyA403IsAPermissionProblem() {
        let refused = GenesysAPIError(code: "genesys.forbidden", message: "You are missing the following permission(s): [x:y:view]", status: 403)
        let text = ConnectorProblem.permission(refused, feature: "quality", endpoint: "POST /x")
        #expect(text?.hasPrefix("quality: the OAuth client lacks x:y:view (HTTP 403)") == true)
        #expect(ConnectorProblem.permission(GenesysAPIError(code: "genesys.server-error", message: "x", status: 503),
                                            feature: "quality", endpoint: "POST /x") == nil)
    }

    @Test func aRefusalWaitsLongerThanAnOrdinaryFailure() {
        var s = PollSchedule(every: 30_000, offset: 0, zone: .init(identifier: "UTC")!, now: 1_000_000)
        s.failed(now: 1_000_000)
        let ordinary = s.delay(now: 1_000_000)
        s.refused(until: 1_000_000 + ConnectorProblem.refusedBackoff(every: 30_000))
        #expect(s.delay(now: 1_000_000) == 300_000)
        #expect(ordinary < 300_000)
    }

    @Test func listedIdsMissingFromTheDirectoryAreAProblem() {
        let a = "3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41", b = "6c1e2a4b-0f3d-4e5a-8b7c-9d0e1f2a3b4c"
        #expect(ConnectorProblem.unknownIDs("users", wanted: [a], found: [a, b]) == nil)
        let text = ConnectorProblem.unknownIDs("queues", wanted: [a, b], found: [a])
        #expect(text?.hasPrefix("queues: 1 of the 2 ids in this org's 'queues:' list are not in its directory (\(b));") == true)
    }

    /// The `token` problem says what failed (code and status, never the secret), how long the current token still
    /// lasts, when the next attempt is and what to check; and, once none is left, that the org is cut off.
    @Test func theTokenProblemSaysWhatFailedHowLongTheTokenLastsAndWhatToCheck() {
        let t0 = ContinuousClock.now
        var m = TokenStateMachine(margin: .seconds(300), retry: Backoff(initial: .seconds(8), cap: .seconds(60), jitter: 0))
        _ = m.start()
        _ = m.fetchSucceeded(value: Secret("token-value"), lifetime: .seconds(3600), now: t0)
        let renewAt = t0 + .seconds(3240)
        _ = m.tick(now: renewAt)
        let refused = GenesysAPIError(code: "genesys.auth-failed",
                                      message: "POST x/oauth/token: HTTP 401 (invalid_client) for client id 'abc'", status: 401)
        let text = ConnectorProblem.token(refused, m.fetchFailed(error: refused.description, now: renewAt), now: renewAt)
        #expect(text.hasPrefix("token: renewal failing (1 failed attempt; last: genesys.auth-failed, HTTP 401)"), "\(text)")
        #expect(text.contains("still lasts 6m"), "\(text)")
        #expect(text.contains("next attempt in 8s"), "\(text)")
        #expect(text.contains("clientId and clientSecret"), "\(text)")
        #expect(!text.contains("token-value"))
        let down = GenesysAPIError(code: "genesys.transport", message: "timed out")
        _ = m.tick(now: renewAt + .seconds(8))
        let later = renewAt + .seconds(10)
        let second = ConnectorProblem.token(down, m.fetchFailed(error: down.description, now: later), now: later)
        #expect(second.hasPrefix("token: renewal failing (2 failed attempts over 10s; last: genesys.transport, no HTTP answer)"),
                "\(second)")
        #expect(second.contains("loginBase"), "\(second)")
        // Past the expiry: no usable token.
        _ = m.tick(now: later + .seconds(16))
        let gone = t0 + .seconds(3700)
        let hard = ConnectorProblem.token(down, m.fetchFailed(error: down.description, now: gone), now: gone)
        #expect(hard.hasPrefix("token: no usable token (3 failed attempts over"), "\(hard)")
        #expect(hard.contains("fail until one is issued"), "\(hard)")
    }
}
