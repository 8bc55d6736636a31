import Foundation
import Logging
import NIOPosix
import PostgresTestSupport
import ServiceLifecycle
import Simulator
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// `--child cluster`: scale-out (docs/scale-out.md, issue 21) with three real `switchboard run` replicas on a
/// throw-away PostgreSQL server (`TestPostgresServer`, as `ClusterEndToEndTests`) and the simulator in this process
/// (``SimulatorRun``: `start-at 01:00`, real time, as the relay scenario). On the storm simulator (3 × `--agents`,
/// `--rate` storm events/s), for each `--timings` entry (`leaseCheck/replicaTimeout`, default `2s/10s,500ms/3s`: the
/// defaults, then the end-to-end test's) a fresh database and three fresh replicas `r1`…`r3`, settled (one org
/// each, every org open everywhere, each leader's first re-sync applied), then:
///
/// - **first entry only — the storm window** (`--storm` s after `--warmup` s): one probe client per replica
///   (``ClusterProbe``, permessage-deflate as browsers, plus one without it) on every org topic; for each org
///   topic's deltas, a follower's receive time minus its leader's (same topic, epoch and seq); PostgreSQL's
///   transactions, view stream rows and CPU; each replica's CPU and the upstream events the leaders received.
/// - **fail-over**: `kill -9` of the replica leading `us`; the probes on the two survivors give, after the kill, the
///   first `upstream-stale` of `us`, the new leader's `upstream-recovered` ("open again"), the first delta of
///   `org:us` after it, and the first delta showing the `us` org entity open after one showing it otherwise; and
///   when `/readyz` of a survivor first shows it leading `us`.
///
/// Then **fan-out** on a simulator and cluster of their own (3 × `--fanout-agents`, storm `--fanout-rate`, default
/// 0: the workload alone): `--clients` load clients per replica on `global` with patches, three `--child clients`
/// processes measuring one window (`--fanout` s), each replica's published `global` deltas and evictions; a replica
/// past `--max-rss-gib` (4) ends the step. Prints one JSON object on stdout (`storm.…`, `failover<i>.…`, `fanout.…`).
enum ClusterChild {
    static let orgTopics = ["org:us", "org:emea", "org:apac"]

    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let rate = Int(opts["rate"] ?? "10000") ?? 10_000
        let clients = Int(opts["clients"] ?? "5000") ?? 5000
        let fanoutAgents = Int(opts["fanout-agents"] ?? "500") ?? 500
        let fanoutRate = Int(opts["fanout-rate"] ?? "0") ?? 0
        let stormSeconds = Double(opts["storm"] ?? "60") ?? 60
        let fanoutSeconds = Double(opts["fanout"] ?? "20") ?? 20
        let warmup = Double(opts["warmup"] ?? "10") ?? 10
        let maxRSS = (Double(opts["max-rss-gib"] ?? "4") ?? 4) * 1_073_741_824
        let timings = (opts["timings"] ?? "2s/10s,500ms/3s").split(separator: ",").map { $0.split(separator: "/").map(String.init) }
        // `--server key=value,…`: extra `server:` settings for every replica (e.g. pacedBytesPerFlush=64KiB).
        let server: [(String, String)] = (opts["server"] ?? "").split(separator: ",").compactMap {
            let kv = $0.split(separator: "=", maxSplits: 1).map(String.init)
            return kv.count == 2 ? (kv[0], kv[1]) : nil
        }
        func fail(_ why: String) {
            log("cluster: \(why)")
            ClusterCleanup.shared.run()
            print(#"{"error":1}"#)
        }
        guard let exe = siblingSwitchboard(scenario: "cluster") else { return fail("no switchboard executable") }
        ClusterCleanup.shared.installSignalHandlers()
        let pg: TestPostgresServer
        do { pg = try TestPostgresServer.start() } catch { return fail("PostgreSQL did not start: \(error)") }
        ClusterCleanup.shared.set(pg)
        log("cluster: PostgreSQL on port \(pg.port) (\(pg.directory))")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-bench-cluster-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 6)
        var out: [String: Double] = ["agentsPerOrg": Double(agentsPerOrg), "rate": Double(rate), "clients": Double(clients),
                                     "fanoutAgentsPerOrg": Double(fanoutAgents)]

