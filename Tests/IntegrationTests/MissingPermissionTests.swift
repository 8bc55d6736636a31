import Foundation
import Simulator
import SwitchboardCore
import Testing

/// A role the OAuth client lacks is visible, not an empty panel: the refused feature is named with the
/// permission the platform reports, on `/readyz` (which turns `degraded`) and on the org entity the dashboard
/// shows; refused notification topics too. The other orgs and features are unaffected.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MissingPermissionTests {
    @Test func aRefusedPermissionIsNamedOnReadyzAndTheOrgCard() async throws {
        try await DemoFixture.run(agents: 6, speed: 20, startAt: .init(hour: 9, minute: 0), configure: {
            $0.deniedPermissions = ["us": ["analytics:evaluationAggregate:view", "analytics:queueObservation:view",
                                           "analytics:userDetail:view"]]
        }) { demo in
            #expect(await eventually("all three orgs open") { await DemoFixture.allOpen(demo.bridgeBase) })
            #expect(await eventually("the refusals named on /readyz") {
                guard let r = try? await DemoFixture.json("\(demo.bridgeBase)/readyz", token: "demo-admin"),
                      let us = (r["orgs"] as? [[String: Any]])?.first(where: { $0["id"] as? String == "us" }),
                      let problems = us["problems"] as? [String] else { return false }
                return problems.contains { $0.hasPrefix("quality:") && $0.contains("analytics:evaluationAggregate:view") }
                    && problems.contains { $0.hasPrefix("notifications:") && $0.contains("analytics:queueObservation:view") }
                    && problems.contains { $0.hasPrefix("queue baselines:") }
                    && problems.contains { $0.hasPrefix("rolling windows:") && $0.contains("analytics:userDetail:view") }
                    && r["status"] as? String == "degraded"
            })
            let r = try await DemoFixture.json("\(demo.bridgeBase)/readyz", token: "demo-admin")
            for org in (r["orgs"] as? [[String: Any]] ?? []) where org["id"] as? String != "us" {
                #expect((org["problems"] as? [String])?.isEmpty == true, "\(org)")
            }
            // The org entity carries them for the card.
            let snap = try await DemoFixture.json("\(demo.bridgeBase)/v1/views/org:us", token: "demo-global")
            let orgs = try #require((snap["data"] as? [String: Any])?["orgs"] as? [[String: Any]])
            let features = (orgs.first?["problems"] as? [[String: Any]])?.compactMap { $0["feature"] as? String }
            #expect(features == ["notifications", "quality", "queue baselines", "rolling windows"])
        }
    }
}
