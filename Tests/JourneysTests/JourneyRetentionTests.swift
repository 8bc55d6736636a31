import Journeys
import SwitchboardCore
import Testing

/// Closed journeys: never reopened, kept for the retention period within caps, evicted least recently used.
@Suite struct JourneyRetentionTests {
    static let m = JT.minute

    /// Customer `n`'s one-minute call starting `n` × 10 minutes after t0 (each closes ~6 min after it began).
    static func calls(_ n: Int) -> [JourneyEvent] {
        (0..<n).flatMap { i in JT.call("voice-\(i)", at: EpochMillis(i) * 10 * m, phone: "+1555000000\(i)") }
    }

    @Test func aClosedJourneyNeverReopensButTakesLateEventsInPlace() throws {
        var s = JT.stitcher()
        _ = JT.feed(&s, JT.call("voice-1", at: 0, contact: "cust-1"))
        _ = JT.run(&s, until: JT.t0 + 10 * Self.m)
        #expect(s.closedCount == 1)
        let late = JT.feed(&s, [JT.ev("ue", "voice-1", .userEnd, at: 59_000, agent: "a1", delay: 10 * Self.m),
                                JT.ev("st", "chat-1", .conversationStarted, at: 30_000, media: .chat,
                                      contact: "cust-1", delay: 10 * Self.m)])
            + JT.run(&s, until: JT.t0 + 11 * Self.m)
        #expect(JT.opened(late).isEmpty)
        #expect(JT.late(late).sorted() == ["st", "ue"])
        let j = try #require(JT.changed(late).last)
        #expect(j.state == .closed)
        #expect(j.contacts.map(\.conversationID) == ["voice-1", "chat-1"])  // placed by its time
        #expect(s.counters.lateAfterClose == 2)
        #expect(s.activeCount == 0)
    }

    @Test func theCountCapEvictsTheLeastRecentlyUsedClosedJourney() {
        var s = JT.stitcher(JT.config(maxClosed: 2))
        var actions = JT.feed(&s, Self.calls(2))
        actions += JT.run(&s, until: JT.t0 + 19 * Self.m)
        #expect(s.closedCount == 2)
        #expect(JT.evicted(actions).isEmpty)
        let first = JourneyStitcher.journeyID(org: JT.org, conversation: "voice-0")
        let second = JourneyStitcher.journeyID(org: JT.org, conversation: "voice-1")
        s.touch(first)  // read by a view: now the second is the least recently used
        actions = JT.feed(&s, JT.call("voice-2", at: 20 * Self.m, phone: "+15550000002"))
        actions += JT.run(&s, until: JT.t0 + 29 * Self.m)
        let evicted = JT.evicted(actions)
        #expect(evicted.map(\.0.id) == [second])
        #expect(evicted.map(\.1) == [.countCap])
        #expect(s.journey(first) != nil && s.journey(second) == nil)
        #expect(s.counters.evicted == 1)
    }

    @Test func theByteCapEvictsAndTheCloseComesBeforeTheEviction() {
        var s = JT.stitcher(JT.config(maxBytes: 1))
        _ = JT.feed(&s, JT.call("voice-1", at: 0))
        let actions = JT.run(&s, until: JT.t0 + 10 * Self.m)
        let kinds = actions.compactMap { a -> String? in
            switch a {
            case .journeyClosed: "closed"
            case .evicted(_, .byteCap): "evicted"
            default: nil
            }
        }
        #expect(kinds == ["closed", "evicted"])
        #expect(s.closedCount == 0 && s.closedBytes == 0)
    }

    @Test func closedJourneysExpireAfterTheRetentionAndTheirLateEventsAreDropped() {
        let hour: EpochMillis = 60 * Self.m
        var s = JT.stitcher(JT.config(retention: hour))
        _ = JT.feed(&s, JT.call("voice-1", at: 0))
        _ = JT.run(&s, until: JT.t0 + 10 * Self.m)
        let closedAt = JT.t0 + 62_000 + 5 * Self.m + 100
        #expect(s.nextDeadline == closedAt + hour)
        #expect(JT.evicted(JT.run(&s, until: closedAt + hour - 1)).isEmpty)
        let evicted = JT.evicted(JT.run(&s, until: closedAt + hour))
        #expect(evicted.map(\.1) == [.expired])
        #expect(evicted.first?.0.contacts.count == 1)
        let actions = JT.feed(&s, [JT.ev("late", "voice-1", .acw, at: 70_000, agent: "a1", delay: 2 * hour)])
            + JT.run(&s, until: JT.t0 + 70_000 + 2 * hour + 100)
        #expect(JT.opened(actions).isEmpty)
        #expect(s.counters.afterEviction == 1)
        #expect(s.activeCount == 0 && s.closedCount == 0)
    }
}

@Suite struct JourneyFiguresTests {
    @Test func figuresFollowActiveJourneysByPathAndCountClosedOnesOnce() {
        var s = JT.stitcher()
        var f = JourneyFigures()
        let m = JT.minute
        // Customer 1: voice then chat (within the timeout), all wrapped up.
        // Customer 2: a voice call that never ends (abandoned at timeout).
        let events = JT.call("voice-1", at: 0, contact: "c1")
            + [JT.ev("cs2", "voice-2", .customerStart, at: 1_000, phone: "+15550000002"),
               JT.ev("as2", "voice-2", .acdStart, at: 2_000, queue: "q9")]
            + JT.call("chat-1", at: 2 * m, queue: "qc", agent: "a2", media: .chat, contact: "c1")
        let early = JT.feed(&s, events) + JT.run(&s, until: JT.t0 + 2 * m + 10_000)
        f.record(early)
        #expect(f.active == 2)
        #expect(f.activeByPath == [JourneyPath([.voice, .chat]): 1, JourneyPath([.voice]): 1])
        #expect(f.queues["q1"]?.activeByPath == [JourneyPath([.voice, .chat]): 1])
        #expect(f.queues["q9"]?.active == 1)
        f.record(JT.run(&s, until: JT.t0 + 40 * m))
        #expect(f.active == 0 && f.activeByPath.isEmpty)
        #expect(f.closed == 2)
        #expect(f.abandonedAtTimeout == 1)
        #expect(f.closedByReason[.completed] == 1)
        #expect(f.closedByPath == [JourneyPath([.voice, .chat]): 1, JourneyPath([.voice]): 1])
        #expect(f.switchesHistogram == [1: 1, 0: 1])
        #expect(f.meanChannelSwitches == 0.5)
        #expect(f.timeToClose.count == 2)
        #expect(f.timeToClose.maxMs == 3 * m)  // chat ended 3 min after the voice call began
        #expect(f.queues["q9"]?.abandonedAtTimeout == 1 && f.queues["q9"]?.active == 0)
        #expect(f.queues["qc"]?.closed == 1 && f.queues["qc"]?.channelSwitches == 1)
        // A late change to a closed journey does not count it again.
        let before = f
        f.record(JT.feed(&s, [JT.ev("x", "chat-1", .acw, at: 3 * m + 5_000, media: .chat, agent: "a2", delay: 40 * m)])
            + JT.run(&s, until: JT.t0 + 44 * m))
        #expect(f.closed == before.closed && f.lateEvents == before.lateEvents + 1)
    }
}
