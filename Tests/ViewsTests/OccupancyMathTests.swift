import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

@Suite struct OccupancyMathTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    /// On queue from t0; interacting [t0+100m, t0+110m); now t0+120m.
    static func scenario(_ h: Harness, agent: EntityID) async {
        await h.engine.ingest(org: "us", events: [
            status(agent, t0, .onQueue, .idle),
            status(agent, t0 + 100 * minute, nil, .interacting),
            status(agent, t0 + 110 * minute, nil, .idle),
        ])
    }

    @Test(arguments: [false, true])
    func windows(refreshing: Bool) async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 1)
        await Self.scenario(h, agent: a)
        if refreshing {
            // Refresh every 5 minutes: old change points get folded; the figures must not change.
            for _ in 0..<24 {
                h.clock.advance(by: 5 * minute)
                await h.engine.refresh()
            }
        } else {
            h.clock.set(Self.t0 + 120 * minute)
        }
        let f = try #require(await h.engine.agentFigures(a))
        #expect(f.figures.rolling15m == OccupancyFigures(handlingMs: 5 * minute, productiveMs: 15 * minute))
        #expect(f.figures.rolling60m == OccupancyFigures(handlingMs: 10 * minute, productiveMs: 60 * minute))
        #expect(f.figures.today == OccupancyFigures(handlingMs: 10 * minute, productiveMs: 120 * minute))
        #expect(f.occupancy(.rolling15m)! > 0.3333 && f.occupancy(.rolling15m)! < 0.3334)
        #expect(f.band == .under)
        #expect(f.state == "idle")
        #expect(f.stateSince == Self.t0 + 110 * minute)
        #expect(f.presence == .onQueue && f.routingStatus == .idle)
    }

    @Test func undefinedOccupancyIsNullNotZero() async throws {
        let h = Harness(now: Self.t0 + 30 * minute)
        let a = agentID("us", 2)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .breakTime, .offQueue)])
        let f = try #require(await h.engine.agentFigures(a))
        #expect(f.figures.rolling60m == OccupancyFigures(handlingMs: 0, productiveMs: 0))
        #expect(f.occupancy(.rolling60m) == nil)
        #expect(f.band == nil)
        let json = Harness.object(try #require(h.sink.changes.of(.agents).last))
        let occ = try #require(json["occupancy"] as? [String: Any])
        #expect(occ["rolling60m"] is NSNull)
        #expect(json["band"] is NSNull)
        #expect(json["state"] as? String == "offQueue")
    }

    @Test(arguments: [(35, OccupancyBand.under), (36, .healthy), (48, .healthy), (49, .elevated), (54, .elevated),
                      (55, .burnout)])
    func bandsAtThresholds(interactingMinutes: Int, band: OccupancyBand) async throws {
        let now = Self.t0 + 120 * minute
        let h = Harness(now: now)
        let a = agentID("us", 3)
        let start = now - 60 * minute
        await h.engine.ingest(org: "us", events: [
            status(a, Self.t0, .onQueue, .idle),
            status(a, start, nil, .interacting),
            status(a, start + EpochMillis(interactingMinutes) * minute, nil, .idle),
        ])
        let f = try #require(await h.engine.agentFigures(a))
        #expect(f.band == band)
        #expect(f.figures.rolling60m.handlingMs == EpochMillis(interactingMinutes) * minute)
    }

    @Test func interactionsAndAfterCallWorkCountAsHandling() async throws {
        let now = Self.t0 + 60 * minute
        let h = Harness(now: now)
        let a = agentID("us", 4)
        // Routing status stays IDLE: only the conversation says the agent is busy.
        await h.engine.ingest(org: "us", events: [
            status(a, Self.t0, .onQueue, .idle),
            .agentInteraction(AgentInteraction(agent: a, conversationID: "c1", observedAt: now - 5 * minute,
                                               connectedAt: now - 20 * minute, disconnectedAt: now - 10 * minute,
                                               acwStartAt: now - 10 * minute, wrapupExpected: true)),
        ])
        var f = try #require(await h.engine.agentFigures(a))
        #expect(f.state == "acw")
        #expect(f.stateSince == now - 10 * minute)
        #expect(f.figures.rolling15m == OccupancyFigures(handlingMs: 15 * minute, productiveMs: 15 * minute))
        // The final snapshot ends the ACW; an older snapshot arriving later changes nothing.
        await h.engine.ingest(org: "us", events: [
            .agentInteraction(AgentInteraction(agent: a, conversationID: "c1", observedAt: now - 2 * minute,
                                               connectedAt: now - 20 * minute, disconnectedAt: now - 10 * minute,
                                               acwStartAt: now - 10 * minute, acwEndAt: now - 4 * minute,
                                               wrapupExpected: true)),
            .agentInteraction(AgentInteraction(agent: a, conversationID: "c1", observedAt: now - 15 * minute,
                                               connectedAt: now - 20 * minute)),
        ])
        f = try #require(await h.engine.agentFigures(a))
        #expect(f.state == "idle")
        #expect(f.figures.rolling60m == OccupancyFigures(handlingMs: 16 * minute, productiveMs: 60 * minute))
    }

    @Test func productivePresencesAreConfigurable() async throws {
        let now = Self.t0 + 60 * minute
        let h = Harness(now: now)
        let a = agentID("us", 5)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .busy, .offQueue)])
        #expect(try #require(await h.engine.agentFigures(a)).figures.rolling60m.productiveMs == 0)
        var config = OccupancyConfig()
        config.productivePresences = [.onQueue, .available, .busy]
        await h.engine.updateOccupancyConfig(config)
        #expect(try #require(await h.engine.agentFigures(a)).figures.rolling60m.productiveMs == 60 * minute)
    }
}
