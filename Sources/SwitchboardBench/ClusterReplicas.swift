import Foundation
import Logging
import PostgresNIO
import PostgresStore
import PostgresTestSupport
import ServiceLifecycle
import Simulator
import Synchronization
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// Three `switchboard run` processes (release, beside the bench) of one cluster (docs/scale-out.md) on a database
/// of the scenario's throw-away PostgreSQL server, every org of the simulator in each one's file.
final class ClusterReplicaSet: Sendable {
    struct Replica: Sendable {
        let name: String
        let run: BridgeRun
        let base: String
        let port: Int
        var pid: Int32 { run.process.processIdentifier }
    }

    let replicas: [Replica]
    let orgs: [String]
    let database: String

    private init(replicas: [Replica], orgs: [String], database: String) {
        self.replicas = replicas
        self.orgs = orgs
        self.database = database
    }

    /// Writes each replica's file (`r1`…`r3`, the given `leaseCheck` and `replicaTimeout`), starts the processes and
    /// waits for each to listen; nil (and every started process killed) when one does not.
    static func start(exe: String, pg: TestPostgresServer, simulator: GenesysSimulator, simBase: String, dir: URL,
                      leaseCheck: String, replicaTimeout: String, label: String,
                      server: [(String, String)] = []) async -> ClusterReplicaSet? {
        guard let db = try? await pg.createDatabase(tcp: true) else {
            log("cluster: could not create a database")
            return nil
        }
        var env = ProcessInfo.processInfo.environment
        env["BENCH_TOKEN"] = RelayChild.clientToken
        env["BENCH_ADMIN_TOKEN"] = RelayChild.adminToken
        env["PG_PASSWORD"] = TestPostgresServer.password
        let orgEntries = simulatorOrgEntries(simulator.orgIDs, simBase: simBase, options: simulator.options, env: &env)
        var runs: [(String, BridgeRun)] = []
        for name in ["r1", "r2", "r3"] {
            let yaml = """
                clients:
                  - name: bench
                    token: ${BENCH_TOKEN}
                    scopes: [global]
                  - name: bench-admin
                    token: ${BENCH_ADMIN_TOKEN}
                    scopes: [admin, global]
                cluster:
                  database: postgres://\(TestPostgresServer.passwordUser):${PG_PASSWORD}@127.0.0.1:\(pg.port)/\(db.database)?sslmode=disable
                  replica: \(name)
                  leaseCheck: \(leaseCheck)
                  replicaTimeout: \(replicaTimeout)
                orgs:

                """ + orgEntries
                + (server.isEmpty ? "" : "server:\n" + server.map { "  \($0.0): \($0.1)\n" }.joined())
            let path = dir.appendingPathComponent("\(label)-\(name).yaml").path
            try? yaml.write(toFile: path, atomically: true, encoding: .utf8)
            // `info` for the connectors' re-sync lines (the scenario waits for them) and the leadership lines.
            let args = ["run", "--config", path, "--listen", "127.0.0.1:0", "--log-level", "info"]
            guard let run = try? BridgeRun(exe, args, env: env, label: "\(label) \(name)") else {
                log("cluster: could not start \(name)")
                for (_, r) in runs { kill(r.process.processIdentifier, SIGKILL) }
                return nil
            }
            ClusterCleanup.shared.add(run.process.processIdentifier)
            runs.append((name, run))
        }
        var replicas: [Replica] = []
        for (name, run) in runs {
            guard let base = await run.waitForLine("listening on http://", timeout: 180)?
                .replacingOccurrences(of: "listening on ", with: ""),
                  let port = Int(base.split(separator: ":").last ?? "") else {
                log("cluster: \(name) did not listen: \(run.lines.withLock { $0.suffix(5) })")
                for (_, r) in runs { kill(r.process.processIdentifier, SIGKILL) }
                return nil
            }
            replicas.append(Replica(name: name, run: run, base: base, port: port))
        }
        return ClusterReplicaSet(replicas: replicas, orgs: simulator.orgIDs, database: db.database)
    }

    func replica(_ name: String) -> Replica? { replicas.first { $0.name == name } }

    /// org → the replica leading it, from the `/readyz` of `among` (default: every replica); nil when one does
    /// not answer or two claim one org.
    func leaders(among: [Replica]? = nil) async -> [String: String]? {
        var out: [String: String] = [:]
        for r in among ?? replicas {
            guard let json = await Self.json("\(r.base)/readyz"), let cluster = json["cluster"] as? [String: Any],
                  let leading = cluster["leading"] as? [[String: Any]] else { return nil }
            for l in leading {
                guard let org = l["org"] as? String else { continue }
                if out[org] != nil { return nil }
                out[org] = r.name
            }
        }
        return out
    }

