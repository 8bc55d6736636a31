import Cluster
import SwitchboardCore
import Testing

/// The forwarding replica's outbox and the leader's cursor over `cluster_forwarded_audio` (docs/scale-out.md,
/// "AudioHook on any replica").
@Suite struct AudioForwardOutboxTests {
    static func opened(_ org: OrgID, _ s: String) -> SpeechEvent {
        .opened(SpeechSessionOpened(org: org, session: s, conversationID: "c-\(s)", openedAt: 1))
    }
    static func progress(_ org: OrgID, _ s: String, _ ms: Int64) -> SpeechEvent {
        .progress(SpeechSessionProgress(org: org, session: s, at: ms, metrics: SpeechMetrics(analysedMs: ms)))
    }
    static func ended(_ org: OrgID, _ s: String) -> SpeechEvent {
        .ended(SpeechSessionEnded(org: org, session: s, at: 9, reason: "completed", metrics: .init()))
    }

    @Test func eachOrgsEventsLeaveInOrderInOneRow() {
        var outbox = AudioForwardOutbox()
        outbox.add(speech: [Self.opened("us", "a"), Self.opened("emea", "b"), Self.progress("us", "a", 100)], now: 0)
        outbox.add(speech: [Self.ended("us", "a")], now: 10)
        let rows = outbox.drain(now: 20)
        #expect(rows.map(\.org) == ["emea", "us"])
        #expect(rows[1].record.speech == [Self.opened("us", "a"), Self.progress("us", "a", 100), Self.ended("us", "a")])
        let rest = outbox.drain(now: 30)
        #expect(outbox.isEmpty && rest.isEmpty)
    }

    @Test func liveSessionsAreAnnouncedAgainUntilTheyEnd() {
        var outbox = AudioForwardOutbox()
        outbox.reopenInterval = 1_000
        outbox.add(speech: [Self.opened("us", "a"), Self.opened("us", "b")], now: 0)
        _ = outbox.drain(now: 0)
        outbox.add(speech: [Self.progress("us", "a", 500), Self.ended("us", "b")], now: 900)
        let rows = outbox.drain(now: 1_000)
        // `a` is announced again, first; `b` ended and is not.
        #expect(rows.first?.record.speech == [Self.opened("us", "a"), Self.progress("us", "a", 500), Self.ended("us", "b")])
        let quiet = outbox.drain(now: 1_500)
        #expect(quiet.isEmpty)
        let again = outbox.drain(now: 2_000)
        #expect(again.first?.record.speech == [Self.opened("us", "a")])
        // A session heard of no more is forgotten.
        outbox.forgetAfter = 5_000
        let forgotten = outbox.drain(now: 10_000)
        #expect(forgotten.isEmpty)
        #expect(outbox.liveSessions == 0)
    }

    @Test func sessionsOfAnOrgLedHereAreAnnouncedOnceItIsLedElsewhere() {
        var outbox = AudioForwardOutbox()
        outbox.reopenInterval = 1_000
        outbox.note(speech: [Self.opened("us", "a"), Self.opened("us", "b"), Self.progress("us", "a", 100)], now: 0)
        outbox.note(speech: [Self.ended("us", "b")], now: 50)
        let whileLed = outbox.drain(now: 100, led: ["us"])
        #expect(whileLed.isEmpty, "nothing is written for an org led here")
        // Led elsewhere now: `a` (still live) is announced at once, then its reports go as they come.
        outbox.add(speech: [Self.progress("us", "a", 200)], now: 150)
        let rows = outbox.drain(now: 200, led: [])
        #expect(rows.map(\.org) == ["us"])
        #expect(rows.first?.record.speech == [Self.opened("us", "a"), Self.progress("us", "a", 200)])
    }

    @Test func pastItsBoundProgressAndHitsAreDroppedButNotOpenedOrEnded() {
        var outbox = AudioForwardOutbox()
        outbox.maxQueued = 2
        let hit = TranscriptEvent.ended(TranscriptEnded(org: "us", conversationID: "c", at: 1))
        outbox.add(speech: [Self.opened("us", "a"), Self.progress("us", "a", 1), Self.progress("us", "a", 2)], now: 0)
        outbox.add(transcripts: [hit])
        outbox.add(speech: [Self.ended("us", "a")], now: 0)
        #expect(outbox.dropped == 2)
        let rows = outbox.drain(now: 0)
        #expect(rows.first?.record.speech == [Self.opened("us", "a"), Self.progress("us", "a", 1), Self.ended("us", "a")])
        #expect(rows.first?.record.transcripts.isEmpty == true)
    }

    @Test func aLargeBacklogIsSplitIntoRows() {
        var outbox = AudioForwardOutbox()
        outbox.maxPerRecord = 3
        outbox.add(speech: (1...7).map { Self.progress("us", "a", Int64($0)) }, now: 0)
        let rows = outbox.drain(now: 0)
        #expect(rows.map(\.record.count) == [3, 3, 1])
        #expect(rows.flatMap(\.record.speech) == (1...7).map { Self.progress("us", "a", Int64($0)) })
    }

    @Test func theCursorTakesEachRowOnceAndReplaysWhenLeadingAgain() {
        var cursor = ForwardedAudioCursor()
        cursor.lookback = 15_000
        cursor.replay = 120_000
        cursor.leading(["us"])
        let first = cursor.next("us")
        #expect(first.windowMs == 120_000 && first.exclude.isEmpty)
        let took1 = cursor.take("us", id: 5, writtenAt: 100_000)
        #expect(took1)
        let took2 = cursor.take("us", id: 3, writtenAt: 100_200)
        #expect(took2)  // committed late, a lower id
        let took3 = cursor.take("us", id: 5, writtenAt: 100_000)
        #expect(!took3)
        let second = cursor.next("us")
        #expect(second.windowMs == 15_000 && second.exclude == [3, 5])
        // Rows far older than the window are no longer listed.
        let took4 = cursor.take("us", id: 9, writtenAt: 200_000)
        #expect(took4)
        let third = cursor.next("us")
        #expect(third.exclude == [9])
        // Led elsewhere, then here again: the replay window, still without the rows taken.
        cursor.leading([])
        cursor.leading(["us"])
        let again = cursor.next("us")
        #expect(again.windowMs == 120_000 && again.exclude == [3, 5, 9])
        let took5 = cursor.take("us", id: 9, writtenAt: 200_000)
        #expect(!took5)
    }
}
