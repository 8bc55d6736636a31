@testable import Hub
import SwitchboardCore
import Testing

/// Names and labels the alert rules (deploy/prometheus/switchboard-rules.yml) depend on.
@Suite struct HubMetricsTests {
    func text(_ m: HubMetrics) -> String { String(decoding: m.render(), as: UTF8.self) }

    @Test func restStatusesAreGroupedInBoundedClasses() {
        #expect(HubMetrics.statusClass(200) == "2xx")
        #expect(HubMetrics.statusClass(204) == "2xx")
        #expect(HubMetrics.statusClass(404) == "4xx")
        #expect(HubMetrics.statusClass(429) == "429", "rate limiting is apart from other 4xx")
        #expect(HubMetrics.statusClass(503) == "5xx")
        #expect(HubMetrics.statusClass(nil) == "transport")
        #expect(HubMetrics.statusClass(999) == "other")
    }

    @Test func restResponsesAndBudgetPerOrg() {
        let m = HubMetrics()
        m.restResponse(org: "us", status: 200, budgetRemaining: 0.25)
        m.restResponse(org: "us", status: 503, budgetRemaining: nil)
        m.restResponse(org: "us", status: 503, budgetRemaining: nil)
        let t = text(m)
        #expect(t.contains(#"switchboard_rest_responses_total{org="us",code="2xx"} 1"#), "\(t)")
        #expect(t.contains(#"switchboard_rest_responses_total{org="us",code="5xx"} 2"#), "\(t)")
        #expect(t.contains(#"switchboard_rest_ratelimit_remaining_ratio{org="us"} 0.25"#), "a response without headers keeps the last share")
    }

    @Test func configReloadAndRestartGauges() {
        let m = HubMetrics()
        m.configReload(outcome: nil, refused: false)
        #expect(text(m).contains(#"switchboard_config_reloads_total{outcome="accepted"} 0"#), "the start is not a reload")
        #expect(text(m).contains(#"switchboard_hub_evictions_total{reason="slow-consumer"} 0"#), "there from the start")
        m.configReload(outcome: "refused", refused: true)
        #expect(text(m).contains("switchboard_config_reload_refused 1"))
        m.configReload(outcome: "accepted", refused: false)
        m.restartPending(settings: 2)
        let t = text(m)
        #expect(t.contains("switchboard_config_reload_refused 0"), "\(t)")
        #expect(t.contains(#"switchboard_config_reloads_total{outcome="refused"} 1"#), "\(t)")
        #expect(t.contains(#"switchboard_config_reloads_total{outcome="accepted"} 1"#), "\(t)")
        #expect(t.contains("switchboard_config_restart_pending_settings 2"), "\(t)")
    }
}
