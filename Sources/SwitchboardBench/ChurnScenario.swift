import CHeapStats
import Foundation
import NIOCore
import NIOWebSocket
import Simulator
import SwitchboardCore

/// `--child churn`: memory that comes back. A hub with a realistic `global` snapshot takes `rounds`
/// rounds of `cycles` connect → subscribe `global` → snapshot → close cycles (clients in a child
/// process, `parallel` at a time). Reports RSS and live heap (mallinfo2) before the first round and
/// after the last, without trimming (what an operator sees) and after `malloc_trim(0)`, plus the hub's
/// open connections and subscriptions at the end (both must be 0).
enum ChurnChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let rounds = Int(opts["rounds"] ?? "10") ?? 10
        let cycles = Int(opts["cycles"] ?? "1000") ?? 1000
        let parallel = Int(opts["parallel"] ?? "20") ?? 20
        let agents = Int(opts["agents"] ?? "300") ?? 300
        // The hub alone (default), or `--bridge 1`: simulator + bridge as the demo composes them, so
        // snapshots come from the views (3 orgs × `agents` / 3 agents; the simulator keeps running).
        let target: Target
        if opts["bridge"] == "1" {
            var options = SimulatorOptions()
            options.orgCount = 3
            options.agentsPerOrg = max(1, agents / 3)
            let harness = BridgeHarness(options: options)
            harness.start()
            guard await harness.waitReady(agents: 3 * options.agentsPerOrg, timeout: 180) else {
                log("churn: bridge not ready")
                return
            }
            target = Target(port: harness.bridgePort.load(), connections: { Int(harness.metricSum("switchboard_hub_connections")) },
                            metricSum: harness.metricSum)
        } else {
            let h: HubHarness
            do { h = try await HubHarness() } catch {
                log("churn: hub failed: \(error)")
                return
            }
            let now = SystemClock.realNow()
            let orgs = FrameFactory.orgs
            h.hub.publish((0..<agents).map { n in
                let org = orgs[n % 3]
                return EntityChange(kind: .agents, id: "\(org)/a\(n)", scope: .org(OrgID(org)),
                                    json: HubHarness.agentJSON(org: org, id: "a\(n)", n: n, at: now))
            })
            h.hub.flush()
            target = Target(port: h.port.load(), connections: { h.hub.connectionCount }, metricSum: h.metricSum)
        }
        // One warm-up round: first-use allocations (metric series, dictionary capacity, NIO and runtime
        // caches, the allocator's arenas) are not churn.
        guard await round(port: target.port, cycles: cycles, parallel: parallel) != nil else { return }
        try? await Task.sleep(for: .seconds(1))
        let rss0 = Proc.rss
        let heap0 = Int(switchboard_heap_in_use())
        Proc.trim()
        let rss0Trimmed = Proc.rss
        var out: [String: Double] = ["rounds": Double(rounds), "cyclesPerRound": Double(cycles),
                                     "parallel": Double(parallel), "snapshotAgents": Double(agents),
                                     "rssBefore": Double(rss0), "rssBeforeTrimmed": Double(rss0Trimmed),
                                     "heapBefore": Double(heap0)]
        var failed = 0.0
        var trace: [String] = []
        let t0 = Proc.now
        for r in 0..<rounds {
            guard let result = await round(port: target.port, cycles: cycles, parallel: parallel) else { return }
            failed += result["failed"] ?? 0
            trace.append("\(r + 1): rss \(Proc.rss >> 10) KiB heap \(switchboard_heap_in_use() >> 10) KiB")
        }
        out["seconds"] = Proc.now - t0
        // Let the last closes finish (the server side ends each stream after the client's close frame).
        var waited = 0
        while (target.connections() > 0 || target.subscriptions > 0) && waited < 100 {
            try? await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        let rss1 = Proc.rss
        let heap1 = Int(switchboard_heap_in_use())
        Proc.trim()
        let rss1Trimmed = Proc.rss
        log("churn: " + trace.joined(separator: "; "))
        out["failed"] = failed
        out["rssAfter"] = Double(rss1)
        out["rssAfterTrimmed"] = Double(rss1Trimmed)
        out["heapAfter"] = Double(heap1)
        out["heapFreeHeld"] = Double(Int(switchboard_heap_held()) - Int(switchboard_heap_in_use()))
        out["rssRatio"] = Double(rss1) / Double(max(1, rss0))
        out["rssRatioTrimmed"] = Double(rss1Trimmed) / Double(max(1, rss0Trimmed))
        out["heapBytesPerCycle"] = Double(heap1 - heap0) / Double(rounds * cycles)
        out["openConnections"] = Double(target.connections())
        out["subscriptions"] = target.subscriptions
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }

    struct Target {
        let port: Int
        let connections: () -> Int
        let metricSum: (String) -> Double
        var subscriptions: Double { metricSum("switchboard_hub_subscriptions") }
    }

    /// One round of cycles in a client child process; nil when it gave no result.
    static func round(port: Int, cycles: Int, parallel: Int) async -> [String: Double]? {
        guard let child = try? ChildProcess(args: ["--child", "churn-clients", "--port", "\(port)", "--cycles", "\(cycles)",
                                                   "--parallel", "\(parallel)", "--token", "bench"],
                                            // Not traced with the server when it runs under heaptrack or a malloc counter.
                                            wrapper: ["-u", "LD_PRELOAD"]) else { return nil }
        let r = await child.result(timeout: 300)
        await child.wait(timeout: 30)
        if r.isEmpty {
            log("churn: a round of clients gave no result")
            return nil
        }
        if (r["snapshots"] ?? 0) < Double(cycles) { log("churn: only \(Int(r["snapshots"] ?? 0)) of \(cycles) cycles got a snapshot") }
        return r
    }
}

