import ArgumentParser
import Bridge
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardCore

/// `switchboard run --config orgs.yaml`: the production bridge.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bridge for the orgs in a YAML file.",
        discussion: """
            Starts one connector per org, the views and the stream hub, and serves the dashboard,
            /v1/stream, /v1/views/{topic}, /healthz, /readyz and /metrics. Prints
            `listening on http://HOST:PORT` once ready. The YAML is watched (and re-read on SIGHUP):
            added, removed and changed orgs are applied without a restart; an invalid edit is refused
            and the running configuration stays in force. SIGTERM/SIGINT shut down gracefully.
            """
    )

    @Option(name: .shortAndLong, help: "The orgs YAML file.", completion: .file(extensions: ["yaml", "yml"]))
    var config: String = "orgs.yaml"

    @Option(help: "Listen address HOST:PORT, overriding server.listen (port 0 picks a free port).")
    var listen: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        if let listen, ListenAddress(parsing: listen) == nil {
            throw ValidationError("--listen '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:8080)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level '\(logLevel)' is unknown") }
    }

    func run() async throws {
        bootstrapLogging(level: logLevel)
        var loaded: SwitchboardConfiguration
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            for d in error.diagnostics { printError(d.description) }
            printError("switchboard: not started; fix the configuration above (check it with `switchboard check-config \(config)`)")
            throw ExitCode(1)
        }
        if let listen, let address = ListenAddress(parsing: listen) { loaded.server.listen = address }
        let bridge = Bridge(source: .file(path: config, initial: loaded)) { host, port in
            printLine("listening on http://\(host):\(port)")
        }
        try await runServices([bridge])
    }
}

/// Runs services in one group that shuts down gracefully on SIGTERM/SIGINT. A coded error ends the process
/// with its message and exit status 1.
func runServices(_ services: [any Service]) async throws {
    let group = ServiceGroup(configuration: .init(
        services: services.map { .init(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: .switchboard("main")))
    do {
        try await group.run()
    } catch let error as any CodedError {
        printError("switchboard: \(error.message) [\(error.code)]")
        throw ExitCode(1)
    }
}

func bootstrapLogging(level: String) {
    let parsed = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = parsed
        return handler
    }
}

/// One line to stdout, flushed at once (scripts wait for `listening on …`).
func printLine(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
