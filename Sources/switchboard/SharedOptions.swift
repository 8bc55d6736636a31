import ArgumentParser
import Logging
import Simulator
import SwitchboardCore

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

    @Option(help: "Seconds between notification heartbeats (default 30; the demo uses 5).")
    var heartbeat: Double?

    @Option(name: .customLong("start-at"), help: "Begin with a working day already HH:MM under way (agents logged in that long before start-up); that history is visible only through the REST aggregates.")
    var startAt: String?

    @Option(help: "Upstream events per second across all orgs (storm mode, for benchmarks).")
    var storm: Int?

    @Option(help: "Inject faults: 'random' for soak runs.")
    var faults: String?

    @Option(name: .customLong("fault-rate"), help: "Random faults per org per simulated hour (with --faults random).")
    var faultRate: Double = 1

    @Option(name: .customLong("fault-kinds"), help: "Comma-separated kinds random faults are drawn from (with --faults random; default every kind: \(SimFault.kinds.joined(separator: ","))).")
    var faultKinds: String?

    @Flag(name: .customLong("spoken-phrases"), help: "Speak real sentences (keyword phrases and fillers) inside the calls' talk spurts, rendered with espeak-ng and sox at start-up (Debian packages espeak-ng, sox); listed per call in /_sim/truth.")
    var spokenPhrases = false

    func validate() throws {
        guard orgs >= 1 else { throw ValidationError("--orgs must be at least 1") }
        guard agents >= 1 else { throw ValidationError("--agents must be at least 1") }
        if let queues, queues < 1 { throw ValidationError("--queues must be at least 1") }
        guard speed > 0 else { throw ValidationError("--speed must be greater than 0") }
        if let heartbeat, !(heartbeat > 0) { throw ValidationError("--heartbeat must be greater than 0 seconds") }
        if let faultKinds {
            let unknown = faultKinds.split(separator: ",").map(String.init).filter { !SimFault.kinds.contains($0) }
            guard unknown.isEmpty, !faultKinds.isEmpty else {
                throw ValidationError("--fault-kinds: unknown kind(s) \(unknown.joined(separator: ", ")); use a comma-separated list of \(SimFault.kinds.joined(separator: ", "))")
            }
        }
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

/// `--log-level` and `--log-format`, shared by `run`, `demo` and `simulate`.
struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: info; notice for demo).")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text (one line per entry) or json (one JSON object per line, for log shippers).")
    var logFormat: String = "text"

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level '\(logLevel)' is unknown; use trace, debug, info, notice, warning, error or critical")
        }
        guard ["text", "json"].contains(logFormat) else {
            throw ValidationError("--log-format '\(logFormat)' is unknown; use text or json")
        }
    }

    /// Installs the process's log handler (once, before anything logs).
    func bootstrap(defaultLevel: String) {
        let level = Logger.Level(rawValue: logLevel ?? defaultLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