/// `--child churn-clients`: `cycles` times, `parallel` at a time: open a stream, subscribe to `global`,
/// wait for the snapshot, send a close frame and wait for the server to close the connection.
enum ChurnClientsChild {
    static func run(_ opts: [String: String]) async {
        let port = Int(opts["port"] ?? "0") ?? 0
        let cycles = Int(opts["cycles"] ?? "1000") ?? 1000
        let parallel = Int(opts["parallel"] ?? "20") ?? 20
        let uri = "/v1/stream?access_token=\(opts["token"] ?? "bench")"
        var pool = LoadClientPool(threads: 1)
        var done = 0
        var unclosed = 0
        let t0 = Proc.now
        while done < cycles {
            let n = min(parallel, cycles - done)
            let snapshots = pool.totals.snapshots.load(ordering: .relaxed)
            let failed = pool.totals.failed.load(ordering: .relaxed)
            await pool.connect(host: "127.0.0.1", port: port, uri: uri, count: n, subscribe: "global", samples: 0, batch: n)
            let deadline = Proc.now + 30
            while Proc.now < deadline {
                let got = pool.totals.snapshots.load(ordering: .relaxed) - snapshots
                let lost = pool.totals.failed.load(ordering: .relaxed) - failed
                if got + lost >= n { break }
                try? await Task.sleep(for: .milliseconds(2))
            }
            for channel in pool.channels {
                var payload = channel.allocator.buffer(capacity: 2)
                payload.write(webSocketErrorCode: .normalClosure)
                let close = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: payload)
                channel.writeAndFlush(close, promise: nil)
            }
            for channel in pool.channels {
                // The server answers the close frame and closes; bounded in case it does not.
                let closed = channel.closeFuture
                let fired = AtomicInt()
                let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) {
                    fired.store(1)
                    channel.close(promise: nil)
                }
                _ = try? await closed.get()
                timeout.cancel()
                unclosed += fired.load()
            }
            pool.channels.removeAll()
            done += n
        }
        let t = pool.totals
        let out: [String: Double] = [
            "cycles": Double(done), "seconds": Proc.now - t0,
            "upgraded": Double(t.upgraded.load(ordering: .relaxed)),
            "snapshots": Double(t.snapshots.load(ordering: .relaxed)),
            "failed": Double(t.failed.load(ordering: .relaxed)),
            "closedByClientTimeout": Double(unclosed),
        ]
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        try? await pool.group.shutdownGracefully()
    }
}