        // The storm simulator: the storm window and the fail-overs, one cluster per timing.
        let storm = await SimulatorRun(agents: agentsPerOrg, rate: rate)
        for (i, timing) in timings.enumerated() {
            let leaseCheck = timing.first ?? "2s", replicaTimeout = timing.count > 1 ? timing[1] : "10s"
            let label = "t\(i)"
            let t0 = Proc.now
            guard let set = await ClusterReplicaSet.start(exe: exe, pg: pg, simulator: storm.simulator, simBase: storm.base, dir: dir,
                                                          leaseCheck: leaseCheck, replicaTimeout: replicaTimeout, label: label,
                                                          server: server) else {
                continue
            }
            guard let leaders = await set.waitSettled(timeout: 300) else {
                log("cluster: \(label): not settled after 300 s (leaders \(await set.leaders() ?? [:]))")
                await set.stop()
                continue
            }
            out["failover\(i).settleSeconds"] = Proc.now - t0
            log("cluster: \(label) (leaseCheck \(leaseCheck), replicaTimeout \(replicaTimeout)): settled in "
                + "\(fmt(Proc.now - t0, 0)) s; leaders \(leaders.sorted { $0.key < $1.key })")
            var probes: [String: ClusterProbe] = [:]
            for r in set.replicas {
                let p = ClusterProbe(replica: r.name, topics: orgTopics, group: loops)
                do { try await p.connect(port: r.port, token: RelayChild.adminToken) } catch {
                    log("cluster: probe on \(r.name) did not connect: \(error)")
                }
                probes[r.name] = p
            }
            try? await Task.sleep(for: .seconds(warmup))
            if i == 0 {
                // Beside the probes (compressed, as browsers), uncompressed ones: compression's share of the crossing.
                var plain: [String: ClusterProbe] = [:]
                for r in set.replicas {
                    let p = ClusterProbe(replica: r.name, topics: orgTopics, deflate: false, group: loops)
                    try? await p.connect(port: r.port, token: RelayChild.adminToken)
                    plain[r.name] = p
                }
                try? await Task.sleep(for: .seconds(2))
                for (k, v) in await self.storm(set, pg: pg, probes: probes, plain: plain, leaders: leaders, seconds: stormSeconds) {
                    out["storm.\(k)"] = v
                }
                for p in plain.values { await p.close() }
            }
            // A probe whose connection ended (none should) is replaced before the kill, so each survivor is watched.
            for r in set.replicas where (probes[r.name]?.closedAt.load(ordering: .relaxed) ?? 1) != 0 {
                log("cluster: \(label): the probe on \(r.name) had closed; a new one before the fail-over")
                out["failover\(i).probesReplaced", default: 0] += 1
                let p = ClusterProbe(replica: r.name, topics: orgTopics, group: loops)
                try? await p.connect(port: r.port, token: RelayChild.adminToken)
                probes[r.name] = p
                try? await Task.sleep(for: .seconds(3))
            }
            for (k, v) in await failover(set, probes: probes, leaders: leaders) { out["failover\(i).\(k)"] = v }
            out["failover\(i).leaseCheckMs"] = Double(ClusterDurations.ms(leaseCheck) ?? -1)
            out["failover\(i).replicaTimeoutMs"] = Double(ClusterDurations.ms(replicaTimeout) ?? -1)
            for p in probes.values { await p.close() }
            await set.stop(keepLogs: opts["keep-logs"])
        }
        storm.stop()

