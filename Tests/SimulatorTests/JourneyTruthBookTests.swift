import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// The journeys truth's rules (``SimJourneyTruthBook``), one case each, with hand-made event sequences in
/// event time. T = 300 s session timeout, G = 300 s idle grace.
@Suite struct JourneyTruthBookTests {
    static let t0: EpochMillis = 1_790_000_000_000
    static let T: EpochMillis = 300_000
    static let G: EpochMillis = 300_000

    static func book() -> SimJourneyTruthBook {
        SimJourneyTruthBook(org: "us", timeout: T, grace: G, capacity: 100)
    }

    /// A contact taken by an agent, ended at `end`, wrapped up 30 s later unless `wrapup` is false.
    static func contact(_ b: inout SimJourneyTruthBook, _ id: String, key: String = "phone:+14155550100",
                        media: JourneyMedia = .voice, start: EpochMillis, end: EpochMillis, wrapup: Bool = true) {
        b.begin(conversation: id, key: key, media: media, at: start, source: "customer")
        b.event(conversation: id, at: start + 10_000, .init(agent: true))
        b.event(conversation: id, at: end, .init(ends: true))
        if wrapup { b.event(conversation: id, at: end + 30_000, .init(agent: true, disposition: true)) }
    }

    @Test func aContactWithinTheTimeoutOfTheLastEventJoinsTheJourney() {
        var b = Self.book()
        Self.contact(&b, "a", start: Self.t0, end: Self.t0 + 100_000)
        // Last event: the wrap-up at +130 s; the chat starts 290 s after it.
        Self.contact(&b, "b", media: .chat, start: Self.t0 + 420_000, end: Self.t0 + 500_000)
        let r = b.report(now: Self.t0 + 3_600_000)
        #expect(r.count == 1)
        #expect(r[0].contacts.map(\.conversationId) == ["a", "b"])
        #expect(r[0].contacts.map(\.media) == ["voice", "chat"])
        #expect(r[0].id == JourneyStitcher.journeyID(org: "us", conversation: "a").description)
        #expect(r[0].closed && r[0].closedReason == "completed")
        #expect(r[0].closedAt == Self.t0 + 500_000)
        #expect(r[0].closeDueAt == Self.t0 + 530_000 + Self.T)
        #expect(r[0].marginMs == 10_000)  // the chat came 10 s before the journey would have closed
    }

    @Test func aContactAfterTheTimeoutOpensANewJourney() {
        var b = Self.book()
        Self.contact(&b, "a", start: Self.t0, end: Self.t0 + 100_000)
        Self.contact(&b, "b", media: .email, start: Self.t0 + 130_000 + Self.T + 1, end: Self.t0 + 600_000)
        let r = b.report(now: Self.t0 + 3_600_000)
        #expect(r.map(\.contacts.count) == [1, 1])
        #expect(r[1].id == JourneyStitcher.journeyID(org: "us", conversation: "b").description)
        #expect(r.allSatisfy { $0.closed && $0.closedReason == "completed" && $0.customer == "phone:+14155550100" })
        // Another customer's contact in between does not join either.
        Self.contact(&b, "c", key: "email:ann@example.com", media: .email, start: Self.t0 + 700_000, end: Self.t0 + 800_000)
        #expect(b.report(now: Self.t0 + 3_600_000).count == 3)
    }

    @Test func aJourneyIsOpenUntilTheTimeoutAfterItsLastEvent() {
        var b = Self.book()
        Self.contact(&b, "a", start: Self.t0, end: Self.t0 + 100_000)
        let due = Self.t0 + 130_000 + Self.T
        #expect(b.report(now: due - 1).first?.closed == false)
        #expect(b.report(now: due - 1).first?.closeDueAt == due)
        #expect(b.report(now: due).first?.closed == true)
    }

    @Test func aContactTakenAndNeverWrappedUpClosesTheJourneyAsTimeout() {
        var b = Self.book()
        Self.contact(&b, "a", start: Self.t0, end: Self.t0 + 100_000, wrapup: false)
        let r = b.report(now: Self.t0 + 3_600_000)
        #expect(r[0].closedReason == "timeout")
        #expect(r[0].contacts[0].taken && !r[0].contacts[0].dispositioned)
        // One never taken (left the queue) is complete without a wrap-up.
        var c = Self.book()
        c.begin(conversation: "q", key: "phone:+14155550100", media: .voice, at: Self.t0, source: "customer")
        c.event(conversation: "q", at: Self.t0 + 40_000, .init(ends: true))
        #expect(c.report(now: Self.t0 + 3_600_000)[0].closedReason == "completed")
    }

