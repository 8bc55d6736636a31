import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

@Suite struct FootprintTests {
    @Test func perAgentStateStaysCompact() {
        #expect(MemoryLayout<StatusPoint>.stride == 8)
        #expect(MemoryLayout<InteractionSpan>.stride == 32)
        #expect(MemoryLayout<AgentRecord>.stride <= 320, "AgentRecord is \(MemoryLayout<AgentRecord>.stride) bytes")
    }

    @Test func floodsAreBoundedPerAgent() async throws {
        var tuning = ViewTuning()
        tuning.maxPointsPerAgent = 20
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + 60 * minute, tuning: tuning)
        let a = agentID("us", 1)
        var events: [BridgeEvent] = [status(a, t0, .onQueue, .idle)]
        for i in 1...100 {
            events.append(status(a, t0 + EpochMillis(i) * 30_000, nil, i % 2 == 0 ? .idle : .interacting))
        }
        await h.engine.ingest(org: "us", events: events)
        let f = try #require(await h.engine.agentFigures(a))
        // 100 half-minute steps: 50 min alternating, interacting on odd steps → 25 min handling of 60 productive.
        #expect(f.figures.today == OccupancyFigures(handlingMs: 25 * minute, productiveMs: 60 * minute))
        #expect(f.state == "idle")
    }
}
