import Connector
import SwitchboardCore
import Testing

@Suite struct TokenStateMachineTests {
    let t0 = ContinuousClock.now
    func noJitter() -> Backoff { Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0, random: { 0 }) }

    @Test func renewsADayLongTokenTenPercentAhead() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        #expect(m.start() == .fetch)
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(86_400), now: t0).token
        // 10 % of 24 h (2.4 h) is more than the 5-minute margin: the larger lead wins.
        #expect(tok.renewAt == t0 + .seconds(86_400 - 8_640))
        #expect(m.tick(now: t0 + .seconds(77_759)) == .none)
        #expect(m.tick(now: t0 + .seconds(77_760)) == .fetch)
        // The old token stays in use while the renewal is in flight.
        #expect(m.usableToken(now: t0 + .seconds(80_000))?.value == Secret("a"))
        #expect(m.usableToken(now: t0 + .seconds(86_400)) == nil)
    }

    /// Seed 004: a 30-minute token is renewed 5 minutes before it expires (10 % would be only 3).
    @Test func thirtyMinuteTokenRenewsFiveMinutesAhead() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(1800), now: t0).token
        #expect(tok.renewAt == t0 + .seconds(1500))
        #expect(m.tick(now: t0 + .seconds(1499)) == .none)
        #expect(m.tick(now: t0 + .seconds(1500)) == .fetch)
        #expect(m.lead(for: .seconds(3000)) == .seconds(300))
        #expect(m.lead(for: .seconds(6000)) == .seconds(600))
    }

    /// A token shorter than twice the margin is renewed at half its lifetime: not at once (which would
    /// renew again at once after every fetch, forever) and not after it expired.
    @Test func shortTokenRenewsAtHalfItsLifetime() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(60), now: t0).token
        #expect(tok.renewAt == t0 + .seconds(30))
        #expect(m.tick(now: t0) == .none)
        #expect(m.tick(now: t0 + .seconds(29)) == .none)
        #expect(m.tick(now: t0 + .seconds(30)) == .fetch)
        let next = m.fetchSucceeded(value: Secret("b"), lifetime: .seconds(60), now: t0 + .seconds(31)).token
        #expect(next.renewAt == t0 + .seconds(61))
        #expect(m.tick(now: t0 + .seconds(31)) == .none)
        #expect(m.lead(for: .seconds(600)) == .seconds(300))
        #expect(m.lead(for: .seconds(1)) == .milliseconds(500))
    }

    @Test func a401RenewsOnceForManyReports() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        _ = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(3600), now: t0)
        #expect(m.rejected(Secret("a"), now: t0 + .seconds(1)) == .fetch)
        #expect(m.rejected(Secret("a"), now: t0 + .seconds(1)) == .none)
        #expect(m.usableToken(now: t0 + .seconds(1)) == nil)
        _ = m.fetchSucceeded(value: Secret("b"), lifetime: .seconds(3600), now: t0 + .seconds(2))
        // A late report about the replaced token asks for nothing.
        #expect(m.rejected(Secret("a"), now: t0 + .seconds(3)) == .none)
        #expect(m.usableToken(now: t0 + .seconds(3))?.value == Secret("b"))
    }

    @Test func failedRenewalBacksOffAndKeepsTheOldTokenWhileValid() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        _ = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(3600), now: t0)
        let renewAt = t0 + .seconds(3240) // 10 % of an hour (6 min) beats the 5-minute margin
        #expect(m.tick(now: renewAt) == .fetch)
        #expect(m.fetchFailed(error: "boom", now: renewAt).delay == .seconds(1))
        #expect(m.usableToken(now: renewAt)?.value == Secret("a"))
        #expect(m.hardError(now: renewAt) == nil)
        // Not a hot loop: nothing until the retry delay has passed.
        #expect(m.tick(now: renewAt + .milliseconds(500)) == .none)
        #expect(m.tick(now: renewAt + .seconds(1)) == .fetch)
        #expect(m.fetchFailed(error: "boom", now: renewAt + .seconds(1)).delay == .seconds(2))
        #expect(m.tick(now: renewAt + .seconds(2)) == .none)
        #expect(m.nextDeadline == renewAt + .seconds(3))
        // Once the old token expires, the failure is hard.
        #expect(m.hardError(now: t0 + .seconds(3600)) == "boom")
    }

    @Test func firstFetchFailureIsHard() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        let f = m.fetchFailed(error: "genesys.auth-failed", now: t0)
        #expect(m.hardError(now: t0) == "genesys.auth-failed")
        #expect(m.usableToken(now: t0) == nil)
        #expect(f.hard && f.turnedHard && f.attempt == 1 && f.expiresAt == nil)
        // The start's episode ends with the first token.
        #expect(m.tick(now: t0 + .seconds(1)) == .fetch)
        let issued = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(3600), now: t0 + .seconds(1))
        #expect(issued.recovered?.hard == true)
        #expect(issued.recovered?.failures == 1)
    }

    /// Seed 004, edge case 3: every failure of a renewal is reported with its place in the episode, so the owner
    /// alerts once per episode (not per retry) while the old token still serves, and clears on the next success.
    @Test func failedRenewalsAreOneEpisodeUntilTheNextSuccess() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        #expect(m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(3600), now: t0).recovered == nil)
        #expect(m.episode == nil)
        let renewAt = t0 + .seconds(3240)
        #expect(m.tick(now: renewAt) == .fetch)
        let first = m.fetchFailed(error: "genesys.server-error: HTTP 500", now: renewAt)
        #expect(first.attempt == 1)
        #expect(first.since == renewAt)
        #expect(!first.hard && !first.turnedHard)
        #expect(first.expiresAt == t0 + .seconds(3600))  // how long the current token still lasts
        #expect(first.retryAt == renewAt + .seconds(1))
        #expect(m.tick(now: renewAt + .seconds(1)) == .fetch)
        let second = m.fetchFailed(error: "genesys.auth-failed: HTTP 401", now: renewAt + .seconds(1))
        #expect(second.attempt == 2)
        #expect(second.since == renewAt)
        #expect(second.error == "genesys.auth-failed: HTTP 401")
        #expect(m.episode == TokenStateMachine.Episode(since: renewAt, failures: 2, hard: false))
        #expect(m.tick(now: renewAt + .seconds(3)) == .fetch)
        let issued = m.fetchSucceeded(value: Secret("b"), lifetime: .seconds(3600), now: renewAt + .seconds(3))
        #expect(issued.recovered == TokenStateMachine.Episode(since: renewAt, failures: 2, hard: false))
        #expect(m.episode == nil)
        // The next failure begins a new episode, with the backoff from the start again.
        let next = issued.token.renewAt
        #expect(m.tick(now: next) == .fetch)
        let again = m.fetchFailed(error: "boom", now: next)
        #expect(again.attempt == 1 && again.since == next && again.delay == .seconds(1))
    }

    /// The token served during failed renewals runs out between two attempts: that moment is an action of its own
    /// (the failure turns hard, reported once), the retry schedule stands, and the next failure is not "turned" again.
    @Test func theServedTokenExpiringBetweenAttemptsIsReportedOnce() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        _ = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(60), now: t0)  // renews at 30 s
        var now = t0 + .seconds(30)
        #expect(m.tick(now: now) == .fetch)
        // Failures at 30, 31, 33, 37 and 45 s; the next attempt (at 61 s) is after the token expires (at 60 s).
        for delay in [1, 2, 4, 8] {
            let f = m.fetchFailed(error: "boom", now: now)
            #expect(!f.hard)
            #expect(f.expiresAt == t0 + .seconds(60))
            now = now + .seconds(delay)
            #expect(m.tick(now: now) == .fetch)
        }
        #expect(now == t0 + .seconds(45))
        let fifth = m.fetchFailed(error: "boom", now: now)
        #expect(!fifth.hard && fifth.retryAt == t0 + .seconds(61))
        // The expiry comes before the retry: it is the next deadline.
        #expect(m.nextDeadline == t0 + .seconds(60))
        #expect(m.tick(now: t0 + .seconds(59)) == .none)
        #expect(m.usableToken(now: t0 + .seconds(59))?.value == Secret("a"))
        guard case .expired(let f) = m.tick(now: t0 + .seconds(60)) else {
            Issue.record("expected .expired at the token's expiry")
            return
        }
        #expect(f.hard && f.turnedHard && f.attempt == 5 && f.retryAt == t0 + .seconds(61))
        #expect(m.usableToken(now: t0 + .seconds(60)) == nil)
        #expect(m.tick(now: t0 + .seconds(60)) == .none)
        #expect(m.nextDeadline == t0 + .seconds(61))
        #expect(m.tick(now: t0 + .seconds(61)) == .fetch)
        let sixth = m.fetchFailed(error: "boom", now: t0 + .seconds(61))
        #expect(sixth.hard && !sixth.turnedHard && sixth.attempt == 6)
        #expect(m.tick(now: t0 + .seconds(61) + sixth.delay) == .fetch)
        let issued = m.fetchSucceeded(value: Secret("b"), lifetime: .seconds(60), now: t0 + .seconds(200))
        #expect(issued.recovered == TokenStateMachine.Episode(since: t0 + .seconds(30), failures: 6, hard: true))
    }

    /// "Do not attempt to reconnect immediately": however often the login host fails, the machine never asks for a
    /// fetch before the backoff delay is over, and the delay grows to the cap and stays there.
    @Test func failedFetchesNeverRetryAtOnce() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        var now = t0
        var delays: [Duration] = []
        for _ in 0..<10 {
            let f = m.fetchFailed(error: "genesys.transport", now: now)
            delays.append(f.delay)
            #expect(m.tick(now: now) == .none)
            #expect(m.tick(now: f.retryAt - .milliseconds(1)) == .none)
            #expect(m.nextDeadline == f.retryAt)
            now = f.retryAt
            #expect(m.tick(now: now) == .fetch)
            #expect(m.tick(now: now) == .none)  // in flight: one fetch at a time
        }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60].map { Duration.seconds($0) })
    }
}
