import Journeys
import SwitchboardCore
import Testing

/// States, channel timeouts, transfers, customers coming back, missing dispositions.
@Suite struct JourneyLifecycleTests {
    static let m = JT.minute

    @Test func aSilentChannelGoesIdleThenClosedAndTheJourneyIsAbandonedAtTimeout() throws {
        var s = JT.stitcher()
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001"),
                         JT.ev("as", "voice-1", .acdStart, at: 1_000, queue: "q1"),
                         JT.ev("us", "voice-1", .userStart, at: 5_000, agent: "a1")])
        _ = JT.run(&s, until: JT.t0 + 5_000 + 5 * Self.m - 1)
        #expect(s.activeJourneys.first?.channels == [ChannelStatus(media: .voice, state: .active)])
        let idle = JT.run(&s, until: JT.t0 + 5_000 + 5 * Self.m)
        #expect(JT.changed(idle).first?.channels == [ChannelStatus(media: .voice, state: .idle)])
        #expect(JT.changed(idle).first?.state == .active)
        #expect(JT.closed(JT.run(&s, until: JT.t0 + 5_000 + 10 * Self.m - 1)).isEmpty)
        let closing = JT.run(&s, until: JT.t0 + 5_000 + 10 * Self.m)
        let j = try #require(JT.closed(closing).first)
        #expect(j.state == .closed)
        #expect(j.closedReason == .abandonedAtTimeout)
        #expect(j.closedAt == JT.t0 + 5_000)  // the last sign of life, in event time
        #expect(j.contacts.first?.timedOut == true)
        #expect(j.contacts.first?.end == nil)
        #expect(j.channels == [ChannelStatus(media: .voice, state: .closed)])
        #expect(s.activeCount == 0 && s.closedCount == 1)
    }

    @Test func anEventOnAnIdleChannelMakesItActiveAgain() {
        var s = JT.stitcher()
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001")])
        _ = JT.run(&s, until: JT.t0 + 6 * Self.m)
        #expect(s.activeJourneys.first?.channels.first?.state == .idle)
        let actions = JT.feed(&s, [JT.ev("us", "voice-1", .userStart, at: 6 * Self.m + 1, agent: "a1")])
            + JT.run(&s, until: JT.t0 + 6 * Self.m + 200)
        #expect(JT.changed(actions).last?.channels.first?.state == .active)
    }

    @Test func aTimedOutContactComesBackWithItsNextEventWhileTheJourneyIsOpen() throws {
        var s = JT.stitcher()
        // The voice call goes silent; a chat keeps the journey open.
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001", contact: "cust-1"),
                         JT.ev("st", "chat-1", .conversationStarted, at: 4 * Self.m, media: .chat, contact: "cust-1"),
                         JT.ev("as", "chat-1", .acdStart, at: 8 * Self.m, media: .chat, queue: "qc")])
        _ = JT.run(&s, until: JT.t0 + 10 * Self.m + 1_000)
        var j = try #require(s.activeJourneys.first)
        #expect(j.contact("voice-1")?.timedOut == true)
        #expect(j.channels.map(\.state) == [.closed, .active])
        _ = JT.feed(&s, [JT.ev("ue", "voice-1", .userEnd, at: 11 * Self.m)])
        _ = JT.run(&s, until: JT.t0 + 11 * Self.m + 100)
        j = try #require(s.activeJourneys.first)
        #expect(j.contact("voice-1")?.timedOut == false)
        #expect(j.channels.map(\.state) == [.active, .active])
        _ = JT.feed(&s, [JT.ev("ce", "voice-1", .customerEnd, at: 11 * Self.m + 500),
                         JT.ev("ce2", "chat-1", .conversationEnded, at: 12 * Self.m, media: .chat)])
        let closed = try #require(JT.closed(JT.run(&s, until: JT.t0 + 30 * Self.m)).first)
        #expect(closed.closedReason == .completed)
        #expect(closed.contacts.map(\.end) == [JT.t0 + 11 * Self.m + 500, JT.t0 + 12 * Self.m])
        #expect(s.nextDeadline == closed.declaredClosedAt.map { $0 + 30 * 86_400_000 })
    }

    @Test func drainAppliesWhatTheWindowStillHolds() {
        var s = JT.stitcher()
        _ = s.ingest(JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001"), now: JT.t0)
        #expect(s.bufferedCount == 1)
        #expect(JT.opened(s.drain(now: JT.t0 + 1)).count == 1)
        #expect(s.bufferedCount == 0)
    }

    @Test func aFinishedJourneyClosesOneTimeoutAfterItsLastEventAsCompleted() throws {
        var s = JT.stitcher()
        _ = JT.feed(&s, JT.call("voice-1", at: 0, length: 60_000))
        _ = JT.run(&s, until: JT.t0 + 62_000 + 100)
        let j = try #require(s.activeJourneys.first)
        #expect(j.channels == [ChannelStatus(media: .voice, state: .closed)])
        #expect(j.state == .active)  // waiting for the customer's next contact
        let closeAt = JT.t0 + 62_000 + 5 * Self.m + 100  // last event + timeout + reorder window
        #expect(s.nextDeadline == closeAt)
        #expect(JT.closed(JT.run(&s, until: closeAt - 1)).isEmpty)
        let closed = try #require(JT.closed(JT.run(&s, until: closeAt)).first)
        #expect(closed.closedReason == .completed)
        #expect(closed.closedAt == JT.t0 + 60_000)
        #expect(closed.timeToClose == 60_000)
        #expect(closed.contacts.first?.queues == ["q1"])
        #expect(closed.contacts.first?.agents == ["a1"])
        #expect(closed.contacts.first?.wrapupCode == "resolved")
    }

    @Test func aMissingDispositionClosesByTimeoutNotAsCompleted() throws {
        var s = JT.stitcher()
        let events = [JT.ev("ic", "int-1", .interactionCreated, at: 0, media: .chat, contact: "cust-1"),
                      JT.ev("st", "int-1", .conversationStarted, at: 2_000, media: .chat),
                      JT.ev("us", "int-1", .userStart, at: 3_000, media: .chat, agent: "a1"),
                      JT.ev("en", "int-1", .conversationEnded, at: 90_000, media: .chat)]
        _ = JT.feed(&s, events)
        let j = try #require(JT.closed(JT.run(&s, until: JT.t0 + 20 * Self.m)).first)
        #expect(j.closedReason == .timeout)
        #expect(j.contacts.first?.dispositioned == false)
        #expect(j.contacts.first?.end == JT.t0 + 90_000)
    }

    @Test func aDispositionWithoutAnEndEndsTheContactAndAContactNoAgentTookNeedsNone() throws {
        var s = JT.stitcher()
        _ = JT.feed(&s, [JT.ev("ic", "int-1", .interactionCreated, at: 0, media: .email, email: "ann@example.com"),
                         JT.ev("dc", "int-1", .dispositionCompleted, at: 40_000, media: .email),
                         JT.ev("cs", "voice-9", .customerStart, at: 0, phone: "+15550000009"),
                         JT.ev("ab", "voice-9", .acdStart, at: 1_000, queue: "q1"),
                         JT.ev("ce", "voice-9", .customerEnd, at: 20_000)])  // abandoned in queue
        let closed = JT.closed(JT.run(&s, until: JT.t0 + 20 * Self.m))
        #expect(closed.count == 2)
        #expect(closed.allSatisfy { $0.closedReason == .completed })
        #expect(closed.first { $0.customer.kind == .email }?.contacts.first?.end == JT.t0 + 40_000)
    }

    @Test func anInteractionOnlyCreatedIsInitiated() {
        var s = JT.stitcher(JT.config(window: 0))
        let a = s.ingest(JT.ev("ic", "int-1", .interactionCreated, at: 0, media: .chat, contact: "c"), now: JT.t0)
        #expect(JT.opened(a).first?.state == .initiated)
        let b = s.ingest(JT.ev("st", "int-1", .conversationStarted, at: 10, media: .chat), now: JT.t0 + 10)
        #expect(JT.changed(b).first?.state == .active)
    }

    @Test func aTransferBetweenQueuesIsTransferringUntilTheNextQueueTakesIt() {
        var s = JT.stitcher(JT.config(window: 0))
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001"),
                         JT.ev("as", "voice-1", .acdStart, at: 1_000, queue: "q1"),
                         JT.ev("us", "voice-1", .userStart, at: 5_000, agent: "a1")])
        let t = JT.feed(&s, [JT.ev("tr", "voice-1", .transferInitiated, at: 30_000, agent: "a1"),
                             JT.ev("ue", "voice-1", .userEnd, at: 31_000, agent: "a1")])
        #expect(JT.changed(t).last?.state == .transferring)
        let a = JT.feed(&s, [JT.ev("as2", "voice-1", .acdStart, at: 35_000, queue: "q2")])
        #expect(JT.changed(a).last?.state == .active)
        #expect(s.activeJourneys.first?.contacts.first?.queues == ["q1", "q2"])
        #expect(s.activeJourneys.first?.contacts.first?.transfers == 1)
    }

    @Test func aTransferToAnotherMediumIsTransferringUntilTheNewContactStarts() throws {
        var s = JT.stitcher(JT.config(window: 0))
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001", contact: "cust-7"),
                         JT.ev("us", "voice-1", .userStart, at: 5_000, agent: "a1")])
        let t = JT.feed(&s, [JT.ev("tr", "voice-1", .transferInitiated, at: 40_000, agent: "a1", targetMedia: .chat),
                             JT.ev("ce", "voice-1", .customerEnd, at: 45_000),
                             JT.ev("wu", "voice-1", .wrapup, at: 46_000, agent: "a1")])
        #expect(JT.changed(t).last?.state == .transferring)
        let c = JT.feed(&s, [JT.ev("st", "chat-1", .conversationStarted, at: 50_000, media: .chat, contact: "cust-7")])
        let j = try #require(JT.changed(c).last)
        #expect(j.state == .active)
        #expect(j.path.description == "voice→chat")
        #expect(j.channels == [ChannelStatus(media: .voice, state: .closed), ChannelStatus(media: .chat, state: .active)])
    }

    @Test func aLateTransferAlreadyFollowedByTheNextQueueDoesNotLookPending() {
        var s = JT.stitcher(JT.config(window: 0))
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001"),
                         JT.ev("as2", "voice-1", .acdStart, at: 35_000, queue: "q2")])
        let late = JT.feed(&s, [JT.ev("tr", "voice-1", .transferInitiated, at: 30_000, agent: "a1")])
        #expect(JT.late(late) == ["tr"])
        #expect(s.activeJourneys.first?.state == .active)
    }

    @Test func aCustomerBackWithinTheTimeoutContinuesTheJourney() throws {
        var s = JT.stitcher()
        _ = JT.feed(&s, JT.call("voice-1", at: 0, contact: "cust-1")
            + JT.call("chat-1", at: 62_000 + 4 * Self.m, queue: "qc", agent: "a2", media: .chat, contact: "cust-1"))
        #expect(s.activeCount == 1)
        let j = try #require(s.activeJourneys.first)
        #expect(j.path.description == "voice→chat")
        #expect(j.queues == ["q1", "qc"])
    }

    @Test func aCustomerBackAfterTheTimeoutStartsANewJourney() {
        var s = JT.stitcher()
        let actions = JT.feed(&s, JT.call("voice-1", at: 0, contact: "cust-1")
            + JT.call("chat-1", at: 62_000 + 6 * Self.m, media: .chat, contact: "cust-1"))
        let closed = JT.closed(actions)
        #expect(closed.map(\.id) == [JourneyStitcher.journeyID(org: JT.org, conversation: "voice-1")])
        #expect(closed.first?.closedReason == .completed)
        #expect(s.activeJourneys.map(\.id) == [JourneyStitcher.journeyID(org: JT.org, conversation: "chat-1")])
        let key = CustomerKey(kind: .externalContact, value: "cust-1")
        #expect(s.journeys(customer: key).map(\.path.description) == ["voice", "chat"])
    }

    @Test func aBacklogProvesTheGapByEventTimeWithoutWaitingForTheClock() {
        var s = JT.stitcher()
        let now = JT.t0 + 30 * Self.m  // everything arrives together, long after it happened
        var events = JT.call("voice-1", at: 0, contact: "cust-1")
            + JT.call("chat-1", at: 62_000 + 6 * Self.m, media: .chat, contact: "cust-1")
        events = events.reversed().map { e in
            var e = e
            e.receivedAt = now
            return e
        }
        var actions = s.ingest(events, now: now)
        actions += s.tick(now: now + 100)
        #expect(JT.closed(actions).map(\.contacts.count) == [1])
        #expect(s.activeJourneys.map(\.contacts.first?.conversationID) == ["chat-1"])
        #expect(JT.late(actions).isEmpty)
    }

    @Test func aContactStillInProgressKeepsTheJourneyJoinable() {
        var s = JT.stitcher()
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001", contact: "cust-1"),
                         JT.ev("us", "voice-1", .userStart, at: 5_000, agent: "a1"),
                         JT.ev("st", "chat-1", .conversationStarted, at: 7 * Self.m, media: .chat, contact: "cust-1")])
        _ = JT.run(&s, until: JT.t0 + 7 * Self.m + 100)
        #expect(s.activeCount == 1)
        #expect(s.activeJourneys.first?.path.description == "voice→chat")
        #expect(s.activeJourneys.first?.channels.map(\.state) == [.idle, .active])
    }

    @Test func aKeyLearntLaterJoinsTheCustomersNextContact() throws {
        var s = JT.stitcher()
        _ = JT.feed(&s, [JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001"),
                         JT.ev("us", "voice-1", .userStart, at: 5_000, contact: "cust-9", agent: "a1"),
                         JT.ev("st", "chat-1", .conversationStarted, at: 60_000, media: .chat, contact: "cust-9")])
        _ = JT.run(&s, until: JT.t0 + 61_000)
        let j = try #require(s.activeJourneys.first)
        #expect(s.activeCount == 1)
        #expect(j.customer == CustomerKey(kind: .phone, value: "+15550000001"))
        #expect(j.aliases == [CustomerKey(kind: .externalContact, value: "cust-9")])
        #expect(s.journeys(customer: CustomerKey(kind: .externalContact, value: "cust-9")).map(\.id) == [j.id])
        #expect(s.journey(conversation: "chat-1")?.id == j.id)
    }

    @Test func eventsBeforeTheCustomerIsNamedWaitForIt() throws {
        var s = JT.stitcher()
        var actions = JT.feed(&s, [JT.ev("us", "voice-1", .userStart, at: 5_000, agent: "a1"),
                                   JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001", delay: 6_000)])
        actions += JT.run(&s, until: JT.t0 + 7_000)
        #expect(s.orphanCount == 0)
        #expect(JT.late(actions).isEmpty)
        let j = try #require(s.activeJourneys.first)
        #expect(j.contacts.first?.start == JT.t0)
        #expect(j.contacts.first?.agents == ["a1"])
    }

    @Test func eventsNoOneNamesAreDroppedAfterTheGrace() {
        var s = JT.stitcher(JT.config(orphanGrace: 60_000))
        _ = JT.feed(&s, [JT.ev("us", "voice-1", .userStart, at: 5_000, agent: "a1")])
        #expect(JT.run(&s, until: JT.t0 + 5_000 + 100 + 60_000 - 1).isEmpty)
        #expect(s.orphanCount == 1)
        let actions = JT.run(&s, until: JT.t0 + 5_000 + 100 + 60_000)
        #expect(actions == [.unattributed(conversationID: "voice-1", events: 1)])
        #expect(s.counters.unattributed == 1)
        #expect(s.activeCount == 0)
    }

    @Test func aJourneyChangesAtMostOnceACall() {
        var s = JT.stitcher(JT.config(window: 0))
        _ = s.ingest(JT.ev("cs", "voice-1", .customerStart, at: 0, phone: "+15550000001"), now: JT.t0)
        let actions = s.ingest([JT.ev("as", "voice-1", .acdStart, at: 1_000, queue: "q1"),
                                JT.ev("us", "voice-1", .userStart, at: 2_000, agent: "a1")], now: JT.t0 + 2_000)
        #expect(JT.changed(actions).count == 1)
        #expect(JT.changed(actions).first?.contacts.first?.agents == ["a1"])
    }
}
