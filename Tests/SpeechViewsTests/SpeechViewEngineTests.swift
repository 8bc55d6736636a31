import Foundation
import SpeechViews
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct SpeechViewEngineTests {
    typealias M = SpeechRig

    /// A JSON number as a Double (integers and decimals alike).
    func num(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }

    @Test func anUnknownConversationWaitsForTheGraceThenFillsIn() async throws {
        let rig = SpeechRig()
        rig.open()
        rig.progress(M.metrics(1000, agent: 300, customer: 500))
        #expect(await rig.flush().ids(.calls).isEmpty)  // within the grace: nothing shown
        rig.clock.advance(by: 499)
        #expect(await rig.flush().ids(.calls).isEmpty)
        rig.clock.advance(by: 1)
        let shown = await rig.flush()
        let call = try #require(shown.entity(.calls, "us/s1"))
        #expect(call["agent"] is NSNull && call["queue"] is NSNull)
        #expect(call["conversationId"] as? String == "c1" && call["state"] as? String == "live")
        #expect(shown.ids(.agents).isEmpty)
        #expect(shown.entity(.orgs, "us")?["calls"] as? Int == 1)

        rig.progress(M.metrics(3000, agent: 1000, customer: 1500))
        rig.interaction("a1")
        let filled = await rig.flush()
        let joined = try #require(filled.entity(.calls, "us/s1"))
        #expect(joined["agent"] as? String == "us/a1" && joined["queue"] as? String == "us/q1")
        let segments = try #require(joined["segments"] as? [[String: Any]])
        #expect(segments.count == 1 && segments[0]["fromMs"] as? Int == 0 && segments[0]["toMs"] is NSNull)
        // The time before the join counts to the first agent and queue.
        let agent = try #require(filled.entity(.agents, "us/a1"))
        #expect(agent["analysedMs"] as? Int == 3000 && agent["agentTalkMs"] as? Int == 1000)
        #expect(agent["calls"] as? Int == 1 && agent["live"] as? Int == 1)
        #expect(filled.entity(.queues, "us/q1")?["customerTalkMs"] as? Int == 1500)
    }

    @Test func metadataBeforeAudioShowsTheCallAtOnce() async throws {
        let rig = SpeechRig()
        rig.interaction("a1")
        #expect(await rig.flush().changes.isEmpty)  // an interaction alone publishes nothing
        rig.open()
        let p = await rig.flush()
        let call = try #require(p.entity(.calls, "us/s1"))
        #expect(call["agent"] as? String == "us/a1" && call["queue"] as? String == "us/q1")
        #expect(p.entity(.agents, "us/a1")?["live"] as? Int == 1)
        #expect(p.entity(.totals, "us")?["live"] as? Int == 1)
        #expect(p.entity(.totals, "global")?["calls"] as? Int == 1)
        #expect(p.changes.first { $0.kind == .totals && $0.id == "us" }?.scope == .speechOrgOnly("us"))
        #expect(p.changes.first { $0.kind == .totals && $0.id == "global" }?.scope == .speechGlobal)
        #expect(p.changes.first { $0.kind == .calls }?.scope == .speech("us"))
    }

    @Test func aTransferSplitsTheFiguresBetweenAgentsAndQueues() async throws {
        let rig = SpeechRig()
        let t0 = rig.now
        rig.interaction("a1", queue: "q1")
        rig.open()
        rig.progress(M.metrics(10_000, agent: 4000, customer: 5000, silence: 1000))
        _ = await rig.flush()
        rig.clock.advance(by: 10_000)
        // The call moves to a2 on q2: a1 leaves, a2 connects later.
        rig.interaction("a1", queue: "q1", connectedAt: t0, disconnectedAt: rig.now)
        rig.interaction("a2", queue: "q2")
        let moved = await rig.flush()
        let call = try #require(moved.entity(.calls, "us/s1"))
        #expect(call["agent"] as? String == "us/a2" && call["queue"] as? String == "us/q2")
        let segments = try #require(call["segments"] as? [[String: Any]])
        #expect(segments.map { $0["agent"] as? String } == ["us/a1", "us/a2"])
        #expect(segments[0]["toMs"] as? Int == 10_000 && segments[1]["fromMs"] as? Int == 10_000)
        rig.progress(M.metrics(16_000, agent: 6000, customer: 8000, silence: 2000))
        rig.clock.advance(by: 6000)
        let after = await rig.flush()
        let a2 = try #require(after.entity(.agents, "us/a2"))
        #expect(a2["analysedMs"] as? Int == 6000 && a2["agentTalkMs"] as? Int == 2000)
        #expect(a2["customerTalkMs"] as? Int == 3000 && a2["silenceMs"] as? Int == 1000)
        #expect(after.entity(.queues, "us/q2")?["analysedMs"] as? Int == 6000)
        #expect(after.entity(.agents, "us/a1") == nil)  // a1's part did not change
        let a1 = try #require(moved.entity(.agents, "us/a1"))
        #expect(a1["analysedMs"] as? Int == 10_000 && a1["live"] as? Int == 0 && a1["calls"] as? Int == 1)
        #expect(a2["calls"] as? Int == 1 && a2["live"] as? Int == 1)
        // The org counts the call once, with all of it.
        let org = try #require(after.entity(.orgs, "us"))
        #expect(org["calls"] as? Int == 1 && org["analysedMs"] as? Int == 16_000)
    }

    @Test func rollupsResetAtTheOrgsLocalMidnight() async throws {
        // 23:59:00 in New York (04:59 UTC), while it is already the next day in UTC.
        let ny = TimeZone(identifier: "America/New_York")!
        var parts = DateComponents(year: 2026, month: 5, day: 7, hour: 23, minute: 59)
        parts.timeZone = ny
        let start = EpochMillis(Calendar(identifier: .gregorian).date(from: parts)!.timeIntervalSince1970 * 1000)
        let rig = SpeechRig(zone: ny, start: start, configuration: SpeechConfig(endedLinger: .seconds(600)))
        rig.interaction("a1")
        rig.open("done")
        rig.end(M.metrics(20_000, agent: 5000, customer: 5000), session: "done")
        rig.interaction("a2", conversation: "c2", queue: "q2")
        rig.open("on", conversation: "c2")
        rig.progress(M.metrics(30_000, agent: 9000, customer: 9000), session: "on")
        let before = await rig.flush()
        #expect(before.entity(.orgs, "us")?["calls"] as? Int == 2)
        #expect(before.entity(.orgs, "us")?["analysedMs"] as? Int == 50_000)
        rig.clock.advance(by: 59_000)
        #expect(await rig.flush().entity(.orgs, "us") == nil)  // 23:59:59: still the same day
        rig.clock.advance(by: 1000)
        rig.progress(M.metrics(40_000, agent: 12_000, customer: 9000), session: "on")
        let midnight = await rig.flush()
        let org = try #require(midnight.entity(.orgs, "us"))
        // The live call counts in the new day with what it did since midnight only.
        #expect(org["calls"] as? Int == 1 && org["live"] as? Int == 1)
        #expect(org["analysedMs"] as? Int == 10_000 && org["agentTalkMs"] as? Int == 3000)
        #expect(midnight.removed(.agents, "us/a1"))  // no call today
        #expect(midnight.entity(.agents, "us/a2")?["analysedMs"] as? Int == 10_000)
        #expect(midnight.entity(.queues, "us/q2")?["calls"] as? Int == 1)
        #expect(midnight.entity(.totals, "global")?["analysedMs"] as? Int == 10_000)
        // The ended call is still listed until its linger passes.
        #expect(!midnight.removed(.calls, "us/done"))
    }

    @Test func anEndedCallLingersThenLeaves() async throws {
        let rig = SpeechRig(configuration: SpeechConfig(endedLinger: .seconds(60)))
        rig.interaction("a1")
        rig.open()
        _ = await rig.flush()
        rig.end(M.metrics(5000, agent: 2000, customer: 2000), reason: "disconnected")
        let ended = await rig.flush()
        let call = try #require(ended.entity(.calls, "us/s1"))
        #expect(call["state"] as? String == "ended" && call["endReason"] as? String == "disconnected")
        #expect((call["endedAt"] as? NSNumber)?.int64Value == rig.now)
        #expect(ended.entity(.agents, "us/a1")?["live"] as? Int == 0)
        rig.progress(M.metrics(9000))  // after the end: ignored
        rig.clock.advance(by: 59_999)
        #expect(await rig.flush().changes.isEmpty)
        rig.clock.advance(by: 1)
        let gone = await rig.flush()
        #expect(gone.removed(.calls, "us/s1"))
        #expect(gone.entity(.agents, "us/a1") == nil)  // the rollup keeps the call
        #expect(await rig.engine.sessionCount == 0)
        #expect(await rig.engine.droppedReports == 1)
    }

    @Test func aSilentSessionIsPurged() async throws {
        let rig = SpeechRig()
        rig.interaction("a1")
        rig.open()
        rig.progress(M.metrics(1000, agent: 500, customer: 500))
        _ = await rig.flush()
        rig.clock.advance(by: 119_999)
        #expect(await rig.flush().changes.isEmpty)
        rig.clock.advance(by: 1)
        let purged = await rig.flush()
        #expect(purged.removed(.calls, "us/s1"))
        let agent = try #require(purged.entity(.agents, "us/a1"))
        #expect(agent["live"] as? Int == 0 && agent["calls"] as? Int == 1 && agent["analysedMs"] as? Int == 1000)
        #expect(await rig.engine.sessionCount == 0)
    }

    @Test func rollupArithmetic() async throws {
        let rig = SpeechRig()
        rig.interaction("a1", conversation: "c1")
        rig.interaction("a1", conversation: "c2")
        rig.open("s1", conversation: "c1")
        rig.open("s2", conversation: "c2")
        rig.progress(M.metrics(10_000, agent: 3000, customer: 0, silence: 7000), session: "s1")
        let first = await rig.flush()
        let call = try #require(first.entity(.calls, "us/s1"))
        #expect(call["talkRatio"] is NSNull)  // no customer talk yet
        #expect(num(call["silenceShare"]) == 0.7)
        let lonely = try #require(first.entity(.agents, "us/a1"))
        #expect(lonely["talkRatio"] is NSNull && lonely["calls"] as? Int == 2 && lonely["live"] as? Int == 2)
        let fresh = try #require(first.entity(.calls, "us/s2"))
        #expect(num(fresh["silenceShare"]) == 0 && num(fresh["overtalkShare"]) == 0)

        rig.progress(M.metrics(30_000, agent: 9000, customer: 12_000, silence: 6000, overtalk: 3000, agentOvertalk: 2000),
                     session: "s2")
        let both = await rig.flush()
        let a = try #require(both.entity(.agents, "us/a1"))
        #expect(a["analysedMs"] as? Int == 40_000 && a["silenceMs"] as? Int == 13_000)
        #expect(a["agentTalkMs"] as? Int == 12_000 && a["customerTalkMs"] as? Int == 12_000)
        #expect(a["agentOvertalkMs"] as? Int == 2000 && a["overtalkMs"] as? Int == 3000)
        #expect(num(a["silenceShare"]) == 0.325 && num(a["overtalkShare"]) == 0.075)
        #expect(num(a["talkRatio"]) == 1)
        let s2 = try #require(both.entity(.calls, "us/s2"))
        #expect(num(s2["talkRatio"]) == 0.75)
        let channels = try #require(s2["channels"] as? [String: [String: Any]])
        #expect(channels["agent"]?["overtalkMs"] as? Int == 2000 && channels["customer"]?["overtalkMs"] as? Int == 1000)
        #expect(channels["agent"]?["levelDbfs"] is NSNull)
        #expect(both.entity(.totals, "global")?["analysedMs"] as? Int == 40_000)
    }

    @Test func aTapForwardsEveryBatchAndStagesInteractions() async throws {
        actor Views: BridgeEventSink {
            var batches = 0
            func ingest(org: OrgID, events: [BridgeEvent]) async { batches += 1 }
        }
        let rig = SpeechRig()
        let views = Views()
        let tap = SpeechTap(views: views, speech: rig.engine)
        await tap.ingest(org: "us", events: [.agentInteraction(AgentInteraction(
            agent: EntityID(org: "us", platformID: "a9"), conversationID: "c9", observedAt: rig.now, connectedAt: rig.now))])
        await tap.ingest(org: "us", events: [])
        #expect(await views.batches == 2)
        #expect(await rig.engine.flush().isEmpty)
        #expect(await rig.engine.conversationCount == 1)
        rig.open("s9", conversation: "c9")
        #expect(await rig.flush().entity(.calls, "us/s9")?["agent"] as? String == "us/a9")
    }
}