    /// Every org `open` in the replica's `/readyz` (the leaders' status, on a follower).
    func allOpen(_ r: Replica) async -> Bool {
        guard let json = await Self.json("\(r.base)/readyz"), let orgs = json["orgs"] as? [[String: Any]],
              orgs.count == self.orgs.count else { return false }
        return orgs.allSatisfy { $0["status"] as? String == "open" }
    }

    /// No org alert in force on the replica (`/v1/alerts`).
    func noOrgAlert(_ r: Replica) async -> Bool {
        guard let json = await Self.json("\(r.base)/v1/alerts") else { return false }
        return (json["active"] as? [[String: Any]] ?? []).allSatisfy { $0["org"] == nil }
    }

    /// Settled: each replica leads one org, every replica shows every org open, each leader has applied its
    /// org's first re-sync (its log's ``RelayChild/liveLine``), and no org alert is in force. The leaders, or nil
    /// after `timeout` seconds.
    func waitSettled(timeout: Double) async -> [String: String]? {
        let t0 = Proc.now
        while Proc.now - t0 < timeout {
            try? await Task.sleep(for: .milliseconds(500))
            guard let leaders = await leaders(), Set(leaders.keys) == Set(orgs), Set(leaders.values).count == orgs.count
            else { continue }
            var ok = true
            for r in replicas {
                let open = await allOpen(r), quiet = await noOrgAlert(r)
                if !open || !quiet { ok = false }
            }
            for (org, name) in leaders {
                let lines = replica(name)?.run.lines.withLock { $0.filter { $0.contains(RelayChild.liveLine) && $0.contains("org=\(org) ") } }
                if lines?.isEmpty ?? true { ok = false }
            }
            if ok { return leaders }
        }
        return nil
    }

    /// Sums of `/metrics` samples per replica: the families named, optionally only lines containing `filter`.
    func metric(_ r: Replica, _ name: String, filter: String? = nil) async -> Double {
        guard let (status, body) = await StoreRestartChild.get("\(r.base)/metrics", token: RelayChild.adminToken), status == 200
        else { return .nan }
        var sum = 0.0
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name) {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{" else { continue }
            if let filter, !line.contains(filter) { continue }
            sum += Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return sum
    }

    func kill9(_ name: String) {
        guard let r = replica(name) else { return }
        kill(r.pid, SIGKILL)
        r.run.process.waitUntilExit()
    }

    /// SIGTERM to every replica still running, SIGKILL after 15 s; each replica's whole log written to
    /// `keepLogs`/`<label>-<name>.log` when given (`--keep-logs DIR`).
    func stop(keepLogs: String? = nil) async {
        for r in replicas where r.run.process.isRunning { kill(r.pid, SIGTERM) }
        let t0 = Proc.now
        while replicas.contains(where: { $0.run.process.isRunning }) && Proc.now - t0 < 15 {
            try? await Task.sleep(for: .milliseconds(100))
        }
        for r in replicas where r.run.process.isRunning {
            log("cluster: \(r.name) still running 15 s after SIGTERM; SIGKILL")
            kill(r.pid, SIGKILL)
        }
        for r in replicas {
            r.run.process.waitUntilExit()
            ClusterCleanup.shared.remove(r.pid)
            if let keepLogs {
                let text = r.run.lines.withLock { $0.joined(separator: "\n") } + "\n"
                try? text.write(toFile: "\(keepLogs)/\(r.run.label.replacingOccurrences(of: " ", with: "-")).log", atomically: true,
                                encoding: .utf8)
            }
        }
    }

    static func json(_ url: String) async -> [String: Any]? {
        guard let (status, body) = await StoreRestartChild.get(url, token: RelayChild.adminToken), status == 200 else { return nil }
        return (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }
}

/// PostgreSQL's side of a window: transactions committed in the cluster's database (`pg_stat_database`), the view
/// stream's last row id (every row is one `INSERT … RETURNING` with its `pg_notify`), and the server's CPU (the
/// postmaster and its backends, from /proc).
struct PostgresSample {
    var xactCommit: Double = .nan
    var lastRowID: Double = .nan
    var rowsByKind: [Int: Double] = [:]
    var cpuSeconds: Double = .nan

    static func take(_ pg: TestPostgresServer, database: String, rowsAfter: Double? = nil) async -> PostgresSample {
        var s = PostgresSample()
        s.cpuSeconds = serverCPUSeconds(pg)
        let logger = Logger(label: "bench.postgres")
        let c: PostgresConnection
        do {
            c = try await PostgresConnection.connect(
                configuration: .init(unixSocketPath: "\(pg.directory)/.s.PGSQL.\(pg.port)", username: TestPostgresServer.user,
                                     password: nil, database: database),
                id: 1, logger: logger)
        } catch {
            log("cluster: PostgreSQL statistics: \(String(reflecting: error))")
            return s
        }
        do {
            for try await v in try await c.query("SELECT xact_commit FROM pg_stat_database WHERE datname = \(database)",
                                                 logger: logger).decode(Int64.self) { s.xactCommit = Double(v) }
            for try await v in try await c.query("SELECT coalesce(max(id), 0) FROM cluster_view_stream", logger: logger)
                .decode(Int64.self) { s.lastRowID = Double(v) }
            if let after = rowsAfter.map({ Int64($0) }) {
                // The rows still in the table (a state row deletes its org's rows older than the previous one).
                for try await (kind, n) in try await c.query(
                    "SELECT kind::int4, count(*) FROM cluster_view_stream WHERE id > \(after) GROUP BY kind", logger: logger)
                    .decode((Int32, Int64).self) { s.rowsByKind[Int(kind)] = Double(n) }
            }
        } catch {
            log("cluster: PostgreSQL statistics: \(String(reflecting: error))")
        }
        try? await c.close()
        return s
    }

    /// utime + stime of the postmaster (first line of `postmaster.pid`) and every process whose parent it is.
    static func serverCPUSeconds(_ pg: TestPostgresServer) -> Double {
        guard let text = try? String(contentsOfFile: pg.dataDirectory + "/postmaster.pid", encoding: .utf8),
              let pm = Int32(text.split(separator: "\n").first ?? "") else { return .nan }
        var total = ProcOf.cpuSeconds(pm)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == pm { total += ProcOf.cpuSeconds(pid) }
        }
        return total
    }
}

/// What the scenario started that must not outlive it (replicas, the PostgreSQL server): ended on SIGTERM or
/// SIGINT of the scenario (the driver's timeout), as well as at its normal end.
final class ClusterCleanup: Sendable {
    static let shared = ClusterCleanup()
    private let pids = Mutex<Set<Int32>>([])
    private let server = Mutex<TestPostgresServer?>(nil)
    /// The signal sources, kept alive (set once, from the scenario's start).
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    func add(_ pid: Int32) { _ = pids.withLock { $0.insert(pid) } }
    func remove(_ pid: Int32) { _ = pids.withLock { $0.remove(pid) } }
    func set(_ pg: TestPostgresServer?) { server.withLock { $0 = pg } }

