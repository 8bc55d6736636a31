import CHeapStats
import Foundation
import Simulator
import Views
import SwitchboardCore

/// `--child storm`: simulator in storm mode + bridge in this process; downstream clients subscribed to
/// `global` in a child process. Prints one JSON object. The soak (`make bench BENCH_ARGS=--soak`) is the same
/// run, longer, with `--faults R` (the simulator's random faults, R per org per hour), `--tail S` (the RSS and
/// heap trend over the last S seconds as well) and `--truth 1` (every agent's figures against `/_sim/truth`
/// at the end, ``SoakTruth``). `--simulator process` runs the simulator as a `switchboard simulate` child with the
/// same options instead, so that the RSS and heap sampled here are the bridge's alone (the simulator's own day
/// grows with the hours it has simulated).
enum StormChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let rate = Int(opts["rate"] ?? "10000") ?? 10_000
        let clients = Int(opts["clients"] ?? "1000") ?? 1000
        let duration = Double(opts["duration"] ?? "300") ?? 300
        let warmup = Double(opts["warmup"] ?? "15") ?? 15
        let samples = Int(opts["samples"] ?? "20") ?? 20
        let faultRate = Double(opts["faults"] ?? "0") ?? 0
        let tail = Double(opts["tail"] ?? "0") ?? 0
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = agentsPerOrg
        options.stormEventsPerSecond = rate
        if faultRate > 0 { options.randomFaultRate = faultRate }
        if let kinds = opts["fault-kinds"] { options.randomFaultKinds = kinds.split(separator: ",").map(String.init) }
        var simulatorRun: BridgeRun?, simulatorBase: String?
        if opts["simulator"] == "process" {
            guard let (run, base) = await startSimulator(options: options) else {
                print(#"{"error":1}"#)
                return
            }
            (simulatorRun, simulatorBase) = (run, base)
        }
        // Every early return; the end stops it before `exit`, which runs no `defer`.
        defer { if let simulatorRun { RelayChild.stop(simulatorRun) } }
        let harness = BridgeHarness(options: options, simulatorBase: simulatorBase)
        let t0 = Proc.now
        harness.start()
        guard await harness.waitReady(agents: 3 * agentsPerOrg, timeout: 180) else {
            log("storm: bridge not ready after 180 s")
            print(#"{"error":1}"#)
            return
        }
        let readySeconds = Proc.now - t0
        log("storm: bridge ready in \(fmt(readySeconds)) s on port \(harness.bridgePort.load()); RSS \(Proc.rss >> 20) MiB")
        let child: ChildProcess
        do {
            child = try ChildProcess(args: ["--child", "clients", "--port", "\(harness.bridgePort.load())",
                                            "--count", "\(clients)", "--samples", "\(samples)", "--topic", "global",
                                            "--token", "bench", "--warmup", "\(warmup)", "--duration", "\(duration)"])
        } catch {
            log("storm: cannot start clients: \(error)")
            return
        }
        guard let connected = await child.waitReady(timeout: 300) else {
            log("storm: clients did not connect")
            return
        }
        log("storm: \(connected) clients connected; RSS \(Proc.rss >> 20) MiB")
        try? await Task.sleep(for: .seconds(warmup))
        let ev0 = harness.metricSum("switchboard_upstream_events_total")
        let evict0 = harness.metricSum("switchboard_hub_evictions_total")
        let cpu0 = Proc.cpuSeconds
        let s0 = Proc.now
        var rssSamples: [(Double, Double)] = []
        // Live heap (mallinfo2 in-use bytes) beside RSS: growth of both is retention, RSS alone is the allocator.
        var heapSamples: [(Double, Double)] = []
        // The simulator's RSS when it is another process (its own growth, for the record).
        var simulatorRSS: [(Double, Double)] = []
        // What the views hold, by part (ViewFootprint): which part grows beside the heap.
        var viewSamples: [(Double, ViewFootprint)] = []
        let views = harness.bridge.parts?.views
        while Proc.now - s0 < duration {
            rssSamples.append((Proc.now - s0, Double(Proc.rss)))
            heapSamples.append((Proc.now - s0, Double(switchboard_heap_in_use())))
            if let views { viewSamples.append((Proc.now - s0, await views.footprint())) }
            if let simulatorRun { simulatorRSS.append((Proc.now - s0, Double(ProcOf.rss(simulatorRun.process.processIdentifier)))) }
            try? await Task.sleep(for: .seconds(min(5, max(0.5, duration / 20))))
        }
        let elapsed = Proc.now - s0
        let cpu = Proc.cpuSeconds - cpu0
        let events = harness.metricSum("switchboard_upstream_events_total") - ev0
        let evictions = harness.metricSum("switchboard_hub_evictions_total")
        let r = await child.result(timeout: 60)
        await child.wait(timeout: 30)
        // RSS trend: least-squares slope over the measured window, and over its second half (by then the
        // hub's delta history — 512 deltas per topic, ≈ 2 minutes at 4 deltas/s — has reached its bound).
        let slope = Self.slope(rssSamples)
        let half = rssSamples.last.map { $0.0 / 2 } ?? 0
        let slope2 = Self.slope(rssSamples.filter { $0.0 >= half })
        log("storm: RSS MiB every sample: " + rssSamples.map { String(Int($0.1) >> 20) }.joined(separator: " "))
        log("storm: live heap MiB every sample: " + heapSamples.map { String(Int($0.1) >> 20) }.joined(separator: " "))
        var out = r
        out["upstreamEventsPerSecond"] = events / elapsed
        out["bridgeCPUPercent"] = cpu / elapsed * 100
        out["peakRSS"] = Double(Proc.peakRSS)
        out["rssStart"] = rssSamples.first?.1 ?? 0
        out["rssEnd"] = rssSamples.last?.1 ?? 0
        out["rssSlopeMiBPerMin"] = slope
        out["rssSlopeSecondHalfMiBPerMin"] = slope2
        out["heapSlopeMiBPerMin"] = Self.slope(heapSamples)
        out["heapSlopeSecondHalfMiBPerMin"] = Self.slope(heapSamples.filter { $0.0 >= half })
        out["evictionsDuringRun"] = evictions - evict0
        out["evictions"] = evictions
        out["readySeconds"] = readySeconds
        out["measureSeconds"] = elapsed
        if tail > 0 {
            let from = elapsed - tail
            out["rssSlopeTailMiBPerMin"] = Self.slope(rssSamples.filter { $0.0 >= from })
            out["heapSlopeTailMiBPerMin"] = Self.slope(heapSamples.filter { $0.0 >= from })
        }
        // Each part of the views: its size at the end and its slope over the tail (the whole run without one).
        let from = tail > 0 ? elapsed - tail : half
        for part in viewSamples.isEmpty ? [] : ViewFootprint.partNames {
            let series = viewSamples.map { ($0.0, Double($0.1.parts[part] ?? 0)) }
            let end = series.last?.1 ?? 0
            let partSlope = Self.slope(series.filter { $0.0 >= from })
            out["views.\(part).bytes"] = end
            out["views.\(part).slopeMiBPerMin"] = partSlope
            log("storm: views hold \(part) \(fmt(end / 1_048_576)) MiB, \(fmt(partSlope)) MiB/min from second \(Int(from))")
        }
        if faultRate > 0 {
            let faults = await harness.randomFaults()
            out["faults"] = Double(faults.values.reduce(0, +))
            log("storm: random faults: " + faults.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", "))
        }
        if let simulatorRun {
            out["simulatorPeakRSS"] = Double(ProcOf.statusBytes(simulatorRun.process.processIdentifier, "VmHWM"))
            out["simulatorRSSSlopeMiBPerMin"] = Self.slope(simulatorRSS)
            if tail > 0 { out["simulatorRSSSlopeTailMiBPerMin"] = Self.slope(simulatorRSS.filter { $0.0 >= elapsed - tail }) }
            out["simulatorInProcess"] = 0
        } else {
            out["simulatorInProcess"] = 1
        }
        if opts["truth"] != nil, let parts = harness.bridge.parts {
            let t = await SoakTruth.compare(harness: harness, views: parts.views)
            out["truthAgents"] = Double(t.agents)
            out["truthWindows"] = Double(t.windows)
            out["truthOff"] = Double(t.off)
            out["truthWorstPP"] = t.worstPP
            out["truthNotOpenSeconds"] = t.waitedSeconds
            for line in t.examples { log("storm: truth: \(line)") }
            if t.off > 0 {
                // Late or lost? Look again once the bridge had 15 s more: a late change is in by then, a lost one is not.
                try? await Task.sleep(for: .seconds(15))
                let again = await SoakTruth.compare(harness: harness, views: parts.views)
                out["truthOffAfter15s"] = Double(again.off)
                for line in again.examples { log("storm: truth 15 s later: \(line)") }
            }
        }
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        if let simulatorRun { RelayChild.stop(simulatorRun) }
        exit(0)
    }

    /// `switchboard simulate` (release, beside the bench) with `options`, logging warnings only (its lines are
    /// kept in this process); nil when it does not announce its address within 300 s.
    static func startSimulator(options: SimulatorOptions) async -> (BridgeRun, String)? {
        guard let exe = siblingSwitchboard(scenario: "storm") else { return nil }
        var args = ["simulate", "--orgs", "\(options.orgCount)", "--agents", "\(options.agentsPerOrg)",
                    "--listen", "127.0.0.1:0", "--log-level", "warning"]
        if let storm = options.stormEventsPerSecond { args += ["--storm", "\(storm)"] }
        if let rate = options.randomFaultRate {
            args += ["--faults", "random", "--fault-rate", "\(rate)", "--fault-kinds", options.randomFaultKinds.joined(separator: ",")]
        }
        guard let run = try? BridgeRun(exe, args, env: ProcessInfo.processInfo.environment, label: "simulator"),
              let line = await run.waitForLine("simulator on http://", timeout: 300) else {
            log("storm: switchboard simulate did not announce its address")
            return nil
        }
        let base = line.replacingOccurrences(of: "simulator on ", with: "").trimmingCharacters(in: .whitespaces)
        log("storm: simulator in another process (pid \(run.process.processIdentifier)) on \(base)")
        return (run, base)
    }

    /// Least-squares slope of (seconds, bytes) samples in MiB per minute.
    static func slope(_ samples: [(Double, Double)]) -> Double {
        guard samples.count > 1 else { return 0 }
        let n = Double(samples.count)
        let mx = samples.reduce(0) { $0 + $1.0 } / n, my = samples.reduce(0) { $0 + $1.1 } / n
        let sxy = samples.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = samples.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        return sxx > 0 ? sxy / sxx * 60 / 1_048_576 : 0
    }
}
