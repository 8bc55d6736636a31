import Connector
import SwitchboardCore
import Testing

/// The transcription topics' placement, batching, budget and recovery, with explicit instants.
@Suite struct TranscriptionTopicStateMachineTests {
    typealias M = TranscriptionTopicStateMachine
    let t0 = ContinuousClock.now

    func at(_ ms: Int) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }
    func topic(_ c: String) -> String { M.topic(c) }
    func machine(per: Int = 10, channels: Int = 20, linger: Duration = .seconds(15)) -> M {
        M(configuration: .init(topicsPerChannel: per, maxChannels: channels, batchInterval: .milliseconds(250),
                               linger: linger, idleAfter: .seconds(900)), enabled: true)
    }
    func statics(_ n: Int, prefix: String = "s") -> [String] { (0..<n).map { "v2.users.\(prefix)\($0).activity" } }
    /// Starts a session: one static channel `A` with `staticTopics` topics.
    func ready(_ m: inout M, staticTopics: Int = 3, extra: [String] = [], at ms: Int = 0) {
        m.channelsReady(static: [(id: "A", topics: statics(staticTopics))], extra: extra, now: at(ms))
    }
    func live(_ m: inout M, _ c: String, leg: String = "agent1", observed: EpochMillis = 1000, at ms: Int) {
        m.interaction(conversation: c, leg: leg, observedAt: observed, ended: false, now: at(ms))
    }
    func end(_ m: inout M, _ c: String, leg: String = "agent1", observed: EpochMillis = 2000, at ms: Int) {
        m.interaction(conversation: c, leg: leg, observedAt: observed, ended: true, now: at(ms))
    }
    /// Polls and reports every add/replace as done.
    func pollDone(_ m: inout M, at ms: Int, rejected: Set<String> = []) -> [M.Action] {
        let actions = m.poll(now: at(ms))
        for a in actions { m.completed(a, ok: true, rejected: rejected, now: at(ms)) }
        return actions
    }

    @Test func aLiveVoiceCallIsAddedAtOnceThenChangesWaitForTheBatchInterval() {
        var m = machine()
        ready(&m)
        live(&m, "c1", at: 0)
        #expect(pollDone(&m, at: 0) == [.add(channel: "A", topics: [topic("c1")])])
        // Two more within 250 ms: one POST with both, not before the interval.
        live(&m, "c2", at: 50)
        live(&m, "c3", at: 100)
        #expect(m.poll(now: at(200)).isEmpty)
        #expect(m.nextDue(now: at(200)) == at(250))
        #expect(pollDone(&m, at: 250) == [.add(channel: "A", topics: [topic("c2"), topic("c3")])])
        #expect(m.status.topics == 3 && m.status.queued == 0)
        // A repeated snapshot changes nothing.
        live(&m, "c1", at: 600)
        #expect(m.poll(now: at(600)).isEmpty)
    }

    @Test func nothingIsSubscribedBeforeTheChannelsAreOpenOrWhenDisabled() {
        var m = machine()
        live(&m, "c1", at: 0)
        #expect(m.poll(now: at(0)).isEmpty)
        #expect(m.status.queued == 1)
        ready(&m, at: 10)
        #expect(pollDone(&m, at: 10) == [.add(channel: "A", topics: [topic("c1")])])

        var off = M(configuration: .init(topicsPerChannel: 10), enabled: false)
        off.channelsReady(static: [(id: "A", topics: [])], extra: [], now: at(0))
        off.interaction(conversation: "c1", leg: "a", observedAt: 1, ended: false, now: at(0))
        #expect(off.poll(now: at(0)).isEmpty)
        #expect(off.tracked == 0)
    }

    @Test func anEndedCallLingersThenItsRemovalIsAPutOfTheRemainingTopics() {
        var m = machine()
        ready(&m)
        live(&m, "c1", at: 0)
        live(&m, "c2", at: 0)
        _ = pollDone(&m, at: 0)
        end(&m, "c1", at: 1000)
        // Still subscribed during the linger, so the last finals and SESSION_ENDED arrive.
        #expect(m.poll(now: at(5000)).isEmpty)
        #expect(m.nextDue(now: at(5000)) == at(16_000))
        let removal = pollDone(&m, at: 16_000)
        #expect(removal == [.replace(channel: "A", topics: statics(3) + [topic("c2")])])
        #expect(m.tracked == 1)
    }

    @Test func sessionEndedAfterTheCallEndedRemovesAtTheNextFlush() {
        var m = machine()
        ready(&m)
        live(&m, "c1", at: 0)
        _ = pollDone(&m, at: 0)
        // SESSION_ENDED while the call is live (a transfer) keeps the topic.
        m.transcript(conversation: "c1", sessionEnded: true, now: at(400))
        #expect(m.poll(now: at(400)).isEmpty)
        end(&m, "c1", at: 500)
        m.transcript(conversation: "c1", sessionEnded: true, now: at(600))
        #expect(pollDone(&m, at: 600) == [.replace(channel: "A", topics: statics(3))])
        #expect(m.tracked == 0)
    }

    @Test func aCallEndedBeforeItWasPlacedIsForgottenAndALateSnapshotDoesNotRevive() {
        var m = machine()
        live(&m, "c1", observed: 1000, at: 0)
        end(&m, "c1", observed: 2000, at: 10)
        #expect(m.tracked == 0)
        // An older snapshot (reordered, duplicated) arriving later: nothing.
        live(&m, "c1", observed: 1500, at: 20)
        #expect(m.tracked == 0)
        // A newer one (a transfer answered by another agent): live again.
        live(&m, "c1", leg: "agent2", observed: 3000, at: 30)
        #expect(m.tracked == 1)
    }

    @Test func aTransferKeepsTheTopicWhenTheNextAgentAnswersWithinTheLinger() {
        var m = machine()
        ready(&m)
        live(&m, "c1", leg: "a1", observed: 1000, at: 0)
        _ = pollDone(&m, at: 0)
        end(&m, "c1", leg: "a1", observed: 2000, at: 1000)
        live(&m, "c1", leg: "a2", observed: 3000, at: 5000)
        #expect(m.poll(now: at(30_000)).isEmpty)
        #expect(m.status.topics == 1)
    }

    @Test func topicsFillFreePlacesThenOneExtraChannelAtATime() {
        // 4 per channel, 3 static topics: one free place on A.
        var m = machine(per: 4)
        ready(&m)
        for i in 1...6 { live(&m, "c\(i)", at: 0) }
        let first = m.poll(now: at(0))
        #expect(first == [.createChannel, .add(channel: "A", topics: [topic("c1")])])
        m.completed(first[1], ok: true, now: at(0))
        // While the channel is being created, no second creation.
        #expect(m.poll(now: at(300)).isEmpty)
        m.channelCreated("B", now: at(400))
        #expect(pollDone(&m, at: 400) == [.createChannel, .add(channel: "B", topics: (2...5).map { topic("c\($0)") })])
        m.channelCreated("C", now: at(700))
        #expect(pollDone(&m, at: 700) == [.add(channel: "C", topics: [topic("c6")])])
        #expect(m.status == {
            var s = M.Status()
            s.topics = 6
            s.extraChannels = 2
            return s
        }())
        // The next session prepares the extras it needs: 6 calls, 1 free static place → 2 channels of 4.
        #expect(m.extraChannelsWanted(staticTopics: 3) == 2)
        #expect(m.extraChannelsWanted(staticTopics: 4) == 2)
        #expect(m.extraChannelsWanted(staticTopics: 1) == 1)
    }

    @Test func aFailedCreationBacksOffInsteadOfLooping() {
        var m = machine(per: 3)
        ready(&m)
        live(&m, "c1", at: 0)
        #expect(m.poll(now: at(0)) == [.createChannel])
        m.channelCreationFailed(now: at(10))
        #expect(m.poll(now: at(300)).isEmpty)
        #expect(m.nextDue(now: at(300)) == at(1010))
        #expect(m.poll(now: at(1010)) == [.createChannel])
        m.channelCreationFailed(now: at(1100))
        #expect(m.nextDue(now: at(1200)) == at(3100))
    }

    @Test func anExhaustedBudgetQueuesCallsWarnsOnceAndServesThemWhenRoomFrees() {
        // 2 channels × 4 topics, 3 static topics: room for 5 calls.
        var m = machine(per: 4, channels: 2, linger: .seconds(1))
        ready(&m)
        for i in 1...7 { live(&m, "c\(i)", at: 0) }
        var actions = pollDone(&m, at: 0)
        #expect(actions == [.createChannel, .add(channel: "A", topics: [topic("c1")])])
        m.channelCreated("B", now: at(100))
        actions = pollDone(&m, at: 300)
        #expect(actions == [.add(channel: "B", topics: (2...5).map { topic("c\($0)") }), .budgetExhausted(queued: 2)])
        #expect(m.status.queued == 2 && m.status.budgetExhausted)
        // Once per episode: more calls and more polls say nothing new.
        live(&m, "c8", at: 400)
        #expect(pollDone(&m, at: 600).isEmpty)
        #expect(m.status.queued == 3)
        // Nothing to do until a call ends (only the idle checks are ahead).
        #expect(m.nextDue(now: at(600)) == at(900_000))
        // Two calls end: after the linger their places go to the oldest waiting calls.
        end(&m, "c2", at: 1000)
        end(&m, "c3", at: 1000)
        actions = pollDone(&m, at: 2000)
        #expect(actions == [.replace(channel: "B", topics: [topic("c4"), topic("c5"), topic("c6"), topic("c7")])])
        #expect(m.status.queued == 1 && m.status.budgetExhausted)
        end(&m, "c4", at: 2000)
        actions = pollDone(&m, at: 3000)
        #expect(actions == [.replace(channel: "B", topics: [topic("c5"), topic("c6"), topic("c7"), topic("c8")]),
                            .budgetRecovered])
        #expect(!m.status.budgetExhausted && m.status.queued == 0)
    }

    @Test func staticChannelsCountAgainstTheChannelBudget() {
        // 20 channels of which 20 are static and full: no extra channel is ever created.
        var m = machine(per: 2, channels: 2)
        m.channelsReady(static: [(id: "A", topics: statics(2)), (id: "B", topics: statics(2, prefix: "t"))], extra: [],
                        now: at(0))
        live(&m, "c1", at: 0)
        #expect(m.poll(now: at(0)) == [.budgetExhausted(queued: 1)])
    }

    @Test func aReconnectPlacesEveryTrackedCallAgain() {
        var m = machine(per: 4)
        ready(&m)
        live(&m, "c1", at: 0)
        live(&m, "c2", at: 0)
        _ = m.poll(now: at(0))  // createChannel + add c1 on A, in flight
        m.disconnected()
        #expect(m.status.topics == 0 && m.status.queued == 2)
        #expect(m.poll(now: at(100)).isEmpty)
        // The next session prepared one spare (B).
        #expect(m.extraChannelsWanted(staticTopics: 3) == 1)
        ready(&m, extra: ["B"], at: 200)
        #expect(pollDone(&m, at: 200) == [.add(channel: "A", topics: [topic("c1")]), .add(channel: "B", topics: [topic("c2")])])
    }

    @Test func aRolloverReplacementGetsTheWholeSetAgain() {
        var m = machine()
        ready(&m)
        live(&m, "c1", at: 0)
        _ = pollDone(&m, at: 0)
        #expect(m.dynamicTopics(of: "A") == [topic("c1")])
        live(&m, "c2", at: 300)
        m.channelReplaced(old: "A", new: "A2")
        #expect(pollDone(&m, at: 300) == [.replace(channel: "A2", topics: statics(3) + [topic("c1"), topic("c2")])])
        #expect(m.dynamicTopics(of: "A").isEmpty)
    }

    @Test func nothingIsPlacedOnAChannelWhileItsReplacementIsPrepared() {
        var m = machine(per: 5)
        m.channelsReady(static: [(id: "A", topics: statics(3)), (id: "B", topics: statics(2, prefix: "t"))], extra: [],
                        now: at(0))
        live(&m, "c1", at: 0)
        _ = pollDone(&m, at: 0)
        m.rollingOver("A")
        #expect(m.dynamicTopics(of: "A") == [topic("c1")])
        live(&m, "c2", at: 300)
        #expect(pollDone(&m, at: 300) == [.add(channel: "B", topics: [topic("c2")])])
        // A failed rollover frees the channel again.
        m.rolloverFailed("A")
        live(&m, "c3", at: 600)
        #expect(pollDone(&m, at: 600) == [.add(channel: "A", topics: [topic("c3")])])
    }

    @Test func aFailedRequestIsRetriedAfterABackoffAndRefusedTopicsAreNotAskedAgain() {
        var m = machine()
        ready(&m)
        live(&m, "c1", at: 0)
        live(&m, "c2", at: 0)
        let add = m.poll(now: at(0))
        #expect(add == [.add(channel: "A", topics: [topic("c1"), topic("c2")])])
        m.completed(add[0], ok: false, now: at(10))
        #expect(m.poll(now: at(500)).isEmpty)
        #expect(m.nextDue(now: at(500)) == at(1010))
        let again = m.poll(now: at(1010))
        #expect(again == add)
        m.completed(again[0], ok: true, rejected: [topic("c2")], now: at(1020))
        #expect(m.status.rejected == 1 && m.status.topics == 1 && m.status.queued == 0)
        #expect(m.poll(now: at(2000)).isEmpty)
        #expect(m.nextDue(now: at(2000)).map { $0 > at(100_000) } ?? true)
    }

    @Test func aCallWithNoSnapshotAndNoTranscriptForLongIsDropped() {
        var m = M(configuration: .init(topicsPerChannel: 10, idleAfter: .seconds(60)), enabled: true)
        ready(&m)
        live(&m, "c1", at: 0)
        live(&m, "c2", at: 0)
        _ = pollDone(&m, at: 0)
        m.transcript(conversation: "c2", sessionEnded: false, now: at(50_000))
        #expect(m.nextDue(now: at(50_000)) == at(60_000))
        #expect(pollDone(&m, at: 60_000) == [.replace(channel: "A", topics: statics(3) + [topic("c2")])])
        // Its next snapshot subscribes it again.
        live(&m, "c1", observed: 5000, at: 70_000)
        #expect(pollDone(&m, at: 70_000) == [.add(channel: "A", topics: [topic("c1")])])
    }

    @Test func turningTranscriptionOffRemovesEveryTopic() {
        var m = machine()
        ready(&m)
        live(&m, "c1", at: 0)
        _ = pollDone(&m, at: 0)
        m.setEnabled(false, now: at(500))
        #expect(pollDone(&m, at: 500) == [.replace(channel: "A", topics: statics(3))])
        live(&m, "c2", at: 600)
        #expect(m.tracked == 0)
    }
}
