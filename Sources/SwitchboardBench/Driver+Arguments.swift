import Foundation

/// The driver's command line: what it takes, and a clear refusal of anything else. An unknown flag used to be
/// ignored, so `switchboard-bench --help` (or a mistyped `--soak-minute 80`) started the whole 24-minute run.
extension Driver {
    /// Scenario names `--only` takes (`soak` and `quiet` too, also as flags of their own).
    static let scenarioNames = ["ingest", "footprint", "connections", "fanout", "recovery", "churn", "store", "storm",
                                "audio", "audio-opus", "spotting", "journeys", "relay", "cluster", "soak", "quiet"]

    /// The driver's flags, and whether each takes a value.
    static let flags: [(name: String, value: Bool)] = [
        ("quick", false), ("only", true), ("soak", false), ("soak-minutes", true), ("quiet", false), ("out", true),
        ("help", false),
    ]

    static let usage = """
        usage: switchboard-bench [--quick] [--only SCENARIO,…] [--soak [--soak-minutes N]] [--quiet] [--out PATH]
          (no flag)        every scenario but soak and quiet (≈ 24 minutes), one table, bench/results.json
          --quick          the smoke run (≈ 4.5 minutes)
          --only LIST      only these scenarios: \(scenarioNames.joined(separator: ","))
                           (the output file keeps the rows of the scenarios not run)
          --soak           30 minutes of storm with random faults and 1,000 clients; --soak-minutes N (≥ 21) for another length
          --quiet          30 minutes of quiet sockets at the platform's 30 s heartbeats (false stales)
          --out PATH       where the rows go (default bench/results.json)
        `make bench BENCH_ARGS="…"` builds the release binaries first; docs/performance.md says what each figure means.
        """

    /// What is wrong with the driver's command line, said so it can be fixed; nil when it is fine.
    static func problem(in args: ArraySlice<String>) -> String? {
        var i = args.startIndex
        while i < args.endIndex {
            let a = args[i]
            guard a.hasPrefix("--") else { return "'\(a)' is not a flag (flags start with --)" }
            let name = String(a.dropFirst(2))
            guard let flag = flags.first(where: { $0.name == name }) else {
                return "unknown flag '\(a)'; the driver takes " + flags.map { "--" + $0.name }.joined(separator: ", ")
            }
            if flag.value {
                guard i + 1 < args.endIndex, !args[i + 1].hasPrefix("--") else { return "\(a) needs a value" }
                let value = args[i + 1]
                switch name {
                case "only":
                    let unknown = value.split(separator: ",").map(String.init).filter { !scenarioNames.contains($0) }
                    if !unknown.isEmpty || value.isEmpty {
                        return "--only: unknown scenario(s) \(unknown.joined(separator: ", ")); use a comma-separated list of "
                            + scenarioNames.joined(separator: ",")
                    }
                case "soak-minutes":
                    guard let n = Int(value), n >= 21 else {
                        return "--soak-minutes '\(value)' is not a whole number of minutes ≥ 21 (the trend is the last 20)"
                    }
                default: break
                }
                i += 2
            } else {
                i += 1
            }
        }
        return nil
    }
}
