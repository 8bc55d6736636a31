import Foundation
import Logging
import ServiceLifecycle
import Simulator
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// `--child relay`: Switchboard against what a team writes instead, side by side (issue 19 §4). One simulator in
/// storm mode (in this process) serves, in turn, the minimal Node.js relay `bench/relay/relay.js` and a real
/// `switchboard run` (release, beside the bench), each a child process measured by its pid; the same
/// `--child clients` load client (1,000 clients on `global`, 20 of them sampling age) measures both, for the
/// same warm-up and duration. The relay goes first: the simulator keeps a dead client's subscriptions, and the
/// bridge's extra topics (conversations, observations) would otherwise cost the simulator CPU during the
/// relay's turn; the relay's one topic per agent is one the bridge subscribes too. Prints one JSON object,
/// keys prefixed `relay.` and `sb.`.
enum RelayChild {
    // `switchboard run` refuses guessable tokens (at least 128 bits).
    static let clientToken = "benchRelayClientToken0123456789abcdefghijklmnopq"
    static let adminToken = "benchRelayAdminToken0123456789abcdefghijklmnopqr"
    /// What a wall of agent tiles selects (docs/protocol.md "Selecting kinds and fields"): more than the relay's
    /// presence, routing status and `stateSince` (the derived state and the occupancy band), nothing else.
    static let tileSelect = #"{"agents":["presence","routingStatus","state","stateSince","band"],"orgs":["status"]}"#

    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let rate = Int(opts["rate"] ?? "10000") ?? 10_000
        let clients = Int(opts["clients"] ?? "1000") ?? 1000
        let duration = Double(opts["duration"] ?? "120") ?? 120
        let warmup = Double(opts["warmup"] ?? "15") ?? 15
        let samples = Int(opts["samples"] ?? "20") ?? 20
        guard let exe = siblingSwitchboard(scenario: "relay") else { return }
        let script = ProcessInfo.processInfo.environment["SWITCHBOARD_RELAY_JS"] ?? "bench/relay/relay.js"
        guard FileManager.default.fileExists(atPath: script) else {
            log("relay: \(script) not found; run the bench from the repository root (scripts/bench.sh does)")
            return
        }
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = agentsPerOrg
        options.stormEventsPerSecond = rate
        options.host = "127.0.0.1"
        options.port = 0
        // The day under way (its first hour replayed at start-up), so neither side sees the log-in wave.
        options.startAt = .init(hour: 1, minute: 0)
        let simulator = GenesysSimulator(options: options, clock: SystemClock(), logger: Logger(label: "bench.simulator"))
        let group = ServiceGroup(configuration: .init(services: [.init(service: simulator)], gracefulShutdownSignals: [],
                                                      cancellationSignals: [], logger: Logger(label: "bench.group")))
        let groupTask = Task { try? await group.run() }
        let simBase = "http://127.0.0.1:\(await simulator.waitUntilListening())"
        log("relay: simulator on \(simBase)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-bench-relay-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let measure = Measure(clients: clients, samples: samples, warmup: warmup, duration: duration)
        var out: [String: Double] = [:]

        // (a) The Node relay.
        let relayConfig = dir.appendingPathComponent("relay.json")
        let orgs: [[String: Any]] = simulator.orgIDs.map {
            ["id": $0, "base": simBase, "clientId": SimulatorOptions.clientID(for: $0),
             "clientSecret": SimulatorOptions.clientSecret(for: $0)]
        }
        let relayJSON: [String: Any] = ["port": 0, "token": clientToken, "flushMs": 250, "orgs": orgs]
        try? JSONSerialization.data(withJSONObject: relayJSON).write(to: relayConfig)
        var env = ProcessInfo.processInfo.environment
        env["NODE_PATH"] = "/usr/share/nodejs:/usr/lib/nodejs"
        // `--sides switchboard` skips the relay (to look at Switchboard alone, e.g. its late-change log lines).
        if opts["sides"] != "switchboard",
           let relay = try? BridgeRun("/usr/bin/env", ["node", script, "--config", relayConfig.path], env: env, label: "relay") {
            if let ready = await relay.waitForLine("READY ", timeout: 300), let port = Int(ready.dropFirst(6)) {
                out["relay.readySeconds"] = Proc.now - relay.launchedAt
                let r = await measure.run(pid: relay.process.processIdentifier, port: port, label: "relay") {
                    await relayCounters(port: port)
                }
                for (k, v) in r { out["relay.\(k)"] = v }
            } else {
                log("relay: the Node relay did not get ready (is `node` with Debian's node-ws installed? make bench installs both)")
            }
            stop(relay)
        }

        // (b) Switchboard: `switchboard run` with the same orgs.
        let config = dir.appendingPathComponent("orgs.yaml").path
        var yaml = """
            clients:
              - name: bench
                token: ${BENCH_TOKEN}
                scopes: [global]
              - name: bench-admin
                token: ${BENCH_ADMIN_TOKEN}
                scopes: [admin, global]
            orgs:

            """
        env["BENCH_TOKEN"] = clientToken
        env["BENCH_ADMIN_TOKEN"] = adminToken
        yaml += simulatorOrgEntries(simulator.orgIDs, simBase: simBase, options: options, env: &env)
        let base = yaml
        // Each side a `switchboard run` of its own, so that each side's RSS is that of one wave of 1,000 clients on a
        // bridge of the same age: the whole topic (`sb.`), then a wall of agent tiles selecting what it shows
        // (`sbsel.`; docs/protocol.md "Selecting kinds and fields"; `--select 0`: skip it). The simulator keeps the
        // first bridge's subscriptions, so it works harder during the second side — against Switchboard, not for it.
        var sides: [(prefix: String, label: String, select: String?)] = [("sb", "switchboard", nil)]
        if opts["select"] != "0" { sides.append(("sbsel", "switchboard-select", tileSelect)) }
        for side in sides {
            var yaml = base
            // A fresh store of its own, as a new deployment has (the default path is the working directory, where an
            // earlier run's file would make this one a warm restart); `--store none` runs it in memory.
            if opts["store"] == "none" {
                yaml += "store: none\n"
            } else {
                yaml += "store:\n  path: \(dir.appendingPathComponent("\(side.prefix).db").path)\n"
            }
            try? yaml.write(toFile: config, atomically: true, encoding: .utf8)
            for (k, v) in await bridgeSide(exe: exe, config: config, env: env, label: side.label, select: side.select,
                                           orgs: simulator.orgIDs, measure: measure, opts: opts) {
                out["\(side.prefix).\(k)"] = v
            }
        }
        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isFinite ? $0 : -1 }, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        groupTask.cancel()
        try? FileManager.default.removeItem(at: dir)
        exit(0)
    }

    /// One Switchboard side: starts `switchboard run` with `config`, waits for its steady state (every org re-synced
    /// and live, the pollers' first load sent), measures `measure`'s window with clients that `select` (nil: the whole
    /// topic), stops it. The figures, unprefixed.
    static func bridgeSide(exe: String, config: String, env: [String: String], label: String, select: String?,
                           orgs: [String], measure: Measure, opts: [String: String]) async -> [String: Double] {
        var out: [String: Double] = [:]
        // `info` for the connectors' re-sync lines (a handful per org; the window waits for them).
        let args = ["run", "--config", config, "--listen", "127.0.0.1:0", "--log-level", opts["log-level"] ?? "info"]
        guard let bridge = try? BridgeRun(exe, args, env: env, label: label) else { return out }
        defer { stop(bridge) }
        guard let base = await bridge.waitForLine("listening on http://", timeout: 300)?
            .replacingOccurrences(of: "listening on ", with: ""),
            let port = Int(base.split(separator: ":").last ?? ""),
            await waitOpen(base, since: bridge.launchedAt) else {
            log("relay: \(label): switchboard run did not get ready")
            return out
        }
        out["readySeconds"] = Proc.now - bridge.launchedAt
        // The start-up re-sync holds each org's live events until its baseline is in, then applies them: a window
        // that overlaps it measures the start-up, not the steady state (the fifth run's minute-long p99 was exactly
        // that: a second re-sync, paced past the minute's budget, holding events ~30–60 s). `--from ready` measures
        // from ready as before.
        if opts["from"] != "ready" {
            if let t = await waitResynced(bridge, orgs: orgs, timeout: 900) {
                out["resyncedSeconds"] = t - bridge.launchedAt
                log("relay: \(label): every org re-synced and live \(Int(t - bridge.launchedAt)) s after start")
            } else {
                log("relay: \(label): not every org applied its first re-sync within 900 s; measuring anyway")
            }
        }
        // The pollers' first load (every agent's utilization and quality, ≈ 15 MB on `global`, paced at 64 KiB per
        // delta) goes out over the first minutes; a window inside it measures the start-up, not the steady state.
        // Wait until the hub's paced backlog has been and gone (`--from resync`: don't).
        if opts["from"] == nil {
            let t = await waitPacedDrained(base, since: bridge.launchedAt)
            out["pacedDrainedSeconds"] = t - bridge.launchedAt
            log("relay: \(label): the pollers' first load went out \(Int(t - bridge.launchedAt)) s after start")
        }
        // `--patches 0` measures whole records (the default before patches; a client that does not ask).
        let r = await measure.run(pid: bridge.process.processIdentifier, port: port, label: label,
                                  patches: select != nil || opts["patches"] != "0", select: select) {
            await bridgeCounters(base)
        }
        for (k, v) in r { out[k] = v }
        return out
    }

    static func stop(_ run: BridgeRun) {
        if run.process.isRunning { run.process.terminate() }
        run.process.waitUntilExit()
    }

    /// The connector's line once the events held during a re-sync are applied on its baseline: from then on the org's
    /// events flow straight through (before it, they wait for the baseline and would be measured as late).
    static let liveLine = "events held during the re-sync applied on its baseline"

    /// When every org has logged its first ``liveLine`` (the bridge logs at `info`); nil after `timeout` seconds
    /// from the bridge's start or when it exits.
    static func waitResynced(_ bridge: BridgeRun, orgs: [String], timeout: Double) async -> Double? {
        while Proc.now - bridge.launchedAt < timeout {
            let done = bridge.lines.withLock { lines in
                Set(lines.filter { $0.contains(liveLine) }.compactMap { line in
                    orgs.first { line.contains("org=\($0) ") }
                })
            }
            if done.count == orgs.count { return Proc.now }
            if !bridge.process.isRunning { return nil }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    /// When `switchboard_hub_paced_backlog` came back to 0 after the first polls (at most 300 s after `since`; if no
    /// backlog shows within 120 s, then).
    static func waitPacedDrained(_ base: String, since: Double) async -> Double {
        var seen = false, zeros = 0
        while Proc.now - since < 300 {
            if let (status, body) = await StoreRestartChild.get("\(base)/metrics", token: adminToken), status == 200,
               let line = String(decoding: body, as: UTF8.self).split(separator: "\n")
                   .first(where: { $0.hasPrefix("switchboard_hub_paced_backlog ") }),
               let v = Double(line.split(separator: " ").last ?? "") {
                if v > 0 { seen = true; zeros = 0 } else { zeros += 1 }
                if seen && zeros >= 3 || !seen && Proc.now - since > 120 { return Proc.now }
            }
            try? await Task.sleep(for: .seconds(1))
        }
        return Proc.now
    }

    /// Every org open in `/readyz` (admin token), then 5 s for the first events to settle.
    static func waitOpen(_ base: String, since: Double) async -> Bool {
        while Proc.now - since < 600 {
            if let (status, body) = await StoreRestartChild.get("\(base)/readyz", token: adminToken), status == 200,
               let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
               let orgs = json["orgs"] as? [[String: Any]], !orgs.isEmpty,
               orgs.allSatisfy({ $0["status"] as? String == "open" }) {
                try? await Task.sleep(for: .seconds(5))
                return true
            }
            try? await Task.sleep(for: .seconds(1))
        }
        return false
    }

    /// The relay's counters (`GET /stats`): `activity` and `upstream` events received, agent `changes`, `deltas`.
    static func relayCounters(port: Int) async -> [String: Double] {
        guard let (status, body) = await StoreRestartChild.get("http://127.0.0.1:\(port)/stats"), status == 200,
              let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return [:] }
        func n(_ k: String) -> Double { (json[k] as? NSNumber)?.doubleValue ?? .nan }
        return ["activity": n("upstreamEvents"), "upstream": n("upstreamEvents"), "changes": n("changes"), "deltas": n("deltas")]
    }

    /// The bridge's counters from `/metrics`: `switchboard_upstream_events_total` (`users.activity` alone and all
    /// families), `switchboard_hub_entity_changes_total` / `switchboard_hub_deltas_total` of `global`, and
    /// `switchboard_rest_responses_total` (every org and status).
    static func bridgeCounters(_ base: String) async -> [String: Double] {
        guard let (status, body) = await StoreRestartChild.get("\(base)/metrics", token: adminToken), status == 200 else {
            return [:]
        }
        var out: [String: Double] = ["activity": 0, "upstream": 0, "changes": 0, "deltas": 0]
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let v = Double(line.split(separator: " ").last ?? "") ?? 0
            if line.hasPrefix("switchboard_upstream_events_total") {
                out["upstream", default: 0] += v
                if line.contains(#"topic="users.activity""#) { out["activity", default: 0] += v }
            } else if line.hasPrefix("switchboard_hub_entity_changes_total"), line.contains(#"topic="global""#) {
                out["changes", default: 0] += v
            } else if line.hasPrefix("switchboard_hub_deltas_total"), line.contains(#"topic="global""#) {
                out["deltas", default: 0] += v
            } else if line.hasPrefix("switchboard_rest_responses_total") {
                // The pollers' REST calls, which the simulator answers from the same process as the storm.
                out["rest", default: 0] += v
            }
        }
        return out
    }
}