    @Test func aContactThatNeverEndsTimesOutAndItsLastEventIsTheClose() {
        var b = Self.book()
        b.begin(conversation: "a", key: "msg:wm-1", media: .message, at: Self.t0, source: "customer")
        b.event(conversation: "a", at: Self.t0 + 20_000, .init(agent: true))
        // While it is in progress (until T + G after its last event) a new contact joins, however late.
        Self.contact(&b, "b", key: "msg:wm-1", media: .message, start: Self.t0 + 20_000 + Self.T + Self.G - 5_000,
                     end: Self.t0 + 20_000 + Self.T + Self.G + 60_000)
        var r = b.report(now: Self.t0 + 20_000 + Self.T + Self.G + 60_000)
        #expect(r.count == 1 && !r[0].closed)
        r = b.report(now: Self.t0 + 3 * 3_600_000)
        #expect(r[0].closed && r[0].closedReason == "abandonedAtTimeout")
        #expect(r[0].contacts[0].timedOut && r[0].contacts[0].endedAt == nil)
        #expect(r[0].closedAt == Self.t0 + 20_000 + Self.T + Self.G + 60_000)  // b's end is the later stop
        // Alone, it closes T + G after its last event, at that event.
        var c = Self.book()
        c.begin(conversation: "x", key: "msg:wm-2", media: .chat, at: Self.t0, source: "customer")
        #expect(c.report(now: Self.t0 + Self.T + Self.G).first?.closed == true)
        #expect(c.report(now: Self.t0 + Self.T + Self.G).first?.closedAt == Self.t0)
        #expect(c.report(now: Self.t0 + Self.T + Self.G).first?.closeDueAt == Self.t0 + Self.T + Self.G)
    }

    @Test func aLongSilenceTimesTheContactOutAndALateEndDoesNotReopenIt() {
        var b = Self.book()
        b.begin(conversation: "a", key: "phone:+15550000001", media: .voice, at: Self.t0, source: "caller")
        b.event(conversation: "a", at: Self.t0 + 10_000, .init(agent: true))
        // Talk lasts longer than T + G without an event: the rules time the contact out and close the journey.
        b.event(conversation: "a", at: Self.t0 + 10_000 + Self.T + Self.G + 60_000, .init(ends: true))
        let r = b.report(now: Self.t0 + 3_600_000)
        #expect(r.count == 1 && r[0].closed)
        #expect(r[0].closedReason == "abandonedAtTimeout")
        #expect(r[0].contacts[0].endedAt == Self.t0 + 10_000 + Self.T + Self.G + 60_000)
        #expect(r[0].closedAt == r[0].contacts[0].endedAt)  // the late end moves the stop
        #expect(r[0].closeDueAt == Self.t0 + 10_000 + Self.T + Self.G)
    }

    @Test func anEventBeforeTheTimeoutRevivesAContactWhileTheJourneyIsOpen() {
        var b = Self.book()
        b.begin(conversation: "a", key: "contact:x", media: .voice, at: Self.t0, source: "customer")
        b.event(conversation: "a", at: Self.t0 + 1_000, .init(agent: true))
        // A second contact keeps the journey open while "a" goes silent past T + G…
        b.begin(conversation: "b", key: "contact:x", media: .email, at: Self.t0 + 200_000, source: "customer")
        b.event(conversation: "b", at: Self.t0 + 200_000 + 250_000, .init(agent: true))
        b.event(conversation: "b", at: Self.t0 + 200_000 + 500_000, .init(agent: true))
        // …then "a" ends: revived, not timed out.
        b.event(conversation: "a", at: Self.t0 + 720_000, .init(ends: true))
        b.event(conversation: "b", at: Self.t0 + 730_000, .init(ends: true))
        let r = b.report(now: Self.t0 + 3_600_000)
        #expect(r.count == 1)
        #expect(r[0].contacts.allSatisfy { !$0.timedOut })
        #expect(r[0].closedReason == "timeout")  // taken, never wrapped up
    }

    @Test func aBusyJourneyTakesANewContactHoweverLongAfterItsStart() {
        var b = Self.book()
        b.begin(conversation: "a", key: "email:ann@example.com", media: .chat, at: Self.t0, source: "customer")
        for k in 1...6 { b.event(conversation: "a", at: Self.t0 + EpochMillis(k) * 200_000) }
        b.begin(conversation: "b", key: "email:ann@example.com", media: .email, at: Self.t0 + 1_250_000, source: "customer")
        #expect(b.report(now: Self.t0 + 1_250_000).map(\.contacts.count) == [2])
    }

    @Test func closedJourneysBeyondTheCapacityAreForgottenOldestFirst() {
        var b = SimJourneyTruthBook(org: "us", timeout: Self.T, grace: Self.G, capacity: 8)
        for i in 0..<20 {
            Self.contact(&b, "c\(i)", key: "phone:+1415555\(1000 + i)", start: Self.t0 + EpochMillis(i) * 60_000,
                         end: Self.t0 + EpochMillis(i) * 60_000 + 30_000)
        }
        let r = b.report(now: Self.t0 + 86_400_000)
        #expect(r.count <= 9 && r.count >= 8)
        #expect(r.last?.contacts.first?.conversationId == "c19")
        #expect(b.journey(conversation: "c0") == nil)
    }
}
