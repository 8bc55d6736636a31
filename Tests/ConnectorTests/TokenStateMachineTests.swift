import Connector
import SwitchboardCore
import Testing

@Suite struct TokenStateMachineTests {
    let t0 = ContinuousClock.now
    func noJitter() -> Backoff { Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0, random: { 0 }) }

    @Test func renewsFiveMinutesAheadOfADayLongToken() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        #expect(m.start() == .fetch)
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(86_400), now: t0)
        #expect(tok.renewAt == t0 + .seconds(86_400 - 300))
        #expect(m.tick(now: t0 + .seconds(86_000)) == .none)
        #expect(m.tick(now: t0 + .seconds(86_100)) == .fetch)
        // The old token stays in use while the renewal is in flight.
        #expect(m.usableToken(now: t0 + .seconds(86_200))?.value == Secret("a"))
        #expect(m.usableToken(now: t0 + .seconds(86_400)) == nil)
    }

    @Test func marginIsTenPercentForShortTokens() {
        var m = TokenStateMachine(margin: .seconds(300), retry: noJitter())
        _ = m.start()
        let tok = m.fetchSucceeded(value: Secret("a"), lifetime: .seconds(600), now: t0)
        #expect(tok.renewAt == t0 + .seconds(540))
        #expect(m.lead(for: .seconds(3000)) == .seconds(300))
        #expect(m.lead(for: .seconds(2000)) == .seconds(200))
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
        let renewAt = t0 + .seconds(3300)
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
