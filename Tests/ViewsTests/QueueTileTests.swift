import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

@Suite struct QueueTileTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    @Test func tileMergesGroupsAndIgnoresOlderObservations() async throws {
        let h = Harness(now: Self.t0 + 10 * minute)
        let q = EntityID(org: "us", platformID: "q1")
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [
            .queueProfile(QueueProfile(queue: q, name: "Sales")),
            .queueObservation(QueueObservation(queue: q, at: Self.t0 + 5 * minute, mediaType: "voice", waiting: 2,
                                               interacting: 3, oldestWaitingSince: Self.t0 + 8 * minute)),
            .queueObservation(QueueObservation(queue: q, at: Self.t0 + 5 * minute, mediaType: "chat", waiting: 1,
                                               interacting: 1, longestWaitMs: 30_000)),
            .queueObservation(QueueObservation(queue: q, at: Self.t0 + 5 * minute,
                                               routingStatuses: [.idle: 2, .interacting: 4, .offQueue: 9])),
            // older than what the voice group holds: ignored
            .queueObservation(QueueObservation(queue: q, at: Self.t0 + 1 * minute, mediaType: "voice", waiting: 9)),
            .agentStatus(AgentStatusChange(agent: a, at: Self.t0, presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q])),
        ])
        var tile = try #require(await h.engine.queueTile(q))
        #expect(tile.name == "Sales")
        #expect(tile.waiting == 3 && tile.interacting == 4 && tile.onQueueAgents == 6)
        #expect(tile.longestWaitMs == 2 * minute)
        #expect(tile.oldestWaitingSince == Self.t0 + 8 * minute)
        #expect(tile.occupancy?.rolling60m == OccupancyFigures(handlingMs: 0, productiveMs: 10 * minute))
        await h.engine.refresh()
        let json = Harness.object(try #require(h.sink.changes.of(.queues).last))
        #expect(json["waiting"] as? Int == 3)
        #expect(json["onQueueAgents"] as? Int == 6)
        #expect(json["longestWaitMs"] as? Int == 120_000)
        #expect(json["oldestWaitingSince"] as? String == "2026-05-07T08:08:00.000Z")
        #expect((json["occupancy"] as? [String: Any])?["rolling60m"] as? Double == 0)
        // Nobody waiting any more.
        await h.engine.ingest(org: "us", events: [
            .queueObservation(QueueObservation(queue: q, at: Self.t0 + 9 * minute, mediaType: "voice", waiting: 0)),
            .queueObservation(QueueObservation(queue: q, at: Self.t0 + 9 * minute, mediaType: "chat", waiting: 0)),
        ])
        tile = try #require(await h.engine.queueTile(q))
        #expect(tile.waiting == 0 && tile.longestWaitMs == 0 && tile.oldestWaitingSince == nil)
    }

    @Test func queueWithoutMembersHasNullOccupancy() async throws {
        let h = Harness(now: Self.t0)
        let q = EntityID(org: "us", platformID: "q2")
        await h.engine.ingest(org: "us", events: [
            .queueObservation(QueueObservation(queue: q, at: Self.t0, mediaType: "voice", waiting: 0, interacting: 0)),
        ])
        let change = try #require(h.sink.changes.of(.queues).last)
        #expect(change.scope == .org("us"))
        #expect(Harness.object(change)["occupancy"] is NSNull)
        #expect(Harness.object(change)["name"] as? String == "q2")
    }
}
