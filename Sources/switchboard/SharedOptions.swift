import ArgumentParser

/// Options shared by `simulate` and `demo` (SPEC §2).
struct SimulationOptions: ParsableArguments {
    @Option(help: "Number of simulated orgs: us, emea, apac, then org4, org5, …")
    var orgs: Int = 3

    @Option(help: "Agents per simulated org (10 to 5,000 or more).")
    var agents: Int = 200

    @Option(help: "Routing queues per org (default: agents ÷ 25, from 2 to 40).")
    var queues: Int?

    @Option(help: "Seed of the deterministic workload.")
    var seed: UInt64 = 1

    @Option(help: "Simulated seconds per real second (e.g. 60 runs an hour a minute).")
    var speed: Double = 1

    @Option(help: "Seconds between notification heartbeats.")
    var heartbeat: Double = 30

    @Option(name: .customLong("start-at"), help: "Begin with a working day already HH:MM under way (agents logged in that long before start-up); that history is visible only through the REST aggregates.")
    var startAt: String?

    @Option(help: "Upstream events per second across all orgs (storm mode, for benchmarks).")
    var storm: Int?

    @Option(help: "Inject faults: 'random' for soak runs.")
    var faults: String?

    @Option(name: .customLong("fault-rate"), help: "Random faults per org per simulated hour (with --faults random).")
    var faultRate: Double = 1

    func validate() throws {
        guard orgs >= 1 else { throw ValidationError("--orgs must be at least 1") }
        guard agents >= 1 else { throw ValidationError("--agents must be at least 1") }
        if let queues, queues < 1 { throw ValidationError("--queues must be at least 1") }
        guard speed > 0 else { throw ValidationError("--speed must be greater than 0") }
        guard heartbeat > 0 else { throw ValidationError("--heartbeat must be greater than 0 seconds") }
        if let faults, faults != "random" { throw ValidationError("--faults accepts only 'random'") }
        if let startAt, parseStartAt(startAt) == nil {
            throw ValidationError("--start-at '\(startAt)' is not HH:MM (e.g. 14:00)")
        }
    }
}

/// Parses `HH:MM`.
func parseStartAt(_ s: String) -> (hour: Int, minute: Int)? {
    let parts = s.split(separator: ":")
    guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
    else { return nil }
    return (h, m)
}