/// One side's measured window: the load client child, then the server's CPU (`/proc/<pid>/stat`), RSS
/// (`/proc/<pid>/status`, sampled every second) and upstream event counters over the same window.
struct Measure {
    let clients: Int
    let samples: Int
    let warmup: Double
    let duration: Double

    func run(pid: Int32, port: Int, label: String, patches: Bool = false, select: String? = nil,
             counters: () async -> [String: Double]) async -> [String: Double] {
        let child: ChildProcess
        do {
            child = try ChildProcess(args: ["--child", "clients", "--port", "\(port)", "--count", "\(clients)",
                                            "--samples", "\(samples)", "--topic", "global", "--token", RelayChild.clientToken,
                                            "--warmup", "\(warmup)", "--duration", "\(duration)", "--patches", patches ? "1" : "0"]
                                     + (select.map { ["--select", $0] } ?? []))
        } catch {
            log("relay: cannot start clients: \(error)")
            return [:]
        }
        guard let connected = await child.waitReady(timeout: 300) else {
            log("relay: \(label): clients did not connect")
            await child.wait(timeout: 5)
            return [:]
        }
        log("relay: \(label): \(connected) clients connected; server RSS \(ProcOf.rss(pid) >> 20) MiB")
        try? await Task.sleep(for: .seconds(warmup))
        let c0 = await counters()
        let cpu0 = ProcOf.cpuSeconds(pid)
        // The simulator runs in this process: its CPU over the window says whether it, not the server, set the pace.
        let sim0 = ProcOf.cpuSeconds(getpid())
        let machine0 = ProcOf.machineTicks()
        let s0 = Proc.now
        var rss: [Double] = []
        while Proc.now - s0 < duration {
            rss.append(Double(ProcOf.rss(pid)))
            try? await Task.sleep(for: .seconds(1))
        }
        let elapsed = Proc.now - s0
        let cpu = ProcOf.cpuSeconds(pid) - cpu0
        let sim = ProcOf.cpuSeconds(getpid()) - sim0
        let machine1 = ProcOf.machineTicks()
        let c1 = await counters()
        var out = await child.result(timeout: 60)
        await child.wait(timeout: 30)
        log("relay: \(label): RSS MiB every 10 s: " + stride(from: 0, to: rss.count, by: 10).map { String(Int(rss[$0]) >> 20) }
            .joined(separator: " "))
        out["serverCPUPercent"] = cpu / elapsed * 100
        out["simulatorCPUPercent"] = sim / elapsed * 100
        let busy = machine1.busy - machine0.busy, total = machine1.total - machine0.total
        out["machineBusyPercent"] = total > 0 ? busy / total * 100 : .nan
        out["cores"] = Double(ProcessInfo.processInfo.activeProcessorCount)
        out["peakRSS"] = Double(ProcOf.statusBytes(pid, "VmHWM"))
        out["windowPeakRSS"] = rss.max() ?? -1
        out["endRSS"] = rss.last ?? -1
        // Server-side rates over the window: `activity`, `upstream` (events received), `changes` (agent / entity
        // changes flushed), `deltas` (deltas flushed) per second.
        for (k, v) in c1 { out["server.\(k)PerSecond"] = (v - (c0[k] ?? .nan)) / elapsed }
        out["measureSeconds"] = elapsed
        return out
    }
}

/// CPU and memory of another process, from /proc.
enum ProcOf {
    /// utime + stime of `/proc/<pid>/stat` in seconds.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return .nan }
        // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return .nan }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `kB` field of `/proc/<pid>/status`, in bytes.
    static func statusBytes(_ pid: Int32, _ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
        }
        return 0
    }

    static func rss(_ pid: Int32) -> Int { statusBytes(pid, "VmRSS") }

    /// The 1-minute load average (`/proc/loadavg`).
    static var loadAverage: Double {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).flatMap { Double($0.split(separator: " ").first ?? "") } ?? .nan
    }

    /// The machine's CPU ticks from the first line of `/proc/stat`: busy (all but idle and iowait) and total.
    static func machineTicks() -> (busy: Double, total: Double) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return (.nan, .nan) }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 5 else { return (.nan, .nan) }
        // user nice system idle iowait irq softirq steal (guest time is already in user)
        let total = v.prefix(8).reduce(0, +)
        return (total - v[3] - v[4], total)
    }
}
