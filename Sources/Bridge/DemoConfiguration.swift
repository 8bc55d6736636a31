import Foundation
import Simulator
import SwitchboardConfig
import SwitchboardCore

/// The configuration `switchboard demo` runs the bridge with: one org per simulated org, pointed at the
/// simulator, and the demo tokens of SPEC §2.
public enum DemoConfiguration {
    /// Display names of the well-known simulated orgs.
    static let names = ["us": "US", "emea": "EMEA", "apac": "APAC"]

    /// - Parameters:
    ///   - simulatorBase: the simulator's base URL (`http://127.0.0.1:9100`).
    ///   - options: the simulator's options (org ids, time zones, heartbeat period).
    ///   - listen: the bridge's listen address.
    ///   - store: where history is kept (default: nowhere).
    public static func make(simulatorBase: String, options: SimulatorOptions, listen: ListenAddress,
                            notice: String? = nil, store: StoreConfig = .none) -> SwitchboardConfiguration
    {
        var server = ServerConfig()
        server.listen = listen
        server.notice = notice
        var auth = AuthConfig()
        let orgIDs = SimulatorOptions.orgIDs(count: options.orgCount)
        auth.clients = demoTokens(orgs: orgIDs).map { ClientConfig(name: $0.token, token: Secret($0.token), scopes: $0.scopes) }
        let heartbeat = Double(options.heartbeatInterval.components.seconds)
            + Double(options.heartbeatInterval.components.attoseconds) / 1e18
        let orgs = orgIDs.map { id -> OrgConfig in
            var tunables = OrgTunables()
            // Two missed heartbeats (plus slack) mean stale; never later than the platform-default 65 s.
            tunables.heartbeatTimeout = .milliseconds(Int64(min(65, heartbeat * 2 + 5) * 1000))
            tunables.pingAfterQuiet = .milliseconds(Int64(min(35, heartbeat + 2) * 1000))
            return OrgConfig(
                id: OrgID(id), name: names[id] ?? id.uppercased(), apiBase: simulatorBase, loginBase: simulatorBase,
                clientId: SimulatorOptions.clientID(for: id), clientSecret: Secret(SimulatorOptions.clientSecret(for: id)),
                timezone: TimeZone(identifier: options.timeZoneID(for: id)) ?? TimeZone(identifier: "UTC")!,
                tunables: tunables)
        }
        var config = SwitchboardConfiguration(server: server, auth: auth, occupancy: OccupancyConfig(), orgs: orgs)
        config.store = store
        return config
    }

    /// `demo-global` (global), `demo-admin` (admin, global), `demo-metrics` (metrics: `/metrics` only, for a
    /// local Prometheus) and `demo-<org>` (that org only).
    public static func demoTokens(orgs: [String]) -> [(token: String, scopes: [Scope])] {
        [("demo-global", [.global]), ("demo-admin", [.admin, .global]), ("demo-metrics", [.metrics])]
            + orgs.map { ("demo-\($0)", [Scope.org(OrgID($0))]) }
    }
}
