import AsyncHTTPClient
import Connector
import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

actor RecordingSupervisorObserver: SupervisorObserver {
    private(set) var applied: [ConfigDiff?] = []
    private(set) var rejected: [[String]] = []
    private(set) var unchanged = 0
    func configApplied(_ config: SwitchboardConfiguration, diff: ConfigDiff?) async { applied.append(diff) }
    func configRejected(_ diagnostics: [String]) async { rejected.append(diagnostics) }
    func configUnchanged() async { unchanged += 1 }
}

struct NullSink: BridgeEventSink {
    func ingest(org: OrgID, events: [BridgeEvent]) async {}
}

@Suite(.timeLimit(.minutes(3))) struct SupervisorTests {
    static func yaml(_ orgs: [(id: String, tz: String)]) -> String {
        var s = "auth: none\norgs:\n"
        for o in orgs {
            s += """
              - id: \(o.id)
                apiBase: http://127.0.0.1:9
                loginBase: http://127.0.0.1:9
                clientId: \(o.id)-client
                clientSecret: ${SECRET}
                timezone: \(o.tz)
                tunables:
                  backoffInitial: 50ms
                  backoffMax: 200ms
                  requestTimeout: 1s

            """
        }
        return s
    }

    @Test func hotReloadAddsRemovesChangesAndRefusesBadEdits() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("orgs.yaml").path
        let env = ["SECRET": "s"]
        func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        try write(Self.yaml([("a", "UTC")]))
        let initial = try ConfigLoader.load(path: path, environment: env)
        let observer = RecordingSupervisorObserver()
        let supervisor = Supervisor(
            configPath: path, initial: initial,
            loader: Supervisor.loader(environment: env),
            pollInterval: .milliseconds(50), watchSIGHUP: false, observer: observer,
            makeConnector: Supervisor.connectorFactory(http: HTTPClient.shared, sink: NullSink(), clock: SystemClock(),
                                                       onAlert: { _ in }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await supervisor.run() }
            #expect(await eventually("initial config applied") { await observer.applied.count == 1 })
            #expect(Set(supervisor.connectorStates().keys) == ["a"])

            try write(Self.yaml([("a", "UTC"), ("b", "UTC")]))
            #expect(await eventually("org b added") { await observer.applied.count == 2 })
            #expect(await observer.applied.last??.addedOrgs == ["b"])
            #expect(Set(supervisor.connectorStates().keys) == ["a", "b"])

            try write(Self.yaml([("a", "UTC"), ("b", "Europe/Berlin")]))
            #expect(await eventually("org b changed") { await observer.applied.count == 3 })
            #expect(await observer.applied.last??.changedOrgs == ["b"])
            #expect(supervisor.currentConfiguration()?.org("b")?.timezone.identifier == "Europe/Berlin")

            try write(Self.yaml([("b", "Europe/Berlin")]))
            #expect(await eventually("org a removed") { await observer.applied.count == 4 })
            #expect(await observer.applied.last??.removedOrgs == ["a"])
            #expect(Set(supervisor.connectorStates().keys) == ["b"])

            try write(Self.yaml([("b", "Mars/Olympus_Mons")]))
            #expect(await eventually("bad edit refused") { await observer.rejected.count == 1 })
            let lines = await observer.rejected.first ?? []
            #expect(!lines.isEmpty)
            #expect(lines.allSatisfy { $0.hasPrefix("\(path):") && $0.split(separator: ":").count >= 4 })
            #expect(supervisor.lastRejection() == lines)
            // The running configuration stays in force.
            #expect(supervisor.currentConfiguration()?.org("b")?.timezone.identifier == "Europe/Berlin")
            #expect(Set(supervisor.connectorStates().keys) == ["b"])
            #expect(await observer.applied.count == 4)
            group.cancelAll()
        }
    }

    /// Runs a supervisor on `path` (loaded with `options`) around `body`.
    static func supervise(_ path: String, env: [String: String], options: ConfigLoadOptions = .init(),
                          _ body: (Supervisor, RecordingSupervisorObserver) async throws -> Void) async throws {
        let initial = try ConfigLoader.load(path: path, environment: env, options: options)
        let observer = RecordingSupervisorObserver()
        let supervisor = Supervisor(
            configPath: path, initial: initial, loader: Supervisor.loader(environment: env, options: options),
            pollInterval: .milliseconds(50), watchSIGHUP: false, observer: observer,
            makeConnector: Supervisor.connectorFactory(http: HTTPClient.shared, sink: NullSink(), clock: SystemClock(),
                                                       onAlert: { _ in }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await supervisor.run() }
            #expect(await eventually("initial config applied") { await observer.applied.count == 1 })
            try await body(supervisor, observer)
            group.cancelAll()
        }
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aReloadCannotSwitchAuthenticationOffOnAWideListener() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("orgs.yaml").path
        let withTokens = Self.yaml([("a", "UTC")]).replacingOccurrences(
            of: "auth: none\n",
            with: "clients:\n  - name: dash\n    tokenSha256: \(String(repeating: "ab", count: 32))\n    scopes: [global]\n")
        try withTokens.write(toFile: path, atomically: true, encoding: .utf8)
        // `run --listen 0.0.0.0:0`: the file's own address is loopback, the one in force is not.
        let wide = ConfigLoadOptions(listen: ListenAddress(host: "0.0.0.0", port: 0))
        try await Self.supervise(path, env: ["SECRET": "s"], options: wide) { supervisor, observer in
            try Self.yaml([("a", "UTC")]).write(toFile: path, atomically: true, encoding: .utf8)  // auth: none
            #expect(await eventually("auth: none refused") { await observer.rejected.count == 1 })
            let lines = await observer.rejected.first ?? []
            #expect(lines.count == 1)
            #expect(lines.first?.contains("auth: 'none' is allowed only on a loopback listen address, but --listen "
                + "on the command line is 0.0.0.0:0") == true)
            #expect(supervisor.currentConfiguration()?.auth.disabled == false)
            #expect(await observer.applied.count == 1)

            // Restoring the file clears the refusal (the configuration in force did not change).
            try withTokens.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(await eventually("restored file seen") { await observer.unchanged == 1 })
            #expect(supervisor.lastRejection().isEmpty)
            #expect(await observer.applied.count == 1)
        }
    }

    @Test func aRotatedSecretFileIsPickedUpWithoutARestart() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("orgs.yaml").path
        let secret = dir.appendingPathComponent("a.secret").path
        try "first\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let yaml = Self.yaml([("a", "UTC")]).replacingOccurrences(of: "clientSecret: ${SECRET}", with: "clientSecretFile: a.secret")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try await Self.supervise(path, env: [:]) { supervisor, observer in
            #expect(supervisor.currentConfiguration()?.org("a")?.clientSecret.reveal() == "first")
            // What a Kubernetes Secret update does to a mounted file: the content changes, the YAML does not.
            try "second\n".write(toFile: secret, atomically: true, encoding: .utf8)
            #expect(await eventually("rotated secret applied") { await observer.applied.count == 2 })
            #expect(await observer.applied.last??.changedOrgs == ["a"])
            #expect(supervisor.currentConfiguration()?.org("a")?.clientSecret.reveal() == "second")
        }
    }
}
