import AsyncHTTPClient
import Connector
import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

actor RecordingSupervisorObserver: SupervisorObserver {
    private(set) var applied: [ConfigDiff?] = []
    private(set) var rejected: [[String]] = []
    func configApplied(_ config: SwitchboardConfiguration, diff: ConfigDiff?) async { applied.append(diff) }
    func configRejected(_ diagnostics: [String]) async { rejected.append(diagnostics) }
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
}
