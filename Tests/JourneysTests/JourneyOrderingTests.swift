import Journeys
import SwitchboardCore
import Testing

/// The reorder window and late events (seed edge case 1), and duplicates across sources.
@Suite struct JourneyOrderingTests {
    typealias S = JourneyStitcher

    /// A voice call at 0 moved to chat at 50 ms: the chat's first event arrives first.
    static func switchEvents(chatDelay: EpochMillis, voiceDelay: EpochMillis) -> [JourneyEvent] {
        [JT.ev("c1", "chat-1", .conversationStarted, at: 50, media: .chat, contact: "cust-1", delay: chatDelay),
         JT.ev("v1", "voice-1", .customerStart, at: 0, media: .voice, phone: "+15550000001", contact: "cust-1",
               delay: voiceDelay)]
            .sorted { $0.receivedAt < $1.receivedAt }
    }

    @Test func eventsWithinTheWindowAreAppliedInEventTimeOrder() {
        var s = JT.stitcher()
        // chat arrives at t0+60, voice at t0+80: both within 100 ms of each other.
        let events = Self.switchEvents(chatDelay: 10, voiceDelay: 80)
        #expect(JT.opened(s.ingest(events[0], now: events[0].receivedAt)).isEmpty)  // held, not applied
        #expect(s.bufferedCount == 1)
        #expect(s.nextDeadline == events[0].receivedAt + 100)
        #expect(s.ingest(events[1], now: events[1].receivedAt).isEmpty)
        let actions = s.tick(now: events[0].receivedAt + 100)
        let opened = JT.opened(actions)
        #expect(opened.count == 1)
        #expect(JT.late(actions).isEmpty)
        #expect(s.counters.late == 0)
        // Opened by the voice call, the earlier event, though the chat arrived first.
        #expect(opened.first?.id.platformID == JourneyStitcher.journeyID(org: JT.org, conversation: "voice-1").platformID)
        #expect(opened.first?.contacts.map(\.conversationID) == ["voice-1", "chat-1"])
        #expect(opened.first?.path.description == "voice→chat")
        #expect(opened.first?.channelSwitches == 1)
    }

