import Connector
import SwitchboardCore
import Testing

@Suite struct TokenStateMachineTests {
    let t0 = ContinuousClock.now
    func noJitter() -> Backoff { Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0, random: { 0 }) }

    @Test func renewsADayLongTokenTenPercentAhead() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        #expect(m.start() == .fetch)
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(86_400), now: t0)
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
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(1800), now: t0)
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
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(60), now: t0)
        #expect(tok.renewAt == t0 + .seconds(30))
        #expect(m.tick(now: t0) == .none)
        #expect(m.tick(now: t0 + .seconds(29)) == .none)
        #expect(m.tick(now: t0 + .seconds(30)) == .fetch)
        let next = m.fetchSucceeded(value: Secret("b"), lifetime: .seconds(60), now: t0 + .seconds(31))
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
        #expect(m.fetchFailed(error: "boom", now: renewAt) == .seconds(1))
        #expect(m.usableToken(now: renewAt)?.value == Secret("a"))
        #expect(m.hardError(now: renewAt) == nil)
        // Not a hot loop: nothing until the retry delay has passed.
        #expect(m.tick(now: renewAt + .milliseconds(500)) == .none)
        #expect(m.tick(now: renewAt + .seconds(1)) == .fetch)
        #expect(m.fetchFailed(error: "boom", now: renewAt + .seconds(1)) == .seconds(2))
        #expect(m.tick(now: renewAt + .seconds(2)) == .none)
        #expect(m.nextDeadline == renewAt + .seconds(3))
        // Once the old token expires, the failure is hard.
        #expect(m.hardError(now: t0 + .seconds(3600)) == "boom")
    }

    @Test func firstFetchFailureIsHard() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        m.fetchFailed(error: "genesys.auth-failed", now: t0)
        #expect(m.hardError(now: t0) == "genesys.auth-failed")
        #expect(m.usableToken(now: t0) == nil)
    }
}
