import Logging
import ServiceLifecycle
import Simulator
import SwitchboardCore

/// The demo's script: so that a visitor sees recovery within the first minutes, one org's upstream socket
/// goes silent (the simulator's `ghost` fault) `firstAfter` after start and every `every` after that. The
/// bridge's watchdog marks the org DISCONNECTED, re-syncs over REST and reconnects by itself; the scenario
/// only pulls the plug. Real time, not business time: it paces what a person watches.
public struct DemoScenario: Service {
    let simulator: GenesysSimulator
    let org: String
    let firstAfter: Duration
    let every: Duration
    let logger: Logger

    public init(simulator: GenesysSimulator, org: String, firstAfter: Duration = .seconds(75),
                every: Duration = .seconds(600), logger: Logger = .switchboard("demo")) {
        self.simulator = simulator
        self.org = org
        self.firstAfter = firstAfter
        self.every = every
        self.logger = logger
    }

    public func run() async throws {
        // The waits are long (minutes): a graceful shutdown must end them at once, not after the next fault.
        try? await cancelWhenGracefulShutdown {
            var wait = firstAfter
            while true {
                try await Task.sleep(for: wait)
                _ = await simulator.inject(.ghost, org: org)
                logger.notice("demo: \(org.uppercased())'s upstream socket went silent on purpose; watch it turn DISCONNECTED and recover")
                wait = every
            }
        }
    }

    /// The footer line of the demo's dashboard.
    /// - Parameter backfillDays: the days of simulated history written before today (``DemoBackfill``), said
    ///   second so a narrow footer does not cut it off; nil without.
    public static func notice(org: String, startAt: SimulatorOptions.StartAt?, speed: Double, every: Duration,
                              backfillDays: Int? = nil) -> String {
        var parts = ["DEMO: simulated orgs"]
        if let days = backfillDays, days > 0 {
            parts.append("history before today 00:00 (each org's local time) is simulated back-fill, \(days) day\(days == 1 ? "" : "s")")
        }
        if let s = startAt {
            parts.append(String(format: "the working day began %d h %02d min before start", s.hour, s.minute))
        }
        if speed != 1 { parts.append(String(format: "clock ×%g", speed)) }
        parts.append("queue surges every 10 min")
        parts.append("\(org.uppercased()) goes silent every \(every.components.seconds / 60) min to show recovery")
        return parts.joined(separator: " · ")
    }
}
