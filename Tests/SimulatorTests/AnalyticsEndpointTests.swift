import AsyncHTTPClient
import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

@Suite("Truth and analytics over HTTP")
struct AnalyticsEndpointTests {
    @Test func truthObservationsAndAggregatesAgree() async throws {
        let clock = ManualClock(1_790_000_000_000)
        try await withSimulator({ $0.agentsPerOrg = 30; $0.queuesPerOrg = 2 }, clock: clock) { sim, client in
            clock.advance(by: 90 * 60_000)
            let truthReply = try await client.request("GET", "/_sim/truth?org=us")
            #expect(truthReply.status == 200)
            let truth = try JSONDecoder().decode(SimTruth.self, from: truthReply.body)
            #expect(truth.org == "us")
            #expect(truth.agents.count == 30)
            #expect(truth.queues.count == 2)
            #expect(truth.totals.productiveMs.rolling60m > 0)
            #expect(await sim.truth(org: "us") == truth)  // the clock has not moved
            #expect(try await client.request("GET", "/_sim/truth?org=nowhere").status == 404)

            let token = try await client.accessToken()
            let q = truth.queues[0]
            let obs = try await client.request(
                "POST", "/api/v2/analytics/queues/observations/query", token: token,
                json: """
                {"filter":{"type":"or","predicates":[{"dimension":"queueId","value":"\(q.id)"}]},
                 "metrics":["oWaiting","oInteracting","oOnQueueUsers","oUserRoutingStatuses"],"detailMetrics":["oWaiting"]}
                """)
            #expect(obs.status == 200)
            let results = try #require(try obs.json()["results"] as? [[String: Any]])
            var waiting = -1, interacting = -1, onQueue = -1
            for r in results {
                for d in try #require(r["data"] as? [[String: Any]]) {
                    let count = (d["stats"] as? [String: Any])?["count"] as? Int ?? -1
                    switch d["metric"] as? String {
                    case "oWaiting":
                        waiting = count
                        #expect((d["observations"] as? [Any])?.count == count)
                    case "oInteracting": interacting = count
                    case "oOnQueueUsers": onQueue = count
                    default: break
                    }
                }
            }
            #expect(waiting == q.waiting && interacting == q.interacting && onQueue == q.onQueueAgents)

            let agg = try await client.request(
                "POST", "/api/v2/analytics/users/aggregates/query", token: token,
                json: """
                {"interval":"\(truth.dayStart)/\(Timestamp.format(Timestamp.parse(truth.dayStart)! + 86_400_000))",
                 "granularity":"PT30M","groupBy":["userId"],"metrics":["tAgentRoutingStatus","tSystemPresence"],
                 "filter":{"type":"or","predicates":[{"dimension":"userId","value":"\(truth.agents[0].id)"}]}}
                """)
            #expect(agg.status == 200)
            let users = try #require(try agg.json()["results"] as? [[String: Any]])
            #expect(users.count <= 1)
            var handling: Int64 = 0
            for u in users {
                for bucket in u["data"] as? [[String: Any]] ?? [] {
                    for m in bucket["metrics"] as? [[String: Any]] ?? []
                    where m["metric"] as? String == "tAgentRoutingStatus"
                        && ["INTERACTING", "COMMUNICATING"].contains(m["qualifier"] as? String ?? "") {
                        handling += Int64((m["stats"] as? [String: Any])?["sum"] as? Int ?? 0)
                    }
                }
            }
            #expect(handling == truth.agents[0].handlingMs.today)
            let bad = try await client.request("POST", "/api/v2/analytics/users/aggregates/query", token: token,
                                               json: #"{"interval":"nonsense"}"#)
            #expect(bad.status == 400)
        }
    }

    @Test func threeOrgsServedByClientID() async throws {
        try await withSimulator { sim, client in
            #expect(sim.orgIDs == ["us", "emea", "apac"])
            var seen = Set<String>()
            for org in sim.orgIDs {
                let token = try await client.accessToken(org: org)
                let ids = try await client.users(token).compactMap { $0["id"] as? String }
                #expect(ids.count == 20)
                seen.formUnion(ids)
            }
            #expect(seen.count == 60)
            #expect(SimulatorOptions.orgIDs(count: 5) == ["us", "emea", "apac", "org4", "org5"])
        }
    }
}
