import Cluster
import ClusterPostgres
import Logging
import PostgresNIO
import PostgresStore
import PostgresTestSupport
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Replicas on one real PostgreSQL database (the test server), each a `LeadershipService` whose connectors are
/// recorded: started and not stopped, per org. The invariant (never two replicas running one org's connector)
/// is checked at every start.
final class ClusterRig: Sendable {
    struct State {
        /// org → replica → term, for connectors started and not stopped.
        var running: [OrgID: [String: Int64]] = [:]
        var violations: [String] = []
        var starts: [(replica: String, org: OrgID, term: Int64)] = []
        var stops: [(replica: String, org: OrgID)] = []
    }

    let state = Mutex(State())
    let services = Mutex<[String: LeadershipService]>([:])
    let database: PostgresURL
    let server: TestPostgresServer

    init(server: TestPostgresServer, database: PostgresURL) {
        self.server = server
        self.database = database
    }

    static let orgs: Set<OrgID> = ["us", "emea", "apac"]

    static func options(_ replica: String, replicaTimeout: Duration = .seconds(3),
                        backoffInitial: Duration = .milliseconds(300),
                        queryTimeout: Duration = .seconds(2)) -> LeadershipService.Options {
        LeadershipService.Options(
            replica: replica, leaseCheck: .milliseconds(200), replicaTimeout: replicaTimeout,
            queryTimeout: queryTimeout, shutdownTimeout: .seconds(5),
            backoff: Backoff(initial: backoffInitial, cap: backoffInitial, jitter: 0, direction: .shorten,
                             resetAfter: .seconds(30)))
    }

    func makeService(_ options: LeadershipService.Options, orgs: Set<OrgID> = ClusterRig.orgs) throws -> LeadershipService {
        let replica = options.replica
        // Over TCP with a password, as in production: the `cluster.database` path.
        guard case .tcp(let host, let port) = database.endpoint else { throw CancellationError() }
        let config = ClusterDatabase(host: host, port: port, user: database.user,
                                     password: database.password.map(Secret.init), name: database.database, tls: .disable)
        var logger = Logger(label: "test-cluster")
        logger.logLevel = .warning
        let service = LeadershipService(
            connection: try LeadershipService.connectionConfiguration(config), options: options, orgs: orgs,
            startConnector: { org, term in
                self.state.withLock { s in
                    let others = (s.running[org] ?? [:]).keys.filter { $0 != replica }
                    if !others.isEmpty { s.violations.append("\(org) started on \(replica) while running on \(others)") }
                    if s.running[org]?[replica] != nil { s.violations.append("\(org) started twice on \(replica)") }
                    s.running[org, default: [:]][replica] = term
                    s.starts.append((replica, org, term))
                }
            },
            stopConnector: { org in
                self.state.withLock { s in
                    s.running[org]?[replica] = nil
                    if s.running[org]?.isEmpty == true { s.running[org] = nil }
                    s.stops.append((replica, org))
                }
                // The connector stops at once here.
                self.services.withLock { $0[replica] }?.connectorStopped(org)
            },
            logger: logger)
        services.withLock { $0[replica] = service }
        return service
    }

    /// org → the replica running its connector, with its term (nil when none or when two do).
    var leaders: [OrgID: (replica: String, term: Int64)] {
        state.withLock { s in
            s.running.compactMapValues { $0.count == 1 ? ($0.first!.key, $0.first!.value) : nil }
        }
    }

    var violations: [String] { state.withLock { $0.violations } }

    /// The org's term in the table, read on a connection of its own.
    func currentTerm(_ org: OrgID) async throws -> Int64? {
        try await withAdmin { c in try await LeadershipSQL.currentTerm(org: org, on: c, logger: Logger(label: "test")) }
    }

