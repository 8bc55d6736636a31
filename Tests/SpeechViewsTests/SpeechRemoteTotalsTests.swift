import Foundation
import SpeechViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The speech global totals in a cluster (docs/scale-out.md, "The global topics"): an org led elsewhere counts with
/// the part its leader sent, never with what these views hold for it.
@Suite struct SpeechRemoteTotalsTests {
    typealias M = SpeechRig

    /// A live call of `analysed` ms on `org`, joined to an agent at once.
    func call(_ rig: SpeechRig, _ session: String, org: OrgID = "us", analysed: Int64) {
        rig.interaction("agent-\(session)", conversation: "conv-\(session)", org: org)
        rig.open(session, conversation: "conv-\(session)", org: org)
        rig.progress(M.metrics(analysed, agent: analysed / 2), session: session, org: org)
    }

    /// The leader's part of `us`: two live calls, 12 s analysed.
    func leaderPart() async throws -> SpeechTotalsPart {
        let leader = SpeechRig()
        call(leader, "s1", analysed: 10_000)
        call(leader, "s2", analysed: 2_000)
        _ = await leader.flush()
        return try #require(await leader.engine.totalsPart(of: "us"))
    }

    func global(_ p: Published) -> (calls: Int?, live: Int?, analysedMs: Int?)? {
        p.entity(.totals, "global").map { ($0["calls"] as? Int, $0["live"] as? Int, $0["analysedMs"] as? Int) }
    }

    /// A replica holding a leftover call of `us` (50 s) and leading `emea` (one call, 1 s).
    func follower() async -> SpeechRig {
        let here = SpeechRig()
        call(here, "old", analysed: 50_000)
        call(here, "e1", org: "emea", analysed: 1_000)
        _ = await here.flush()
        return here
    }

    @Test func anOrgLedElsewhereCountsWithItsLeadersPartOnly() async throws {
        let part = try await leaderPart()
        #expect(part.calls == 2 && part.live == 2 && part.analysedMs == 12_000)
        let here = await follower()

        // Led elsewhere, no part yet: the org leaves the sum at once (the set changing sends the totals again).
        here.engine.setRemoteOrgs(["us"])
        let led = try #require(global(await here.flush()))
        #expect(led.calls == 1 && led.live == 1 && led.analysedMs == 1_000)

        // Its leader's part arrives: counted instead of the leftover.
        here.engine.applyRemote(part, of: "us")
        let merged = try #require(global(await here.flush()))
        #expect(merged.calls == 3 && merged.live == 3 && merged.analysedMs == 13_000)

        // The same part again sends nothing; the leftover moving leaves the global totals as they are.
        here.engine.applyRemote(part, of: "us")
        #expect(global(await here.flush()) == nil)
        here.progress(M.metrics(90_000), session: "old")
        if let again = global(await here.flush()) { #expect(again.analysedMs == 13_000) }
        // The org's own topic still shows what these views hold (the hub publishes it only where the org is led).
    }

    @Test func anOrgLedHereAgainCountsWithItsOwnFigures() async throws {
        let part = try await leaderPart()
        let here = await follower()
        here.engine.setRemoteOrgs(["us"])
        here.engine.applyRemote(part, of: "us")
        _ = await here.flush()

        here.engine.setRemoteOrgs([])
        let own = try #require(global(await here.flush()))
        #expect(own.calls == 2 && own.analysedMs == 51_000)
        // A part for an org led here is ignored.
        here.engine.applyRemote(part, of: "us")
        #expect(global(await here.flush()) == nil)
    }

    @Test func anOrgLeavingTheConfigurationLeavesTheGlobalTotals() async throws {
        let part = try await leaderPart()
        let here = await follower()
        here.engine.setRemoteOrgs(["us"])
        here.engine.applyRemote(part, of: "us")
        _ = await here.flush()

        var config = SwitchboardConfiguration()
        config.orgs = [OrgConfig(id: "emea", name: "emea", apiBase: "http://127.0.0.1:1", loginBase: "http://127.0.0.1:1",
                                 clientId: "x", clientSecret: Secret("y"), timezone: SpeechRig.utc)]
        await here.engine.apply(config)
        let left = try #require(global(await here.flush()))
        #expect(left.calls == 1 && left.analysedMs == 1_000)
        #expect(await here.engine.totalsPart(of: "us") == nil)
    }

    @Test func aPartIsReadAsANewDayOnceItsDayEnded() async throws {
        let part = try await leaderPart()
        let here = SpeechRig()
        here.engine.setRemoteOrgs(["us"])
        here.engine.applyRemote(part, of: "us")
        let today = try #require(global(await here.flush()))
        #expect(today.calls == 2 && today.analysedMs == 12_000)

        here.clock.set(part.dayEnd - 1)
        #expect(global(await here.flush()) == nil)
        // Midnight of the org: the leader's figures start again with the calls still live, and so does the part
        // here until the leader's next part.
        here.clock.set(part.dayEnd)
        let next = try #require(global(await here.flush()))
        #expect(next.calls == 2 && next.live == 2 && next.analysedMs == 0)
        #expect(global(await here.flush()) == nil)
    }

    @Test func aPartReadsBackFromItsJSON() async throws {
        let part = try await leaderPart()
        let json = try JSONEncoder().encode(part)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["dayEnd"] as? Int64 == part.dayEnd)
        let rollup = try #require(object["rollup"] as? [String: Any])
        #expect(rollup["calls"] as? Int == 2 && (rollup["figures"] as? [String: Any])?["analysedMs"] as? Int == 12_000)
        #expect(try JSONDecoder().decode(SpeechTotalsPart.self, from: json) == part)
    }
}
