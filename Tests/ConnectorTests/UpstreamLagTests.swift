import Connector
import Testing

@Suite struct UpstreamLagTests {
    let t0 = ContinuousClock.now

    @Test func isTheOldestFrameOfTheLastWindow() {
        var lag = UpstreamLag(warnAfter: 10)
        // No frame yet: nothing was waiting.
        #expect(lag.tick(handedAgeMs: nil, speed: 1, now: t0) == .none)
        #expect(lag.seconds == 0)
        #expect(lag.tick(handedAgeMs: 4_000, speed: 1, now: t0 + .seconds(1)) == .none)
        #expect(lag.seconds == 4)
        // A fresher frame, or none, within the window: still the 4 s one.
        _ = lag.tick(handedAgeMs: 200, speed: 1, now: t0 + .seconds(2))
        #expect(lag.seconds == 4)
        _ = lag.tick(handedAgeMs: nil, speed: 1, now: t0 + .seconds(5))
        #expect(lag.seconds == 4)
        // Past the window the 4 s frame is forgotten; the 200 ms one a second later.
        _ = lag.tick(handedAgeMs: nil, speed: 1, now: t0 + .milliseconds(11_500))
        #expect(lag.seconds == 0.2)
        _ = lag.tick(handedAgeMs: nil, speed: 1, now: t0 + .milliseconds(12_500))
        #expect(lag.seconds == 0)
        // Platform time ahead of ours (clock skew): never negative.
        _ = lag.tick(handedAgeMs: -1_000, speed: 1, now: t0 + .seconds(13))
        #expect(lag.seconds == 0)
    }

    /// A backlog read in bursts (ticks with no frame between old ones) is reported once and does not flap.
    @Test func warnsOnceWhenBehindAndOnceWhenCaughtUp() {
        var lag = UpstreamLag(warnAfter: 10)
        var actions: [UpstreamLag.Action] = []
        for i in 0..<40 {
            let age: Int64? = i % 3 == 1 ? nil : 30_000 + Int64(i) * 10
            actions.append(lag.tick(handedAgeMs: age, speed: 1, now: t0 + .milliseconds(250 * i)))
        }
        #expect(actions.filter { $0 != .none } == [.behind(seconds: 30)])
        #expect(lag.isBehind)
        #expect(lag.seconds > 30)
        // Caught up: only fresh frames from now on; the old ones leave the window 10 s after the last.
        var at = t0 + .milliseconds(250 * 40)
        var rest: [UpstreamLag.Action] = []
        for _ in 0..<60 {
            at += .milliseconds(250)
            rest.append(lag.tick(handedAgeMs: 300, speed: 1, now: at))
        }
        #expect(rest.filter { $0 != .none } == [.caughtUp])
        #expect(!lag.isBehind)
        #expect(lag.seconds == 0.3)
    }

    /// A frame dated long before it was sent (an activity event for a queue change carries older presence and
    /// routing times) among fresh ones is no backlog: the gauge shows it for the window, the log says nothing.
    @Test func anOldDatedFrameAmongFreshOnesIsNoBacklog() {
        var lag = UpstreamLag(warnAfter: 10)
        var actions: [UpstreamLag.Action] = []
        for i in 0..<80 {
            let age: Int64 = i == 20 ? 600_000 : 200
            actions.append(lag.tick(handedAgeMs: age, speed: 1, now: t0 + .milliseconds(250 * i)))
        }
        #expect(actions.allSatisfy { $0 == .none })
        #expect(!lag.isBehind)
        #expect(lag.seconds == 0.2)
    }

    /// A sped-up demo's platform time runs `speed` times faster: the lag is real seconds.
    @Test func aSpedUpClockIsMeasuredInRealSeconds() {
        var lag = UpstreamLag(warnAfter: 10)
        #expect(lag.tick(handedAgeMs: 100_000, speed: 20, now: t0) == .none)
        #expect(lag.seconds == 5)
        #expect(lag.tick(handedAgeMs: 240_000, speed: 20, now: t0 + .seconds(1)) == .none)
        #expect(lag.tick(handedAgeMs: 260_000, speed: 20, now: t0 + .seconds(2)) == .none)
        #expect(lag.seconds == 13)
        // Every tick of the window past 10 s: the 5 s one must leave it first.
        #expect(lag.tick(handedAgeMs: 280_000, speed: 20, now: t0 + .milliseconds(10_500)) == .behind(seconds: 12))
    }

    /// The org card's figure moves in steps, so that a backlog does not change the org entity at every tick.
    @Test func theShownLagMovesInSteps() {
        #expect(UpstreamLag.shown(-1) == 0)
        #expect(UpstreamLag.shown(3.9) == 3)
        #expect(UpstreamLag.shown(9.99) == 9)
        #expect(UpstreamLag.shown(10) == 10)
        #expect(UpstreamLag.shown(14.9) == 10)
        #expect(UpstreamLag.shown(59) == 55)
        #expect(UpstreamLag.shown(60) == 60)
        #expect(UpstreamLag.shown(129) == 120)
    }
}
