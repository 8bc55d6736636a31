import ArgumentParser
import Bridge
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import SwitchboardConfig
import SwitchboardCore

/// `switchboard run --config orgs.yaml`: the production bridge.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bridge for the orgs in a YAML file.",
        discussion: """
            Starts one connector per org, the views and the stream hub, and serves the dashboard, \
            /v1/stream, /v1/views/{topic}, /healthz, /readyz and /metrics. Prints \
            `listening on http://HOST:PORT` once ready.

            The YAML (and any secret file it names) is watched and re-read on SIGHUP: added, removed and \
            changed orgs are applied without a restart; an invalid edit is refused and the running \
            configuration stays in force; a change to a listener setting (server.listen, \
            maxInboundFrameBytes, …) is reported as waiting for a restart. SIGTERM/SIGINT shut down gracefully.
            """
    )

    @Option(name: .shortAndLong, help: "The orgs YAML file.", completion: .file(extensions: ["yaml", "yml"]))
    var config: String = "orgs.yaml"

    @Option(help: "Listen address HOST:PORT, overriding server.listen (port 0 picks a free port).")
    var listen: String?

    @OptionGroup var logging: LoggingOptions

    /// For tests that run the bridge as a child process beside an in-process simulator: business time is
    /// `BUSINESS + (real now − REAL) × SPEED` (epoch ms, ms, simulated seconds per real second).
    @Option(name: .customLong("business-clock"), help: .hidden)
    var businessClock: String?

    func validate() throws {
        if let listen, ListenAddress(parsing: listen) == nil {
            throw ValidationError("--listen '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:8080)")
        }
        if let businessClock, Self.clock(businessClock) == nil {
            throw ValidationError("--business-clock '\(businessClock)' is not REAL_MS,BUSINESS_MS,SPEED")
        }
    }

    static func clock(_ text: String) -> ScaledClock? {
        let p = text.split(separator: ",")
        guard p.count == 3, let real = Int64(p[0]), let business = Int64(p[1]), let speed = Double(p[2]), speed > 0
        else { return nil }
        return ScaledClock(realStart: real, origin: business, speed: speed)
    }

    func run() async throws {
        logging.bootstrap(defaultLevel: "info")
        // The same rules at the start and at every reload: the loader applies --listen before checking them.
        let options = ConfigLoadOptions(listen: listen.flatMap(ListenAddress.init(parsing:)),
                                        onBoxVocabulary: SpotterVocabulary.shared)
        let loaded: SwitchboardConfiguration
        do {
            loaded = try ConfigLoader.load(path: config, options: options)
        } catch {
            for d in error.diagnostics { printError(d.description) }
            printError("switchboard: not started; fix the configuration above (check it with `switchboard check-config \(config)`)")
            throw ExitCode(1)
        }
        let clock: any WallClock = businessClock.flatMap(Self.clock) ?? SystemClock()
        let bridge = Bridge(source: .file(path: config, initial: loaded, options: options), clock: clock) { host, port in
            printLine("listening on http://\(host):\(port)")
        }
        try await runServices([bridge])
    }
}

/// How long a graceful stop may take before the process ends anyway (`ShutdownDeadline`); below systemd's
/// `TimeoutStopSec` and Kubernetes' `terminationGracePeriodSeconds` in deploy/.
let shutdownLimit = Duration.seconds(30)

/// Runs services in one group that shuts down gracefully on SIGTERM/SIGINT. A coded error ends the process
/// with its message and exit status 1. A stop that takes longer than `shutdownLimit`, or a second signal, ends
/// the process with status 1 and a line saying why.
func runServices(_ services: [any Service]) async throws {
    let deadline = ShutdownDeadline(limit: shutdownLimit, signals: await UnixSignalsSequence(trapping: .sigterm, .sigint)) { reason in
        switch reason {
        case .deadline(let limit):
            printError("switchboard: the graceful stop did not finish within \(limit.components.seconds) s; exiting now [shutdown-deadline]")
        case .secondSignal:
            printError("switchboard: second stop signal; exiting without waiting for the graceful stop [shutdown-forced]")
        }
        exit(1)
    }
    let group = ServiceGroup(configuration: .init(
        services: [.init(service: deadline)] + services.map { .init(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: .switchboard("main")))
    do {
        try await group.run()
    } catch let error as any CodedError {
        printError("switchboard: \(error.message) [\(error.code)]")
        throw ExitCode(1)
    }
}


/// One line to stdout, flushed at once (scripts wait for `listening on …`).
func printLine(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
