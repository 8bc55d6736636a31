import AsyncHTTPClient
import Connector
import Foundation
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The supervisor in a cluster (docs/scale-out.md, "In the bridge"): a connector runs only for an org the gate says
/// this replica leads, after the org was prepared; a release stops it and is reported once it stopped; a release
/// while the org is being prepared starts nothing; after the supervisor ends, a release is reported at once.
@Suite(.timeLimit(.minutes(2))) struct SupervisorGateTests {
    @Test func connectorsRunOnlyForLedOrgsAndStopsAreReported() async throws {
        let env = ["SECRET": "s"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-gate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("orgs.yaml").path
        try SupervisorTests.yaml([("a", "UTC"), ("b", "UTC")]).write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: path, environment: env)
        let gate = LeadershipGate()
        let stopped = Mutex<[OrgID]>([])
        let prepared = Mutex<[OrgID]>([])
        let holdB = Mutex(true)
        gate.onStopped { org in stopped.withLock { $0.append(org) } }
        gate.onPrepare { org in
            prepared.withLock { $0.append(org) }
            // b's preparation takes until the test lets it go.
            while org == "b" && holdB.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
        }
        let supervisor = Supervisor(
            configPath: nil, initial: config, watchSIGHUP: false, gate: gate, observer: RecordingSupervisorObserver(),
            makeConnector: Supervisor.connectorFactory(http: HTTPClient.shared, sink: NullSink(), clock: SystemClock(),
                                                       onAlert: { _ in }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await supervisor.run() }
            try await Task.sleep(for: .milliseconds(200))
            #expect(supervisor.connectorStates().isEmpty, "nothing runs before the gate says so")

            gate.lead("a", term: 1)
            #expect(await eventually("a runs") { Set(supervisor.connectorStates().keys) == ["a"] })
            #expect(prepared.withLock { $0 } == ["a"], "prepared before it started")

            gate.release("a")
            #expect(await eventually("a stopped and reported") { stopped.withLock { $0 } == ["a"] })
            #expect(supervisor.connectorStates().isEmpty)

            // Released while being prepared: never started, the stop reported.
            gate.lead("b", term: 1)
            #expect(await eventually("b being prepared") { prepared.withLock { $0 }.contains("b") })
            gate.release("b")
            holdB.withLock { $0 = false }
            #expect(await eventually("b reported stopped") { stopped.withLock { $0 } == ["a", "b"] })
            try await Task.sleep(for: .milliseconds(200))
            #expect(supervisor.connectorStates().isEmpty, "b never started")

            group.cancelAll()
        }
        // The supervisor has ended: a release is answered at once.
        gate.release("a")
        #expect(stopped.withLock { $0 }.filter { $0 == "a" }.count == 2)
    }
}
