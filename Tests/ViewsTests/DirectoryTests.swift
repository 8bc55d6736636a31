import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// A full directory read is the org as it is now: agents and queues that are gone (deleted, or the org was
/// re-pointed to another upstream) leave the views with removal changes; the rest keep their figures.
@Suite struct DirectoryTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    @Test func goneAgentsAndQueuesLeaveTheOthersKeepTheirFigures() async throws {
        let h = Harness(now: Self.t0)
        let keep = agentID("us", 1), gone = agentID("us", 2)
        let q1 = EntityID(org: "us", platformID: "q-1"), q2 = EntityID(org: "us", platformID: "q-2")
        await h.engine.ingest(org: "us", events: [
            .agentStatus(AgentStatusChange(agent: keep, at: Self.t0, presence: .onQueue, routingStatus: .interacting,
                                           activeQueues: [q1, q2])),
            status(gone, Self.t0, .onQueue, .idle),
            .queueProfile(QueueProfile(queue: q1, name: "Sales")),
            .queueProfile(QueueProfile(queue: q2, name: "Old")),
        ])
        h.clock.advance(by: 10 * minute)
        await h.engine.refresh()
        _ = h.sink.drain()
        await h.engine.ingest(org: "us", events: [.directory(OrgDirectory(org: "us", users: [keep.platformID], queues: ["q-1"]))])
        let out = h.sink.drain()
        #expect(Set(out.filter { $0.json == nil }.map { "\($0.kind.rawValue):\($0.id)" }) == ["agents:\(gone)", "queues:us/q-2"])
        #expect(await h.engine.agentFigures(gone) == nil)
        #expect(await h.engine.queueTile(q2) == nil)
        // The kept agent keeps its figures and its (remapped) queue membership.
        #expect(try #require(await h.engine.agentFigures(keep)).figures.today.handlingMs == 10 * minute)
        let tile = try #require(await h.engine.queueTile(q1))
        #expect(tile.occupancy?.today.handlingMs == 10 * minute)
        let live = await h.engine.withLiveEntities(org: "us") { $0 }
        #expect(live.changes.of(.agents).map(\.id) == [keep.description])
        #expect(live.changes.of(.queues).map(\.id) == ["us/q-1"])
        // Events for the kept agent still land on it after the compaction.
        await h.engine.ingest(org: "us", events: [status(keep, Self.t0 + 10 * minute, .onQueue, .idle)])
        #expect(try #require(await h.engine.agentFigures(keep)).state == "idle")
        #expect(await h.engine.globalFigures().agents == 1)
    }
}
