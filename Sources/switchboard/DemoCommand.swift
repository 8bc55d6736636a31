import ArgumentParser
import Bridge
import Simulator
import SwitchboardConfig
import SwitchboardCore

/// `switchboard demo`: simulator + bridge + dashboard in one process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run simulated US/EMEA/APAC orgs, the bridge and the dashboard in one process.",
        discussion: """
            Prints the simulator and bridge addresses, the dashboard URL and the demo tokens: demo-global \
            (scope global), demo-admin (admin and global), demo-metrics (metrics: /metrics only) and \
            demo-<org> (that org only). Simulator and bridge share one clock, so --speed 60 runs an hour of \
            contact centre a minute.
            """
    )

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "Bridge listen address HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:8080"

    @Option(name: .customLong("simulator-listen"), help: "Simulator listen address HOST:PORT (port 0 picks a free port).")
    var simulatorListen: String = "127.0.0.1:0"

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard let l = ListenAddress(parsing: listen), l.isLoopback else {
            throw ValidationError("--listen '\(listen)' must be a loopback HOST:PORT (the demo has open demo tokens)")
        }
        guard ListenAddress(parsing: simulatorListen) != nil else {
            throw ValidationError("--simulator-listen '\(simulatorListen)' is not HOST:PORT")
        }
    }

    func run() async throws {
        logging.bootstrap(defaultLevel: "notice")
        let bridgeAddress = ListenAddress(parsing: listen)!
        let simAddress = ListenAddress(parsing: simulatorListen)!
        var options = simulation.simulatorOptions(host: simAddress.host, port: simAddress.port)
        // The demo shows the product: a working day already under way (its history only in the REST
        // aggregates, as after a real start-up), a heartbeat short enough that a silent socket is caught in
        // seconds, and the demo load (queue surges, evaluations) — unless the options say otherwise.
        if simulation.startAt == nil { options.startAt = .init(hour: 3, minute: 0) }
        if simulation.heartbeat == nil { options.heartbeatInterval = .seconds(5) }
        options.demoLoad = true
        let clock = ScaledClock(speed: simulation.speed)
        let simulator = GenesysSimulator(options: options, clock: clock)
        let orgIDs = SimulatorOptions.orgIDs(count: options.orgCount)
        let ghostOrg = orgIDs.count > 1 ? orgIDs[1] : orgIDs[0]
        let every = Duration.seconds(600)
        let notice = DemoScenario.notice(org: ghostOrg, startAt: options.startAt, speed: simulation.speed, every: every)
        let fixed = options
        let bridge = Bridge(
            source: .provided({
                let port = await simulator.waitUntilListening()
                guard port >= 0 else {
                    // The simulator could not listen; its error (naming the address) ends the demo.
                    try await Task.sleep(for: .seconds(3600))
                    throw CancellationError()
                }
                printLine("simulator on http://\(simAddress.host):\(port)")
                return DemoConfiguration.make(simulatorBase: "http://\(simAddress.host):\(port)", options: fixed,
                                              listen: bridgeAddress, notice: notice)
            }),
            clock: clock
        ) { host, port in
            printLine("listening on http://\(host):\(port)")
            printLine("dashboard: http://\(host):\(port)/?token=demo-global")
            let tokens = DemoConfiguration.demoTokens(orgs: orgIDs)
                .map { "\($0.token) (\($0.scopes.map(\.description).joined(separator: ", ")))" }
            printLine("tokens: " + tokens.joined(separator: "; "))
            printLine(notice)
            printLine("stop with Ctrl-C")
        }
        try await runServices([simulator, bridge, DemoScenario(simulator: simulator, org: ghostOrg, every: every)])
    }
}
