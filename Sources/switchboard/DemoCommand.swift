import ArgumentParser

/// `switchboard demo`: simulator + bridge + dashboard in one process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run simulated US/EMEA/APAC orgs, the bridge and the dashboard in one process.",
        discussion: """
            Prints the simulator and bridge addresses, the dashboard URL and the demo tokens:
            demo-global (scope global), demo-admin (admin and global) and demo-<org> (that org only).
            """
    )

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "Bridge listen address HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:8080"

    @Option(name: .customLong("simulator-listen"), help: "Simulator listen address HOST:PORT.")
    var simulatorListen: String = "127.0.0.1:9100"

    func run() async throws {
        throw ValidationError("demo is not wired yet in this build")
    }
}
