import CHeapStats
import Foundation
import Hub
import Logging
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// A `StreamHub` and its HTTP/WebSocket server alone (no views, no upstream), fed synthetic agent changes.
final class HubHarness: Sendable {
    let hub: StreamHub
    let port = AtomicInt()
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init() async throws {
        var server = ServerConfig()
        server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        var auth = AuthConfig()
        auth.clients = [ClientConfig(name: "bench", token: Secret("bench"), scopes: [.global])]
        hub = try await StreamHub(configuration: server, auth: auth, metrics: HubMetrics(), clock: SystemClock(),
                                  logger: Logger(label: "bench.hub"))
        hub.setOrgs(FrameFactory.orgs.map { OrgID($0) })
        let portBox = port
        let app = makeBridgeApplication(
            hub: hub, configuration: server,
            readiness: { ReadinessReport(ready: true, configLoadedAt: nil, orgs: []) },
            logger: Logger(label: "bench.http"), onListening: { p in portBox.store(p) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: hub), .init(service: app)],
                                                      gracefulShutdownSignals: [], cancellationSignals: [],
                                                      logger: Logger(label: "bench.group")))
        task.withLock { $0 = Task { try? await group.run() } }
        while port.load() == 0 { try await Task.sleep(for: .milliseconds(20)) }
    }

    func metricSum(_ name: String) -> Double {
        hub.metrics.registry.emitToString().split(separator: "\n").reduce(0.0) { sum, line in
            guard line.hasPrefix(name) else { return sum }
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{" else { return sum }
            return sum + (Double(line.split(separator: " ").last ?? "") ?? 0)
        }
    }

    /// A realistic agent fragment (the views' shape, ~430 bytes).
    static func agentJSON(org: String, id: String, n: Int, at: EpochMillis) -> EncodedJSON {
        let states = ["Available", "On Queue", "Break"]
        return EncodedJSON(#"{"id":"\#(org)/\#(id)","org":"\#(org)","name":"Agent \#(n)","hireDate":"2019-03-14","presence":"\#(states[n % 3])","routingStatus":"IDLE","state":"idle","stateSince":"\#(Timestamp.format(at))","band":"healthy","occupancy":{"today":0.8123,"rolling15m":0.7712,"rolling60m":0.8011},"handlingMs":{"today":18234000,"rolling15m":690000,"rolling60m":2890000},"productiveMs":{"today":22440000,"rolling15m":900000,"rolling60m":3600000}}"#)
    }
}

/// `--child fanout`: N clients on `global`; the hub gets `rate` agent changes per second.
enum FanoutChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let clients = Int(opts["clients"] ?? "1000") ?? 1000
        let rate = Int(opts["rate"] ?? "2000") ?? 2000
        let duration = Double(opts["duration"] ?? "20") ?? 20
        let warmup = Double(opts["warmup"] ?? "5") ?? 5
        // Snapshot size: every subscriber gets one, outside the queue budget (see docs/performance.md).
        let agents = Int(opts["agents"] ?? "1500") ?? 1500
        let h: HubHarness
        do { h = try await HubHarness() } catch {
            log("fanout: hub failed: \(error)")
            return
        }
        // Seed every agent once so the snapshot has realistic size.
        let now = SystemClock.realNow()
        let orgs = FrameFactory.orgs
        func change(_ n: Int, at: EpochMillis) -> EntityChange {
            let org = orgs[n % 3]
            return EntityChange(kind: .agents, id: "\(org)/a\(n)", scope: .org(OrgID(org)),
                                json: HubHarness.agentJSON(org: org, id: "a\(n)", n: n, at: at))
        }
        h.hub.publish((0..<agents).map { change($0, at: now) })
        h.hub.flush()
        let stop = AtomicInt()
        // Publisher: `rate` changes per second in 10 ms steps (precomputed fragments, cycling agents).
        let pool = (0..<agents).map { change($0, at: now + 1) }
        let hub = h.hub
        let publisher = Task.detached {
            var cursor = 0
            var carry = 0.0
            var last = Proc.now
            while stop.load() == 0 {
                try? await Task.sleep(for: .milliseconds(10))
                let t = Proc.now
                carry += Double(rate) * (t - last)
                last = t
                let k = Int(carry)
                carry -= Double(k)
                var batch: [EntityChange] = []
                batch.reserveCapacity(k)
                for _ in 0..<k {
                    batch.append(pool[cursor])
                    cursor = (cursor + 1) % pool.count
                }
                hub.publish(batch)
            }
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(args: ["--child", "clients", "--port", "\(h.port.load())",
                                            "--count", "\(clients)", "--topic", "global", "--token", "bench",
                                            "--warmup", "\(warmup)", "--duration", "\(duration)",
                                            "--samples", opts["samples"] ?? "0", "--threads", opts["threads"] ?? "1"])
        } catch { return }
        guard let connected = await child.waitReady(timeout: 300) else {
            log("fanout: clients did not connect")
            return
        }
        log("fanout: \(connected) clients connected; hub RSS \(Proc.rss >> 20) MiB")
        // Memory guard: a shared 24 GiB machine; abort rather than push it into swap.
        let guardTask = Task.detached {
            while stop.load() == 0 {
                if Proc.rss > 6 << 30 {
                    log("fanout: hub RSS above 6 GiB, aborting")
                    print(#"{"aborted":1}"#)
                    exit(3)
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        try? await Task.sleep(for: .seconds(warmup))
        let cpu0 = Proc.cpuSeconds
        let s0 = Proc.now
        let e0 = h.metricSum("switchboard_hub_evictions_total")
        let r = await child.result(timeout: duration + 120)
        let elapsed = Proc.now - s0
        var out = r
        out["hubCPUPercent"] = (Proc.cpuSeconds - cpu0) / elapsed * 100
        out["evictions"] = h.metricSum("switchboard_hub_evictions_total") - e0
        out["peakRSS"] = Double(Proc.peakRSS)
        stop.store(1)
        _ = await publisher.result
        _ = await guardTask.result
        await child.wait(timeout: 30)
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }
}

/// `--child connections`: RSS of the hub process before and with N idle clients subscribed to `global`.
enum ConnectionsChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let clients = Int(opts["clients"] ?? "10000") ?? 10_000
        let h: HubHarness
        do { h = try await HubHarness() } catch { return }
        try? await Task.sleep(for: .seconds(1))
        Proc.trim()
        let rss0 = Proc.rss
        let heap0 = switchboard_heap_in_use()
        let child: ChildProcess
        do {
            child = try ChildProcess(args: ["--child", "clients", "--port", "\(h.port.load())",
                                            "--count", "\(clients)", "--topic", "global", "--token", "bench",
                                            "--warmup", "0", "--duration", "5", "--hold", "60"])
        } catch { return }
        guard let connected = await child.waitReady(timeout: 300) else {
            log("connections: clients did not connect")
            return
        }
        let r = await child.result(timeout: 60)
        Proc.trim()
        let rss1 = Proc.rss
        let heap1 = switchboard_heap_in_use()
        let open = h.hub.connectionCount
        var out = r
        // Live heap (mallinfo2) per connection: RSS minus this is kernel-side and allocator slack.
        out["heapBytesPerConnection"] = Double(Int(heap1) - Int(heap0)) / Double(max(1, open))
        out["hubConnections"] = Double(open)
        out["rssBefore"] = Double(rss0)
        out["rssWith"] = Double(rss1)
        out["bytesPerConnection"] = Double(rss1 - rss0) / Double(max(1, open))
        out["readyClients"] = Double(connected)
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }
}
