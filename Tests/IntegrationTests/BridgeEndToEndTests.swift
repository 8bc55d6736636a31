import AsyncHTTPClient
import Bridge
import Foundation
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// The whole bridge (connectors → normalizer → views → hub → HTTP) against the in-process simulator,
/// checked against the simulator's ground truth.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct BridgeEndToEndTests {
    typealias Running = DemoFixture.Running

    static func withDemo(agents: Int = 12, speed: Double = 1, startAt: SimulatorOptions.StartAt? = nil,
                         _ body: (Running) async throws -> Void) async throws {
        try await DemoFixture.run(agents: agents, speed: speed, startAt: startAt, body)
    }

    static func get(_ url: String, token: String? = nil) async throws -> (status: UInt, body: Data) {
        try await DemoFixture.get(url, token: token)
    }

    static func allOpen(_ base: String) async -> Bool { await DemoFixture.allOpen(base) }

    @Test func threeOrgsOpenAndOccupancyMatchesTruth() async throws {
        try await Self.withDemo(agents: 20, speed: 20) { demo in
            #expect(await eventually("all three orgs open on /readyz") { await Self.allOpen(demo.bridgeBase) })
            let views = try #require(demo.bridge.parts?.views)
            // Let some work happen, then compare every agent's figures with the simulator's own state.
            #expect(await eventually("agents with a couple of minutes of history", seconds: 60) {
                var n = 0
                for org in ["us", "emea", "apac"] {
                    n += await demo.simulator.truth(org: org)?.agents.filter { $0.productiveMs.today > 150_000 }.count ?? 0
                }
                return n >= 10
            })
            var compared = 0
            var worst = 0.0
            for org in ["us", "emea", "apac"] {
                let truth = try #require(await demo.simulator.truth(org: org))
                // At 20x, a few milliseconds of delivery lag move a fresh agent's ratio; compare agents with history.
                for agent in truth.agents where agent.productiveMs.today > 120_000 {
                    let figures = try #require(await views.agentFigures(EntityID(org: OrgID(org), platformID: agent.id)),
                                               "agent \(org)/\(agent.id) missing from the views")
                    let expected = Double(agent.handlingMs.today) / Double(agent.productiveMs.today)
                    let actual = try #require(figures.figures.today.occupancy)
                    worst = max(worst, abs(actual - expected))
                    compared += 1
                }
            }
            #expect(compared >= 10, "too few productive agents to compare (\(compared))")
            #expect(worst <= 0.01, "worst occupancy difference \(worst) exceeds 1 percentage point")
        }
    }

    /// A bridge started in the middle of the day rebuilds today's totals from the users aggregates,
    /// so it shows the same day as one that ran since midnight.
    @Test func startedMidDayRebuildsTodayFromAggregates() async throws {
        try await Self.withDemo(agents: 10, speed: 1, startAt: .init(hour: 3, minute: 0)) { demo in
            #expect(await eventually("all three orgs open") { await Self.allOpen(demo.bridgeBase) })
            let views = try #require(demo.bridge.parts?.views)
            var compared = 0
            var worst = 0.0
            for org in ["us", "emea", "apac"] {
                let truth = try #require(await demo.simulator.truth(org: org))
                for agent in truth.agents where agent.productiveMs.today > 3_600_000 {
                    #expect(await eventually("baseline for \(org)/\(agent.id)") {
                        (await views.agentFigures(EntityID(org: OrgID(org), platformID: agent.id))?.figures.today.productiveMs
                            ?? 0) > 3_000_000
                    })
                    let figures = try #require(await views.agentFigures(EntityID(org: OrgID(org), platformID: agent.id)))
                    let expected = Double(agent.handlingMs.today) / Double(agent.productiveMs.today)
                    worst = max(worst, abs((figures.figures.today.occupancy ?? -1) - expected))
                    let handlingGap = figures.figures.today.handlingMs - agent.handlingMs.today
                    #expect(abs(handlingGap) < 60_000, "\(org)/\(agent.id) handling today \(figures.figures.today.handlingMs) vs truth \(agent.handlingMs.today), state \(agent.routingStatus)/\(agent.presence) views \(figures.state)")
                    let productiveGap = abs(Double(figures.figures.today.productiveMs - agent.productiveMs.today))
                    #expect(productiveGap < 60_000, "\(org)/\(agent.id) productive today \(figures.figures.today.productiveMs) vs truth \(agent.productiveMs.today)")
                    compared += 1
                }
            }
            #expect(compared >= 5, "too few agents with hours of history (\(compared))")
            #expect(worst <= 0.01, "worst occupancy difference \(worst) after a mid-day start")
        }
    }

    @Test func streamSnapshotAndScopesThroughHTTP() async throws {
        try await Self.withDemo { demo in
            #expect(await eventually("all three orgs open") { await Self.allOpen(demo.bridgeBase) })
            #expect(await eventually("every agent in the snapshot") {
                guard let (_, body) = try? await Self.get("\(demo.bridgeBase)/v1/views/global", token: "demo-global"),
                      let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                      let data = json["data"] as? [String: Any] else { return false }
                return (data["agents"] as? [Any])?.count == 36
            })
            let (status, body) = try await Self.get("\(demo.bridgeBase)/v1/views/global", token: "demo-global")
            #expect(status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(json["type"] as? String == "snapshot")
            let data = try #require(json["data"] as? [String: Any])
            let orgs = try #require(data["orgs"] as? [[String: Any]])
            #expect(Set(orgs.compactMap { $0["id"] as? String }) == ["us", "emea", "apac"])
            #expect((data["agents"] as? [Any])?.count == 36)

            #expect(try await Self.get("\(demo.bridgeBase)/v1/views/global", token: "demo-emea").status == 403)
            #expect(try await Self.get("\(demo.bridgeBase)/v1/views/org:us", token: "demo-emea").status == 403)
            #expect(try await Self.get("\(demo.bridgeBase)/v1/views/org:emea", token: "demo-emea").status == 200)
            #expect(try await Self.get("\(demo.bridgeBase)/v1/views/global").status == 401)
            #expect(try await Self.get("\(demo.bridgeBase)/healthz").status == 200)
            #expect(try await Self.get("\(demo.bridgeBase)/metrics").status == 401)
            #expect(try await Self.get("\(demo.bridgeBase)/metrics", token: "demo-global").status == 403)
            let metrics = String(decoding: try await Self.get("\(demo.bridgeBase)/metrics", token: "demo-metrics").body,
                                 as: UTF8.self)
            #expect(metrics.contains("switchboard_connector_state"))
        }
    }
}
