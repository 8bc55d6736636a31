import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

@Suite struct EmissionTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    @Test func agentFragmentShape() async throws {
        let h = Harness(now: Self.t0 + 30 * minute)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [
            .agentProfile(AgentProfile(agent: a, name: "Ana \"Quoted\"")),
            status(a, Self.t0, .onQueue, .interacting),
        ])
        let changes = h.sink.drain().of(.agents)
        #expect(changes.count == 1)
        let c = try #require(changes.first)
        #expect(c.kind == .agents && c.id == a.description && c.scope == .org("us"))
        let o = Harness.object(c)
        #expect(o["id"] as? String == a.description)
        #expect(o["org"] as? String == "us")
        #expect(o["name"] as? String == "Ana \"Quoted\"")
        #expect(o["presence"] as? String == "ON_QUEUE")
        #expect(o["routingStatus"] as? String == "INTERACTING")
        #expect(o["state"] as? String == "interacting")
        #expect(o["stateSince"] as? String == "2026-05-07T08:00:00.000Z")
        #expect(o["band"] as? String == "burnout")
        #expect((o["occupancy"] as? [String: Any])?["today"] as? Double == 1)
        #expect((o["handlingMs"] as? [String: Any])?["rolling15m"] as? Int == 15 * 60_000)
        #expect((o["productiveMs"] as? [String: Any])?["rolling60m"] as? Int == 30 * 60_000)
    }

    @Test func nameChangesInPlace() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 2)
        await h.engine.ingest(org: "us", events: [.agentProfile(AgentProfile(agent: a, name: "Ana"))])
        await h.engine.ingest(org: "us", events: [.agentProfile(AgentProfile(agent: a, name: "Ana Maria"))])
        await h.engine.ingest(org: "us", events: [.agentProfile(AgentProfile(agent: a, name: "Ana Maria"))])
        let agents = h.sink.changes.of(.agents)
        #expect(agents.map { Harness.object($0)["name"] as? String } == ["Ana", "Ana Maria"])
        #expect(Set(agents.map(\.id)) == [a.description])
        #expect(await h.engine.agentFigures(a)?.name == "Ana Maria")
        #expect(await h.engine.orgFigures("us")?.agents == 1)
    }

    @Test func trafficRule() async throws {
        let h = Harness(now: Self.t0 + 10 * minute)
        let a = agentID("us", 3)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .onQueue, .idle)])
        await h.engine.refresh()
        _ = h.sink.drain()
        await h.engine.refresh()
        #expect(h.sink.drain().isEmpty, "a refresh with nothing changed emits nothing")
        h.clock.advance(by: 5_000)
        await h.engine.refresh()
        let moved = h.sink.drain()
        #expect(moved.of(.agents).isEmpty, "5 s of steady state is not material for an agent")
        #expect(Set(moved.map(\.kind)) == [.orgs, .occupancy])
        // A state change goes out at once, on ingest.
        await h.engine.ingest(org: "us", events: [status(a, h.clock.now() - 1_000, nil, .interacting)])
        #expect(h.sink.drain().of(.agents).count == 1)
        // A minute of figures moving is material on refresh.
        h.clock.advance(by: minute)
        await h.engine.refresh()
        #expect(h.sink.drain().of(.agents).count == 1)
    }

    @Test func totalsAreTimeWeighted() async throws {
        let now = Self.t0 + 60 * minute
        let h = Harness(now: now)
        let a = agentID("us", 4)
        let b = agentID("us", 5)
        await h.engine.ingest(org: "us", events: [
            // a: productive 60 min, handling 6 → 0.1
            status(a, now - 60 * minute, .onQueue, .idle),
            status(a, now - 30 * minute, nil, .interacting),
            status(a, now - 24 * minute, nil, .idle),
            // b: productive 10 min, all handling → 1.0
            status(b, now - 60 * minute, .breakTime, .offQueue),
            status(b, now - 10 * minute, .onQueue, .interacting),
        ])
        await h.engine.refresh()
        let org = try #require(await h.engine.orgFigures("us"))
        #expect(org.figures.rolling60m == OccupancyFigures(handlingMs: 16 * minute, productiveMs: 70 * minute))
        let global = await h.engine.globalFigures()
        #expect(global.figures.rolling60m == org.figures.rolling60m)
        let totals = try #require(h.sink.changes.first { $0.kind == .occupancy && $0.id == "global" })
        #expect(totals.scope == .global)
        let occ = try #require(Harness.object(totals)["rolling60m"] as? Double)
        #expect(abs(occ - 16.0 / 70.0) < 0.0001)
        let orgTotals = try #require(h.sink.changes.first { $0.kind == .occupancy && $0.id == "us" })
        #expect(orgTotals.scope == .orgOnly("us"))
        let orgEntity = Harness.object(try #require(h.sink.changes.of(.orgs).last))
        #expect(orgEntity["agents"] as? Int == 2)
        #expect(orgEntity["timezone"] as? String == utc.identifier)
        #expect(orgEntity["status"] as? String == "connecting")
    }

    @Test func orgRemovalEmitsRemovals() async throws {
        let orgs = [ViewOrg(id: "us", name: "US", timeZone: utc), ViewOrg(id: "emea", name: "EMEA", timeZone: utc)]
        let h = Harness(orgs: orgs, now: Self.t0)
        let a = agentID("emea", 1)
        let q = EntityID(org: "emea", platformID: "q1")
        await h.engine.ingest(org: "emea", events: [
            status(a, Self.t0, .onQueue, .idle),
            .queueObservation(QueueObservation(queue: q, at: Self.t0, mediaType: "voice", waiting: 1)),
        ])
        await h.engine.refresh()
        _ = h.sink.drain()
        await h.engine.setOrgs([orgs[0]])
        let removed = h.sink.drain().filter { $0.json == nil }
        #expect(Set(removed.map { "\($0.kind.rawValue):\($0.id)" })
            == ["agents:\(a)", "queues:\(q)", "orgs:emea", "occupancy:emea"])
        #expect(await h.engine.orgFigures("emea") == nil)
        #expect(await h.engine.agentFigures(a) == nil)
        // Events for a removed org are dropped.
        await h.engine.ingest(org: "emea", events: [status(a, Self.t0, .onQueue, .idle)])
        #expect(await h.engine.droppedEvents() == 1)
        // Adding it back makes it appear again.
        await h.engine.setOrgs(orgs)
        #expect(h.sink.drain().contains { $0.kind == .orgs && $0.id == "emea" && $0.json != nil })
    }

    @Test func connectorStatusUpdatesOrgAndAlerts() async throws {
        let h = Harness(now: Self.t0)
        await h.engine.refresh()
        _ = h.sink.drain()
        await h.engine.ingest(org: "us", events: [.connector(ConnectorStatus(org: "us", status: .open, at: Self.t0,
                                                                             lastHeartbeatAt: Self.t0))])
        var org = Harness.object(try #require(h.sink.drain().of(.orgs).last))
        #expect(org["status"] as? String == "open")
        #expect(org["lastHeartbeatAt"] as? String == "2026-05-07T08:00:00.000Z")
        await h.engine.ingest(org: "us", events: [.connector(ConnectorStatus(org: "us", status: .stale,
                                                                             at: Self.t0 + 65_000))])
        org = Harness.object(try #require(h.sink.drain().of(.orgs).last))
        #expect(org["status"] as? String == "stale")
        #expect(org["lastHeartbeatAt"] as? String == "2026-05-07T08:00:00.000Z", "heartbeat time is kept")
        await h.engine.ingest(org: "us", events: [.connector(ConnectorStatus(org: "us", status: .open,
                                                                             at: Self.t0 + 90_000))])
        #expect(h.sink.alerts.map(\.kind) == [.upstreamStale, .upstreamRecovered])
        #expect(await h.engine.orgStatuses()["us"]?.status == .open)
    }
}

@Suite struct HotReloadTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    @Test func timeZoneChangeRestartsTodayButKeepsTheTimeline() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0 - 6 * 60 * minute, .onQueue, .idle)])
        for _ in 0..<12 {
            h.clock.advance(by: 5 * minute)
            await h.engine.refresh()
        }
        // 09:00 UTC: 9 h of today in UTC (the last 6 h productive).
        #expect(await h.engine.agentFigures(a)?.figures.today.productiveMs == 6 * 60 * minute + 60 * minute)
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        await h.engine.setOrgs([ViewOrg(id: "us", name: "US", timeZone: tokyo)])
        let f = try #require(await h.engine.agentFigures(a))
        // Tokyo's day began at 15:00 UTC the day before; only the kept timeline (since the fold) counts.
        #expect(f.figures.rolling60m.productiveMs == 60 * minute)
        #expect(f.figures.today.productiveMs == 65 * minute)
        #expect(Harness.object(try #require(h.sink.changes.of(.orgs).last))["timezone"] as? String == "Asia/Tokyo")
    }

    @Test func currentEntitiesReplaysTheLatestState() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 2)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .onQueue, .idle),
                                                  .agentProfile(AgentProfile(agent: a, name: "Zoe"))])
        await h.engine.refresh()
        let all = await h.engine.currentEntities()
        #expect(Set(all.map { "\($0.kind.rawValue):\($0.id)" }) == ["orgs:us", "occupancy:us", "occupancy:global", "agents:\(a)"])
        #expect(Harness.object(try #require(all.of(.agents).first))["name"] as? String == "Zoe")
    }
}
