import Foundation
import Journeys
@testable import JourneyViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The journeys global totals in a cluster (docs/scale-out.md, "The global topics"): an org led elsewhere counts
/// with the part its leader sent, never with what these views hold for it.
@Suite struct JourneyRemoteTotalsTests {
    let clock = ManualClock(JV.t0)

    func engine(_ config: SwitchboardConfiguration = JV.configuration(emea: OrgJourneysConfig())) -> JourneyViewEngine {
        JourneyViewEngine(configuration: config, clock: clock)
    }

    /// Stages `events` at their own time, then flushes once their reorder window has passed.
    func feed(_ e: JourneyViewEngine, _ events: [JourneyEvent]) async -> [EntityChange] {
        var out: [EntityChange] = []
        for ev in events.sorted(by: { $0.receivedAt < $1.receivedAt }) {
            if ev.receivedAt > clock.now() { clock.set(ev.receivedAt) }
            e.ingest(journeyEvents: [ev])
            out += await e.flush()
        }
        clock.advance(by: 100)
        out += await e.flush()
        return out
    }

    /// The last global totals published, nil when none was.
    func global(_ changes: [EntityChange]) throws -> [String: Any]? {
        guard let c = changes.last(where: { $0.kind == .totals && $0.id == "global" }) else { return nil }
        return try JV.object(c)
    }

    /// Open journeys: `calls` on `org`, each of its own customer.
    func open(_ calls: [String], org: OrgID = "us", phone base: Int = 1) -> [JourneyEvent] {
        calls.enumerated().flatMap { i, conv in
            Array(JV.call(conv, at: 0, phone: "+1555123\(String(format: "%04d", base + i))", org: org, end: false))
        }
    }

    /// The leader's part of `us`: two open journeys.
    func leaderPart() async throws -> JourneyTotalsPart {
        let leader = engine()
        _ = await feed(leader, open(["c1", "c2"]))
        return try #require(await leader.totalsPart(of: "us"))
    }

    /// A replica with a leftover open journey of `us` and one of `emea`, which it leads.
    func follower() async -> JourneyViewEngine {
        let here = engine()
        _ = await feed(here, open(["old"], phone: 100) + open(["e1"], org: "emea", phone: 200))
        return here
    }

    @Test func anOrgLedElsewhereCountsWithItsLeadersPartOnly() async throws {
        let part = try await leaderPart()
        #expect(part.active == 2 && part.closed == 0)
        let here = await follower()

        here.setRemoteOrgs(["us"])
        let led = try #require(try global(await here.flush()))
        #expect(led["active"] as? Int == 1)

        here.applyRemote(part, of: "us")
        let merged = try #require(try global(await here.flush()))
        #expect(merged["active"] as? Int == 3 && (merged["activeByState"] as? [String: Int])?["ACTIVE"] == 3)

        // The same part again sends nothing; the leftover moving leaves the global totals as they are.
        here.applyRemote(part, of: "us")
        #expect(try global(await here.flush()) == nil)
        let moved = try global(await feed(here, open(["old2"], phone: 300)))
        if let moved { #expect(moved["active"] as? Int == 3) }
    }

    @Test func anOrgLedHereAgainCountsWithItsOwnFigures() async throws {
        let part = try await leaderPart()
        let here = await follower()
        here.setRemoteOrgs(["us"])
        here.applyRemote(part, of: "us")
        _ = await here.flush()

        here.setRemoteOrgs([])
        #expect(try global(await here.flush())?["active"] as? Int == 2)
        here.applyRemote(part, of: "us")
        #expect(try global(await here.flush()) == nil)
    }

    @Test func anOrgLeavingTheConfigurationLeavesTheGlobalTotals() async throws {
        let part = try await leaderPart()
        let here = await follower()
        here.setRemoteOrgs(["us"])
        here.applyRemote(part, of: "us")
        #expect(try global(await here.flush())?["active"] as? Int == 3)

        // `us` keeps its org but loses its journeys section: its part no longer counts.
        var config = JV.configuration(emea: OrgJourneysConfig())
        config.orgs[0].journeys = nil
        await here.apply(config)
        #expect(try global(await here.flush())?["active"] as? Int == 1)
        #expect(await here.totalsPart(of: "us") == nil)
    }

    @Test func aRollupReadsBackFromItsJSON() throws {
        var r = JourneyRollup()
        r.active = 3
        r.activeByPath = [JourneyPath([.voice]): 2, JourneyPath([.voice, .chat]): 1]
        r.activeByState = [.active: 2, .transferring: 1]
        r.closedByReason = [.completed: 4, .abandonedAtTimeout: 1]
        r.closedByPath = [JourneyPath([.email, .voice]): 5]
        r.switches = 5
        r.switchesOf = 5
        r.timeCount = 5
        r.timeSumMs = 500_000
        r.timeMinMs = 10_000
        r.timeMaxMs = 200_000
        let part = JourneyTotalsPart(rollup: r)
        let json = try JSONEncoder().encode(part)
        #expect(try JSONDecoder().decode(JourneyTotalsPart.self, from: json) == part)
        let rollup = try #require((try JSONSerialization.jsonObject(with: json) as? [String: Any])?["rollup"] as? [String: Any])
        #expect(rollup["activeByState"] as? [String: Int] == ["ACTIVE": 2, "TRANSFERRING": 1])
        #expect(rollup["closedByReason"] as? [String: Int] == ["completed": 4, "abandonedAtTimeout": 1])
        let paths = try #require(rollup["activeByPath"] as? [[String: Any]])
        #expect(paths.map { $0["path"] as? [String] } == [["voice"], ["voice", "chat"]])

        // A state, reason or medium this build does not know is left out; the rest is read.
        let newer = #"{"rollup":{"active":1,"activeByPath":[{"path":["fax"],"count":1}],"activeByState":{"PAUSED":1},"#
            + #""closedByReason":{"completed":1},"closedByPath":[],"switches":0,"switchesOf":1,"timeCount":1,"#
            + #""timeSumMs":1000}}"#
        let read = try JSONDecoder().decode(JourneyTotalsPart.self, from: Data(newer.utf8))
        #expect(read.active == 1 && read.closed == 1 && read.rollup.activeByPath.isEmpty && read.rollup.activeByState.isEmpty)
        #expect(read.rollup.timeMinMs == nil)
    }
}
