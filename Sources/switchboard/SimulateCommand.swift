import ArgumentParser
import Simulator
import SwitchboardConfig
import SwitchboardCore

/// `switchboard simulate`: only the simulated Genesys Cloud orgs.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve simulated Genesys Cloud orgs (OAuth, REST, Notification API, analytics, faults).",
        discussion: """
            Org X accepts client id X-client with secret X-secret. Prints `simulator on http://HOST:PORT`. \
            Ground truth: GET /_sim/truth?org=X. Faults: POST /_sim/faults. See docs/simulator.md.
            """
    )

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "Listen address HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:9100"

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard ListenAddress(parsing: listen) != nil else {
            throw ValidationError("--listen '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:9100)")
        }
    }

    func run() async throws {
        logging.bootstrap(defaultLevel: "info")
        let address = ListenAddress(parsing: listen)!
        let options = simulation.simulatorOptions(host: address.host, port: address.port)
        let clock = ScaledClock(speed: simulation.speed)
        let simulator = GenesysSimulator(options: options, clock: clock)
        try await runServices([simulator, ListeningAnnouncer(simulator: simulator, host: address.host)])
    }
}

extension SimulationOptions {
    func simulatorOptions(host: String, port: Int) -> SimulatorOptions {
        var o = SimulatorOptions()
        o.orgCount = orgs
        o.agentsPerOrg = agents
        o.queuesPerOrg = queues
        o.seed = seed
        o.heartbeatInterval = .milliseconds(Int64((heartbeat ?? 30) * 1000))
        o.host = host
        o.port = port
        if let startAt, let t = parseStartAt(startAt) { o.startAt = .init(hour: t.hour, minute: t.minute) }
        o.stormEventsPerSecond = storm
        if faults == "random" { o.randomFaultRate = faultRate }
        if let faultKinds { o.randomFaultKinds = faultKinds.split(separator: ",").map(String.init) }
        o.spokenPhrases = spokenPhrases
        return o
    }
}
