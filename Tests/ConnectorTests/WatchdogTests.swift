import Connector
import Testing

@Suite struct WatchdogTests {
    let t0 = ContinuousClock.now

    /// Drives a watchdog over `seconds` in `step` ticks; `frame(at:)` says whether a frame arrives in the tick that
    /// ends at that offset (ms), and `answer` how long after a ping its pong arrives (nil: never). Returns the
    /// offset (ms) of the stale verdict, if any, and the pings sent.
    func run(_ w: inout Watchdog, seconds: Int, stepMs: Int64 = 100, answer: Int64?,
             frame: (Int64) -> Bool) -> (staleAt: Int64?, pings: Int) {
        var pendingPong: Int64?
        var pings = 0
        var ms: Int64 = 0
        while ms <= Int64(seconds) * 1000 {
            let now = t0 + .milliseconds(ms)
            if frame(ms) { w.activity(at: now) }
            if let p = pendingPong, p <= ms {
                w.activity(at: t0 + .milliseconds(p))
                pendingPong = nil
            }
            switch w.tick(now: now) {
            case .none: break
            case .sendPing:
                pings += 1
                if let answer, pendingPong == nil { pendingPong = ms + answer }
            case .stale: return (ms, pings)
            }
            ms += stepMs
        }
        return (nil, pings)
    }

    @Test func probesAfterAQuietSpellRetriesOnceThenGoesStale() {
        var w = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(8), pingTimeout: .seconds(3), now: t0)
        #expect(w.tick(now: t0 + .seconds(7)) == .none)
        #expect(w.nextDeadline == t0 + .seconds(8))
        #expect(w.tick(now: t0 + .seconds(8)) == .sendPing)
        #expect(w.nextDeadline == t0 + .seconds(11))
        #expect(w.tick(now: t0 + .milliseconds(10_999)) == .none)
        #expect(w.tick(now: t0 + .seconds(11)) == .sendPing)
        #expect(w.tick(now: t0 + .milliseconds(13_999)) == .none)
        #expect(w.tick(now: t0 + .seconds(14)) == .stale)
        #expect(w.verdict == .unansweredPings(probes: 2))
        #expect(w.detectionBound == .seconds(14))
        // Fires once; a frame afterwards re-arms it.
        #expect(w.tick(now: t0 + .seconds(20)) == .none)
        w.activity(at: t0 + .seconds(21))
        #expect(w.verdict == nil)
        #expect(w.tick(now: t0 + .seconds(22)) == .none)
    }

    @Test func aGhostAtThirtySecondHeartbeatsIsFoundWithinFifteenSeconds() {
        // Heartbeats every 30 s until the socket turns ghost at 95 s (nothing more: no heartbeat, no pong).
        for ghostAt: Int64 in [60_000, 60_050, 75_000, 89_950, 95_000] {
            var w = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(8), pingTimeout: .seconds(3), now: t0)
            // Events every 2 s too, up to the ghost: the worst case, a frame just before it.
            let r = run(&w, seconds: 300, stepMs: 250, answer: nil) { ms in
                ms < ghostAt && (ms % 30_000 == 0 || ms % 2_000 == 0)
            }
            let staleAt = try! #require(r.staleAt)
            #expect(staleAt - ghostAt <= 15_000, "ghost at \(ghostAt) ms found \(staleAt - ghostAt) ms later")
            #expect(staleAt > ghostAt)
            #expect(r.pings >= 2)
        }
    }

    @Test func aHealthySocketAtThirtySecondHeartbeatsNeverGoesStaleInHalfAnHour() {
        // Only heartbeats (a quiet org), pongs answered at once: a probe in every gap, never a verdict.
        var w = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(8), pingTimeout: .seconds(3), now: t0)
        let r = run(&w, seconds: 30 * 60, answer: 40) { $0 % 30_000 == 0 }
        #expect(r.staleAt == nil)
        #expect(r.pings >= 60)
    }

    @Test func aSlowPongWithinTheTimeoutDoesNotTrip() {
        // Each pong takes 2.9 s (the timeout is 3 s).
        var w = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(8), pingTimeout: .seconds(3), now: t0)
        let r = run(&w, seconds: 30 * 60, answer: 2_900) { $0 % 30_000 == 0 }
        #expect(r.staleAt == nil)
        // A pong later than the timeout is what the retry is for: the second one comes in time.
        var late = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(8), pingTimeout: .seconds(3), now: t0)
        #expect(late.tick(now: t0 + .seconds(8)) == .sendPing)
        #expect(late.tick(now: t0 + .seconds(11)) == .sendPing)
        late.activity(at: t0 + .milliseconds(11_500))  // the first pong, late
        #expect(late.tick(now: t0 + .seconds(14)) == .none)
    }

    @Test func theHeartbeatTimeoutStaysTheOuterBound() {
        // Probing starts at the timeout itself (pingAfterQuiet capped to it): the timeout decides.
        var w = Watchdog(timeout: .seconds(10), pingAfterQuiet: .seconds(30), pingTimeout: .seconds(3), now: t0)
        #expect(w.tick(now: t0 + .seconds(9)) == .none)
        #expect(w.tick(now: t0 + .seconds(10)) == .stale)
        #expect(w.verdict == .timeout)
        // Probes that would outlast the timeout are cut short by it.
        var v = Watchdog(timeout: .seconds(12), pingAfterQuiet: .seconds(8), pingTimeout: .seconds(3), now: t0)
        #expect(v.tick(now: t0 + .seconds(8)) == .sendPing)
        #expect(v.tick(now: t0 + .seconds(11)) == .sendPing)
        #expect(v.nextDeadline == t0 + .seconds(12))
        #expect(v.tick(now: t0 + .seconds(12)) == .stale)
    }

    @Test func anyFrameResetsAndTheSameInstantTwiceChangesNothing() {
        var w = Watchdog(timeout: .seconds(65), pingAfterQuiet: .seconds(8), pingTimeout: .seconds(3), now: t0)
        #expect(w.tick(now: t0 + .seconds(8)) == .sendPing)
        // The owner passes the last frame's instant at every tick: an old one does not cancel the probe.
        w.activity(at: t0)
        #expect(w.tick(now: t0 + .seconds(11)) == .sendPing)
        // A frame (an event, not necessarily the pong) ends the probing.
        w.activity(at: t0 + .seconds(12))
        #expect(w.tick(now: t0 + .seconds(14)) == .none)
        #expect(w.tick(now: t0 + .seconds(19)) == .none)
        #expect(w.tick(now: t0 + .seconds(20)) == .sendPing)
    }
}
