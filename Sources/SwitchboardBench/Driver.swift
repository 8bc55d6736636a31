import Foundation
import Views

/// Runs the scenarios, prints the table, writes the JSON.
struct Driver {
    let quick: Bool
    let only: Set<String>?
    let outPath: String
    var results: [BenchResult] = []
    let machine: [String: String]
    /// `--soak-minutes N`: the soak's length (default 30; the last 20 minutes give the trend). 70 minutes run past
    /// the views' 65-minute fold horizon, where their per-agent history stops growing.
    let soakMinutes: Int

    init(options: [String: String]) {
        quick = options["quick"] != nil
        soakMinutes = max(options["soak-minutes"].flatMap { Int($0) } ?? 30, 21)
        var only = options["only"].map { Set($0.split(separator: ",").map(String.init)) }
        // `--soak` and `--quiet` (30 minutes each) run on their own, or beside what `--only` names; never in the
        // full run.
        if options["soak"] != nil { only = (only ?? []).union(["soak"]) }
        if options["quiet"] != nil { only = (only ?? []).union(["quiet"]) }
        self.only = only
        outPath = options["out"] ?? "bench/results.json"
        machine = [
            "cores": "\(Proc.cores)", "cpu": Proc.cpuModel, "memoryGiB": fmt(Proc.memoryGiB, 1),
            "swift": ProcessInfo.processInfo.environment["SWITCHBOARD_SWIFT_VERSION"] ?? "unknown",
            "kernel": Proc.kernel, "build": "release", "mode": options["quick"] != nil ? "quick" : "full",
            "date": ISO8601DateFormatter().string(from: Date()),
        ]
    }

    func wants(_ s: String) -> Bool { only?.contains(s) ?? (s != "soak" && s != "quiet") }

    mutating func add(_ name: String, _ metric: String, _ value: Double, _ unit: String, target: String? = nil,
                      _ config: [String: String]) {
        results.append(BenchResult(name: name, metric: metric, value: value.isFinite ? value : -1, unit: unit,
                                   target: target, config: config.merging(machine) { a, _ in a }))
    }

    /// Runs `--child name` with extra args; returns its JSON.
    func child(_ name: String, _ extra: [String], wrapper: [String] = [], timeout: Double) async -> [String: Double] {
        log("scenario \(name) \(extra.joined(separator: " "))")
        guard let p = try? ChildProcess(args: ["--child", name] + extra, wrapper: wrapper) else { return [:] }
        let r = await p.result(timeout: timeout)
        await p.wait(timeout: 30)
        if r.isEmpty { log("scenario \(name) gave no result") }
        return r
    }

