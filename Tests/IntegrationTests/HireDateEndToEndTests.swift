import Foundation
import Simulator
import SwitchboardCore
import Testing

/// Hire dates end to end: simulator directory (`employerInfo.dateHire`) → connector re-sync → normalizer
/// → views → `/v1/views/global`, against the simulator's truth.
@Suite(.serialized, .timeLimit(.minutes(3))) struct HireDateEndToEndTests {
    @Test func everyAgentsHireDateMatchesTruth() async throws {
        try await BridgeEndToEndTests.withDemo(agents: 40) { demo in
            #expect(await eventually("all three orgs open") { await BridgeEndToEndTests.allOpen(demo.bridgeBase) })
            #expect(await eventually("every agent in the snapshot") {
                (try? await Self.agents(demo.bridgeBase))?.count == 120
            })
            let agents = try await Self.agents(demo.bridgeBase)
            var dated = 0, without = 0
            for org in ["us", "emea", "apac"] {
                let truth = try #require(await demo.simulator.truth(org: org))
                for agent in truth.agents {
                    let view = try #require(agents["\(org)/\(agent.id)"], "\(org)/\(agent.id) missing from the view")
                    #expect(view.keys.contains("hireDate"), "\(org)/\(agent.id) has no hireDate field")
                    let shown = view["hireDate"] as? String
                    #expect(shown == agent.dateHire, "\(org)/\(agent.id): view \(shown ?? "null"), truth \(agent.dateHire ?? "none")")
                    if agent.dateHire == nil {
                        #expect(view["hireDate"] is NSNull)
                        without += 1
                    } else {
                        dated += 1
                    }
                }
            }
            // The check means something only if the demo has both kinds.
            #expect(dated >= 90 && without >= 1, "\(dated) with a hire date, \(without) without")
        }
    }

    /// The agents of `GET /v1/views/global`, by id.
    static func agents(_ base: String) async throws -> [String: [String: Any]] {
        let (status, body) = try await BridgeEndToEndTests.get("\(base)/v1/views/global", token: "demo-global")
        guard status == 200, let json = try JSONSerialization.jsonObject(with: body) as? [String: Any],
              let data = json["data"] as? [String: Any], let list = data["agents"] as? [[String: Any]]
        else { return [:] }
        var out: [String: [String: Any]] = [:]
        for agent in list { if let id = agent["id"] as? String { out[id] = agent } }
        return out
    }
}
