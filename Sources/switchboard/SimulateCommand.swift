import ArgumentParser

/// `switchboard simulate`: only the simulated Genesys Cloud orgs.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve simulated Genesys Cloud orgs (OAuth, REST, Notification API, analytics, faults).",
        discussion: """
            Org X accepts client id X-client with secret X-secret. Prints `simulator on http://HOST:PORT`.
            Ground truth: GET /_sim/truth?org=X. Faults: POST /_sim/faults. See docs/simulator.md.
            """
    )

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "Listen address HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:9100"

    func run() async throws {
        throw ValidationError("simulate is not wired yet in this build")
    }
}
