import Foundation
import Simulator
import SwitchboardCore

/// `--child quiet`: false stale verdicts (issue 19 §1). Simulator + bridge in one process with the platform's real
/// cadence (heartbeats every 30 s) and no fault at all, for `duration` seconds; small orgs (`agents` each, 8 by
/// default: a few events a minute) so their sockets fall quiet between events and the watchdog's ping probe (after
/// 8 s of quiet) runs again and again — the simulator counts the pings it answered. Every org's status is read every 50 ms: each change away from `open` is counted (a stale
/// verdict, or a reconnect shown `connecting` / `disconnected`); with no fault injected every one of them is false.
enum QuietChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let agentsPerOrg = Int(opts["agents"] ?? "8") ?? 8
        let duration = Double(opts["duration"] ?? "1800") ?? 1800
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = agentsPerOrg
        options.heartbeatInterval = .seconds(30)
        let harness = BridgeHarness(options: options)
        harness.start()
        guard await harness.waitReady(agents: 3 * agentsPerOrg, timeout: 240), let parts = harness.bridge.parts else {
            log("quiet: bridge not ready")
            return
        }
        log("quiet: every org open; watching for \(Int(duration)) s")
        var last: [OrgID: OrgStatus] = [:]
        var stale = 0, otherLeaves = 0
        var notOpenSeconds = 0.0
        let events0 = harness.metricSum("switchboard_upstream_events_total")
        var pings0 = 0
        for org in ["us", "emea", "apac"] { pings0 += await harness.local.pingsAnswered(org: org) }
        let t0 = Proc.now
        var tick = t0
        var nextReport = t0 + 300
        while Proc.now - t0 < duration {
            let statuses = await parts.views.orgStatuses()
            let now = Proc.now
            for (org, figures) in statuses {
                let status = figures.status
                if let before = last[org], before == .open, status != .open {
                    if status == .stale { stale += 1 } else { otherLeaves += 1 }
                    log("quiet: \(org.rawValue) left open: \(status) (\(figures.detail ?? "-"))")
                }
                if status != .open { notOpenSeconds += now - tick }
                last[org] = status
            }
            tick = now
            if now >= nextReport {
                log("quiet: \(Int(now - t0)) s, stale verdicts \(stale), other departures from open \(otherLeaves)")
                nextReport += 300
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        var pings = -pings0
        for org in ["us", "emea", "apac"] { pings += await harness.local.pingsAnswered(org: org) }
        let out: [String: Double] = [
            // The watchdog's probes after a quiet spell, answered: how often the rule that could go wrong was used.
            "pingsAnswered": Double(pings),
            "seconds": Proc.now - t0, "staleVerdicts": Double(stale), "otherLeaves": Double(otherLeaves),
            "notOpenSeconds": notOpenSeconds, "agentsPerOrg": Double(agentsPerOrg),
            // Upstream messages per org and second: how seldom each socket carries anything but heartbeats.
            "eventsPerOrgPerSecond": (harness.metricSum("switchboard_upstream_events_total") - events0) / 3 / max(1, Proc.now - t0),
        ]
        harness.stop()
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }
}
