import Foundation
import SpeechTextViews
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct SpeechTextViewEngineTests {
    @Test func aHitCountsOnTheCallItsAgentQueueOrgAndTheTotals() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("Hi, I want to CANCEL my account, today!")
        let p = await rig.flush()
        let call = try #require(p.entity(.calls, "us/c1"))
        #expect(call["agent"] as? String == "us/a1" && call["queue"] as? String == "us/q1")
        #expect(call["state"] as? String == "live" && call["hitCount"] as? Int == 1)
        let hits = try #require(call["hits"] as? [[String: Any]])
        #expect(hits.count == 1 && hits[0]["label"] as? String == "churn-risk"
                && hits[0]["phrase"] as? String == "cancel my account" && hits[0]["channel"] as? String == "customer"
                && hits[0]["source"] as? String == "transcription" && hits[0]["offsetMs"] as? Int == 1_000)
        #expect(call["labels"] as? [String: Int] == ["churn-risk": 1])
        #expect(call["sources"] as? [String] == ["transcription"])
        for (kind, id) in [(EntityKind.agents, "us/a1"), (.queues, "us/q1"), (.orgs, "us"), (.totals, "us"), (.totals, "global")] {
            for w in ["m15", "m60", "today"] { #expect(p.count(kind, id, "churn-risk", w) == 1, "\(kind) \(id) \(w)") }
        }
        #expect(p.entity(.orgs, "us")?["calls"] as? Int == 1 && p.entity(.agents, "us/a1")?["live"] as? Int == 1)
        // Scopes: calls and rollups on speechtext:us and speechtext:global; totals apart.
        #expect(p.changes.first { $0.kind == .calls }?.scope == .family(.speechText, "us"))
        #expect(p.changes.first { $0.kind == .totals && $0.id == "us" }?.scope == .familyOrgOnly(.speechText, "us"))
        #expect(p.changes.first { $0.kind == .totals && $0.id == "global" }?.scope == .familyGlobal(.speechText))
    }

    @Test func aPartialIsNotMatchedItsFinalIsOnce() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("please get me a supervisor", .agent, final: false, id: "u1")
        let p1 = await rig.flush()
        #expect(p1.entity(.calls, "us/c1")?["hitCount"] as? Int == 0)
        rig.say("please get me a supervisor", .agent, id: "u1")
        let p2 = await rig.flush()
        #expect(p2.entity(.calls, "us/c1")?["hitCount"] as? Int == 1)
        #expect(p2.count(.agents, "us/a1", "escalation", "today") == 1)
    }

    @Test func aPhraseHeardOnTheWrongSideDoesNotCount() async throws {
        let rig = SpeechTextRig()
        rig.say("did you want to cancel my account", .agent)  // churn-risk listens to the customer only
        let p = await rig.flush()
        #expect(p.entity(.calls, "us/c1")?["hitCount"] as? Int == 0)
        #expect((p.entity(.orgs, "us")?["keywords"] as? [String: Any])?.isEmpty == true)
    }

    @Test func rollingCountsFallAsMinutesPassAndAreSentAgain() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("I need a supervisor", .customer)
        rig.end()
        _ = await rig.flush()
        rig.clock.advance(by: 60_000)
        #expect((await rig.flush()).removed(.calls, "us/c1"))
        rig.clock.advance(by: 13 * 60_000)
        let quiet = await rig.flush()
        #expect(quiet.ids(.agents).isEmpty, "nothing moved yet: \(quiet)")
        rig.clock.advance(by: 60_000)
        let p15 = await rig.flush()
        #expect(p15.count(.agents, "us/a1", "escalation", "m15") == 0)
        #expect(p15.count(.agents, "us/a1", "escalation", "m60") == 1)
        #expect(p15.count(.totals, "global", "escalation", "m15") == 0)
        rig.clock.advance(by: 45 * 60_000)
        let p60 = await rig.flush()
        #expect(p60.count(.orgs, "us", "escalation", "m60") == 0)
        #expect(p60.count(.orgs, "us", "escalation", "today") == 1)
        #expect((p60.entity(.orgs, "us")?["hits"] as? [String: Int]) == ["m15": 0, "m60": 0, "today": 1])
    }

    @Test func negativeCustomerSentimentCountsAndCanChangeSide() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("this is terrible, I hate it, awful service")
        let p = await rig.flush()
        let call = try #require(p.entity(.calls, "us/c1"))
        #expect(call["negative"] as? Bool == true)
        let customer = try #require((call["sentiment"] as? [String: Any])?["customer"] as? [String: Any])
        #expect((customer["now"] as? Double ?? 0) < -0.5 && customer["utterances"] as? Int == 1)
        #expect(p.entity(.agents, "us/a1")?["negativeCalls"] as? Int == 1)
        #expect(p.entity(.orgs, "us")?["negativeShare"] as? Double == 1)

        rig.clock.advance(by: 1_000)
        rig.say("oh wonderful, that is great, thank you, you are amazing, love it, perfect, excellent help")
        let better = await rig.flush()
        #expect(better.entity(.calls, "us/c1")?["negative"] as? Bool == false)
        #expect(better.entity(.agents, "us/a1")?["negativeCalls"] as? Int == 0)
        #expect(better.entity(.agents, "us/a1")?["sentimentCalls"] as? Int == 1)
        #expect(better.entity(.orgs, "us")?["negativeShare"] as? Double == 0)
    }

    @Test func aCallTurnsHotOnAHotLabelOrOnSharplyNegativeSentiment() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.interaction("a2", conversation: "c2")
        rig.say("thank you so much", .customer)                          // praise: not a hot label for us
        rig.say("I want a supervisor now", .customer, conversation: "c2")
        let p = await rig.flush()
        #expect(p.entity(.calls, "us/c1")?["hot"] is NSNull)
        let hot = try #require(p.entity(.calls, "us/c2")?["hot"] as? [String: Any])
        #expect(hot["reasons"] as? [String] == ["escalation"] && hot["since"] as? Int64 == rig.now)
        #expect(p.entity(.orgs, "us")?["hotCalls"] as? Int == 1 && p.entity(.agents, "us/a2")?["hotCalls"] as? Int == 1)

        rig.say("this is horrible and I am furious, worst ever", .customer)
        let angry = await rig.flush()
        #expect((angry.entity(.calls, "us/c1")?["hot"] as? [String: Any])?["reasons"] as? [String] == ["sentiment"])
        #expect(angry.entity(.orgs, "us")?["hotCalls"] as? Int == 2)
    }

    @Test func everyLabelIsHotWithoutAList() async throws {
        let rig = SpeechTextRig()
        rig.say("thank you so much", .customer, org: "emea")   // emea: hotCalls without labels
        let p = await rig.flush()
        #expect((p.entity(.calls, "emea/c1")?["hot"] as? [String: Any])?["reasons"] as? [String] == ["praise"])
    }

    @Test func transcriptTextIsSentOnlyWhenTheOrgPushesIt() async throws {
        var config = SpeechTextRig.configuration()
        config.orgs[1].speechText?.pushTranscripts = true
        let rig = SpeechTextRig(configuration: config)
        rig.say("my card number is private", org: "us")
        rig.say("hello there", org: "emea")
        let p = await rig.flush()
        #expect(p.entity(.calls, "us/c1")?["transcript"] == nil)
        #expect(!(p.changes.first { $0.id == "us/c1" }?.json?.string.contains("private") ?? true))
        let lines = try #require(p.entity(.calls, "emea/c1")?["transcript"] as? [[String: Any]])
        #expect(lines.count == 1 && lines[0]["text"] as? String == "hello there" && lines[0]["channel"] as? String == "customer")
        // Switched off by a reload: the lines kept are dropped and sent no more.
        await rig.engine.apply(SpeechTextRig.configuration())
        let off = await rig.flush()
        #expect(off.entity(.calls, "emea/c1")?["transcript"] == nil)
    }

    @Test func aTransferMovesLiveAndCountsTheCallForBothAgents() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("I need a supervisor")
        _ = await rig.flush()
        rig.clock.advance(by: 1_000)
        rig.interaction("a1", disconnectedAt: rig.now)
        rig.interaction("a2", queue: "q2")
        rig.say("a supervisor please", .customer)
        let p = await rig.flush()
        #expect(p.entity(.calls, "us/c1")?["agent"] as? String == "us/a2")
        #expect(p.entity(.agents, "us/a1")?["live"] as? Int == 0 && p.entity(.agents, "us/a1")?["calls"] as? Int == 1)
        #expect(p.entity(.agents, "us/a2")?["live"] as? Int == 1 && p.entity(.agents, "us/a2")?["calls"] as? Int == 1)
        #expect(p.count(.agents, "us/a2", "escalation", "today") == 1)
        #expect(p.count(.agents, "us/a1", "escalation", "today") == 1)
        #expect(p.count(.queues, "us/q2", "escalation", "today") == 1)
        #expect(p.count(.orgs, "us", "escalation", "today") == 2 && p.entity(.orgs, "us")?["calls"] as? Int == 1)
    }

    @Test func anEndedCallLingersThenLeavesItsFiguresStay() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("a supervisor")
        _ = await rig.flush()
        rig.end()
        let ended = await rig.flush()
        #expect(ended.entity(.calls, "us/c1")?["state"] as? String == "ended")
        #expect(ended.entity(.calls, "us/c1")?["endedAt"] as? Int64 == rig.now)
        #expect(ended.entity(.agents, "us/a1")?["live"] as? Int == 0)
        rig.clock.advance(by: 59_000)
        #expect(!(await rig.flush()).removed(.calls, "us/c1"))
        rig.clock.advance(by: 1_000)
        let gone = await rig.flush()
        #expect(gone.removed(.calls, "us/c1"))
        #expect(!gone.removed(.agents, "us/a1"))
        #expect(await rig.engine.callCount == 0)
    }

    @Test func aCallWhoseAgentsLeftEndsWithoutSessionEnded() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("hello")
        _ = await rig.flush()
        rig.interaction("a1", connectedAt: rig.now - 1, disconnectedAt: rig.now)
        rig.clock.advance(by: 29_000)
        #expect((await rig.flush()).entity(.calls, "us/c1")?["state"] as? String != "ended")
        rig.clock.advance(by: 1_000)
        #expect((await rig.flush()).entity(.calls, "us/c1")?["state"] as? String == "ended")
    }

    @Test func aCallWithNoSignOfLifeForTenMinutesIsRemoved() async throws {
        let rig = SpeechTextRig()
        rig.say("hello")   // a conversation the connectors never described
        _ = await rig.flush()
        rig.clock.advance(by: 10 * 60_000)
        let p = await rig.flush()
        #expect(p.removed(.calls, "us/c1"))
        #expect(p.entity(.orgs, "us")?["live"] as? Int == 0)
    }

    @Test func onBoxDetectionsCountLikeTranscriptionHits() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.spot("supervisor", label: "escalation", channel: .agent)
        let p = await rig.flush()
        let call = try #require(p.entity(.calls, "us/c1"))
        #expect(call["sources"] as? [String] == ["onbox"])
        let hit = try #require((call["hits"] as? [[String: Any]])?.first)
        #expect(hit["source"] as? String == "onbox" && hit["channel"] as? String == "agent" && hit["offsetMs"] as? Int == 2_000)
        #expect(p.count(.queues, "us/q1", "escalation", "m15") == 1)
        #expect(call["hot"] is [String: Any])
    }

    @Test func anOrgWithoutSpeechTextIsIgnored() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1", org: "apac")
        rig.say("a supervisor", org: "apac")
        let p = await rig.flush()
        #expect(p.changes.isEmpty, "\(p)")
    }

    @Test func atTheOrgsMidnightTodayStartsAgainAndLiveCallsCountInTheNewDay() async throws {
        let start: EpochMillis = 1_790_035_200_000 - 60_000  // 23:59 UTC
        let rig = SpeechTextRig(start: start)
        rig.interaction("a1")
        rig.interaction("a2", conversation: "c2", queue: "q2")
        rig.say("a supervisor")
        rig.say("hello", conversation: "c2")
        rig.end(conversation: "c2")
        _ = await rig.flush()
        rig.clock.advance(by: 61_000)  // 00:00:01
        let p = await rig.flush()
        #expect(p.count(.orgs, "us", "escalation", "today") == 0)
        #expect(p.count(.orgs, "us", "escalation", "m15") == 1)  // the rolling windows go on across midnight
        #expect(p.entity(.orgs, "us")?["calls"] as? Int == 1 && p.entity(.orgs, "us")?["live"] as? Int == 1)
        #expect(p.entity(.agents, "us/a1")?["calls"] as? Int == 1)
        #expect(p.entity(.orgs, "us")?["hotCalls"] as? Int == 1)
        // a2's only call ended yesterday and it has no hit in the last hour: it leaves the list.
        #expect(p.removed(.agents, "us/a2") && p.removed(.queues, "us/q2"))
    }

    @Test func removingAnOrgsSpeechTextRemovesItsEntities() async throws {
        let rig = SpeechTextRig()
        rig.interaction("a1")
        rig.say("a supervisor")
        _ = await rig.flush()
        await rig.engine.apply(SpeechTextRig.configuration(us: nil))
        let p = await rig.flush()
        #expect(p.removed(.calls, "us/c1") && p.removed(.agents, "us/a1") && p.removed(.orgs, "us") && p.removed(.totals, "us"))
        #expect(p.entity(.totals, "global") == nil)
        rig.say("a supervisor")
        #expect((await rig.flush()).changes.isEmpty)
    }
}
