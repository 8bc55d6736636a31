import GenesysAPI
import Testing

@Suite struct RetryPolicyTests {
    @Test func serverErrorsBackOff3_9_27ThenGiveUp() {
        let p = RetryPolicy.default
        #expect(p.decision(status: 503, retryAfterSeconds: nil, attempt: 0, serverErrorsSoFar: 0) == .retry(after: .seconds(3)))
        #expect(p.decision(status: 502, retryAfterSeconds: nil, attempt: 1, serverErrorsSoFar: 1) == .retry(after: .seconds(9)))
        #expect(p.decision(status: 504, retryAfterSeconds: nil, attempt: 2, serverErrorsSoFar: 2) == .retry(after: .seconds(27)))
        #expect(p.decision(status: 500, retryAfterSeconds: nil, attempt: 3, serverErrorsSoFar: 3) == .giveUp)
    }

    @Test func rateLimitHonoursRetryAfter() {
        let p = RetryPolicy.default
        #expect(p.decision(status: 429, retryAfterSeconds: 7, attempt: 0, serverErrorsSoFar: 0) == .retry(after: .seconds(7)))
        #expect(p.decision(status: 429, retryAfterSeconds: nil, attempt: 0, serverErrorsSoFar: 0) == .retry(after: .seconds(3)))
        #expect(p.decision(status: 429, retryAfterSeconds: 181, attempt: 0, serverErrorsSoFar: 0) == .giveUp)
        #expect(p.decision(status: 429, retryAfterSeconds: 1, attempt: 5, serverErrorsSoFar: 0) == .giveUp)
        #expect(p.decision(status: 400, retryAfterSeconds: nil, attempt: 0, serverErrorsSoFar: 0) == .giveUp)
    }

    @Test func governorSlowsDownBeforeTheBudgetIsSpent() {
        var g = RateLimitGovernor(slowDownBelow: 0.2)
        g.observe(count: 10, allowed: 300, resetSeconds: 60, now: 0)
        #expect(g.delayBeforeNextRequest(now: 0) == 0)
        g.observe(count: 290, allowed: 300, resetSeconds: 30, now: 0)
        #expect(g.delayBeforeNextRequest(now: 0) == 30_000 / 11)
        g.observe(count: 300, allowed: 300, resetSeconds: 20, now: 1000)
        #expect(g.delayBeforeNextRequest(now: 1000) == 20_000)
        #expect(g.delayBeforeNextRequest(now: 21_000) == 0)
    }

    /// The pollers' background queries stop at half the window's budget; what remains is the re-sync's.
    @Test func backgroundRequestsLeaveAReserveForResyncs() {
        var g = RateLimitGovernor(slowDownBelow: 0.2, backgroundReserve: 0.5)
        g.observe(count: 100, allowed: 300, resetSeconds: 40, now: 0)
        #expect(g.delayBeforeNextRequest(now: 0, background: true) == 0)
        g.observe(count: 150, allowed: 300, resetSeconds: 30, now: 0)
        #expect(g.delayBeforeNextRequest(now: 0, background: true) == 30_000, "background waits for the next window")
        #expect(g.delayBeforeNextRequest(now: 0) == 0, "a re-sync still goes at once")
        #expect(g.delayBeforeNextRequest(now: 30_000, background: true) == 0, "a new window")
        #expect(GenesysRESTClient.isBackground("/api/v2/analytics/conversations/aggregates/query"))
        #expect(GenesysRESTClient.isBackground("/api/v2/quality/publishedforms/evaluations?pageSize=100"))
        #expect(!GenesysRESTClient.isBackground("/api/v2/users?expand=presence,routingStatus&pageSize=100"))
        #expect(!GenesysRESTClient.isBackground("/api/v2/analytics/queues/observations/query"))
        #expect(!GenesysRESTClient.isBackground("/api/v2/analytics/users/aggregates/query"), "the re-sync's baselines")
    }
}
