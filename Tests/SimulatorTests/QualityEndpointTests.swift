import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// The simulator's quality sources agree with its truth: evaluations arrive over the day, the
/// evaluations aggregates segment by form, and the seed path shows the zero-count trap.
@Suite("Quality endpoints")
struct QualityEndpointTests {
    /// A `rangeBound` view on `oTotalScore` counts the evaluations scoring at least the bound (the
    /// truth's `passed`, pass mark 80); views that break the platform's rules are refused with 400.
    @Test func rangeBoundViewCountsPassingEvaluations() async throws {
        let clock = ManualClock(Timestamp.parse("2026-05-07T17:00:00.000Z")!)
        try await withSimulator({ $0.agentsPerOrg = 10; $0.startAt = .init(hour: 10, minute: 0) }, clock: clock) { sim, client in
            let truth = try #require(await sim.truth(org: "us"))
            let token = try await client.accessToken()
            let interval = "\(truth.dayStart)/\(Timestamp.format(truth.atMillis + 1))"
            func query(_ views: String) async throws -> SimClient.Reply {
                try await client.request("POST", "/api/v2/analytics/evaluations/aggregates/query", token: token,
                                         json: #"{"interval":"\#(interval)","groupBy":["userId","formId"],"metrics":["nEvaluations"],"views":\#(views)}"#)
            }
            let reply = try await query(#"[{"target":"oTotalScore","name":"passing","function":"rangeBound","range":{"gte":80}}]"#)
            #expect(reply.status == 200)
            var passed: [String: Int] = [:]
            for r in try #require(try reply.json()["results"] as? [[String: Any]]) {
                let g = try #require(r["group"] as? [String: String])
                for d in r["data"] as? [[String: Any]] ?? [] {
                    for v in d["views"] as? [[String: Any]] ?? [] where v["name"] as? String == "passing" {
                        passed["\(g["userId"] ?? "")/\(g["formId"] ?? "")", default: 0] +=
                            ((v["stats"] as? [String: Any])?["count"] as? NSNumber)?.intValue ?? -1
                    }
                }
            }
            #expect(truth.quality.contains { $0.passed > 0 } && truth.quality.contains { $0.passed < $0.count })
            for q in truth.quality { #expect(passed["\(q.agentId)/\(q.formId)", default: 0] == q.passed, "\(q)") }
            for bad in [#"[{"target":"oTotalScore","name":"p","function":"average","range":{"gte":80}}]"#,
                        #"[{"target":"tHandle","name":"p","function":"rangeBound","range":{"gte":80}}]"#,
                        #"[{"target":"oTotalScore","name":"oTotalScore","function":"rangeBound","range":{"gte":80}}]"#,
                        #"[{"target":"oTotalScore","name":"p","function":"rangeBound","range":{}}]"#] {
                #expect(try await query(bad).status == 400, "\(bad)")
            }
        }
    }

    @Test func evaluationsAggregatesAndSeedMetricsMatchTruth() async throws {
        let clock = ManualClock(Timestamp.parse("2026-05-07T14:00:00.000Z")!)
        try await withSimulator({ $0.agentsPerOrg = 10; $0.startAt = .init(hour: 10, minute: 0) }, clock: clock) { sim, client in
            let early = try #require(await sim.truth(org: "us"))
            clock.advance(by: 3 * 3_600_000)
            let truth = try #require(await sim.truth(org: "us"))
            let total = { (t: SimTruth) in t.quality.reduce(0) { $0 + $1.count } }
            #expect(total(truth) > total(early), "evaluations arrive over the day")
            #expect(Set(truth.quality.map(\.formId)).count == 2, "two forms")
            let token = try await client.accessToken()
            let interval = "\(truth.dayStart)/\(Timestamp.format(truth.atMillis + 1))"
            let reply = try await client.request(
                "POST", "/api/v2/analytics/evaluations/aggregates/query", token: token,
                json: #"{"interval":"\#(interval)","groupBy":["userId","formId"],"metrics":["nEvaluations","oTotalScore","oTotalCriticalScore"]}"#)
            #expect(reply.status == 200)
            var got: [String: (Int, Int64, Int64)] = [:]
            for r in try #require(try reply.json()["results"] as? [[String: Any]]) {
                let g = try #require(r["group"] as? [String: String])
                var n = 0, sum: Int64 = 0, crit: Int64 = 0
                for d in r["data"] as? [[String: Any]] ?? [] {
                    for m in d["metrics"] as? [[String: Any]] ?? [] {
                        let stats = m["stats"] as? [String: Any] ?? [:]
                        switch m["metric"] as? String {
                        case "nEvaluations": n = (stats["count"] as? NSNumber)?.intValue ?? -1
                        case "oTotalScore": sum = (stats["sum"] as? NSNumber)?.int64Value ?? -1
                        case "oTotalCriticalScore": crit = (stats["sum"] as? NSNumber)?.int64Value ?? -1
                        default: break
                        }
                    }
                }
                got["\(g["userId"] ?? "")/\(g["formId"] ?? "")"] = (n, sum, crit)
            }
            #expect(got.count == truth.quality.count)
            for q in truth.quality {
                let g = got["\(q.agentId)/\(q.formId)"]
                #expect(g?.0 == q.count && g?.1 == q.scoreSum && g?.2 == q.criticalScoreSum, "\(q)")
            }
            #expect(try await client.request("POST", "/api/v2/analytics/evaluations/aggregates/query", token: token,
                                             json: #"{"interval":"\#(interval)","groupBy":["evaluatorId"],"metrics":["nEvaluations"]}"#).status == 400)

            // Grouped by queue and form: equal to the truth's queue groups.
            let byQueue = try await client.request(
                "POST", "/api/v2/analytics/evaluations/aggregates/query", token: token,
                json: #"{"interval":"\#(interval)","groupBy":["queueId","formId"],"metrics":["nEvaluations","oTotalScore"]}"#)
            #expect(byQueue.status == 200)
            var queues: [String: (Int, Int64)] = [:]
            for r in try #require(try byQueue.json()["results"] as? [[String: Any]]) {
                let g = try #require(r["group"] as? [String: String])
                #expect(g["userId"] == nil)
                var n = 0, sum: Int64 = 0
                for m in (r["data"] as? [[String: Any]] ?? []).flatMap({ $0["metrics"] as? [[String: Any]] ?? [] }) {
                    let stats = m["stats"] as? [String: Any] ?? [:]
                    if m["metric"] as? String == "nEvaluations" { n = (stats["count"] as? NSNumber)?.intValue ?? -1 }
                    if m["metric"] as? String == "oTotalScore" { sum = (stats["sum"] as? NSNumber)?.int64Value ?? -1 }
                }
                queues["\(g["queueId"] ?? "")/\(g["formId"] ?? "")"] = (n, sum)
            }
            #expect(queues.count == truth.queueQuality.count && !queues.isEmpty)
            for q in truth.queueQuality {
                #expect(queues["\(q.queueId)/\(q.formId)"].map { $0.0 == q.count && $0.1 == q.scoreSum } == true, "\(q)")
            }
            #expect(truth.queueQuality.reduce(0) { $0 + $1.count } == total(truth), "every evaluation in one queue")

            // The published forms listing names the ids the aggregates group by.
            let forms = try await client.request("GET", "/api/v2/quality/publishedforms/evaluations?pageSize=25&pageNumber=1",
                                                 token: token)
            #expect(forms.status == 200)
            let listing = try forms.json()
            let entities = try #require(listing["entities"] as? [[String: Any]])
            var names: [String: String] = [:]
            for e in entities { names[e["id"] as? String ?? ""] = e["name"] as? String }
            for q in truth.quality { #expect(names[q.formId] == q.formName) }
            #expect((listing["total"] as? NSNumber)?.intValue == entities.count)

            // Seed shape: every agent, zero counts included.
            let seed = try await client.request("GET", "/api/v2/quality/metrics?groupBy=agent&metrics=averageScore,count,passRate",
                                                token: token)
            #expect(seed.status == 200)
            let rows = try #require(try JSONSerialization.jsonObject(with: seed.body) as? [[String: Any]])
            #expect(rows.count == 10)
            var zero = 0
            for row in rows {
                let id = try #require(row["entityId"] as? String)
                let metrics = try #require(row["metrics"] as? [String: Any])
                let count = ((metrics["count"] as? [String: Any])?["value"] as? NSNumber)?.intValue ?? -1
                let mine = truth.quality.filter { $0.agentId == id }
                #expect(count == mine.reduce(0) { $0 + $1.count })
                if count == 0 { zero += 1 }
                if count > 0 {
                    let avg = ((metrics["averageScore"] as? [String: Any])?["value"] as? NSNumber)?.doubleValue ?? -1
                    let expected = Double(mine.reduce(0) { $0 + $1.scoreSum }) / Double(count)
                    #expect(abs(avg - expected) < 0.01)
                }
            }
            #expect(zero >= 2, "the zero-count ghost agents")

            // Seed shape by queue: every queue, zero counts included, named.
            let seedQueues = try await client.request("GET", "/api/v2/quality/metrics?groupBy=queue&metrics=count", token: token)
            #expect(seedQueues.status == 200)
            let queueRows = try #require(try JSONSerialization.jsonObject(with: seedQueues.body) as? [[String: Any]])
            #expect(queueRows.count == truth.queues.count)
            for row in queueRows {
                let id = try #require(row["entityId"] as? String)
                #expect(row["entityName"] as? String == truth.queues.first { $0.id == id }?.name)
                let count = (((row["metrics"] as? [String: Any])?["count"] as? [String: Any])?["value"] as? NSNumber)?.intValue
                #expect(count == truth.queueQuality.filter { $0.queueId == id }.reduce(0) { $0 + $1.count })
            }
        }
    }
}
