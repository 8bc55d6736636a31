import Connector
import Testing

@Suite struct WatchdogTests {
    let t0 = ContinuousClock.now

    @Test func pingsWhenQuietThenGoesStaleAtTheTimeout() {
        var w = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(35), now: t0)
        #expect(w.tick(now: t0 + .seconds(30)) == .none)
        #expect(w.tick(now: t0 + .seconds(35)) == .sendPing)
        #expect(w.tick(now: t0 + .seconds(40)) == .none)
        #expect(w.tick(now: t0 + .seconds(50)) == .sendPing)
        #expect(w.tick(now: t0 + .seconds(64)) == .none)
        #expect(w.tick(now: t0 + .seconds(65)) == .stale)
        // Fires once.
        #expect(w.tick(now: t0 + .seconds(70)) == .none)
    }

    @Test func heartbeatsKeepItQuiet() {
        var w = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(35), now: t0)
        for s in stride(from: 30, through: 300, by: 30) {
            w.activity(at: t0 + .seconds(s))
            #expect(w.tick(now: t0 + .seconds(s) + .seconds(29)) == .none)
        }
    }

    @Test func aPongAfterAPingRearms() {
        var w = Watchdog(timeout: .seconds(10), pingAfterQuiet: .seconds(5), now: t0)
        #expect(w.tick(now: t0 + .seconds(5)) == .sendPing)
        w.activity(at: t0 + .seconds(6))
        #expect(w.nextDeadline == t0 + .seconds(11))
        #expect(w.tick(now: t0 + .seconds(10)) == .none)
        #expect(w.tick(now: t0 + .seconds(11)) == .sendPing)
        #expect(w.nextDeadline == t0 + .milliseconds(13_500))
        #expect(w.tick(now: t0 + .seconds(12)) == .none)
        #expect(w.tick(now: t0 + .seconds(16)) == .stale)
        w.activity(at: t0 + .seconds(17))
        #expect(w.tick(now: t0 + .seconds(18)) == .none)
    }
}
