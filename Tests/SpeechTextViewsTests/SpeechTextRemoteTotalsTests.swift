import Foundation
import SpeechText
import SpeechTextViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The speech-text global totals in a cluster (docs/scale-out.md, "The global topics"): an org led elsewhere counts
/// with the part its leader sent, never with what these views hold for it; the part's rolling windows are read at
/// this replica's own time.
@Suite struct SpeechTextRemoteTotalsTests {
    /// The leader's part of `us`: two live calls, an escalation and a churn-risk hit, at `start`.
    func leaderPart(start: EpochMillis = 1_790_000_000_000) async throws -> SpeechTextTotalsPart {
        let leader = SpeechTextRig(start: start)
        leader.say("I want a supervisor", conversation: "c1")
        leader.say("please cancel my account", conversation: "c2")
        _ = await leader.flush()
        return try #require(await leader.engine.totalsPart(of: "us"))
    }

    func hits(_ p: Published, _ window: String = "today") -> Int? {
        (p.entity(.totals, "global")?["hits"] as? [String: Any])?[window] as? Int
    }

    func calls(_ p: Published) -> Int? { p.entity(.totals, "global")?["calls"] as? Int }

    /// A replica with a leftover call of `us` (two hits) that leads `emea` (one call, one hit).
    func follower() async -> SpeechTextRig {
        let here = SpeechTextRig()
        here.say("supervisor, a supervisor now, cancel my account", conversation: "old")
        here.say("thank you so much", conversation: "e1", org: "emea")
        _ = await here.flush()
        return here
    }

    @Test func anOrgLedElsewhereCountsWithItsLeadersPartOnly() async throws {
        let part = try await leaderPart()
        #expect(part.calls == 2 && part.live == 2 && part.hitsToday == 2)
        let here = await follower()

        here.engine.setRemoteOrgs(["us"])
        let led = await here.flush()
        #expect(calls(led) == 1 && hits(led) == 1, "\(led)")

        here.engine.applyRemote(part, of: "us")
        let merged = await here.flush()
        #expect(calls(merged) == 3 && hits(merged) == 3 && hits(merged, "m15") == 3, "\(merged)")
        #expect(merged.count(.totals, "global", "escalation", "today") == 1)
        #expect(merged.count(.totals, "global", "praise", "today") == 1)

        here.engine.applyRemote(part, of: "us")
        #expect(await here.flush().entity(.totals, "global") == nil)
    }

    @Test func anOrgLedHereAgainOrLeavingTheConfigurationIsCountedAsItShouldBe() async throws {
        let part = try await leaderPart()
        let here = await follower()
        here.engine.setRemoteOrgs(["us"])
        here.engine.applyRemote(part, of: "us")
        _ = await here.flush()

        // Led here again: its own figures (the leftover call's hits) count, the part is forgotten.
        here.engine.setRemoteOrgs([])
        let own = await here.flush()
        let leftover = try #require(await here.engine.totalsPart(of: "us"))
        #expect(calls(own) == 2 && hits(own) == 1 + leftover.hitsToday, "\(own)")
        here.engine.applyRemote(part, of: "us")
        #expect(await here.flush().entity(.totals, "global") == nil)

        // Led elsewhere again, then gone from the configuration: only emea is left.
        here.engine.setRemoteOrgs(["us"])
        here.engine.applyRemote(part, of: "us")
        #expect(calls(await here.flush()) == 3)
        await here.engine.apply(SpeechTextRig.configuration(us: nil))
        let left = await here.flush()
        #expect(calls(left) == 1 && hits(left) == 1, "\(left)")
    }

    @Test func aPartsRollingWindowsAreReadAtThisReplicasTime() async throws {
        let part = try await leaderPart()
        let here = SpeechTextRig(start: 1_790_000_000_000 + 5 * 60_000)
        here.engine.setRemoteOrgs(["us"])
        here.engine.applyRemote(part, of: "us")
        let first = await here.flush()
        #expect(hits(first, "m15") == 2 && hits(first, "m60") == 2)

        // Nothing new arrives: the windows still move here, and the global totals are sent again as they do.
        here.clock.advance(by: 10 * 60_000)
        let later = await here.flush()
        #expect(hits(later, "m15") == 0 && hits(later, "m60") == 2 && hits(later, "today") == 2, "\(later)")
        here.clock.advance(by: 30_000)
        #expect(await here.flush().entity(.totals, "global") == nil)
        here.clock.advance(by: 45 * 60_000)
        let hour = await here.flush()
        #expect(hits(hour, "m60") == 0 && hits(hour, "today") == 2, "\(hour)")
    }

    @Test func aPartIsReadAsANewDayOnceItsDayEnded() async throws {
        let start: EpochMillis = 1_790_035_200_000 - 60_000  // 23:59 UTC
        let part = try await leaderPart(start: start)
        let here = SpeechTextRig(start: start)
        here.engine.setRemoteOrgs(["us"])
        here.engine.applyRemote(part, of: "us")
        #expect(hits(await here.flush()) == 2)
        here.clock.set(part.dayEnd)
        let next = await here.flush()
        #expect(hits(next) == 0 && hits(next, "m15") == 2 && calls(next) == 2, "\(next)")
    }

    @Test func aPartReadsBackFromItsJSONAndABrokenRingIsRefused() async throws {
        let part = try await leaderPart()
        let json = try JSONEncoder().encode(part)
        #expect(try JSONDecoder().decode(SpeechTextTotalsPart.self, from: json) == part)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let ring = try #require((object["rollup"] as? [String: Any])?["hits"] as? [String: Any])
        #expect(ring["today"] as? Int == 2 && ring["counts"] as? [Int] == [2])
        #expect(ring["minutes"] as? [Int] == [1_790_000_000_000 / 60_000])

        let broken = #"{"rollup":{"labels":{},"hits":{"today":1,"minutes":[1,2],"counts":[1]},"calls":0,"live":0,"#
            + #""sentimentCalls":0,"negativeCalls":0,"hotCalls":0},"dayEnd":0}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SpeechTextTotalsPart.self, from: Data(broken.utf8)) }
    }
}
