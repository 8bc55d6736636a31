import Journeys
import SwitchboardCore
import Testing

/// A reload's new rules on a running stitcher (``JourneyStitcher/reconfigure(_:now:)``), and the per-queue
/// states and closing reasons the journey topics show.
@Suite struct JourneyReconfigureTests {
    @Test func aShorterTimeoutClosesAJourneyAtOnceAndKeepsTheOthers() {
        var s = JT.stitcher()
        let m = JT.minute
        // One finished call, one still in progress.
        _ = JT.feed(&s, JT.call("done", at: 0) + [JT.ev("l1", "live", .customerStart, at: 1_000, phone: "+15550000002")])
        _ = JT.run(&s, until: JT.t0 + 3 * m)
        #expect(s.activeCount == 2)
        var rules = s.configuration
        rules.sessionTimeout = m
        let actions = s.reconfigure(rules, now: JT.t0 + 3 * m)
        // The finished one (last event at 62 s) is over under a 1-minute timeout; the live one stays.
        #expect(JT.closed(actions).map { $0.contacts[0].conversationID } == ["done"])
        #expect(s.activeCount == 1 && s.closedCount == 1)
        #expect(s.configuration.sessionTimeout == m)
        // The live one now goes idle on the new timeout.
        #expect(s.nextDeadline == JT.t0 + 1_000 + m + 5 * m)
        // The same rules again change nothing.
        #expect(s.reconfigure(rules, now: JT.t0 + 3 * m).isEmpty)
    }

    @Test func aSmallerCountCapEvictsAtOnce() {
        var s = JT.stitcher()
        let m = JT.minute
        _ = JT.feed(&s, JT.call("a", at: 0) + JT.call("b", at: 0, phone: "+15550000002"))
        _ = JT.run(&s, until: JT.t0 + 20 * m)
        #expect(s.closedCount == 2)
        var rules = s.configuration
        rules.maxClosedJourneys = 1
        let evicted = JT.evicted(s.reconfigure(rules, now: JT.t0 + 20 * m))
        #expect(evicted.count == 1 && evicted.first?.1 == .countCap)
        #expect(s.closedCount == 1)
    }

    @Test func queueFiguresCarryStatesAndReasons() {
        var s = JT.stitcher()
        var f = JourneyFigures()
        let m = JT.minute
        f.record(JT.feed(&s, JT.call("a", at: 0, queue: "q1")
            + [JT.ev("t", "a", .transferInitiated, at: 30_000), JT.ev("b-cs", "b", .customerStart, at: 0, phone: "+15550000002"),
               JT.ev("b-as", "b", .acdStart, at: 500, queue: "q1")]))
        // The transfer never landed (the call ended): TRANSFERRING until it closes; the other is ACTIVE.
        #expect(f.queues["q1"]?.activeByState == [.transferring: 1, .active: 1])
        f.record(JT.run(&s, until: JT.t0 + 40 * m))
        #expect(f.queues["q1"]?.activeByState.isEmpty == true)
        #expect(f.queues["q1"]?.closedByReason == [.completed: 1, .abandonedAtTimeout: 1])
    }
}
