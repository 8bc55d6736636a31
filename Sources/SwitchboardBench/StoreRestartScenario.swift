import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import Simulator
import Store
import Synchronization
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// `--child store-restart`: cold start vs warm start of a real `switchboard run` (a child process beside this
/// process's simulator, sharing its business time through the hidden `--business-clock`) with a store.
///
/// 1. Cold start on an empty store: time from launch to `/readyz` listing every org open ("ready"), then to
///    both start-up re-syncs of every org done ("settled"); platform requests (`/_sim/requests`, by endpoint)
///    from launch until settled. `…StartupRequests` counts only the endpoints nothing but the start-up calls
///    (token, users details and aggregates, queue observations, channels and subscriptions): the pollers
///    (which do not use the store) start 15–46 s after launch at these org ids, so they fall inside a slow
///    start's count and not a quick one's, and the directory poller reads the same users pages as a re-sync.
/// 2. Once buckets are stored for every org, `kill -9` (a crash).
/// 3. After `--downtime` seconds, a warm start on the same file: the same figures.
///
/// Prints `{"coldReadySeconds","warmReadySeconds","coldStartupRequests","warmStartupRequests",…}` plus
/// per-endpoint counts (`cold:GET /api/v2/users` …) on stdout.
enum StoreRestartChild {
    static let token = "bench-store-admin-token-0123456789abcdef"

    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let speed = Double(opts["speed"] ?? "1") ?? 1
        let downtime = Double(opts["downtime"] ?? "10") ?? 10
        let minBuckets = Int(opts["buckets"] ?? "2") ?? 2
        guard let exe = siblingSwitchboard(scenario: "store-restart") else { return }
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = agentsPerOrg
        options.host = "127.0.0.1"
        options.port = 0
        options.startAt = .init(hour: 3, minute: 0)
        let clock = ScaledClock(origin: SystemClock.realNow(), speed: speed)
        let simulator = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "bench.simulator"))
        let group = ServiceGroup(configuration: .init(services: [.init(service: simulator)], gracefulShutdownSignals: [],
                                                      cancellationSignals: [], logger: Logger(label: "bench.group")))
        let groupTask = Task { try? await group.run() }
        let simBase = "http://127.0.0.1:\(await simulator.waitUntilListening())"

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-bench-restart-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let storePath = dir.appendingPathComponent("history.sqlite").path
        let config = dir.appendingPathComponent("orgs.yaml").path
        var yaml = """
            clients:
              - name: bench-admin
                token: ${ADMIN_TOKEN}
                scopes: [admin, global]
            store:
              path: \(storePath)
            orgs:

            """
        var env = ProcessInfo.processInfo.environment
        env["ADMIN_TOKEN"] = token
        yaml += simulatorOrgEntries(simulator.orgIDs, simBase: simBase, options: options, env: &env)
        try? yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let origin = clock.realOrigin
        let args = ["run", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "info",
                    "--business-clock", "\(origin.real),\(origin.business),\(speed)"]
        let orgs = simulator.orgIDs.count

        var out: [String: Double] = ["agentsPerOrg": Double(agentsPerOrg), "orgs": Double(orgs), "speed": speed]
        // Cold start: an empty store.
        guard let cold = await start(exe, args, env: env, simBase: simBase, orgs: orgs, label: "cold") else {
            groupTask.cancel()
            return
        }
        cold.record(into: &out)
        // Buckets closed and stored for every org (the hour before the start closes at the first refresh).
        let t0 = Proc.now
        var stored = 0
        while Proc.now - t0 < 300 {
            stored = await storedBuckets(storePath)
            if stored >= minBuckets * orgs { break }
            try? await Task.sleep(for: .seconds(1))
        }
        out["bucketsBeforeKill"] = Double(stored)
        out["coldRunSeconds"] = Proc.now - cold.launchedAt
        kill(cold.process.processIdentifier, SIGKILL)
        cold.process.waitUntilExit()
        try? await Task.sleep(for: .milliseconds(Int64(downtime * 1000)))

        // Warm start: the same file after a crash.
        guard let warm = await start(exe, args, env: env, simBase: simBase, orgs: orgs, label: "warm") else {
            groupTask.cancel()
            return
        }
        warm.record(into: &out)
        out["downtimeSeconds"] = downtime
        out["warmStartLogged"] = Double(warm.lines.withLock { $0.filter { $0.contains("warm start: today's totals come from the store") }.count })
        warm.process.terminate()
        warm.process.waitUntilExit()
        out["bucketsAfter"] = Double(await storedBuckets(storePath))
        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isFinite ? $0 : -1 }, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        groupTask.cancel()
        try? FileManager.default.removeItem(at: dir)
        exit(0)
    }

    /// Launches `switchboard run`, waits for every org open in `/readyz` and for both start-up re-syncs of every
    /// org; the platform requests made meanwhile.
    static func start(_ exe: String, _ args: [String], env: [String: String], simBase: String, orgs: Int,
                      label: String) async -> BridgeRun? {
        let before = await requests(simBase)
        guard let run = try? BridgeRun(exe, args, env: env, label: label) else { return nil }
        guard let base = await run.waitForLine("listening on http://", timeout: 120)?
            .replacingOccurrences(of: "listening on ", with: "") else {
            log("store-restart: the \(label) bridge did not listen")
            if run.process.isRunning { run.process.terminate() }
            return nil
        }
        var ready = Double.nan
        while Proc.now - run.launchedAt < 600 {
            if await allOpen(base) { ready = Proc.now - run.launchedAt; break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        run.readySeconds = ready
        run.requestsAtReady = diff(await requests(simBase), before)
        // Settled: every org's re-sync (one, once its socket is open) is in and the events held meanwhile applied.
        while Proc.now - run.launchedAt < 600 {
            if run.lines.withLock({ $0.filter { $0.contains(RelayChild.liveLine) }.count }) >= orgs { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        run.settledSeconds = Proc.now - run.launchedAt
        run.requestsSettled = diff(await requests(simBase), before)
        return run
    }

    static func diff(_ a: [String: Int], _ b: [String: Int]) -> [String: Int] {
        a.reduce(into: [:]) { out, kv in
            let d = kv.value - (b[kv.key] ?? 0)
            if d > 0 { out[kv.key] = d }
        }
    }

    static func requests(_ simBase: String) async -> [String: Int] {
        guard let (status, body) = await get("\(simBase)/_sim/requests"), status == 200,
              let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return [:] }
        return json.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    static func allOpen(_ base: String) async -> Bool {
        guard let (status, body) = await get("\(base)/readyz", token: token), status == 200,
              let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let orgs = json["orgs"] as? [[String: Any]], !orgs.isEmpty else { return false }
        return orgs.allSatisfy { $0["status"] as? String == "open" }
    }

    static func storedBuckets(_ path: String) async -> Int {
        guard let store = try? SQLiteHistoryStore(path: path, mode: .readOnly) else { return 0 }
        defer { try? store.close() }
        return (try? await store.statistics().buckets) ?? 0
    }

    static func get(_ url: String, token: String? = nil) async -> (UInt, Data)? {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)),
              let body = try? await response.body.collect(upTo: 16 << 20) else { return nil }
        return (response.status.code, Data(buffer: body))
    }
}

/// A child `switchboard run`: stdout and stderr lines kept (stderr is info-level logs), prefixed on ours.
final class BridgeRun: @unchecked Sendable {
    let process = Process()
    let label: String
    let launchedAt: Double
    let lines = Mutex<[String]>([])
    var readySeconds = Double.nan
    var settledSeconds = Double.nan
    var requestsAtReady: [String: Int] = [:]
    var requestsSettled: [String: Int] = [:]

    init(_ exe: String, _ args: [String], env: [String: String], label: String) throws {
        self.label = label
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        launchedAt = Proc.now
        try process.run()
        for pipe in [out, err] {
            Thread { [self] in
                var buffer = Data()
                let h = pipe.fileHandleForReading
                while true {
                    let chunk = h.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    while let nl = buffer.firstIndex(of: 10) {
                        let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                        buffer.removeSubrange(buffer.startIndex...nl)
                        self.lines.withLock { $0.append(line) }
                        // Only what matters for the figures, and problems, on the bench's log.
                        if line.contains("warning") || line.contains("error") || line.contains("listening on")
                            || line.contains("warm start") || line.contains("history resumed") {
                            FileHandle.standardError.write(Data("  \(label) | \(line.prefix(300))\n".utf8))
                        }
                    }
                }
            }.start()
        }
    }

    func waitForLine(_ text: String, timeout: Double) async -> String? {
        while Proc.now - launchedAt < timeout {
            if let line = lines.withLock({ $0.first { $0.contains(text) } }) {
                return String(line[line.range(of: text)!.lowerBound...])
            }
            if !process.isRunning { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Endpoints only the start-up calls (the re-syncs' directory pages are read by the directory poller too).
    static let startupEndpoints: Set<String> = [
        "POST /oauth/token", "POST /api/v2/analytics/users/details/query", "POST /api/v2/analytics/users/aggregates/query",
        "POST /api/v2/analytics/queues/observations/query", "GET /api/v2/notifications/channels",
        "POST /api/v2/notifications/channels", "HEAD /api/v2/notifications/channels/{id}",
        "PUT /api/v2/notifications/channels/{id}/subscriptions",
    ]

    /// `cold…`/`warm…` figures; per-endpoint counts until settled as `cold:GET /api/v2/users`.
    func record(into out: inout [String: Double]) {
        out["\(label)ReadySeconds"] = readySeconds
        out["\(label)SettledSeconds"] = settledSeconds
        out["\(label)RequestsAtReady"] = Double(requestsAtReady.values.reduce(0, +))
        out["\(label)RequestsSettled"] = Double(requestsSettled.values.reduce(0, +))
        out["\(label)StartupRequests"] = Double(requestsSettled.filter { Self.startupEndpoints.contains($0.key) }.values.reduce(0, +))
        for (k, v) in requestsSettled { out["\(label):\(k)"] = Double(v) }
    }
}
