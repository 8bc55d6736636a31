import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// A band needs a sample: below `bandMinProductive` of productive time in the band window an agent is
/// "warming up" (no band), so 54 s of talking after a restart is not a burnout.
@Suite struct BandWarmUpTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    @Test func noBandUntilTheMinimumSampleThenTheRealOne() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .onQueue, .interacting)])
        h.clock.advance(by: 54_000)
        await h.engine.refresh()
        let early = try #require(await h.engine.agentFigures(a))
        #expect(early.band == nil, "54 s of data must not make a band")
        let first = Harness.object(try #require(h.sink.changes.of(.agents).last))
        #expect(first["bandStatus"] as? String == "warming-up")
        #expect(first["band"] is NSNull)

        // Ten minutes of productive time in the window: the band is the real one, and it is sent at once.
        h.clock.advance(by: 10 * minute - 54_000)
        await h.engine.refresh()
        #expect(try #require(await h.engine.agentFigures(a)).band == .burnout)
        let later = Harness.object(try #require(h.sink.changes.of(.agents).last))
        #expect(later["band"] as? String == "burnout")
        #expect(later["bandStatus"] as? String == "ok")
    }

    @Test func theMinimumIsConfigurableAndZeroRestoresImmediateBands() async throws {
        var occupancy = OccupancyConfig()
        occupancy.bandMinProductive = .zero
        let h = Harness(now: Self.t0, occupancy: occupancy)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .onQueue, .idle)])
        h.clock.advance(by: 30_000)
        #expect(try #require(await h.engine.agentFigures(a)).band == .under)
    }

    @Test func noProductiveTimeIsNoBandNotWarmingUp() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .breakTime, .offQueue)])
        h.clock.advance(by: 5 * minute)
        await h.engine.refresh()
        let o = Harness.object(try #require(h.sink.changes.of(.agents).last))
        #expect(o["bandStatus"] as? String == "none")
    }
}
