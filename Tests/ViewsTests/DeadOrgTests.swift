import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// An org whose connector is stale or disconnected has an unknown state: its figures stop at the moment it
/// went stale (nothing is extrapolated, nothing accrues) and the global totals leave it out, saying so.
@Suite struct DeadOrgTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    static func connector(_ org: OrgID, _ status: OrgStatus, _ at: EpochMillis) -> BridgeEvent {
        .connector(ConnectorStatus(org: org, status: status, at: at))
    }

    @Test func aStaleOrgsFiguresStopAndTheGlobalTotalsLeaveItOut() async throws {
        let h = Harness(orgs: [ViewOrg(id: "us", name: "US", timeZone: utc), ViewOrg(id: "emea", name: "EMEA", timeZone: utc)],
                        now: Self.t0)
        let a = agentID("us", 1), b = agentID("emea", 1)
        await h.engine.ingest(org: "us", events: [Self.connector("us", .open, Self.t0), status(a, Self.t0, .onQueue, .interacting)])
        await h.engine.ingest(org: "emea", events: [Self.connector("emea", .open, Self.t0), status(b, Self.t0, .onQueue, .idle)])
        h.clock.advance(by: 10 * minute)
        await h.engine.ingest(org: "us", events: [Self.connector("us", .stale, Self.t0 + 10 * minute)])
        h.clock.advance(by: 20 * minute)
        await h.engine.refresh()

        // US: frozen at 08:10 — ten minutes of handling, not thirty, and nothing running.
        let us = try #require(await h.engine.agentFigures(a))
        #expect(us.figures.today.handlingMs == 10 * minute)
        #expect(us.accrual == Accrual())
        #expect(us.asOf == Self.t0 + 10 * minute)
        let live = await h.engine.withLiveEntities(org: nil) { $0 }
        let usAgent = Harness.object(try #require(live.changes.of(.agents).first { $0.id == a.description }))
        #expect(usAgent["asOf"] as? String == "2026-05-07T08:10:00.000Z")
        #expect(usAgent["accruing"] as? [String: Int] == ["handling": 0, "productive": 0])
        // EMEA goes on.
        #expect(try #require(await h.engine.agentFigures(b)).figures.today.productiveMs == 30 * minute)
        // The global totals are EMEA's alone and name US as left out.
        let global = await h.engine.globalFigures()
        #expect(global.leftOut == ["us"])
        #expect(global.figures.today.productiveMs == 30 * minute)
        let totals = Harness.object(try #require(live.changes.of(.occupancy).first { $0.id == "global" }))
        #expect(totals["leftOut"] as? [String] == ["us"])
        #expect((totals["productiveMs"] as? [String: Any])?["today"] as? Int == 30 * 60_000)
        let emitted = Harness.object(try #require(h.sink.changes.of(.occupancy).last { $0.id == "global" }))
        #expect(emitted["leftOut"] as? [String] == ["us"])

        // Back open: the figures move with time again (a re-sync would bring the gap's truth).
        await h.engine.ingest(org: "us", events: [Self.connector("us", .open, Self.t0 + 30 * minute)])
        h.clock.advance(by: minute)
        let after = try #require(await h.engine.agentFigures(a))
        #expect(after.accrual == Accrual(handling: 1, productive: 1))
        #expect(after.figures.today.handlingMs == 31 * minute)
        #expect(await h.engine.globalFigures().leftOut.isEmpty)
    }
}
