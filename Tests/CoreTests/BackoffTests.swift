import SwitchboardCore
import Testing

@Suite struct BackoffTests {
    @Test func doublesFromOneSecondToTheCap() {
        var b = Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0.1, resetAfter: .seconds(60), random: { 0 })
        let delays = (0..<9).map { _ in b.nextDelay() }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
    }

    @Test func jitterAddsAtMostTenPercent() {
        var b = Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0.1, random: { 0.999_999 })
        let first = b.nextDelay()
        #expect(first > .seconds(1) && first <= .milliseconds(1100))
        var half = Backoff(initial: .seconds(8), cap: .seconds(60), jitter: 0.1, random: { 0.5 })
        #expect(half.nextDelay() == .milliseconds(8400))
    }

    @Test func resetsOnlyAfterAStablePeriod() {
        var b = Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0, resetAfter: .seconds(60), random: { 0 })
        _ = b.nextDelay(); _ = b.nextDelay(); _ = b.nextDelay()
        b.connectionEnded(uptime: .seconds(59))
        #expect(b.nextDelay() == .seconds(8))
        b.connectionEnded(uptime: .seconds(60))
        #expect(b.nextDelay() == .seconds(1))
    }

    /// The cluster's session backoff takes its jitter off the delay: never above the cap.
    @Test func shorteningJitterStaysUnderTheCap() {
        var b = Backoff(initial: .seconds(1), cap: .seconds(30), jitter: 0.25, direction: .shorten, random: { 0.5 })
        #expect(b.nextDelay() == .milliseconds(875))
        var c = Backoff(initial: .seconds(1), cap: .seconds(30), jitter: 0.25, direction: .shorten, random: { 0.999 })
        for _ in 0..<10 { #expect(c.nextDelay() <= .seconds(30)) }
        #expect(c.nextDelay() > .seconds(22))
    }
}

