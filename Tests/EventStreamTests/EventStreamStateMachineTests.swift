import EventStream
import Testing

/// The seed event stream's connection state machine with an injected clock: connect, open on `connection.opened`,
/// subscribe (deleting the previous subscription) and verify; a mismatch raised once per episode and repaired with
/// backoff; drops back off (never an immediate reconnect), reset after a stable open; the watchdog.
@Suite struct EventStreamStateMachineTests {
    typealias M = EventStreamStateMachine
    let t0 = ContinuousClock.now

    func machine(jitter: Double = 0) -> M {
        var c = M.Configuration()
        c.watchdogTimeout = .seconds(10)
        c.verifyInterval = .seconds(30)
        return M(configuration: c, random: { jitter })
    }

    func active(_ id: String, _ connection: String?) -> EventStreamSubscription {
        EventStreamSubscription(id: id, state: connection == nil ? "orphaned" : "active", connectionId: connection)
    }

    /// Opens a machine on connection `c1` with subscription `s1` verified.
    func opened(_ m: inout M, at t: ContinuousClock.Instant) {
        _ = m.start(now: t)
        _ = m.socketOpened(now: t)
        _ = m.connectionOpened(id: "c1", callbackURL: "ws://h/cb?connectionId=c1", now: t)
        _ = m.subscribed(active("s1", "c1"), now: t)
        _ = m.verified(active("s1", "c1"), now: t)
    }

