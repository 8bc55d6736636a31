import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// A snapshot is true when it is read: the live entities are computed at the clock's now, whatever the
/// traffic rule last sent, and carry what a client needs to keep ticking (`asOf`, `accruing`).
@Suite struct ReadTimeFiguresTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    static func live(_ h: Harness, org: OrgID? = nil) async -> LiveEntities {
        await h.engine.withLiveEntities(org: org) { $0 }
    }

    @Test func liveEntitiesAreComputedAtTheMomentOfReading() async throws {
        let h = Harness(now: Self.t0)
        let idle = agentID("us", 1), talking = agentID("us", 2), away = agentID("us", 3)
        let q = EntityID(org: "us", platformID: "q-1")
        await h.engine.ingest(org: "us", events: [
            status(idle, Self.t0, .onQueue, .idle),
            status(talking, Self.t0, .onQueue, .interacting),
            status(away, Self.t0, .breakTime, .offQueue),
            .agentStatus(AgentStatusChange(agent: idle, at: Self.t0, presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q])),
            .queueProfile(QueueProfile(queue: q, name: "Sales")),
        ])
        await h.engine.refresh()
        _ = h.sink.drain()
        // Seven minutes pass with no event, no refresh and no sweep: nothing was emitted since.
        h.clock.advance(by: 7 * minute)
        let live = await Self.live(h)
        #expect(live.at == Self.t0 + 7 * minute)
        #expect(h.sink.drain().isEmpty, "reading emits nothing")

        let agents = Dictionary(uniqueKeysWithValues: live.changes.of(.agents).map { ($0.id, Harness.object($0)) })
        let i = try #require(agents[idle.description])
        #expect((i["productiveMs"] as? [String: Any])?["today"] as? Int == 7 * 60_000)
        #expect((i["handlingMs"] as? [String: Any])?["today"] as? Int == 0)
        #expect(i["accruing"] as? [String: Int] == ["handling": 0, "productive": 1])
        #expect(i["asOf"] as? String == "2026-05-07T08:07:00.000Z")
        let t = try #require(agents[talking.description])
        #expect((t["handlingMs"] as? [String: Any])?["today"] as? Int == 7 * 60_000)
        #expect(t["accruing"] as? [String: Int] == ["handling": 1, "productive": 1])
        let a = try #require(agents[away.description])
        #expect((a["productiveMs"] as? [String: Any])?["today"] as? Int == 0)
        #expect(a["accruing"] as? [String: Int] == ["handling": 0, "productive": 0])

        // Org entity, org totals and global totals: sums at the same instant, accruing counted.
        let org = Harness.object(try #require(live.changes.of(.orgs).first))
        #expect((org["productiveMs"] as? [String: Any])?["today"] as? Int == 14 * 60_000)
        #expect(org["accruing"] as? [String: Int] == ["handling": 1, "productive": 2])
        #expect(org["asOf"] as? String == "2026-05-07T08:07:00.000Z")
        let totals = live.changes.of(.occupancy)
        #expect(Set(totals.map(\.id)) == ["us", "global"])
        for t in totals {
            #expect((Harness.object(t)["handlingMs"] as? [String: Any])?["today"] as? Int == 7 * 60_000)
        }
        // The queue's member occupancy is computed now too.
        let queue = Harness.object(try #require(live.changes.of(.queues).first))
        #expect((queue["productiveMs"] as? [String: Any])?["today"] as? Int == 7 * 60_000)
        #expect(queue["accruing"] as? [String: Int] == ["handling": 0, "productive": 1])
    }

    /// The org filter: an org topic's snapshot needs that org only (its totals, not the global ones).
    @Test func liveEntitiesOfOneOrg() async throws {
        let h = Harness(orgs: [ViewOrg(id: "us", name: "US", timeZone: utc), ViewOrg(id: "emea", name: "EMEA", timeZone: utc)],
                        now: Self.t0)
        await h.engine.ingest(org: "us", events: [status(agentID("us", 1), Self.t0, .onQueue, .idle)])
        await h.engine.ingest(org: "emea", events: [status(agentID("emea", 1), Self.t0, .onQueue, .idle)])
        let live = await Self.live(h, org: "emea")
        #expect(Set(live.changes.map { "\($0.kind.rawValue):\($0.id)" })
                == ["orgs:emea", "occupancy:emea", "agents:\(agentID("emea", 1))"])
    }

    /// Ticking from a fragment (`value + accruing × (now − asOf)`) gives what a later read computes, as
    /// long as the agent's state did not change.
    @Test func tickingFromAFragmentMatchesALaterRead() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .onQueue, .interacting)])
        let first = Harness.object(try #require(await Self.live(h).changes.of(.agents).first))
        h.clock.advance(by: 95_000)
        let later = try #require(await h.engine.agentFigures(a))
        let accruing = try #require(first["accruing"] as? [String: Int])
        for (key, figure) in [("handlingMs", later.figures.today.handlingMs), ("productiveMs", later.figures.today.productiveMs)] {
            let base = try #require((first[key] as? [String: Any])?["today"] as? Int)
            let rate = accruing[key == "handlingMs" ? "handling" : "productive"] ?? -1
            #expect(Int64(base + rate * 95_000) == figure, "\(key)")
        }
        #expect(later.asOf == Self.t0 + 95_000)
    }

    /// Org and totals fragments that differ only in `asOf` are not re-sent: nothing shown changed.
    @Test func anUnchangedOrgIsNotResentForItsAsOfAlone() async throws {
        let h = Harness(now: Self.t0)
        await h.engine.ingest(org: "us", events: [status(agentID("us", 1), Self.t0, .offline, .offQueue)])
        await h.engine.refresh()
        _ = h.sink.drain()
        h.clock.advance(by: 10 * minute)
        await h.engine.refresh()
        let again = h.sink.drain()
        #expect(again.of(.orgs).isEmpty && again.of(.occupancy).isEmpty, "\(again.map(\.id))")
    }

    /// Figures as of a past instant (for comparing with a truth taken then) are what a read at that instant gave:
    /// later changes are left out, earlier ones counted up to it.
    @Test func figuresAtAPastInstantAreThoseReadThen() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .onQueue, .idle)])
        h.clock.advance(by: 2 * minute)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0 + 2 * minute, .onQueue, .interacting)])
        h.clock.advance(by: 1 * minute)
        let then = try #require(await h.engine.agentFigures(a))
        h.clock.advance(by: 3 * minute)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0 + 5 * minute, .breakTime, .offQueue)])
        let past = try #require(await h.engine.agentFigures(a, at: Self.t0 + 3 * minute))
        #expect(past.asOf == Self.t0 + 3 * minute)
        for w in OccupancyWindow.allCases {
            #expect(past.handlingMs(w) == then.handlingMs(w) && past.productiveMs(w) == then.productiveMs(w), "\(w)")
        }
        #expect(past.handlingMs(.rolling15m) == 60_000 && past.productiveMs(.rolling15m) == 3 * 60_000)
        // Not in the future: a later instant is read as now.
        let now = try #require(await h.engine.agentFigures(a, at: Self.t0 + 60 * minute))
        #expect(now.asOf == Self.t0 + 6 * minute)
    }
}