    @Test func withoutAWindowTheSameArrivalsAreLate() {
        var s = JT.stitcher(JT.config(window: 0))
        let actions = JT.feed(&s, Self.switchEvents(chatDelay: 10, voiceDelay: 80))
        #expect(JT.late(actions) == ["v1"])
        #expect(JT.opened(actions).first?.id.platformID
            == JourneyStitcher.journeyID(org: JT.org, conversation: "chat-1").platformID)
    }

    @Test func anEventLaterThanTheWindowIsPlacedByItsTimeAndCountedLate() throws {
        var s = JT.stitcher()
        // The voice event comes 500 ms after the chat's: beyond the window.
        let events = Self.switchEvents(chatDelay: 10, voiceDelay: 560)
        var actions = JT.feed(&s, events)
        actions += s.tick(now: events[1].receivedAt + 100)
        #expect(JT.late(actions) == ["v1"])
        #expect(s.counters.late == 1)
        guard case .lateEvent(_, _, let behind)? = actions.first(where: { if case .lateEvent = $0 { true } else { false } })
        else { Issue.record("no late event"); return }
        #expect(behind == 50)
        let j = try #require(s.activeJourneys.first)
        #expect(s.activeJourneys.count == 1)
        #expect(j.contacts.map(\.conversationID) == ["voice-1", "chat-1"])
        #expect(j.openedAt == JT.t0)
        #expect(j.lateEvents == 1)
        #expect(j.path.description == "voice→chat")
    }

    @Test func heldEventsNotLaterThanADueOneGoWithIt() {
        var s = JT.stitcher()
        let a = JT.ev("a", "voice-1", .customerStart, at: 1_000, phone: "+15550000001")
        let b = JT.ev("b", "voice-1", .acdStart, at: 900, queue: "q1", delay: 100)  // arrives later, happened earlier
        _ = s.ingest(a, now: a.receivedAt)
        _ = s.ingest(b, now: a.receivedAt + 50)
        let actions = s.tick(now: a.receivedAt + 100)  // a is due; b (earlier) cannot wait longer
        #expect(JT.late(actions).isEmpty)
        #expect(s.bufferedCount == 0)
        #expect(JT.opened(actions).first?.contacts.first?.start == JT.t0 + 900)
    }

    @Test func theSameEventIDIsDroppedAndSoIsTheSameOccurrenceFromAnotherSource() {
        var s = JT.stitcher(JT.config(window: 0))
        let e = JT.ev("evt-1", "voice-1", .customerStart, at: 0, phone: "+15550000001")
        _ = s.ingest(e, now: e.receivedAt)
        #expect(JT.duplicates(s.ingest(e, now: e.receivedAt + 5)) == [.sameID])
        var fromBridge = e
        fromBridge.id = "eb-6efd5506"
        fromBridge.source = .eventBridge
        #expect(JT.duplicates(s.ingest(fromBridge, now: e.receivedAt + 900)) == [.sameOccurrence])
        // A replay of the bridge copy by its id is dropped too.
        #expect(JT.duplicates(s.ingest(fromBridge, now: e.receivedAt + 950)) == [.sameID])
        #expect(s.counters.applied == 1)
        #expect(s.counters.duplicates == 3)
        #expect(s.activeJourneys.first?.contacts.count == 1)
    }

    @Test func snapshotEventsGetTheSameDerivedIDEveryTime() {
        var s = JT.stitcher(JT.config(window: 0))
        func fromSnapshot() -> JourneyEvent {
            JT.ev(JourneyEvent.derivedID(conversationID: "voice-1", kind: .userStart, time: JT.t0 + 5_000,
                                         participant: "p-agent"),
                  "voice-1", .userStart, at: 5_000, phone: "+15550000001", agent: "a1", source: .notification)
        }
        _ = s.ingest(fromSnapshot(), now: JT.t0 + 5_000)
        #expect(JT.duplicates(s.ingest(fromSnapshot(), now: JT.t0 + 7_000)) == [.sameID])
    }

    @Test func twoAgentsJoiningInTheSameMillisecondAreNotDuplicates() {
        var s = JT.stitcher(JT.config(window: 0))
        let events = [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001"),
                      JT.ev("u1", "voice-1", .userStart, at: 5_000, agent: "a1"),
                      JT.ev("u2", "voice-1", .userStart, at: 5_000, agent: "a2")]
        let actions = JT.feed(&s, events)
        #expect(JT.duplicates(actions).isEmpty)
        #expect(s.activeJourneys.first?.contacts.first?.agents == ["a1", "a2"])
    }

    @Test func theMemoryOfSeenIDsIsBounded() {
        var s = JT.stitcher(JT.config(window: 0, seen: 4))
        let first = JT.ev("e0", "voice-1", .customerStart, at: 0, phone: "+15550000001")
        _ = s.ingest(first, now: first.receivedAt)
        for i in 1...4 {  // 4 events × 2 remembered strings push e0 out
            let e = JT.ev("e\(i)", "voice-1", .userStart, at: EpochMillis(i) * 1_000, agent: "a\(i)")
            _ = s.ingest(e, now: e.receivedAt)
        }
        #expect(JT.duplicates(s.ingest(first, now: JT.t0 + 10_000)).isEmpty)  // forgotten, applied again
        #expect(s.counters.applied == 6)
        #expect(s.activeJourneys.first?.contacts.count == 1)  // and still harmless: the fold is idempotent
    }

    @Test func aFullBufferAppliesItsOldestEventsEarly() {
        var s = JT.stitcher(JT.config(maxBuffered: 2))
        for i in 0..<3 {
            let e = JT.ev("e\(i)", "voice-\(i)", .customerStart, at: EpochMillis(i), phone: "+1555000000\(i)")
            _ = s.ingest(e, now: JT.t0)
        }
        #expect(s.bufferedCount == 2)
        #expect(s.counters.bufferOverflow == 1)
        #expect(s.activeCount == 1)
    }

    @Test func eventsOfAnotherOrgAreNotTaken() {
        var s = JT.stitcher(JT.config(window: 0))
        var e = JT.ev("e", "voice-1", .customerStart, at: 0, phone: "+15550000001")
        e.org = "emea"
        #expect(s.ingest(e, now: JT.t0).isEmpty)
        #expect(s.counters.foreignOrg == 1)
        #expect(s.activeCount == 0)
    }
}