    @Test func opensSubscribesAndVerifies() {
        var m = machine()
        #expect(m.start(now: t0) == [.stateChanged(.connecting), .connect])
        #expect(m.state == .connecting)
        #expect(m.socketOpened(now: t0).isEmpty)
        #expect(m.connectionOpened(id: "c1", callbackURL: "ws://h/cb?connectionId=c1", now: t0)
            == [.stateChanged(.open), .subscribe(callbackURL: "ws://h/cb?connectionId=c1")])
        #expect(m.subscribed(active("s1", "c1"), now: t0) == [.verify(subscriptionID: "s1")])
        #expect(m.verified(active("s1", "c1"), now: t0).isEmpty)
        #expect(!m.mismatchEpisode)
        // Verified again after the interval (frames keep the watchdog quiet).
        m.frameReceived(now: t0 + .seconds(9))
        m.frameReceived(now: t0 + .seconds(18))
        m.frameReceived(now: t0 + .seconds(27))
        #expect(m.tick(now: t0 + .seconds(29)).isEmpty)
        #expect(m.tick(now: t0 + .seconds(30)) == [.verify(subscriptionID: "s1")])
    }

    @Test func aMismatchIsRaisedOncePerEpisodeAndRepairedWithBackoff() {
        var m = machine()
        opened(&m, at: t0)
        m.frameReceived(now: t0 + .seconds(29))
        #expect(m.tick(now: t0 + .seconds(30)) == [.verify(subscriptionID: "s1")])
        // Orphaned since: loud, the old subscription deleted, a new one after the backoff (not at once).
        let t1 = t0 + .seconds(30)
        let first = m.verified(active("s1", nil), now: t1)
        #expect(first.count == 2)
        guard case .mismatch(let detail) = first.first else {
            Issue.record("no mismatch action: \(first)")
            return
        }
        #expect(detail.contains("s1") && detail.contains("c1"))
        #expect(first.last == .deleteSubscription(id: "s1"))
        #expect(m.mismatchEpisode)
        #expect(m.tick(now: t1 + .milliseconds(999)).isEmpty)
        #expect(m.tick(now: t1 + .seconds(1)) == [.subscribe(callbackURL: "ws://h/cb?connectionId=c1")])
        // Still wrong: no second alarm, a longer wait (2 s).
        _ = m.subscribed(active("s2", nil), now: t1 + .seconds(1))
        #expect(m.verified(active("s2", nil), now: t1 + .seconds(1)) == [.deleteSubscription(id: "s2")])
        m.frameReceived(now: t1 + .seconds(2))
        #expect(m.tick(now: t1 + .milliseconds(2999)).isEmpty)
        #expect(m.tick(now: t1 + .seconds(3)) == [.subscribe(callbackURL: "ws://h/cb?connectionId=c1")])
        // Bound at last: the episode ends.
        _ = m.subscribed(active("s3", "c1"), now: t1 + .seconds(3))
        #expect(m.verified(active("s3", "c1"), now: t1 + .seconds(3)) == [.matched])
        #expect(!m.mismatchEpisode)
        #expect(m.subscriptionID == "s3")
    }

    @Test func aSubscriptionBoundToAnotherConnectionIsAMismatch() {
        var m = machine()
        _ = m.start(now: t0)
        _ = m.socketOpened(now: t0)
        _ = m.connectionOpened(id: "c1", callbackURL: "wss://env/api/v2/eventstreams/callbacks?connectionId=c1", now: t0)
        _ = m.subscribed(active("s1", "c0"), now: t0)
        let actions = m.verified(active("s1", "c0"), now: t0)
        #expect(actions.contains { if case .mismatch = $0 { true } else { false } })
        // A vanished subscription (404) too.
        var n = machine()
        opened(&n, at: t0)
        n.frameReceived(now: t0 + .seconds(29))
        _ = n.tick(now: t0 + .seconds(30))
        #expect(n.verifyFailed(notFound: true, reason: "404", now: t0 + .seconds(30)).contains {
            if case .mismatch = $0 { true } else { false }
        })
    }

    @Test func dropsBackOffDoublingWithJitterAndResubscribeDeletingTheOldSubscription() {
        var m = machine(jitter: 0.5)
        opened(&m, at: t0)
        let t1 = t0 + .seconds(5)
        #expect(m.socketClosed(reason: "closed", now: t1) == [.stateChanged(.disconnected), .failure("closed")])
        #expect(m.state == .disconnected)
        // 1 s plus 5 % (half of the 10 % jitter): never at once.
        #expect(m.tick(now: t1).isEmpty)
        #expect(m.tick(now: t1 + .milliseconds(1049)).isEmpty)
        #expect(m.tick(now: t1 + .milliseconds(1051)) == [.stateChanged(.connecting), .connect])
        // The upgrade fails: 2 s (+5 %) next.
        let t2 = t1 + .seconds(2)
        _ = m.socketClosed(reason: "refused", now: t2)
        let next = m.nextDeadline ?? t2
        #expect(next > t2 + .milliseconds(2099) && next < t2 + .milliseconds(2101))
        #expect(m.tick(now: t2 + .milliseconds(2099)).isEmpty)
        _ = m.tick(now: t2 + .milliseconds(2101))
        _ = m.socketOpened(now: t2 + .seconds(3))
        // Open again: the old subscription is deleted before the new one is made.
        #expect(m.connectionOpened(id: "c2", callbackURL: "ws://h/cb?connectionId=c2", now: t2 + .seconds(3))
            == [.stateChanged(.open), .deleteSubscription(id: "s1"), .subscribe(callbackURL: "ws://h/cb?connectionId=c2")])
    }

    @Test func theBackoffCapsAtSixtySecondsAndResetsAfterAStableOpen() {
        var m = machine()
        var t = t0
        _ = m.start(now: t)
        for _ in 0..<10 {
            _ = m.socketClosed(reason: "refused", now: t)
            t = m.nextDeadline!
            _ = m.tick(now: t)
        }
        _ = m.socketClosed(reason: "refused", now: t)
        #expect(m.nextDeadline == t + .seconds(60))
        // A connection that stays open 60 s resets the sequence.
        t = m.nextDeadline!
        _ = m.tick(now: t)
        _ = m.socketOpened(now: t)
        _ = m.connectionOpened(id: "c9", callbackURL: "u", now: t)
        for s in stride(from: 5, through: 60, by: 5) { m.frameReceived(now: t + .seconds(s)) }
        _ = m.socketClosed(reason: "closed", now: t + .seconds(61))
        #expect(m.nextDeadline == t + .seconds(62))
    }

    @Test func theWatchdogAndTheOpenTimeoutDropTheSocket() {
        var m = machine()
        opened(&m, at: t0)
        m.frameReceived(now: t0 + .seconds(4))
        #expect(m.tick(now: t0 + .seconds(13)).isEmpty)
        let fired = m.tick(now: t0 + .seconds(14))
        #expect(fired.first == .closeSocket)
        #expect(fired.contains(.stateChanged(.disconnected)))
        // An upgrade without connection.opened within 10 s.
        var n = machine()
        _ = n.start(now: t0)
        _ = n.socketOpened(now: t0)
        #expect(n.nextDeadline == t0 + .seconds(10))
        #expect(n.tick(now: t0 + .seconds(10)).first == .closeSocket)
        #expect(n.state == .disconnected)
    }

    @Test func lateAnswersOfAnAbandonedAttemptAreIgnored() {
        var m = machine()
        _ = m.start(now: t0)
        _ = m.socketOpened(now: t0)
        _ = m.connectionOpened(id: "c1", callbackURL: "u1", now: t0)
        _ = m.socketClosed(reason: "drop", now: t0 + .seconds(1))
        // The POST of the dropped connection answers now: its subscription is deleted, nothing else.
        #expect(m.subscribed(active("s1", "c1"), now: t0 + .seconds(1)) == [.deleteSubscription(id: "s1")])
        #expect(m.verified(active("s1", "c1"), now: t0 + .seconds(1)).isEmpty)
        #expect(m.socketClosed(reason: "again", now: t0 + .seconds(1)).isEmpty)
        #expect(m.state == .disconnected)
    }
}
