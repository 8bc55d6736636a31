import Foundation
import PostgresTestSupport
import ServiceLifecycle
import Simulator
import SwitchboardCore
import Testing

/// What the cluster end-to-end suites run on (docs/scale-out.md): a throw-away PostgreSQL server with a fresh
/// database, a scratch directory, the simulator on a scaled clock, and `switchboard run` replicas that share its
/// business time. ``run(options:speed:orgs:environment:_:)`` starts the server and the simulator, hands the rig to
/// the body, and stops both afterwards (a replica still running is killed).
struct ClusterTestRig: Sendable {
    let executable: URL
    let server: TestPostgresServer
    let database: String
    let dir: URL
    let simulator: GenesysSimulator
    let simBase: String
    let clock: ScaledClock
    /// Every replica's environment: the admin token, the database password, each org's client secret and what the
    /// suite added.
    let environment: [String: String]

    /// The database URL's host part a replica's `cluster.database` names (password from `${PG_PASSWORD}`).
    var databaseURL: String {
        "postgres://\(TestPostgresServer.passwordUser):${PG_PASSWORD}@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
    }

    /// The head of a replica's file: the admin client (`${ADMIN_TOKEN}`) and the `cluster:` section on this rig's
    /// database with the end-to-end tests' quick timings; the suite's own top-level sections (`extra`, unindented)
    /// go between them; `orgs:` follows, its items from ``org(_:options:)``.
    func head(replica: String, extra: String = "") -> String {
        """
        clients:
          - name: test-admin
            token: ${ADMIN_TOKEN}
            scopes: [admin, global]
        \(extra)cluster:
          database: \(databaseURL)
          replica: \(replica)
          leaseCheck: 500ms
          replicaTimeout: 3s
        orgs:

        """
    }

    /// An item of `orgs:` for `org` on this rig's simulator (its client id, `${<ORG>_SECRET}`, its time zone); the
    /// suite appends the org's other keys indented by four spaces.
    func org(_ org: String, options: SimulatorOptions) -> String {
        """
          - id: \(org)
            apiBase: \(simBase)
            loginBase: \(simBase)
            clientId: \(SimulatorOptions.clientID(for: org))
            clientSecret: ${\(org.uppercased())_SECRET}
            timezone: \(options.timeZoneID(for: org))

        """
    }

    /// Writes `config` as `<name>.yaml` and starts replica `name` on it, listening on a free port; returns once it
    /// says where it listens.
    func start(_ name: String, config: String) async throws -> ClusterEndToEndTests.Replica {
        let path = dir.appendingPathComponent("\(name).yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let origin = clock.realOrigin
        let p = try RunningProcess(executable, ["run", "--config", path, "--listen", "127.0.0.1:0", "--log-level", "info",
                                                "--business-clock", "\(origin.real),\(origin.business),\(clock.speed)"],
                                   environment: environment)
        let line = await p.waitForLine(containing: "listening on http://")
        let base = try #require(line, "\(name): \(p.stderr.suffix(3000))").replacingOccurrences(of: "listening on ", with: "")
        return ClusterEndToEndTests.Replica(name: name, process: p, base: base)
    }

    static func run(options: SimulatorOptions, speed: Double, orgs: [String], token: String,
                    environment extra: [String: String] = [:], prefix: String,
                    _ body: @Sendable (ClusterTestRig) async throws -> Void) async throws {
        let executable = try ExecutableLocator.switchboard()
        let server = try TestPostgresServer.start()
        defer { server.stop() }
        let db = try await server.createDatabase(tcp: true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ScaledClock(origin: testBusinessHours, speed: speed)
        let simulator = GenesysSimulator(options: options, clock: clock)
        let group = ServiceGroup(configuration: .init(services: [simulator], gracefulShutdownSignals: [],
                                                      logger: .switchboard("test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let simBase = "http://127.0.0.1:\(await simulator.waitUntilListening())"
            var env = ["ADMIN_TOKEN": token, "PG_PASSWORD": TestPostgresServer.password]
            for org in orgs { env["\(org.uppercased())_SECRET"] = SimulatorOptions.clientSecret(for: org) }
            env.merge(extra) { _, new in new }
            let rig = ClusterTestRig(executable: executable, server: server, database: db.database, dir: dir,
                                     simulator: simulator, simBase: simBase, clock: clock, environment: env)
            try await body(rig)
            await group.triggerGracefulShutdown()
        }
    }
}
