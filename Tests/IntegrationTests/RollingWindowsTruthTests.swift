import Foundation
import Simulator
import SwitchboardCore
import Testing

/// A bridge started mid-day has the rolling windows right from the start: the re-sync reads the users'
/// presence and routing-status records of the last 65 minutes (users details query), so the 15- and
/// 60-minute figures do not count only the seconds since the bridge started. Tolerance: 2 s + 1 %.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RollingWindowsTruthTests {
    @Test func rollingWindowsMatchTheTruthRightAfterStart() async throws {
        try await DemoFixture.run(agents: 20, speed: 5, startAt: .init(hour: 9, minute: 0),
                                  configure: { $0.seed = 13 }) { demo in
            #expect(await eventually("all three orgs open") { await DemoFixture.allOpen(demo.bridgeBase) })
            let views = try #require(demo.bridge.parts?.views)
            var failures: [String] = []
            var compared = 0, handling60 = 0, worst = 0.0
            for org in ["us", "emea", "apac"] {
                let truth = try #require(await demo.simulator.truth(org: org))
                for agent in truth.agents {
                    let id = EntityID(org: OrgID(org), platformID: agent.id)
                    guard let figures = await views.agentFigures(id) else {
                        failures.append("\(id) is not in the views")
                        continue
                    }
                    // Read after the truth: a window can move by at most the time in between.
                    let lag = Double(max(0, figures.asOf - truth.atMillis))
                    compared += 1
                    if agent.handlingMs.rolling60m > 0 { handling60 += 1 }
                    for (window, name) in [(OccupancyWindow.rolling15m, "rolling15m"), (.rolling60m, "rolling60m")] {
                        let want = name == "rolling15m"
                            ? (agent.handlingMs.rolling15m, agent.productiveMs.rolling15m)
                            : (agent.handlingMs.rolling60m, agent.productiveMs.rolling60m)
                        for (what, got, truthValue) in [("handlingMs", figures.handlingMs(window), want.0),
                                                        ("productiveMs", figures.productiveMs(window), want.1)] {
                            let tolerance = 2_000 + 0.01 * Double(truthValue) + lag
                            let off = abs(Double(got - truthValue))
                            worst = max(worst, off / tolerance)
                            if off > tolerance {
                                failures.append("\(id) (\(figures.state)) \(what).\(name) \(got) vs truth \(truthValue)")
                            }
                        }
                    }
                }
            }
            #expect(compared == 60, "compared \(compared) agents")
            #expect(handling60 >= 10, "too few agents handled calls in the last hour to be telling: \(handling60)")
            #expect(failures.isEmpty, "\(failures.count) figures off:\n\(failures.prefix(15).joined(separator: "\n"))")
            print("rolling windows right after start: worst deviation \(String(format: "%.2f", worst))× tolerance")
        }
    }
}