    mutating func run() async {
        let t0 = Proc.now
        if wants("ingest") { await ingest() }
        if wants("footprint") { await footprint() }
        if wants("connections") { await connections() }
        if wants("fanout") { await fanout() }
        if wants("recovery") { await recovery() }
        if wants("churn") { await churn() }
        if wants("store") { await store() }
        if wants("storm") { await storm() }
        if wants("audio") {
            await audio()
        } else if wants("audio-opus") {
            // The audio scenario's Opus rows alone (docs/performance.md "audio"), about a minute.
            await audioOpus(taskset: FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") ? ["taskset", "-c", "0"] : [])
        }
        if wants("spotting") { await spotting() }
        if wants("journeys") { await journeys() }
        if wants("relay") { await relay() }
        if wants("cluster") { await cluster() }
        if wants("soak") { await soak() }
        if wants("quiet") { await quiet() }
        printTable()
        write()
        log("done in \(fmt(Proc.now - t0, 0)) s; wrote \(outPath)")
    }

    // MARK: Scenarios

    mutating func ingest() async {
        let frames = quick ? 100_000 : 300_000
        let taskset = FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") ? ["taskset", "-c", "0"] : []
        let cfg = ["frames": "\(frames)", "orgs": "3", "agentsPerOrg": "5000", "mix": "70% activity, 20% conversations, 10% observations",
                   "pinned": taskset.isEmpty ? "no" : "taskset -c 0", "path": "normalize → ViewEngine.ingest (entity encode) → counting sink"]
        var best: [String: Double] = [:]
        for _ in 0..<(quick ? 1 : 3) {
            let r = await child("ingest", ["--frames", "\(frames)"], wrapper: taskset, timeout: 600)
            if (r["framesPerSecond"] ?? 0) > (best["framesPerSecond"] ?? 0) { best = r }
        }
        // Issue 19 §3 raised the target from the first 250,000 events/s to 400,000.
        let rate = best["eventsPerSecond"] ?? -1
        let judged = cfg.merging(["verdict": best.isEmpty ? "no result" : rate >= 400_000 ? "met" : "missed",
                                  "earlierTarget": "≥ 250,000 events/s (\(rate >= 250_000 ? "met" : "missed"))"]) { a, _ in a }
        add("ingest", "frames/s", best["framesPerSecond"] ?? -1, "frames/s", target: "≥ 400,000 events/s", judged)
        add("ingest", "events/s", rate, "events/s", target: "≥ 400,000 events/s", judged)
        add("ingest", "view changes/frame", (best["changes"] ?? 0) / max(1, best["frames"] ?? 1), "changes", cfg)
        // Allocations per event: an LD_PRELOAD malloc counter (bench/malloc-count.c, built by bench.sh)
        // read before and after the measured loop. (valgrind memcheck 3.19 crashes on this Swift 6.3 binary.)
        if let lib = ProcessInfo.processInfo.environment["SWITCHBOARD_MALLOC_COUNTER"],
           FileManager.default.fileExists(atPath: lib) {
            let r = await child("ingest", ["--frames", quick ? "50000" : "150000"], wrapper: ["LD_PRELOAD=\(lib)"] + taskset,
                                timeout: 600)
            if let a = r["allocations"], let f = r["frames"], let e = r["events"], f > 0 {
                var c = cfg
                c["frames"] = fmt(f, 0)
                c["method"] = "LD_PRELOAD counter of malloc/calloc/realloc/memalign calls during the measured loop (bench/malloc-count.c)"
                add("ingest", "allocations/frame", a / f, "allocs", c)
                add("ingest", "allocations/event", a / max(e, 1), "allocs", c)
            }
        }
    }

    mutating func footprint() async {
        let events = quick ? 10 : 20
        let r = await child("footprint", ["--agents", "5000", "--events", "\(events)"], timeout: 600)
        let cfg = ["agents": fmt(r["agents"] ?? 0, 0), "eventsPerAgent": "\(events)", "events": fmt(r["events"] ?? 0, 0),
                   "method": "VmRSS after malloc_trim, views + hub entity state, minus the same before",
                   "hubHistory": "1 delta (the history ring is bounded by count/age, not agents)"]
        add("footprint", "RSS per tracked agent", (r["bytesPerAgent"] ?? -1) / 1024, "KiB", target: "≤ 2 KiB", cfg)
    }

    mutating func connections() async {
        let n = 10_000
        let r = await child("connections", ["--clients", "\(n)"], timeout: 600)
        let cfg = ["clients": fmt(r["hubConnections"] ?? 0, 0), "subscribed": "global (no traffic)",
                   "method": "server VmRSS after malloc_trim with the clients connected minus before; clients in another process"]
        // Issue 19 §3 lowered the target from the first 32 KiB to 20 KiB (Centrifugo: ≈ 30 KB).
        let kib = (r["bytesPerConnection"] ?? -1) / 1024
        let judged = cfg.merging(["verdict": r.isEmpty ? "no result" : kib <= 20 ? "met" : "missed",
                                  "earlierTarget": "≤ 32 KiB (\(kib <= 32 ? "met" : "missed"))"]) { a, _ in a }
        add("connections", "memory per idle connection", kib, "KiB", target: "≤ 20 KiB", judged)
        add("connections", "connect time", r["connectSeconds"] ?? -1, "s", cfg)
    }

    mutating func fanout() async {
        let rate = 200
        // The hub and the load client each hold one descriptor per client, in their own processes: a step needs
        // the open-files limit above its clients (plus the process's own files). A step the limit forbids is
        // reported as not measured, with the limit, rather than run to a pile of refused connections.
        let fileLimit = Proc.openFilesHardLimit
        for n in quick ? [1_000] : [1_000, 10_000, 50_000] {
            guard fileLimit >= n + 1_024 else {
                let cfg = ["clients": "\(n)", "verdict": "not measured",
                           "why": "the open-files hard limit here is \(fileLimit) descriptors per process (ulimit -Hn; "
                               + "not raisable without CAP_SYS_RESOURCE); the hub needs one per client"]
                add("fanout-\(n)", "messages/s delivered", -1, "msg/s", cfg)
                add("fanout-\(n)", "age p99 (flush → client)", -1, "ms", target: "≤ 100 ms", cfg)
                add("fanout-\(n)", "evictions", -1, "clients", target: "0", cfg)
                log("fanout: \(n) clients skipped, open-files hard limit \(fileLimit)")
                continue
            }
            let r = await child("fanout", ["--clients", "\(n)", "--rate", "\(rate)", "--agents", "1500", "--duration", quick ? "8" : "20",
                                           "--warmup", quick ? "2" : "5", "--samples", "20"], timeout: 900)
            let ageP99 = r["wireAgeP99"] ?? -1
            let evictions = r["evictions"] ?? -1
            var cfg = ["clients": "\(n)", "connected": fmt(r["upgraded"] ?? 0, 0), "topic": "global",
                       "offered": "\(rate) agent changes/s (~440 B each) over 1,500 agents, flush 250 ms",
                       "evictions": fmt(evictions, 0), "hubCPU%": fmt(r["hubCPUPercent"] ?? -1, 0),
                       "clientCPU": fmt(r["clientCPUSeconds"] ?? -1, 1) + " s",
                       "age": "20 sample clients: receive time − the delta's `at` (the hub's flush), same clock; "
                           + "p50 \(fmt(r["wireAgeP50"] ?? -1, 0)) ms"]
            cfg["verdict"] = ageP99 >= 0 && ageP99 <= 100 && evictions == 0 ? "met" : "missed"
            add("fanout-\(n)", "messages/s delivered", r["messagesPerSecond"] ?? -1, "msg/s", cfg)
            add("fanout-\(n)", "bytes/s delivered", (r["bytesPerSecond"] ?? -1) / 1_048_576, "MiB/s", cfg)
            add("fanout-\(n)", "age p99 (flush → client)", ageP99, "ms", target: "≤ 100 ms", cfg)
            add("fanout-\(n)", "evictions", evictions, "clients", target: "0", cfg)
        }
    }

    mutating func recovery() async {
        // The platform's own heartbeat cadence (30 s; the timeout 65 s), tokens of 90 s (renewed every 45 s).
        let hb = 30, token = 90
        let r = await child("recovery", ["--agents", "5000", "--heartbeat", "\(hb)", "--token", "\(token)"], timeout: 900)
        let cfg = ["fault": "ghost (socket open, nothing sent, pings unanswered)", "orgs": "3", "agentsPerOrg": "5000",
                   "heartbeat": "\(hb) s", "heartbeatTimeout": "65 s", "pingAfterQuiet": "8 s", "pingTimeout": "3 s (one retry)",
                   "truth": "every agent's presence and routing status equal to /_sim/truth",
                   "resyncRequests": fmt(r["resyncRequests"] ?? -1, 0), "channelRequests": fmt(r["channelRequests"] ?? -1, 0),
                   "requestsByEndpoint": "users \(fmt(r["requests0"] ?? -1, 0)), queues \(fmt(r["requests1"] ?? -1, 0)), "
                       + "users details \(fmt(r["requests2"] ?? -1, 0)), queue observations \(fmt(r["requests3"] ?? -1, 0)), "
                       + "users aggregates \(fmt(r["requests4"] ?? -1, 0)) (simulator counts, every org, ghost to truth)"]
        func verdict(_ v: Double?, _ limit: Double) -> String { (v ?? -1) >= 0 && (v ?? -1) <= limit ? "met" : "missed" }
        let toStale = r["ghostToStale"], toOpen = r["ghostToOpen"].map { $0 - (r["ghostToStale"] ?? 0) }
        add("recovery", "ghost → stale (30 s heartbeats, ping probe)", toStale ?? -1, "s", target: "≤ 15 s",
            cfg.merging(["verdict": verdict(toStale, 15)]) { a, _ in a })
        add("recovery", "stale → socket reopened", toOpen ?? -1, "s", target: "≤ 5 s",
            cfg.merging(["verdict": verdict(toOpen, 5)]) { a, _ in a })
        add("recovery", "stale → matches truth", r["staleToTruth"] ?? -1, "s", target: "≤ 10 s",
            cfg.merging(["verdict": verdict(r["staleToTruth"], 10)]) { a, _ in a })
        add("recovery", "socket reopened → matches truth", r["openToTruth"] ?? -1, "s", target: "≤ 5 s",
            cfg.merging(["verdict": verdict(r["openToTruth"], 5)]) { a, _ in a })
        let planned: [(String, String, String)] = [
            ("socket_closing (apac)", "socketClosing", "v2.system.socket_closing, socket closed by the platform 30 s later"),
            ("channel move (us)", "move", "move-endpoint: channels removed, sockets closed, old connectUri refused"),
            ("token renewal (every org)", "token", "tokens of \(token) s, renewed 45 s in; until 3 renewals"),
        ]
        for (label, key, fault) in planned {
            let v = r["\(key)ShownStale"]
            var c = cfg.merging(["fault": fault, "verdict": verdict(v, 0)]) { _, b in b }
            if let o = r["\(key)ToOpen"] { c["toOpen"] = fmt(o, 2) + " s" }
            if let t = r["\(key)ToTruth"] { c["toTruth"] = fmt(t, 2) + " s" }
            if let n = r["tokenRenewals"], key == "token" { c["renewals"] = fmt(n, 0) }
            add("recovery", "time shown stale: \(label)", v ?? -1, "s", target: "0 s", c)
        }
    }

    mutating func churn() async {
        let rounds = 10, cycles = quick ? 300 : 1000
        let r = await child("churn", ["--rounds", "\(rounds)", "--cycles", "\(cycles)", "--parallel", "20"], timeout: 1200)
        let cfg = ["cycles": "\(rounds) × \(cycles)", "parallel": "20", "topic": "global",
                   "snapshot": "300 agents", "failed": fmt(r["failed"] ?? -1, 0),
                   "openAtEnd": fmt(r["openConnections"] ?? -1, 0), "subscriptionsAtEnd": fmt(r["subscriptions"] ?? -1, 0),
                   "rssBeforeMiB": fmt((r["rssBefore"] ?? -1) / 1_048_576, 1),
                   "rssAfterMiB": fmt((r["rssAfter"] ?? -1) / 1_048_576, 1),
                   "rssAfterTrimmedMiB": fmt((r["rssAfterTrimmed"] ?? -1) / 1_048_576, 1),
                   "method": "server VmRSS after one warm-up round vs after the rounds, no malloc_trim; "
                       + "clients (connect, subscribe global, snapshot, close frame) in another process"]
        add("churn", "RSS after / before", r["rssRatio"] ?? -1, "ratio", target: "≤ 1.10", cfg)
        add("churn", "live heap growth per cycle", r["heapBytesPerCycle"] ?? -1, "bytes", target: "≈ 0", cfg)
        add("churn", "RSS after malloc_trim / before", r["rssRatioTrimmed"] ?? -1, "ratio", cfg)
    }

    /// Issue 19 §2: the storm for 30 minutes with the simulator's random faults on every org and 1,000
    /// clients; the RSS trend over the last 20 minutes, crashes, evictions, and every agent against the truth.
    mutating func soak() async {
        let duration = quick ? 180 : soakMinutes * 60, tail = quick ? 120 : 1200, faults = 12
        let r = await child("storm", ["--agents", "5000", "--rate", "10000", "--clients", "1000",
                                      "--duration", "\(duration)", "--warmup", "15", "--faults", "\(faults)",
                                      "--tail", "\(tail)", "--truth", "1", "--simulator", "process"],
                            timeout: Double(duration) + 1200)
        let cfg = ["orgs": "3", "agentsPerOrg": "5000", "stormEventsPerSecond": "10000", "clients": "1000",
                   "connected": fmt(r["upgraded"] ?? 0, 0), "topic": "global", "duration": "\(duration) s",
                   "faults": "simulator random faults, \(faults) per org per hour (every kind); injected \(fmt(r["faults"] ?? -1, 0))",
                   "truthAgents": fmt(r["truthAgents"] ?? -1, 0), "truthWindowsCompared": fmt(r["truthWindows"] ?? -1, 0),
                   "truthWaitSeconds": fmt(r["truthNotOpenSeconds"] ?? -1, 1),
                   "simulator": "another process (switchboard simulate): the RSS and heap are the bridge's alone",
                   "simulatorRSSTrendTailMiBPerMin": fmt(r["simulatorRSSSlopeTailMiBPerMin"] ?? -1, 2),
                   "simulatorPeakRSSMiB": fmt((r["simulatorPeakRSS"] ?? -1) / 1_048_576, 0),
                   "method": "RSS (VmRSS) and live heap (mallinfo2) sampled every 5 s; least-squares slope over the last \(tail / 60) minutes"]
        func verdict(_ ok: Bool) -> [String: String] { cfg.merging(["verdict": r.isEmpty ? "no result" : ok ? "met" : "missed"]) { _, b in b } }
        let slope = r["rssSlopeTailMiBPerMin"] ?? -1
        add("soak", "RSS trend, last \(tail / 60) minutes", slope, "MiB/min", target: "≤ 1 MiB/min",
            verdict(!r.isEmpty && slope <= 1))
        add("soak", "live heap trend, last \(tail / 60) minutes", r["heapSlopeTailMiBPerMin"] ?? -1, "MiB/min", cfg)
        // What the views hold, by part (ViewFootprint): which part of the heap's trend each one is.
        for part in ViewFootprint.partNames {
            add("soak", "views' \(part) trend, last \(tail / 60) minutes", r["views.\(part).slopeMiBPerMin"] ?? -1, "MiB/min",
                cfg.merging(["heldAtEndMiB": fmt((r["views.\(part).bytes"] ?? -1) / 1_048_576, 1)]) { _, b in b })
        }
        add("soak", "peak RSS", (r["peakRSS"] ?? -1) / 1_048_576, "MiB", cfg)
        add("soak", "crashes", r.isEmpty ? 1 : 0, "runs", target: "0", verdict(!r.isEmpty))
        let evictions = r["evictionsDuringRun"] ?? -1
        add("soak", "evictions of healthy clients", evictions, "clients", target: "0", verdict(evictions == 0))
        let off = r["truthOff"] ?? -1
        add("soak", "agents off the truth by more than 1 pp at the end", off, "agents", target: "0", verdict(off == 0))
        add("soak", "worst occupancy difference at the end", r["truthWorstPP"] ?? -1, "pp", cfg)
        add("soak", "age at delivery p99", r["ageP99"] ?? -1, "ms", cfg)
    }

    mutating func storm() async {
        let duration = quick ? 15 : 300
        let r = await child("storm", ["--agents", "5000", "--rate", "10000", "--clients", "1000",
                                      "--duration", "\(duration)", "--warmup", quick ? "3" : "15"],
                            timeout: Double(duration) + 900)
        let cfg = ["orgs": "3", "agentsPerOrg": "5000", "stormEventsPerSecond": "10000", "clients": "1000",
                   "connected": fmt(r["upgraded"] ?? 0, 0), "topic": "global", "flushInterval": "250 ms",
                   "duration": "\(duration) s", "ageSamples": fmt(r["ageSamples"] ?? 0, 0),
                   "method": "age = client receive wall time − agent stateSince (upstream event time); 20 sample clients",
                   "flushAgeP50ms": fmt(r["flushAgeP50"] ?? -1, 0), "flushAgeP99ms": fmt(r["flushAgeP99"] ?? -1, 0),
                   "wireAgeP50ms": fmt(r["wireAgeP50"] ?? -1, 0), "wireAgeP99ms": fmt(r["wireAgeP99"] ?? -1, 0),
                   "clientCPU%": fmt((r["clientCPUSeconds"] ?? 0) / max(1, r["seconds"] ?? 1) * 100, 0),
                   "stateChangesPerClientPerSecond": fmt((r["ageSamples"] ?? 0) / 20 / max(1, r["seconds"] ?? 1), 0),
                   "slowConsumerErrors": fmt(r["slowConsumer"] ?? -1, 0), "closedClients": fmt(r["closed"] ?? -1, 0)]
        add("storm", "age at delivery p50", r["ageP50"] ?? -1, "ms", cfg)
        add("storm", "age at delivery p99", r["ageP99"] ?? -1, "ms", target: "≤ 350 ms (flush + 100 ms)", cfg)
        add("storm", "age at delivery p99.9", r["ageP999"] ?? -1, "ms", cfg)
        add("storm", "flush age p99 (event → hub flush)", r["flushAgeP99"] ?? -1, "ms", cfg)
        add("storm", "wire age p99 (hub flush → client)", r["wireAgeP99"] ?? -1, "ms", cfg)
        add("storm", "bytes per delta", (r["bytesPerSecond"] ?? 0) / max(1, r["messagesPerSecond"] ?? 1) / 1024, "KiB", cfg)
        // permessage-deflate: the clients offer it as browsers do; the hub compresses each delta once per topic.
        var deflateCfg = cfg
        deflateCfg["deltasCompared"] = fmt(r["deltasKept"] ?? 0, 0)
        deflateCfg["method"] = "the deltas one sample client received, inflated, then deflated at zlib level 6 each on its own (what the hub sends) and as one stream flushed per message (context takeover: one zlib stream per client)"
        add("storm", "compressed / plain bytes per delta (shared, no context takeover)", r["deflateAloneRatio"] ?? -1, "ratio", deflateCfg)
        add("storm", "compressed / plain bytes per delta with context takeover", r["deflateTakeoverRatio"] ?? -1, "ratio", deflateCfg)
        add("storm", "upstream events/s", r["upstreamEventsPerSecond"] ?? -1, "events/s", cfg)
        add("storm", "messages/s delivered", r["messagesPerSecond"] ?? -1, "msg/s", cfg)
        add("storm", "bytes/s delivered", (r["bytesPerSecond"] ?? -1) / 1_048_576, "MiB/s", cfg)
        add("storm", "bridge CPU", r["bridgeCPUPercent"] ?? -1, "% of one core", cfg)
        add("storm", "client process CPU", (r["clientCPUSeconds"] ?? 0) / max(1, r["seconds"] ?? 1) * 100, "% of one core", cfg)
        add("storm", "peak RSS", (r["peakRSS"] ?? -1) / 1_048_576, "MiB", cfg)
        add("storm", "RSS trend", r["rssSlopeMiBPerMin"] ?? -1, "MiB/min", target: "flat", cfg)
        add("storm", "RSS trend, second half", r["rssSlopeSecondHalfMiBPerMin"] ?? -1, "MiB/min", target: "flat", cfg)
        add("storm", "live heap trend, second half", r["heapSlopeSecondHalfMiBPerMin"] ?? -1, "MiB/min", target: "flat", cfg)
        add("storm", "evictions", r["evictions"] ?? -1, "clients", target: "0", cfg)
    }

    // MARK: Output

    func printTable() {
        var lines = ["| scenario | metric | value | unit | target |", "| --- | --- | ---: | --- | --- |"]
        for r in results {
            let v = abs(r.value) >= 1000 ? fmt(r.value, 0) : (abs(r.value) >= 10 ? fmt(r.value, 1) : fmt(r.value, 2))
            lines.append("| \(r.name) | \(r.metric) | \(v) | \(r.unit) | \(r.target ?? "") |")
        }
        print("\nmachine: \(machine["cores"]!) cores, \(machine["cpu"]!), \(machine["memoryGiB"]!) GiB, Swift \(machine["swift"]!), kernel \(machine["kernel"]!), \(machine["mode"]!) run")
        print(lines.joined(separator: "\n"))
    }

    /// Writes the rows. With `--only`, the file's rows of the scenarios not run are kept (a row's scenario is
    /// its name up to the first `-`: `fanout-1000` belongs to `fanout`; `--only audio-opus` replaces the rows
    /// named `audio-opus…` alone).
    func write() {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let url = URL(fileURLWithPath: outPath)
        var rows = results
        if let only, let data = try? Data(contentsOf: url), let old = try? JSONDecoder().decode([BenchResult].self, from: data) {
            rows = old.filter { row in
                !only.contains(String(row.name.prefix { $0 != "-" })) && !only.contains { row.name.hasPrefix($0 + "-") }
            } + results
        }
        guard let data = try? enc.encode(rows) else { return }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? (data + Data("\n".utf8)).write(to: url)
    }
}
