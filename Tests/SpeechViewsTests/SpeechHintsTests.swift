import Foundation
import SpeechViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `SpeechSessionOpened` hints (the seed Audio Connector's metadata or a REST lookup) and repeated `.opened`s.
@Suite struct SpeechHintsTests {
    typealias M = SpeechRig

    @Test func hintsFillInTheAgentAndQueueWhenTheConversationStaysUnknown() async throws {
        let rig = SpeechRig()
        rig.open(agent: "a7", queue: "q7", direction: "inbound")
        rig.progress(M.metrics(1000, agent: 400, customer: 500))
        #expect(await rig.flush().ids(.calls).isEmpty)  // the grace still waits for the conversation
        rig.clock.advance(by: 500)
        let shown = await rig.flush()
        let call = try #require(shown.entity(.calls, "us/s1"))
        #expect(call["agent"] as? String == "us/a7" && call["queue"] as? String == "us/q7")
        #expect(shown.entity(.agents, "us/a7")?["agentTalkMs"] as? Int == 400)
        #expect(shown.entity(.queues, "us/q7")?["live"] as? Int == 1)
    }

    @Test func theConversationJoinWinsAndAHintOnlyFillsInItsMissingQueue() async throws {
        let rig = SpeechRig()
        rig.interaction("a1", queue: nil)  // the connector knows the agent, not the queue
        rig.open(agent: "a7", queue: "q7")
        let p = await rig.flush()
        let call = try #require(p.entity(.calls, "us/s1"))
        #expect(call["agent"] as? String == "us/a1" && call["queue"] as? String == "us/q7")
        #expect(p.entity(.agents, "us/a7") == nil)
    }

    @Test func aRepeatedOpenedOfALiveSessionUpdatesItsHintsOnly() async throws {
        let rig = SpeechRig()
        let openedAt = rig.now
        rig.open()
        rig.progress(M.metrics(2000, agent: 800, customer: 900))
        #expect(await rig.flush().ids(.calls).isEmpty)
        rig.clock.advance(by: 600)
        let first = await rig.flush()
        let before = try #require(first.entity(.calls, "us/s1"))
        #expect(before["agent"] is NSNull)
        #expect(first.entity(.orgs, "us")?["calls"] as? Int == 1)
        // The metadata came late: the same session opened again, with hints and a later openedAt.
        rig.open(openedAt: openedAt + 5000, agent: "a7", queue: "q7")
        let again = await rig.flush()
        let call = try #require(again.entity(.calls, "us/s1"))
        #expect(call["agent"] as? String == "us/a7" && call["queue"] as? String == "us/q7")
        #expect((call["openedAt"] as? NSNumber)?.int64Value == openedAt)
        #expect((before["openedAt"] as? NSNumber)?.int64Value == openedAt)  // nothing else changes
        #expect(call["analysedMs"] as? Int == 2000)
        // Still one call, its figures counted once, now also to the hinted agent (the time before counts to it).
        #expect(again.entity(.orgs, "us")?["calls"] as? Int == 1)
        #expect(again.entity(.agents, "us/a7")?["analysedMs"] as? Int == 2000)
        #expect(again.entity(.agents, "us/a7")?["calls"] as? Int == 1)
        // The same hints again change nothing; after the end, an .opened is dropped.
        rig.open(agent: "a7", queue: "q7")
        #expect(await rig.flush().ids(.calls).isEmpty)
        rig.end(M.metrics(3000, agent: 1000, customer: 1200))
        _ = await rig.flush()
        rig.open(agent: "a8")
        #expect(await rig.flush().ids(.calls).isEmpty)
    }

    @Test func aQueueHintAloneFillsTheQueue() async throws {
        let rig = SpeechRig()
        rig.open(queue: "q7")
        #expect(await rig.flush().ids(.calls).isEmpty)
        rig.clock.advance(by: 500)
        let p = await rig.flush()
        let call = try #require(p.entity(.calls, "us/s1"))
        #expect(call["agent"] is NSNull && call["queue"] as? String == "us/q7")
        // The agent learned later joins the same part, queue kept.
        rig.interaction("a1", queue: nil)
        let joined = try #require(await rig.flush().entity(.calls, "us/s1"))
        #expect(joined["agent"] as? String == "us/a1" && joined["queue"] as? String == "us/q7")
        #expect((joined["segments"] as? [[String: Any]])?.count == 1)
    }
}
