import AsyncHTTPClient
import Bridge
import Foundation
import NIOFoundationCompat
import ServiceLifecycle
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// `GET /v1/utilization/details` through the whole bridge: the drill-down runs through the org's own
/// connector against the simulator (paging, the 100,000-result cap — lowered here so it splits), and its
/// conversations add up to the interval the utilization entity shows. Errors say what to do.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct UtilizationDetailsExportTests {
    /// Simulator (with a small details cap) + bridge as the demo wires them.
    static func withDemo(detailsCap: Int, _ body: (DemoFixture.Running) async throws -> Void) async throws {
        try await DemoFixture.run(agents: 6, speed: 20, startAt: .init(hour: 6, minute: 0),
                                  configure: { $0.detailsResultCap = detailsCap }, body)
    }

    /// The busiest closed interval of any agent in the org:us snapshot: (agent id, interval).
    static func busiestClosedInterval(_ base: String) async -> (String, [String: Any])? {
        guard let (_, body) = try? await BridgeEndToEndTests.get("\(base)/v1/views/org:us", token: "demo-global"),
              let data = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any]
        else { return nil }
        var best: (String, [String: Any])?
        for u in data["utilization"] as? [[String: Any]] ?? [] where u["type"] as? String == "agent" {
            guard let agent = u["agent"] as? String else { continue }
            for i in u["intervals"] as? [[String: Any]] ?? [] where (i["open"] as? Bool) == false {
                let n = (i["handleCount"] as? NSNumber)?.intValue ?? 0
                if n > ((best?.1["handleCount"] as? NSNumber)?.intValue ?? 0) { best = (agent, i) }
            }
        }
        return best
    }

    @Test func drillDownAddsUpToTheIntervalAndExplainsErrors() async throws {
        let cap = 3
        try await Self.withDemo(detailsCap: cap) { demo in
            #expect(await eventually("a closed interval above the cap") {
                ((await Self.busiestClosedInterval(demo.bridgeBase))?.1["handleCount"] as? NSNumber)?.intValue ?? 0 > cap
            })
            let (agent, interval) = try #require(await Self.busiestClosedInterval(demo.bridgeBase))
            let start = try #require(interval["start"] as? String)
            let query = "org=us&agent=\(agent)&interval=\(start.replacingOccurrences(of: "+", with: "%2B"))"
            let base = "\(demo.bridgeBase)/v1/utilization/details"
            // A 429 in the middle of the paging is waited out by the connector's REST client.
            await demo.simulator.inject(.rateLimit(count: 1), org: "us")
            let (status, body) = try await BridgeEndToEndTests.get("\(base)?\(query)", token: "demo-global")
            #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
            let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(json["org"] as? String == "us" && json["agentId"] as? String == agent)
            #expect(json["timeZone"] as? String == "America/New_York")
            #expect(Timestamp.parse(json["intervalStart"] as? String ?? "") == Timestamp.parse(start))
            #expect(!(json["agentName"] as? String ?? "").isEmpty)
            let rows = try #require(json["conversations"] as? [[String: Any]])
            func n(_ v: Any?) -> Int64 { (v as? NSNumber)?.int64Value ?? -1 }
            // Above the cap, so the interval was split; nothing lost, nothing twice.
            #expect(rows.count == Int(n(interval["handleCount"])))
            #expect(Set(rows.compactMap { $0["conversationId"] as? String }).count == rows.count)
            #expect(rows.reduce(0) { $0 + n($1["tHandleMs"]) } == n(interval["handleMs"]))
            #expect(rows.reduce(0) { $0 + n($1["tAcwMs"]) } == n(interval["acwMs"]))
            #expect(rows.reduce(0) { $0 + n($1["tHeldMs"]) } == n(interval["heldMs"]))
            let totals = try #require(json["totals"] as? [String: Any])
            #expect(n(totals["ahtMs"]) == n(interval["ahtMs"]))
            #expect(rows.allSatisfy { ($0["conversationStart"] as? String ?? "").hasSuffix("-04:00") })
            // The platform id alone names the agent too; CSV has one line per conversation.
            let platformID = String(agent.dropFirst(3))
            let (csvStatus, csv) = try await BridgeEndToEndTests.get(
                "\(base)?org=us&agent=\(platformID)&interval=\(Timestamp.format(Timestamp.parse(start)!))&format=csv",
                token: "demo-us")
            #expect(csvStatus == 200)
            let text = String(decoding: csv, as: UTF8.self)
            #expect(text.hasPrefix("\u{FEFF}org,timeZone,agentId,agentName,intervalStart,intervalEnd,conversationId,"))
            #expect(text.split(separator: "\r\n").count == rows.count + 1)

            // Errors, each saying what to do.
            func error(_ url: String, token: String? = "demo-global") async throws -> (UInt, String, String) {
                let (s, b) = try await BridgeEndToEndTests.get(url, token: token)
                let j = (try? JSONSerialization.jsonObject(with: b) as? [String: Any]) ?? [:]
                return (s, j["code"] as? String ?? "", j["message"] as? String ?? "")
            }
            let unknownAgent = try await error("\(base)?org=us&agent=us/00000000-0000-0000-0000-000000000000&interval=\(Timestamp.format(Timestamp.parse(start)!))")
            #expect(unknownAgent.0 == 404 && unknownAgent.1 == "unknown-agent" && unknownAgent.2.contains("/v1/views/org:us"))
            let unknownOrg = try await error("\(base)?org=mars&agent=\(platformID)&interval=\(Timestamp.format(Timestamp.parse(start)!))")
            #expect(unknownOrg.0 == 404 && unknownOrg.1 == "unknown-org")
            let unaligned = try await error("\(base)?org=us&agent=\(agent)&interval=\(Timestamp.format(Timestamp.parse(start)! + 60_000))")
            #expect(unaligned.0 == 400 && unaligned.1 == "bad-interval" && unaligned.2.contains(":00 or :30"))
            let garbage = try await error("\(base)?org=us&agent=\(agent)&interval=yesterday")
            #expect(garbage.0 == 400 && garbage.1 == "bad-interval" && garbage.2.contains("e.g."))
            #expect(try await error("\(base)?agent=\(agent)&interval=\(Timestamp.format(Timestamp.parse(start)!))").0 == 400)
            #expect(try await error("\(base)?\(query)&format=xml").0 == 400)
            #expect(try await error("\(base)?\(query)", token: "demo-emea").0 == 403)
            #expect(try await error("\(base)?\(query)", token: nil).0 == 401)
            // An org without a running connector: the supervisor says so (the route maps it to 503).
            let supervisor = try #require(demo.bridge.parts?.supervisor)
            do throws(DrillDownError) {
                _ = try await supervisor.conversationDetails(org: "mars", userID: platformID, from: 0, to: 1)
                Issue.record("expected org-not-connected")
            } catch {
                #expect(error.code == "drilldown.org-not-connected")
                #expect(error.message.contains("/readyz"))
            }
        }
    }
}
