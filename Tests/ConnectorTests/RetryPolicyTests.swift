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

    @Test func theServerErrorLadderFollowsTheOrgsBackoffTunables() {
        // Default tunables (1 s, 60 s): the SDK's ladder.
        #expect(RetryPolicy.default.fitted(initial: .seconds(1), cap: .seconds(60)).serverErrorDelays
                == [.seconds(3), .seconds(9), .seconds(27)])
        // backoffMax 5 s: no step waits longer (before: 3, 9, 27 s whatever the tunables).
        #expect(RetryPolicy.default.fitted(initial: .seconds(1), cap: .seconds(5)).serverErrorDelays
                == [.seconds(3), .seconds(5), .seconds(5)])
        // backoffInitial 200 ms: the ladder scales down.
        let fast = RetryPolicy.default.fitted(initial: .milliseconds(200), cap: .seconds(60))
        #expect(fast.serverErrorDelays == [.milliseconds(600), .milliseconds(1800), .milliseconds(5400)])
        #expect(fast.decision(status: 503, retryAfterSeconds: nil, attempt: 1, serverErrorsSoFar: 1) == .retry(after: .milliseconds(1800)))
        // Retry-After is the platform's demand and is not shortened.
        #expect(fast.decision(status: 429, retryAfterSeconds: 7, attempt: 0, serverErrorsSoFar: 0) == .retry(after: .seconds(7)))
    }

    @Test func aRetryNoticeReadsRounded() {
        let notice = RetryNotice(request: "GET /api/v2/users", cause: "HTTP 503", retry: 2, of: 3,
                                 delay: .nanoseconds(1_040_007_246))
        #expect(notice.description == "GET /api/v2/users: HTTP 503, retry 2 of 3 in 1s")
        #expect(RetryNotice(request: "GET /x", cause: "HTTP 429", retry: nil, of: 3, delay: .seconds(3)).description
                == "GET /x: HTTP 429, rate limited, retry in 3s")
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

    /// The share of the window's budget left, exported as `switchboard_rest_ratelimit_remaining_ratio{org}`.
    @Test func budgetShareLeftIsReadFromTheHeaders() {
        #expect(RateLimitGovernor.remainingShare(count: 60, allowed: 300) == 0.8)
        #expect(RateLimitGovernor.remainingShare(count: 300, allowed: 300) == 0)
        #expect(RateLimitGovernor.remainingShare(count: 320, allowed: 300) == 0, "over budget is nothing left, not negative")
        #expect(RateLimitGovernor.remainingShare(count: nil, allowed: 300) == nil)
        #expect(RateLimitGovernor.remainingShare(count: 5, allowed: 0) == nil)
    }
}
