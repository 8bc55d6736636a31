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

    /// The soak's attribution (ViewFootprint): each part counts what it names — an agent's utilization document
    /// is its encoded bytes, replaced (not added) when the day gains an interval; the timeline its arrays.
    @Test func theViewsFootprintCountsEachPart() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + 60 * minute)
        #expect(await h.engine.footprint().utilization == 0)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, t0, .onQueue, .idle), status(a, t0 + minute, nil, .interacting)])
        let afterEvents = await h.engine.footprint()
        #expect(afterEvents.timelines >= 2 * MemoryLayout<StatusPoint>.stride)
        #expect(afterEvents.records >= MemoryLayout<AgentRecord>.stride)
        func day(_ n: Int) -> AgentUtilization {
            AgentUtilization(agent: a, dayStart: ms("2026-05-07T00:00:00.000Z"), asOf: t0 + 60 * minute,
                             intervals: (0..<n).map { UtilizationInterval(start: t0 + EpochMillis($0) * 30 * minute, handleMs: 60_000,
                                                                         handleCount: 1, talkMs: 50_000, heldMs: 0, acwMs: 10_000,
                                                                         connected: 1, open: false) })
        }
        await h.engine.ingest(org: "us", events: [.utilization(day(1))])
        let one = h.sink.drain().of(.utilization)
        #expect(await h.engine.footprint().utilization == one.last?.json?.bytes.count)
        await h.engine.ingest(org: "us", events: [.utilization(day(2))])
        let two = h.sink.drain().of(.utilization)
        let bytes = try #require(two.last?.json?.bytes.count)
        #expect(await h.engine.footprint().utilization == bytes, "the document is replaced, not added to")
        #expect(bytes > one.last?.json?.bytes.count ?? .max, "a second interval makes it longer")
    }
}
