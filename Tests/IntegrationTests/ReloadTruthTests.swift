import AsyncHTTPClient
import Bridge
import Foundation
import ServiceLifecycle
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// A bridge run from a watched YAML file (as `switchboard run` runs it) against the in-process simulator:
/// a reload may not switch authentication off on a wide listener, and a setting that waits for a restart
/// is reported on `/readyz` and to admins instead of being ignored behind "configuration reloaded".
@Suite(.serialized, .timeLimit(.minutes(3))) struct ReloadTruthTests {
    static let admin = ClientToken.generate()
    static let viewer = ClientToken.generate()

    /// The file: one simulated org (its secret from a file), two clients, and `server` / `auth` as given.
    static func yaml(simulator: String, server: String = "  listen: 127.0.0.1:0", auth: String? = nil,
                     store: String = "store: none") -> String {
        let clients = """
        clients:
          - name: ops
            tokenSha256: \(ClientCredential.sha256Hex(admin))
            scopes: [admin]
          - name: wall
            tokenSha256: \(ClientCredential.sha256Hex(viewer))
            scopes: [global]
        """
        return """
        server:
        \(server)
        \(auth ?? clients)
        \(store)
        orgs:
          - id: us
            apiBase: \(simulator)
            loginBase: \(simulator)
            clientId: \(SimulatorOptions.clientID(for: "us"))
            clientSecretFile: us.secret
            timezone: America/New_York
        """
    }

    @Test func reloadsAreCheckedAndRestartOnlySettingsAreReported() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try SimulatorOptions.clientSecret(for: "us").write(to: dir.appendingPathComponent("us.secret"), atomically: true,
                                                           encoding: .utf8)
        let path = dir.appendingPathComponent("orgs.yaml").path
        func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

        var options = SimulatorOptions()
        options.orgCount = 1
        options.agentsPerOrg = 6
        options.port = 0
        options.heartbeatInterval = .milliseconds(400)
        let clock = ScaledClock(origin: testBusinessHours, speed: 1)
        let simulator = GenesysSimulator(options: options, clock: clock)
        let bridgePort = Mutex<Int?>(nil)
        let group = ServiceGroup(configuration: .init(services: [simulator], gracefulShutdownSignals: [],
                                                      logger: .switchboard("test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let sim = "http://127.0.0.1:\(await simulator.waitUntilListening())"
            let storeSection = "store:\n  path: \(dir.appendingPathComponent("history.db").path)"
            let original = Self.yaml(simulator: sim, store: storeSection)
            try write(original)
            let bridge = Bridge(source: .file(path: path, initial: try ConfigLoader.load(path: path, environment: [:])),
                                clock: clock) { _, port in bridgePort.withLock { $0 = port } }
            let bridgeGroup = ServiceGroup(configuration: .init(services: [bridge], gracefulShutdownSignals: [],
                                                                logger: .switchboard("test")))
            tasks.addTask { try await bridgeGroup.run() }
            #expect(await eventually("bridge listening") { bridgePort.withLock { $0 } != nil })
            let base = "http://127.0.0.1:\(try #require(bridgePort.withLock { $0 }))"
            @Sendable func readyz() async -> [String: Any]? { try? await DemoFixture.json("\(base)/readyz", token: Self.admin) }
            // The same facts on /metrics, for the alert rules (deploy/prometheus): the refusal, the settings waiting.
            @Sendable func metric(_ series: String) async -> Double? {
                await TokenRenewalEndToEndTests.metric(base, series, token: Self.admin)
            }
            #expect(await metric("switchboard_config_reload_refused") == 0)
            #expect(await metric("switchboard_config_restart_pending_settings") == 0)

            // 1. auth: none with a wide listen address: refused, tokens still required.
            try write(Self.yaml(simulator: sim, server: "  listen: 0.0.0.0:0", auth: "auth: none", store: storeSection))
            #expect(await eventually("auth: none refused") {
                (await readyz()?["configErrors"] as? [String])?.contains { $0.contains("auth: 'none' is allowed only") } == true
            })
            #expect(try await DemoFixture.get("\(base)/v1/views/global").status == 401)
            #expect(try await DemoFixture.get("\(base)/v1/views/global", token: Self.viewer).status == 200)
            #expect(await metric("switchboard_config_reload_refused") == 1)
            #expect((await metric(#"switchboard_config_reloads_total{outcome="refused"}"#) ?? 0) >= 1)

            // Restoring the file (the configuration in force, unchanged) clears the error on /readyz.
            try write(original)
            #expect(await eventually("refusal cleared by the restored file") {
                (await readyz()?["configErrors"] as? [String])?.isEmpty == true
            })
            #expect(await metric("switchboard_config_reload_refused") == 0)

            // 2. A new listen address and frame limit: everything else applies, these wait for a restart.
            try write(Self.yaml(simulator: sim, server: "  listen: 127.0.0.1:1\n  maxInboundFrameBytes: 128KiB\n  maxTopicsPerConnection: 8",
                                store: storeSection))
            #expect(await eventually("restart-only settings reported") {
                (await readyz()?["restartNeeded"] as? [String])?.count == 2
            })
            let r = try #require(await readyz())
            #expect(r["restartNeeded"] as? [String] == ["server.listen: 127.0.0.1:0 → 127.0.0.1:1",
                                                        "server.maxInboundFrameBytes: 65536 bytes → 131072 bytes"])
            #expect((r["configErrors"] as? [String])?.isEmpty == true)
            #expect(r["status"] as? String == "degraded")
            #expect(await metric("switchboard_config_restart_pending_settings") == 2)
            #expect((await metric(#"switchboard_config_reloads_total{outcome="accepted"}"#) ?? 0) >= 1)
            let anonymous = try await DemoFixture.json("\(base)/readyz")
            #expect(anonymous["status"] as? String == "degraded" && anonymous["restartNeeded"] == nil)
            let alerts = try await DemoFixture.json("\(base)/v1/alerts", token: Self.admin)
            let active = try #require(alerts["active"] as? [[String: Any]])
            #expect(active.contains { $0["kind"] as? String == "restart-required"
                && ($0["message"] as? String)?.contains("server.listen: 127.0.0.1:0 → 127.0.0.1:1") == true })
            // Still served where it was.
            #expect(try await DemoFixture.get("\(base)/healthz").status == 200)

            // 3. Back to the original file: nothing waits any more.
            try write(original)
            #expect(await eventually("restart no longer needed") {
                (await readyz()?["restartNeeded"] as? [String])?.isEmpty == true
            })
            #expect(await metric("switchboard_config_restart_pending_settings") == 0)
            let after = try await DemoFixture.json("\(base)/v1/alerts", token: Self.admin)
            #expect((after["active"] as? [[String: Any]])?.contains { $0["kind"] as? String == "restart-required" } == false)

            // 4. Every load is in the audit log (admin only), newest first, with the file's hash.
            #expect(try await DemoFixture.get("\(base)/v1/audit", token: Self.viewer).status == 403)
            #expect(await eventually("audit entries stored") {
                let a = try? await DemoFixture.json("\(base)/v1/audit", token: Self.admin)
                return ((a?["entries"] as? [[String: Any]])?.count ?? 0) >= 5
            })
            let audit = try #require(try await DemoFixture.json("\(base)/v1/audit", token: Self.admin)["entries"] as? [[String: Any]])
            let outcomes = audit.reversed().map { "\($0["outcome"] ?? "?"): \($0["summary"] ?? "?")" }
            #expect(outcomes.first == "accepted: started with 1 org: us", "\(outcomes)")
            #expect(outcomes.contains { $0.hasPrefix("refused: ") && $0.contains("auth: 'none' is allowed only") }, "\(outcomes)")
            #expect(outcomes.contains("accepted: server"), "\(outcomes)")
            let originalHash = try #require(audit.last?["fileHash"] as? String)
            #expect(originalHash.count == 64 && audit.first?["fileHash"] as? String == originalHash,
                    "the last load restored the first file")

            await bridgeGroup.triggerGracefulShutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