    /// A connection as the superuser over the socket, to the rig's database.
    func withAdmin<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(
            configuration: .init(unixSocketPath: server.url().socketPath!, username: TestPostgresServer.user, password: nil,
                                 database: database.database),
            id: 9, logger: Logger(label: "test-admin"))
        do {
            let value = try await body(connection)
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    func eventually(_ timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// Each org led by one replica, each replica leading one.
    func spread(_ replicas: Set<String>) -> Bool {
        let leaders = self.leaders
        return leaders.count == Self.orgs.count && Set(leaders.values.map(\.replica)) == replicas
    }

    /// Runs the services until `body` returns, then shuts them all down gracefully.
    static func run(_ services: [LeadershipService], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            do {
                try await body()
            } catch {
                for service in services { service.shutdown() }
                try await group.waitForAll()
                throw error
            }
            for service in services { service.shutdown() }
            try await group.waitForAll()
        }
    }

    static func make() async throws -> ClusterRig {
        let server = try TestPostgresServer.shared.get()
        return ClusterRig(server: server, database: try await server.createDatabase(tcp: true))
    }
}

@Suite("LeadershipService on PostgreSQL")
struct LeadershipServiceTests {
    @Test("lock keys are stable and distinct")
    func lockKeys() {
        #expect(LeadershipSQL.lockKey(for: "us") == LeadershipSQL.lockKey(for: "us"))
        #expect(Set(["us", "emea", "apac"].map { LeadershipSQL.lockKey(for: OrgID($0)) }).count == 3)
        #expect(LeadershipSQL.lockKey(for: "us") != LeadershipSQL.schemaLockKey)
    }

    @Test("three replicas: each org led by exactly one, one org each")
    func spread() async throws {
        let rig = try await ClusterRig.make()
        let services = try ["r1", "r2", "r3"].map { try rig.makeService(ClusterRig.options($0)) }
        try await ClusterRig.run(services) {
            #expect(await rig.eventually { rig.spread(["r1", "r2", "r3"]) })
            // Stays so over a few checks.
            try await Task.sleep(for: .milliseconds(600))
            #expect(rig.spread(["r1", "r2", "r3"]))
            for (org, leader) in rig.leaders {
                #expect(try await rig.currentTerm(org) == leader.term)
                let status = services.first { $0.options.replica == leader.replica }!.status
                #expect(status.leading[org] == leader.term && status.sessionOpen && status.liveReplicas == 3)
            }
        }
        #expect(rig.violations.isEmpty, "\(rig.violations)")
        #expect(rig.leaders.isEmpty)
    }

