import Bridge
import Foundation
import Logging
import ServiceLifecycle
import Simulator
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Views

/// Simulator + bridge in one process, as `switchboard demo` composes them, on one shared clock
/// (`SystemClock`, so business time is wall time and clients in another process can compare ages).
/// With `simulatorBase` the simulator is another process (`switchboard simulate` started with the same
/// options) and only the bridge runs here, so this process's memory is the bridge's alone (the soak).
final class BridgeHarness: Sendable {
    /// The in-process simulator; nil when it runs in another process (``simulatorBase``).
    let simulator: GenesysSimulator?
    let simulatorBase: String?
    let bridge: Bridge
    let bridgePort: AtomicInt
    let options: SimulatorOptions
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(options base: SimulatorOptions, simulatorBase: String? = nil,
         configure: @escaping @Sendable (inout SwitchboardConfiguration) -> Void = { _ in }) {
        var options = base
        options.host = "127.0.0.1"
        options.port = 0
        self.options = options
        self.simulatorBase = simulatorBase
        let clock = SystemClock()
        let simulator = simulatorBase == nil
            ? GenesysSimulator(options: options, clock: clock, logger: Logger(label: "bench.simulator")) : nil
        self.simulator = simulator
        let portBox = AtomicInt()
        let listen = ListenAddress(host: "127.0.0.1", port: 0)
        let fixed = options
        bridge = Bridge(
            source: .provided({
                var simBase = simulatorBase ?? ""
                if let simulator { simBase = "http://127.0.0.1:\(await simulator.waitUntilListening())" }
                var config = DemoConfiguration.make(simulatorBase: simBase, options: fixed, listen: listen)
                config.auth.clients.append(ClientConfig(name: "bench", token: Secret("bench"), scopes: [.global]))
                configure(&config)
                return config
            }),
            clock: clock
        ) { _, port in portBox.store(port) }
        bridgePort = portBox
    }

    /// The in-process simulator, for scenarios that inject faults or read counters directly.
    var local: GenesysSimulator {
        guard let simulator else { preconditionFailure("this harness's simulator runs in another process") }
        return simulator
    }

    /// The ground truth of `org` now: from the in-process simulator, or `GET /_sim/truth?org=` of the other one.
    func truth(org: String) async -> SimTruth? {
        if let simulator { return await simulator.truth(org: org) }
        guard let simulatorBase, let (status, body) = await StoreRestartChild.get("\(simulatorBase)/_sim/truth?org=\(org)"),
              status == 200 else { return nil }
        return try? JSONDecoder().decode(SimTruth.self, from: body)
    }

    /// The random faults injected so far, by kind (`GET /_sim/faults` of a simulator in another process).
    func randomFaults() async -> [String: Int] {
        var records: [SimFaultRecord] = []
        if let simulator {
            records = await simulator.faultLog()
        } else if let simulatorBase, let (status, body) = await StoreRestartChild.get("\(simulatorBase)/_sim/faults"), status == 200,
                  let log = try? JSONDecoder().decode([String: [SimFaultRecord]].self, from: body) {
            records = log["faults"] ?? []
        }
        return Dictionary(grouping: records.filter { $0.source == "random" }, by: \.kind).mapValues(\.count)
    }

    func start() {
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            (simulator.map { [.init(service: $0)] } ?? []) + [.init(service: bridge)]
        let group = ServiceGroup(configuration: .init(services: services,
                                                      gracefulShutdownSignals: [], cancellationSignals: [],
                                                      logger: Logger(label: "bench.group")))
        task.withLock { $0 = Task { try? await group.run() } }
    }

    func stop() { task.withLock { $0?.cancel() } }

    /// Waits until the bridge listens and every org is `open` with its agents loaded.
    func waitReady(agents: Int, timeout: Double) async -> Bool {
        let deadline = Proc.now + timeout
        while Proc.now < deadline {
            if bridgePort.load() != 0, let parts = bridge.parts {
                let statuses = await parts.views.orgStatuses()
                let open = statuses.values.filter { $0.status == .open }.count
                if open == options.orgCount {
                    let n = await parts.views.currentEntities().filter { $0.kind == .agents }.count
                    if n >= agents { return true }
                }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    /// Text of the bridge's `/metrics` registry.
    var metricsText: String { bridge.parts.map { $0.metrics.registry.emitToString() } ?? "" }

    /// Sum of every sample of a metric family in the registry text (`switchboard_hub_evictions_total`).
    func metricSum(_ name: String) -> Double {
        metricsText.split(separator: "\n").reduce(0.0) { sum, line in
            guard line.hasPrefix(name), !line.hasPrefix("#") else { return sum }
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{" else { return sum }
            return sum + (Double(line.split(separator: " ").last ?? "") ?? 0)
        }
    }
}

/// Logs to stderr at warning and above (stdout carries the result).
func bootstrapBenchLogging() {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = .warning
        return h
    }
}