        // Fan-out on a simulator of its own: `global`'s snapshot grows with the agents and every client gets one
        // (3 × 5,000 agents: megabytes each, more than thousands of clients per replica fit in memory). The default
        // timings, as a production cluster runs: the fan-out saturates this machine, and the leadership sessions'
        // answers slow down with it.
        if clients > 0 {
            let sim = await SimulatorRun(agents: fanoutAgents, rate: fanoutRate)
            if let set = await ClusterReplicaSet.start(exe: exe, pg: pg, simulator: sim.simulator, simBase: sim.base, dir: dir,
                                                       leaseCheck: "2s", replicaTimeout: "10s", label: "fanout") {
                if await set.waitSettled(timeout: 300) != nil {
                    for (k, v) in await fanout(set, clients: clients, warmup: warmup, seconds: fanoutSeconds, maxRSS: maxRSS) {
                        out["fanout.\(k)"] = v
                    }
                } else {
                    log("cluster: fan-out cluster not settled after 300 s")
                }
                await set.stop(keepLogs: opts["keep-logs"])
            }
            sim.stop()
        }
        try? await loops.shutdownGracefully()
        ClusterCleanup.shared.run()
        try? FileManager.default.removeItem(at: dir)
        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isFinite ? $0 : -1 }, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }

    /// The storm window: the age a delta gains crossing replicas, PostgreSQL's load, the replicas' CPU.
    static func storm(_ set: ClusterReplicaSet, pg: TestPostgresServer, probes: [String: ClusterProbe],
                      plain: [String: ClusterProbe], leaders: [String: String], seconds: Double) async -> [String: Double] {
        var out: [String: Double] = [:]
        let pg0 = await PostgresSample.take(pg, database: set.database)
        let cpu0 = set.replicas.map { ProcOf.cpuSeconds($0.pid) }
        var upstream0: [Double] = []
        for r in set.replicas { upstream0.append(await set.metric(r, "switchboard_upstream_events_total")) }
        let machine0 = ProcOf.machineTicks()
        let sim0 = ProcOf.cpuSeconds(getpid())
        let from = ClusterProbe.nowMs, s0 = Proc.now
        try? await Task.sleep(for: .seconds(seconds))
        let elapsed = Proc.now - s0, to = ClusterProbe.nowMs
        let pg1 = await PostgresSample.take(pg, database: set.database, rowsAfter: pg0.lastRowID)
        let cpu1 = set.replicas.map { ProcOf.cpuSeconds($0.pid) }
        var upstream = 0.0
        for (k, r) in set.replicas.enumerated() { upstream += await set.metric(r, "switchboard_upstream_events_total") - upstream0[k] }
        let machine1 = ProcOf.machineTicks()
        out["simulatorCPUPercent"] = (ProcOf.cpuSeconds(getpid()) - sim0) / elapsed * 100
        out["machineBusyPercent"] = (machine1.busy - machine0.busy) / max(1, machine1.total - machine0.total) * 100
        out["seconds"] = elapsed
        out["loadAverage"] = ProcOf.loadAverage
        out["upstreamEventsPerSecond"] = upstream / elapsed
        for (k, r) in set.replicas.enumerated() {
            let role = leaders.values.contains(r.name) ? (leaders.first { $0.value == r.name }?.key ?? "?") : "none"
            out["cpuPercent.\(r.name).\(role)"] = (cpu1[k] - cpu0[k]) / elapsed * 100
        }
        out["postgresTransactionsPerSecond"] = (pg1.xactCommit - pg0.xactCommit) / elapsed
        out["postgresRowsPerSecond"] = (pg1.lastRowID - pg0.lastRowID) / elapsed
        out["postgresCPUPercent"] = (pg1.cpuSeconds - pg0.cpuSeconds) / elapsed * 100
        for (kind, n) in pg1.rowsByKind { out["postgresRowsKept.kind\(kind)"] = n }
        // Let the followers receive the window's last deltas before comparing.
        try? await Task.sleep(for: .seconds(2))
        for (k, v) in crossing(probes, leaders: leaders, from: from, to: to, elapsed: elapsed) { out[k] = v }
        for (k, v) in crossing(plain, leaders: leaders, from: from, to: to, elapsed: elapsed) { out["plain.\(k)"] = v }
        let all = [out["crossingP50"] ?? .nan, out["crossingP99"] ?? .nan, out["plain.crossingP99"] ?? .nan]
        log("cluster: storm \(fmt(elapsed, 0)) s: \(fmt(upstream / elapsed, 0)) upstream events/s; crossing p50 "
            + "\(fmt(all[0], 1)) ms, p99 \(fmt(all[1], 1)) ms (uncompressed clients: p99 \(fmt(all[2], 1)) ms); PostgreSQL "
            + "\(fmt(out["postgresTransactionsPerSecond"]!, 1)) transactions/s, \(fmt(out["postgresRowsPerSecond"]!, 1)) rows/s, "
            + "\(fmt(out["postgresCPUPercent"]!, 1)) % CPU; replicas CPU "
            + set.replicas.indices.map { fmt((cpu1[$0] - cpu0[$0]) / elapsed * 100, 0) + " %" }.joined(separator: ", "))
        return out
    }

    /// For every org topic's deltas received by its leader's probe between `from` and `to`: each follower's
    /// probe's receive time minus the leader's (p50, p99, range; `org:us` alone too), each side's receive time − the
    /// leader's flush (`at`: which side a difference comes from), and the pairs found of those expected.
    static func crossing(_ probes: [String: ClusterProbe], leaders: [String: String], from: Double, to: Double,
                         elapsed: Double) -> [String: Double] {
        var out: [String: Double] = [:]
        var all: [Double] = [], us: [Double] = [], leaderWire: [Double] = [], followerWire: [Double] = []
        var sized: [(ms: Double, bytes: Int)] = []
        var leaderDeltas = 0
        for topic in orgTopics {
            let org = String(topic.dropFirst(4))
            guard let lname = leaders[org], let lp = probes[lname] else { continue }
            leaderDeltas += lp.deltas.withLock { $0.filter { $0.key.hasPrefix(topic + "|") && $0.value >= from && $0.value <= to }.count }
            for (name, p) in probes where name != lname {
                let pairs = ClusterProbe.crossingWithSizes(leader: lp, follower: p, topic: topic, from: from, to: to)
                sized += pairs
                let d = pairs.map(\.ms)
                all += d
                if org == "us" { us += d }
                followerWire += p.wireAges(topic: topic, from: from - 1000, to: to + 2000, only: lp.deltas.withLock { $0 })
            }
            leaderWire += lp.wireAges(topic: topic, from: from, to: to)
        }
        for (name, v) in [("leaderWire", leaderWire.sorted()), ("followerWire", followerWire.sorted())] {
            out["\(name)P50"] = percentile(v, 50)
            out["\(name)P99"] = percentile(v, 99)
        }
        out["crossingSamples"] = Double(all.count)
        out["crossingExpected"] = Double(leaderDeltas * (probes.count - 1))
        for (name, v) in [("crossing", all.sorted()), ("crossingUS", us.sorted())] {
            out["\(name)P50"] = percentile(v, 50)
            out["\(name)P99"] = percentile(v, 99)
            out["\(name)Max"] = v.last ?? .nan
            out["\(name)Min"] = v.first ?? .nan
        }
        // The slowest 1 % of the pairs against the rest: their deltas' median size (a tail of large deltas shows here).
        sized.sort { $0.ms < $1.ms }
        let cut = sized.count - max(1, sized.count / 100)
        if cut > 0 {
            func median(_ v: ArraySlice<(ms: Double, bytes: Int)>) -> Double {
                let b = v.map(\.bytes).sorted()
                return b.isEmpty ? .nan : Double(b[b.count / 2])
            }
            out["slowestPercentMedianBytes"] = median(sized[cut...])
            out["restMedianBytes"] = median(sized[..<cut])
            out["slowestPercentLargestBytes"] = Double(sized[cut...].map(\.bytes).max() ?? 0)
            out["allLargestBytes"] = Double(sized.map(\.bytes).max() ?? 0)
        }
        out["deltasPerTopicPerSecond"] = Double(leaderDeltas) / Double(orgTopics.count) / elapsed
        out["probesClosed"] = Double(probes.values.filter { $0.closedAt.load(ordering: .relaxed) != 0 }.count)
        return out
    }

    /// `clients` load clients per replica on `global` (patches), the three processes measuring the same window. A
    /// replica past `maxRSS` bytes stops the step (the clients are ended) rather than the machine.
    static func fanout(_ set: ClusterReplicaSet, clients: Int, warmup: Double, seconds: Double, maxRSS: Double) async -> [String: Double] {
        var out: [String: Double] = [:]
        let go = FileManager.default.temporaryDirectory.appendingPathComponent("sb-bench-cluster-go-\(getpid())").path
        try? FileManager.default.removeItem(atPath: go)
        var children: [ChildProcess] = []
        for r in set.replicas {
            guard let c = try? ChildProcess(args: ["--child", "clients", "--port", "\(r.port)", "--count", "\(clients)",
                                                   "--samples", "20", "--topic", "global", "--token", RelayChild.clientToken,
                                                   "--patches", "1", "--warmup", "\(warmup)", "--duration", "\(seconds)",
                                                   "--pace", "500", "--go-file", go]) else { continue }
            children.append(c)
            ClusterCleanup.shared.add(c.pid)
        }
        defer { for c in children { ClusterCleanup.shared.remove(c.pid) } }
        var peakRSS = 0.0
        /// False (and every client process ended) when a replica grew past `maxRSS`.
        func guardMemory() -> Bool {
            let worst = Double(set.replicas.map { ProcOf.rss($0.pid) }.max() ?? 0)
            peakRSS = max(peakRSS, worst)
            guard worst > maxRSS else { return true }
            log("cluster: fan-out: a replica's RSS reached \(fmt(worst / 1_073_741_824, 1)) GiB; ending the clients")
            for c in children where c.isRunning { kill(c.pid, SIGKILL) }
            out["abortedAtRSS"] = worst
            return false
        }
        var ready = [Int?](repeating: nil, count: children.count)
        let c0 = Proc.now
        while ready.contains(where: { $0 == nil }) && Proc.now - c0 < 600 {
            for (k, c) in children.enumerated() where ready[k] == nil {
                ready[k] = await c.waitReady(timeout: 0.5)
                if ready[k] == nil && !c.isRunning { ready[k] = 0 }
            }
            guard guardMemory() else { return out }
        }
        let connected = Double(ready.reduce(0) { $0 + ($1 ?? 0) })
        out["connectSeconds"] = Proc.now - c0
        log("cluster: fan-out: \(Int(connected)) clients connected over \(set.replicas.count) replicas in \(fmt(Proc.now - c0, 0)) s")
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        let w0 = Proc.now
        while Proc.now - w0 < warmup {
            try? await Task.sleep(for: .milliseconds(500))
            guard guardMemory() else { return out }
        }
        var deltas0: [Double] = [], evict0 = 0.0
        for r in set.replicas {
            deltas0.append(await set.metric(r, "switchboard_hub_deltas_total", filter: #"topic="global""#))
            evict0 += await set.metric(r, "switchboard_hub_evictions_total")
        }
        let cpu0 = set.replicas.map { ProcOf.cpuSeconds($0.pid) }
        let machine0 = ProcOf.machineTicks()
        let s0 = Proc.now
        while Proc.now - s0 < seconds {
            try? await Task.sleep(for: .milliseconds(500))
            guard guardMemory() else { return out }
        }
        let elapsed = Proc.now - s0
        let machine1 = ProcOf.machineTicks()
        out["machineBusyPercent"] = (machine1.busy - machine0.busy) / max(1, machine1.total - machine0.total) * 100
        out["loadAverage"] = ProcOf.loadAverage
        var published = 0.0, evictions = 0.0
        for (k, r) in set.replicas.enumerated() {
            published += (await set.metric(r, "switchboard_hub_deltas_total", filter: #"topic="global""#) - deltas0[k]) / elapsed
            evictions += await set.metric(r, "switchboard_hub_evictions_total")
            out["cpuPercent.\(r.name)"] = (ProcOf.cpuSeconds(r.pid) - cpu0[k]) / elapsed * 100
            out["rss.\(r.name)"] = Double(ProcOf.rss(r.pid))
        }
        out["peakRSS"] = peakRSS
        var messages = 0.0, bytes = 0.0, deltas = 0.0, worstAge = -1.0, worstWire = -1.0, closed = 0.0, slow = 0.0
        for (k, c) in children.enumerated() {
            let r = await c.result(timeout: 120)
            await c.wait(timeout: 60)
            messages += r["messagesPerSecond"] ?? 0
            bytes += r["bytesPerSecond"] ?? 0
            deltas += (r["deltasPerSecond"] ?? 0)
            closed += r["closed"] ?? 0
            slow += r["slowConsumer"] ?? 0
            worstAge = max(worstAge, r["ageP99"] ?? -1)
            worstWire = max(worstWire, r["wireAgeP99"] ?? -1)
            for key in ["ageP50", "ageP99", "wireAgeP99", "upgraded", "connectSeconds", "clientCPUSeconds", "ageSamples"] {
                out["\(key).r\(k + 1)"] = r[key] ?? -1
            }
        }
        try? FileManager.default.removeItem(atPath: go)
        out["connected"] = connected
        out["messagesPerSecond"] = messages
        out["bytesPerSecond"] = bytes
        // Every replica publishes each `global` delta to each of its clients: published deltas/s × clients.
        out["publishedDeltasPerSecond"] = published / Double(max(1, set.replicas.count))
        out["deliveredRatio"] = connected > 0 && published > 0 ? deltas / (published / Double(set.replicas.count) * connected) : .nan
        out["ageP99Worst"] = worstAge
        out["wireAgeP99Worst"] = worstWire
        out["evictions"] = evictions - evict0
        out["closed"] = closed
        out["slowConsumer"] = slow
        out["seconds"] = elapsed
        log("cluster: fan-out: \(fmt(messages, 0)) msg/s, \(fmt(bytes / 1_048_576, 1)) MiB/s to \(Int(connected)) clients; "
            + "age p99 (worst replica) \(fmt(worstAge, 0)) ms; evictions \(Int(evictions - evict0)); replica peak RSS "
            + "\(fmt(peakRSS / 1_048_576, 0)) MiB")
        return out
    }

    /// `kill -9` of the leader of `us`; what the survivors' probes saw, in seconds after the kill.
    static func failover(_ set: ClusterReplicaSet, probes: [String: ClusterProbe], leaders: [String: String]) async -> [String: Double] {
        var out: [String: Double] = [:]
        let quiet = Proc.now
        while Proc.now - quiet < 60 {
            var ok = true
            for r in set.replicas where !(await set.noOrgAlert(r)) { ok = false }
            if ok { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
        guard let current = await set.leaders(), let victim = current["us"] ?? leaders["us"] else {
            log("cluster: fail-over: no leader of us")
            return out
        }
        let survivors = set.replicas.filter { $0.name != victim }
        let killedAt = ClusterProbe.nowMs
        set.kill9(victim)
        log("cluster: fail-over: kill -9 \(victim), the leader of us")
        var newLeader: String?
        while ClusterProbe.nowMs - killedAt < 120_000 {
            if newLeader == nil, let l = await set.leaders(among: survivors)?["us"] {
                newLeader = l
                out["ledAgain"] = (ClusterProbe.nowMs - killedAt) / 1000
            }
            let done = survivors.allSatisfy { r in probes[r.name]?.failover(killedAt: killedAt)["openAgain"] != nil }
            if newLeader != nil && done { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        // A few seconds more, for the alerts that may follow.
        try? await Task.sleep(for: .seconds(3))
        var worst = -1.0
        for r in survivors {
            let role = r.name == newLeader ? "newLeader" : "follower"
            let f = probes[r.name]?.failover(killedAt: killedAt) ?? [:]
            for (k, v) in f { out["\(role).\(k)"] = v }
            worst = max(worst, f["openAgain"] ?? .infinity)
            log("cluster: fail-over seen on \(r.name) (\(role)): "
                + f.sorted { $0.key < $1.key }.map { "\($0.key) \(fmt($0.value, 2))" }.joined(separator: ", "))
        }
        out["openAgain"] = worst
        out["loadAverage"] = ProcOf.loadAverage
        log("cluster: fail-over: led again after \(fmt(out["ledAgain"] ?? .nan, 2)) s by \(newLeader ?? "nobody"); us open again "
            + "in a delta on every survivor after \(fmt(worst, 2)) s")
        return out
    }
}
