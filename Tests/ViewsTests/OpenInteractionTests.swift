import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// A conversation that ends while no socket is open sends no further event; the re-sync brings the gap's
/// presence and routing-status records only. The interaction must end where the routing status went from
/// interacting to idle, not run on as handling until the open-interaction cap (found by the soak: agents in
/// "acw" for minutes after the platform had them idle, in every window).
@Suite struct OpenInteractionTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    static func openACW(_ a: EntityID, observedAt: EpochMillis) -> BridgeEvent {
        .agentInteraction(AgentInteraction(agent: a, conversationID: "c1", observedAt: observedAt,
                                           connectedAt: t0 + 10 * minute, disconnectedAt: t0 + 20 * minute,
                                           acwStartAt: t0 + 20 * minute, wrapupExpected: true))
    }

    @Test func anInteractionThatEndedInAGapEndsWhereTheRoutingStatusWentIdle() async throws {
        let now = Self.t0 + 60 * minute
        let h = Harness(now: now)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [
            status(a, Self.t0, .onQueue, .idle),
            status(a, Self.t0 + 10 * minute, nil, .interacting),
            Self.openACW(a, observedAt: Self.t0 + 20 * minute),
        ])
        #expect(try #require(await h.engine.agentFigures(a)).state == "acw")
        // The re-sync's history: the routing status went idle at +25 min, during the gap.
        await h.engine.ingest(org: "us", events: [status(a, Self.t0 + 25 * minute, nil, .idle)])
        var f = try #require(await h.engine.agentFigures(a))
        #expect(f.state == "idle")
        #expect(f.accrual == Accrual(handling: 0, productive: 1))
        #expect(f.figures.rolling60m == OccupancyFigures(handlingMs: 15 * minute, productiveMs: 60 * minute))
        #expect(f.figures.today == OccupancyFigures(handlingMs: 15 * minute, productiveMs: 60 * minute))
        // The conversation's own final snapshot, if it comes after all, has the last word.
        await h.engine.ingest(org: "us", events: [
            .agentInteraction(AgentInteraction(agent: a, conversationID: "c1", observedAt: Self.t0 + 26 * minute,
                                               connectedAt: Self.t0 + 10 * minute, disconnectedAt: Self.t0 + 20 * minute,
                                               acwStartAt: Self.t0 + 20 * minute, acwEndAt: Self.t0 + 24 * minute,
                                               wrapupExpected: true)),
        ])
        f = try #require(await h.engine.agentFigures(a))
        #expect(f.figures.rolling60m == OccupancyFigures(handlingMs: 15 * minute, productiveMs: 60 * minute))
        // An older idle record arriving later ends it earlier; the first transition wins.
        let b = agentID("us", 2)
        await h.engine.ingest(org: "us", events: [
            status(b, Self.t0, .onQueue, .idle),
            status(b, Self.t0 + 10 * minute, nil, .interacting),
            Self.openACW(b, observedAt: Self.t0 + 20 * minute),
            status(b, Self.t0 + 40 * minute, nil, .idle),
            status(b, Self.t0 + 30 * minute, nil, .idle),
        ])
        f = try #require(await h.engine.agentFigures(b))
        #expect(f.figures.rolling60m == OccupancyFigures(handlingMs: 20 * minute, productiveMs: 60 * minute))
    }

    @Test func aStatusThatStaysIdleOrPredatesTheSnapshotLeavesTheInteractionOpen() async throws {
        let now = Self.t0 + 60 * minute
        let h = Harness(now: now)
        // A direct call: the routing status stays idle throughout (a re-sync repeats it); the call goes on.
        let a = agentID("us", 3)
        await h.engine.ingest(org: "us", events: [
            status(a, Self.t0, .onQueue, .idle),
            .agentInteraction(AgentInteraction(agent: a, conversationID: "d1", observedAt: now - 5 * minute,
                                               connectedAt: now - 20 * minute)),
            status(a, now - 1 * minute, .onQueue, .idle),
        ])
        var f = try #require(await h.engine.agentFigures(a))
        #expect(f.state == "interacting")
        #expect(f.figures.rolling15m == OccupancyFigures(handlingMs: 15 * minute, productiveMs: 15 * minute))
        // Idle before the latest snapshot (which still had the agent in after-call work): not the end.
        let b = agentID("us", 4)
        await h.engine.ingest(org: "us", events: [
            status(b, Self.t0, .onQueue, .idle),
            status(b, Self.t0 + 10 * minute, nil, .interacting),
            status(b, Self.t0 + 15 * minute, nil, .idle),
            Self.openACW(b, observedAt: Self.t0 + 20 * minute),
        ])
        f = try #require(await h.engine.agentFigures(b))
        #expect(f.state == "acw")
        #expect(f.accrual == Accrual(handling: 1, productive: 1))
    }
}
