import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// Per-queue conversations aggregates equal the truth's queue buckets; `/_sim/rename` renames in the
/// directory only (ids stay, the user's `version` goes up).
@Suite("Queue aggregates and renames")
struct QueueAndRenameEndpointTests {
    @Test func conversationsAggregatesByQueueMatchTruth() async throws {
        let clock = ManualClock(Timestamp.parse("2026-05-07T14:00:00.000Z")!)
        try await withSimulator({ $0.agentsPerOrg = 12; $0.startAt = .init(hour: 9, minute: 0) }, clock: clock) { sim, client in
            let truth = try #require(await sim.truth(org: "us"))
            let token = try await client.accessToken()
            let interval = "\(truth.dayStart)/\(Timestamp.format(truth.atMillis + 1))"
            let reply = try await client.request(
                "POST", "/api/v2/analytics/conversations/aggregates/query", token: token,
                json: #"{"interval":"\#(interval)","granularity":"PT30M","groupBy":["queueId"],"metrics":["tHandle","tTalk","tHeld","tAcw","nConnected"]}"#)
            #expect(reply.status == 200)
            var got: [String: [[Int64]]] = [:]
            for r in try #require(try reply.json()["results"] as? [[String: Any]]) {
                let g = try #require(r["group"] as? [String: String])
                #expect(g["userId"] == nil)
                let queue = try #require(g["queueId"])
                for d in r["data"] as? [[String: Any]] ?? [] {
                    let start = Timestamp.parse(String((d["interval"] as? String ?? "").split(separator: "/").first ?? "")) ?? -1
                    var handle: Int64 = 0, count: Int64 = 0, acw: Int64 = 0
                    for m in d["metrics"] as? [[String: Any]] ?? [] {
                        let stats = m["stats"] as? [String: Any] ?? [:]
                        if m["metric"] as? String == "tHandle" {
                            handle = (stats["sum"] as? NSNumber)?.int64Value ?? -1
                            count = (stats["count"] as? NSNumber)?.int64Value ?? -1
                        }
                        if m["metric"] as? String == "tAcw" { acw = (stats["sum"] as? NSNumber)?.int64Value ?? -1 }
                    }
                    got[queue, default: []].append([start, handle, count, acw])
                }
            }
            #expect(got.count == truth.queueUtilization.count && !got.isEmpty)
            for q in truth.queueUtilization {
                #expect(got[q.queueId] == q.intervals.map { [$0.startMillis, $0.handleMs, Int64($0.handleCount), $0.acwMs] }, "\(q.queueId)")
            }
            // A queue filter narrows the answer to that queue.
            let one = try #require(truth.queueUtilization.first?.queueId)
            let filtered = try await client.request(
                "POST", "/api/v2/analytics/conversations/aggregates/query", token: token,
                json: #"{"interval":"\#(interval)","granularity":"PT30M","groupBy":["queueId"],"filter":{"type":"or","predicates":[{"dimension":"queueId","value":"\#(one)"}]},"metrics":["tHandle"]}"#)
            let results = try #require(try filtered.json()["results"] as? [[String: Any]])
            #expect(results.count == 1 && (results[0]["group"] as? [String: String])?["queueId"] == one)
        }
    }

    @Test func renameChangesTheDirectoryOnly() async throws {
        try await withSimulator({ $0.agentsPerOrg = 10 }) { sim, client in
            let truth = try #require(await sim.truth(org: "us"))
            let agent = truth.agents[3], queue = truth.queues[0]
            let token = try await client.accessToken()
            let renamed = try await client.request("POST", "/_sim/rename",
                                                   json: #"{"org":"us","agent":"\#(agent.id)","name":"Zoë Nouveau"}"#)
            #expect(renamed.status == 200)
            #expect(try renamed.json()["from"] as? String == agent.name)
            #expect(try await client.request("POST", "/_sim/rename", json: #"{"org":"us","queue":"\#(queue.id)","name":"US Renamed"}"#).status == 200)
            let user = try await client.request("GET", "/api/v2/users/\(agent.id)", token: token)
            #expect(try user.json()["name"] as? String == "Zoë Nouveau")
            #expect((try user.json()["version"] as? NSNumber)?.intValue == 2)
            let queues = try await client.request("GET", "/api/v2/routing/queues?pageSize=100", token: token)
            let entities = try #require(try queues.json()["entities"] as? [[String: Any]])
            #expect(entities.first { $0["id"] as? String == queue.id }?["name"] as? String == "US Renamed")
            let after = try #require(await sim.truth(org: "us"))
            #expect(after.agents.map(\.id) == truth.agents.map(\.id), "ids never change")
            // Bad requests: unknown id, both or neither target.
            #expect(try await client.request("POST", "/_sim/rename", json: #"{"org":"us","agent":"nope","name":"x"}"#).status == 404)
            #expect(try await client.request("POST", "/_sim/rename",
                                             json: #"{"org":"us","agent":"\#(agent.id)","queue":"\#(queue.id)","name":"x"}"#).status == 400)
            #expect(try await client.request("POST", "/_sim/rename", json: #"{"org":"us","name":"x"}"#).status == 400)
        }
    }
}