    /// Kills every process still registered and stops the server.
    func run() {
        for pid in pids.withLock({ $0 }) { kill(pid, SIGKILL) }
        pids.withLock { $0.removeAll() }
        server.withLock { $0?.stop(); $0 = nil }
    }

    func installSignalHandlers() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                log("cluster: signal \(sig): killing the replicas and stopping PostgreSQL")
                ClusterCleanup.shared.run()
                exit(1)
            }
            source.resume()
            Self.sources.append(source)
        }
    }
}

/// A simulator in this process (3 orgs, storm mode at `rate`, `start-at 01:00`, real time) and its base URL.
struct SimulatorRun {
    let simulator: GenesysSimulator
    let base: String
    let task: Task<Void, Never>

    init(agents: Int, rate: Int) async {
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = agents
        options.stormEventsPerSecond = rate
        options.host = "127.0.0.1"
        options.port = 0
        // The day under way (its first hour replayed at start-up): no log-in wave while measuring.
        options.startAt = .init(hour: 1, minute: 0)
        simulator = GenesysSimulator(options: options, clock: SystemClock(), logger: Logger(label: "bench.simulator"))
        let group = ServiceGroup(configuration: .init(services: [.init(service: simulator)], gracefulShutdownSignals: [],
                                                      cancellationSignals: [], logger: Logger(label: "bench.group")))
        task = Task { try? await group.run() }
        base = "http://127.0.0.1:\(await simulator.waitUntilListening())"
        log("cluster: simulator on \(base), storm \(rate) events/s, 3 × \(agents) agents")
    }

    /// Ends the storm and cancels the simulator's group (what it still holds is left to the process's end).
    func stop() {
        simulator.setStormRate(0)
        task.cancel()
    }
}

/// `500ms`, `2s`, `1m` → milliseconds (the forms the `cluster:` section takes).
enum ClusterDurations {
    static func ms(_ text: String) -> Int? {
        if text.hasSuffix("ms") { return Int(text.dropLast(2)) }
        if text.hasSuffix("s") { return Int(text.dropLast()).map { $0 * 1000 } }
        if text.hasSuffix("m") { return Int(text.dropLast()).map { $0 * 60_000 } }
        return nil
    }
}