    @Test("session lost: the leader stops the org at once, another replica leads it with a higher term")
    func sessionLost() async throws {
        let rig = try await ClusterRig.make()
        // The lost replica stays away longer than replicaTimeout, so the others' share grows.
        let services = try ["r1", "r2", "r3"].map {
            try rig.makeService(ClusterRig.options($0, backoffInitial: .seconds(8)))
        }
        try await ClusterRig.run(services) {
            #expect(await rig.eventually { rig.spread(["r1", "r2", "r3"]) })
            let (org, old) = rig.leaders.first { $0.value.replica == "r1" }!
            let killed: Bool = try await rig.withAdmin { c in
                let rows = try await c.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = 'switchboard-leader-r1' AND datname = current_database()
                    """, logger: Logger(label: "test"))
                var any = false
                for try await ok in rows.decode(Bool.self) { any = any || ok }
                return any
            }
            #expect(killed)
            // Stopped: the end of the connection is noticed as it happens (or at the latest by the next check's
            // failing query); no fixed deadline here, a loaded machine may take its time.
            #expect(await rig.eventually { rig.leaders[org] == nil })
            #expect(services[0].status.leading.isEmpty)
            #expect(await rig.eventually {
                guard let new = rig.leaders[org] else { return false }
                return new.replica != "r1" && new.term > old.term
            })
            #expect(try await rig.currentTerm(org) == rig.leaders[org]?.term)
        }
        #expect(rig.violations.isEmpty, "\(rig.violations)")
    }

    @Test("graceful shutdown hands the orgs over well before replicaTimeout")
    func gracefulHandover() async throws {
        let rig = try await ClusterRig.make()
        // replicaTimeout 60 s: a take-over well inside that did not wait for r3's heartbeat to age (a wide margin, so
        // a slow machine cannot blur the two).
        let services = try ["r1", "r2", "r3"].map { try rig.makeService(ClusterRig.options($0, replicaTimeout: .seconds(60))) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            #expect(await rig.eventually { rig.spread(["r1", "r2", "r3"]) })
            let (org, old) = rig.leaders.first { $0.value.replica == "r3" }!
            let started = ContinuousClock.now
            services[2].shutdown()
            #expect(await rig.eventually(.seconds(30)) {
                guard let new = rig.leaders[org] else { return false }
                return new.replica != "r3" && new.term > old.term
            })
            let took = ContinuousClock.now - started
            #expect(took < .seconds(30), "handover took \(took): it waited for the replica timeout")
            #expect(await rig.eventually { rig.leaders.count == 3 })
            #expect(Set(rig.leaders.values.map(\.replica)) == ["r1", "r2"])
            let gone: Bool = try await rig.withAdmin { c in
                let rows = try await c.query("SELECT gone FROM cluster_replicas WHERE name = 'r3'", logger: Logger(label: "test"))
                for try await gone in rows.decode(Bool.self) { return gone }
                return false
            }
            #expect(gone)
            services[0].shutdown()
            services[1].shutdown()
            try await group.waitForAll()
        }
        #expect(rig.violations.isEmpty, "\(rig.violations)")
        #expect(rig.leaders.isEmpty)
    }

    @Test("fencing: after a take-over, a write with the old term is refused, one with the new term accepted")
    func fencing() async throws {
        let rig = try await ClusterRig.make()
        let services = try ["a", "b"].map { try rig.makeService(ClusterRig.options($0), orgs: ["us"]) }
        try await rig.withAdmin { c in
            try await c.query("CREATE TABLE fenced_writes (org text, term bigint, body text)", logger: Logger(label: "test"))
            // The writers are the bridge's user, not the superuser.
            try await c.query("GRANT ALL ON fenced_writes TO bridge", logger: Logger(label: "test"))
        }
        func write(_ term: Int64, _ body: String) async throws -> Bool {
            try await rig.withAdmin { c in
                let rows = try await c.query("""
                    INSERT INTO fenced_writes (org, term, body) SELECT 'us', \(term), \(body)
                    WHERE (SELECT term FROM cluster_leadership WHERE org = 'us') = \(term)
                    RETURNING 1
                    """, logger: Logger(label: "test"))
                for try await _ in rows.decode(Int.self) { return true }
                return false
            }
        }
        try await ClusterRig.run(services) {
            #expect(await rig.eventually { rig.leaders["us"] != nil })
            let old = rig.leaders["us"]!
            #expect(try await write(old.term, "first"))
            // The leader's session ends; the other replica (share ⌈1/2⌉ = 1, room for it) takes the org.
            let oldService = services.first { $0.options.replica == old.replica }!
            _ = try await rig.withAdmin { c in
                try await c.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = \(oldService.applicationName) AND datname = current_database()
                    """, logger: Logger(label: "test"))
            }
            #expect(await rig.eventually {
                guard let new = rig.leaders["us"] else { return false }
                return new.replica != old.replica
            })
            let new = rig.leaders["us"]!
            #expect(new.term > old.term)
            #expect(try await !write(old.term, "late write of the old leader"))
            #expect(try await write(new.term, "the new leader's"))
            let current = try await rig.currentTerm("us")
            #expect(FencingToken(org: "us", term: old.term).check(current: current) == .stale(current: new.term))
        }
        #expect(rig.violations.isEmpty, "\(rig.violations)")
    }

    @Test("the default query timeout is half of what replicaTimeout leaves after a leaseCheck, at least one leaseCheck and 1 s")
    func defaultQueryTimeout() {
        #expect(LeadershipService.Options(replica: "r").queryTimeout == .seconds(4), "2 s / 10 s")
        #expect(LeadershipService.Options(replica: "r", leaseCheck: .milliseconds(500), replicaTimeout: .seconds(3))
            .queryTimeout == .milliseconds(1250))
        #expect(LeadershipService.Options(replica: "r", leaseCheck: .seconds(5), replicaTimeout: .seconds(6)).queryTimeout == .seconds(5))
        #expect(LeadershipService.Options(replica: "r", leaseCheck: .milliseconds(100), replicaTimeout: .seconds(1))
            .queryTimeout == .seconds(1))
        #expect(LeadershipService.Options(replica: "r", queryTimeout: .milliseconds(300)).queryTimeout == .milliseconds(300))
    }

    @Test("a query that gets no answer within the timeout loses the session: the connector stops, then it comes back")
    func queryTimeout() async throws {
        let rig = try await ClusterRig.make()
        let service = try rig.makeService(ClusterRig.options("solo", queryTimeout: .milliseconds(500)), orgs: ["us"])
        try await ClusterRig.run([service]) {
            #expect(await rig.eventually { rig.leaders["us"] != nil })
            let old = rig.leaders["us"]!
            try await rig.withAdmin { c in
                let logger = Logger(label: "test")
                // The next heartbeat waits for this lock, longer than the query timeout.
                try await c.query("BEGIN", logger: logger)
                try await c.query("LOCK TABLE cluster_replicas IN ACCESS EXCLUSIVE MODE", logger: logger)
                #expect(await rig.eventually(.seconds(20)) { rig.leaders["us"] == nil })
                #expect(service.status.sessionFailures >= 1)
                try await c.query("ROLLBACK", logger: logger)
            }
            #expect(await rig.eventually {
                guard let new = rig.leaders["us"] else { return false }
                return new.term > old.term
            })
        }
        #expect(rig.violations.isEmpty, "\(rig.violations)")
    }

    @Test("an org added to the configuration is led; one removed is stopped and its lock released")
    func reconfigured() async throws {
        let rig = try await ClusterRig.make()
        let solo = try rig.makeService(ClusterRig.options("solo"), orgs: ["us"])
        try await ClusterRig.run([solo]) {
            #expect(await rig.eventually { rig.leaders["us"]?.replica == "solo" })
            solo.orgsConfigured(["us", "emea"])
            #expect(await rig.eventually { rig.leaders["emea"]?.replica == "solo" })
            solo.orgsConfigured(["emea"])
            #expect(await rig.eventually { rig.leaders["us"] == nil })
            #expect(solo.status.leading.keys.sorted() == ["emea"])
            // The lock went with it: another session can take `us` at once.
            let key = LeadershipSQL.lockKey(for: "us")
            let taken: Bool = try await rig.withAdmin { c in
                let rows = try await c.query("SELECT pg_try_advisory_lock(\(key))", logger: Logger(label: "test"))
                for try await ok in rows.decode(Bool.self) { return ok }
                return false
            }
            #expect(taken, "the removed org's lock is still held")
        }
        #expect(rig.violations.isEmpty, "\(rig.violations)")
    }

    @Test("cluster.database becomes the store's URL: sslmode means the same on every connection")
    func databaseURL() {
        let db = ClusterDatabase(host: "db.internal", port: 5433, user: "sb", password: Secret("pw-Secret-9"),
                                 name: "switchboard", tls: .require)
        let url = PostgresURL(db)
        #expect(url.endpoint == .tcp(host: "db.internal", port: 5433) && url.user == "sb" && url.database == "switchboard")
        #expect(url.password == "pw-Secret-9")
        #expect(url.sslMode == .verifyFull, "the config's require promises a verified certificate")
        #expect(PostgresURL(ClusterDatabase(host: "h", user: "u", name: "d", tls: .prefer)).sslMode == .prefer)
        #expect(PostgresURL(ClusterDatabase(host: "h", user: "u", name: "d", tls: .disable)).sslMode == .disable)
        #expect(!"\(url)".contains("pw-Secret-9"))
    }
}

