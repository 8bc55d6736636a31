import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

@Suite struct TimelineTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    static func events(_ a: EntityID) -> [BridgeEvent] {
        [
            status(a, t0, .onQueue, .idle),
            status(a, t0 + 10 * minute, nil, .interacting),
            status(a, t0 + 14 * minute, nil, .idle),
            status(a, t0 + 20 * minute, .breakTime, .offQueue),
            status(a, t0 + 30 * minute, .onQueue, .idle),
            status(a, t0 + 40 * minute, nil, .interacting),
            status(a, t0 + 50 * minute, nil, .idle),
        ]
    }

    @Test func duplicatesAreIdempotent() async throws {
        let h = Harness(now: Self.t0 + 60 * minute)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: Self.events(a))
        let once = try #require(await h.engine.agentFigures(a))
        _ = h.sink.drain()
        await h.engine.ingest(org: "us", events: Self.events(a) + Self.events(a))
        #expect(try #require(await h.engine.agentFigures(a)) == once)
        #expect(h.sink.drain().isEmpty)
        #expect(once.figures.rolling60m == OccupancyFigures(handlingMs: 14 * minute, productiveMs: 50 * minute))
    }

    @Test func outOfOrderEventsArePlacedByEventTime() async throws {
        let inOrder = Harness(now: Self.t0 + 60 * minute)
        let shuffled = Harness(now: Self.t0 + 60 * minute)
        let a = agentID("us", 2)
        await inOrder.engine.ingest(org: "us", events: Self.events(a))
        var evs = Self.events(a)
        evs.reverse()
        evs.swapAt(1, 4)
        for e in evs { await shuffled.engine.ingest(org: "us", events: [e]) }
        let x = try #require(await inOrder.engine.agentFigures(a))
        let y = try #require(await shuffled.engine.agentFigures(a))
        #expect(x == y)
        #expect(y.state == "idle")
    }

    @Test func lateEventOnlySetsBaseWhenNewer() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 3)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .onQueue, .idle)])
        h.clock.advance(by: 3 * 60 * minute)
        await h.engine.refresh()  // folds t0 into the base
        // A duplicate of an older, already superseded state must not override the base.
        await h.engine.ingest(org: "us", events: [status(a, Self.t0 - 60 * minute, .breakTime, .offQueue)])
        var f = try #require(await h.engine.agentFigures(a))
        #expect(f.presence == .onQueue)
        // A change newer than the base but older than the kept history does apply.
        await h.engine.ingest(org: "us", events: [status(a, Self.t0 + 30 * minute, .meal, nil)])
        f = try #require(await h.engine.agentFigures(a))
        #expect(f.presence == .meal)
    }

    @Test func midnightRolloverPerOrgTimeZone() async throws {
        let tokyo = ViewOrg(id: "apac", name: "APAC", timeZone: TimeZone(identifier: "Asia/Tokyo")!)
        let newYork = ViewOrg(id: "amer", name: "AMER", timeZone: TimeZone(identifier: "America/New_York")!)
        let start = ms("2026-05-07T10:00:00.000Z")
        let h = Harness(orgs: [tokyo, newYork], now: start)
        let t = agentID("apac", 1)
        let n = agentID("amer", 1)
        await h.engine.ingest(org: "apac", events: [status(t, start, .onQueue, .idle)])
        await h.engine.ingest(org: "amer", events: [status(n, start, .onQueue, .idle)])
        func today(_ id: EntityID) async -> EpochMillis { await h.engine.agentFigures(id)?.figures.today.productiveMs ?? -1 }
        func run(until: String) async {
            while h.clock.now() < ms(until) {
                h.clock.advance(by: 5 * minute)
                await h.engine.refresh()
            }
        }
        await run(until: "2026-05-07T14:55:00.000Z")  // Tokyo 23:55, New York 10:55
        #expect(await today(t) == 295 * minute)
        #expect(await today(n) == 295 * minute)
        await run(until: "2026-05-07T15:05:00.000Z")  // Tokyo 00:05 on 8 May
        #expect(await today(t) == 5 * minute)
        #expect(await today(n) == 305 * minute)
        await run(until: "2026-05-07T16:30:00.000Z")  // the fold horizon has crossed Tokyo midnight
        #expect(await today(t) == 90 * minute)
        #expect(await today(n) == 390 * minute)
        await run(until: "2026-05-08T04:10:00.000Z")  // New York 00:10 on 8 May (EDT, UTC-4)
        #expect(await today(n) == 10 * minute)
        #expect(await today(t) == (13 * 60 + 10) * minute)
        let apac = try #require(await h.engine.orgFigures("apac"))
        #expect(apac.figures.today.productiveMs == (13 * 60 + 10) * minute)
    }

    @Test func baselineReplacesTodayUpToItsAsOf() async throws {
        let day = ms("2026-05-07T00:00:00.000Z")
        let asOf = ms("2026-05-07T11:00:00.000Z")
        let h = Harness(now: ms("2026-05-07T08:00:00.000Z"))
        let a = agentID("us", 4)
        await h.engine.ingest(org: "us", events: [status(a, ms("2026-05-07T08:00:00.000Z"), .onQueue, .idle)])
        // Run to 11:30 with refreshes, so part of the history is folded before the baseline arrives.
        while h.clock.now() < ms("2026-05-07T11:30:00.000Z") {
            h.clock.advance(by: 5 * minute)
            await h.engine.refresh()
        }
        #expect(try #require(await h.engine.agentFigures(a)).figures.today.productiveMs == 210 * minute)
        let baseline = BridgeEvent.agentBaseline(AgentBaseline(agent: a, dayStart: day, asOf: asOf,
                                                               handlingMs: 60 * minute, productiveMs: 300 * minute))
        await h.engine.ingest(org: "us", events: [baseline])
        var f = try #require(await h.engine.agentFigures(a))
        #expect(f.figures.today == OccupancyFigures(handlingMs: 60 * minute, productiveMs: 330 * minute))
        await h.engine.ingest(org: "us", events: [baseline])
        #expect(try #require(await h.engine.agentFigures(a)) == f)
        // An older baseline is ignored.
        await h.engine.ingest(org: "us", events: [.agentBaseline(AgentBaseline(
            agent: a, dayStart: day, asOf: asOf - 60 * minute, handlingMs: 0, productiveMs: 0))])
        #expect(try #require(await h.engine.agentFigures(a)) == f)
        // It keeps applying as time goes on and history folds.
        for _ in 0..<24 {
            h.clock.advance(by: 5 * minute)
            await h.engine.refresh()
        }
        f = try #require(await h.engine.agentFigures(a))
        #expect(f.figures.today == OccupancyFigures(handlingMs: 60 * minute, productiveMs: 450 * minute))
    }
}
