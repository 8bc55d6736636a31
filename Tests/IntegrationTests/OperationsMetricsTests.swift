import Foundation
import Simulator
import Testing

/// The figures the alert rules (deploy/prometheus/switchboard-rules.yml, docs/deploy.md "Alerting") read that the
/// bridge exports for them: the stream connection limit, each org's REST responses by status class and the share of
/// its rate-limit budget left. (The configuration reload gauges are checked in `ReloadTruthTests`.)
@Suite(.serialized, .timeLimit(.minutes(3))) struct OperationsMetricsTests {
    static func metric(_ base: String, _ series: String) async -> Double? {
        await TokenRenewalEndToEndTests.metric(base, series)
    }

    @Test func restResponsesBudgetAndConnectionLimitAreExported() async throws {
        try await DemoFixture.run(agents: 6, configureBridge: { $0.server.maxConnections = 77 }) { demo in
            let base = demo.bridgeBase
            #expect(await eventually("all three orgs open") { await DemoFixture.allOpen(base) })
            #expect(await Self.metric(base, "switchboard_hub_max_connections") == 77)
            // The fixture's simulator beats every 400 ms: the bridge's watchdog gives it min(65, 2 × 0.4 + 5) s.
            #expect(await Self.metric(base, #"switchboard_connector_heartbeat_timeout_seconds{org="us"}"#) == 5.8)
            #expect(await eventually("2xx responses counted") {
                (await Self.metric(base, #"switchboard_rest_responses_total{org="us",code="2xx"}"#) ?? 0) > 0
            })
            let left = await Self.metric(base, #"switchboard_rest_ratelimit_remaining_ratio{org="us"}"#)
            #expect(left.map { $0 > 0 && $0 <= 1 } == true, "\(String(describing: left))")
            #expect(await Self.metric(base, #"switchboard_rest_responses_total{org="us",code="5xx"}"#) == nil)

            // The platform answers 503 to the next calls; a closed socket makes the connector re-sync over REST.
            await demo.simulator.inject(.httpError(count: 2, status: 503), org: "us")
            await demo.simulator.inject(.close, org: "us")
            #expect(await eventually("5xx responses counted", seconds: 60) {
                (await Self.metric(base, #"switchboard_rest_responses_total{org="us",code="5xx"}"#) ?? 0) >= 1
            })
            #expect(await Self.metric(base, #"switchboard_rest_responses_total{org="emea",code="5xx"}"#) == nil)
            #expect(await eventually("us open again", seconds: 60) { await DemoFixture.allOpen(base) })
        }
    }
}
