import ArgumentParser
import Bridge
import Foundation
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
            contact centre a minute. History is kept in a temporary store (removed at exit; --store PATH keeps \
            it, --store none keeps none), back-filled with --backfill-days whole simulated days before today.
            """
    )

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "Bridge listen address HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:8080"

    @Option(name: .customLong("simulator-listen"), help: "Simulator listen address HOST:PORT (port 0 picks a free port).")
    var simulatorListen: String = "127.0.0.1:0"

    @Option(help: "Keep the demo's history in this store file (default: a temporary file removed at exit), or 'none' to keep no history.")
    var store: String?

    @Option(name: .customLong("backfill-days"), help: "Whole days of simulated history written into the store before today's midnight of each org (0 for none).")
    var backfillDays: Int = 8

    @Option(name: .customLong("audio-share"), help: "Share of the voice calls (0 to 1) whose audio streams to the bridge, over AudioHook and the seed Audio Connector alike (default: half the AudioHook calls, a quarter of the seed ones; 0 streams none, for a small machine).")
    var audioShare: Double?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let audioShare, !(0...1).contains(audioShare) {
            throw ValidationError("--audio-share \(audioShare) is not between 0 and 1 (e.g. 0.25 streams a quarter of the calls, 0 none)")
        }
        guard let l = ListenAddress(parsing: listen), l.isLoopback else {
            throw ValidationError("--listen '\(listen)' must be a loopback HOST:PORT (the demo has open demo tokens)")
        }
        guard ListenAddress(parsing: simulatorListen) != nil else {
            throw ValidationError("--simulator-listen '\(simulatorListen)' is not HOST:PORT")
        }
        if let store, store.isEmpty { throw ValidationError("--store needs a file path, or 'none'") }
        guard (0...35).contains(backfillDays) else { throw ValidationError("--backfill-days must be 0 to 35") }
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
        // Seed-protocol audio: a quarter of the calls (Opus encoding and decoding of every call of a 200-agent org in
        // real time would take a core of its own on a small machine).
        options.seedAudioShare = 0.25
        // --audio-share: the same share on both transports. Every streamed call is real-time audio through a WebSocket
        // (masked by the client, unmasked by the bridge) and a decoder; a debug build on two cores spends most of its
        // time there, reads the notification sockets behind the platform, and a silent socket is noticed that late.
        if let audioShare {
            options.audioHookShare = audioShare
            options.seedAudioShare = audioShare
        }
        // Genesys transcription of a quarter of the calls (the speech-text strip's keywords, sentiment and hot calls):
        // enough hot calls within seconds at --speed 20, at a fraction of the messages of every call.
        options.transcriptionShare = 0.25
        // Customer journeys in every org (the dashboard's journeys view), with a salt of this run's own for the
        // hashed customer keys.
        if options.journeys == nil { options.journeys = DemoConfiguration.simulatorJourneys() }
        let clock = ScaledClock(speed: simulation.speed)
        let simulator = GenesysSimulator(options: options, clock: clock)
        let orgIDs = SimulatorOptions.orgIDs(count: options.orgCount)
        let ghostOrg = orgIDs.count > 1 ? orgIDs[1] : orgIDs[0]
        let every = Duration.seconds(600)
        // History: a temporary store unless told otherwise, with the days before today back-filled, so the
        // trends have a yesterday and a last week at once (said in the footer).
        let storePath: String?
        let temporary = store == nil
        switch store {
        case "none": storePath = nil
        case let path?: storePath = path
        case nil:
            Self.removeAbandonedStores()
            storePath = FileManager.default.temporaryDirectory
                .appendingPathComponent("switchboard-demo-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).sqlite").path
        }
        defer { if temporary, let storePath { Self.removeStore(storePath) } }
        var backfilled: Int?
        if let storePath, backfillDays > 0 {
            let started = ContinuousClock.now
            do {
                let report = try await DemoBackfill.run(simulator: simulator, path: storePath, days: backfillDays, now: clock.now())
                printLine("history: \(storePath)\(temporary ? " (temporary)" : "") · \(report.buckets) buckets of simulated back-fill written for the \(backfillDays) days before today in \((ContinuousClock.now - started).shortText)\(report.kept > 0 ? ", \(report.kept) already stored kept" : "")")
            } catch let error as any CodedError {
                printError("switchboard: \(error.message) [\(error.code)]")
                throw ExitCode(1)
            }
            backfilled = backfillDays
        } else if let storePath {
            printLine("history: \(storePath)\(temporary ? " (temporary)" : "")")
        }
        let notice = DemoScenario.notice(org: ghostOrg, startAt: options.startAt, speed: simulation.speed, every: every,
                                         backfillDays: backfilled)
        let fixed = options
        // AudioHook: per-run credentials in the bridge's `audio:` sections; the simulator's client streams a share
        // of the calls to the bridge once it listens.
        // The seed-protocol org (apac) takes its audio from the seed Audio Connector instead: no AudioHook for it.
        let seedOrgs = DemoConfiguration.seedOrgs(orgIDs)
        let audio = DemoConfiguration.audioCredentials(simulator: simulator).filter { !seedOrgs.contains($0.key) }
        let storeConfig = storePath.map { StoreConfig(path: $0) } ?? .none
        let journeys = DemoConfiguration.journeys(orgs: orgIDs, simulator: fixed.journeys ?? DemoConfiguration.simulatorJourneys())
        let journeySalt = DemoConfiguration.journeySalt()
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
                                              listen: bridgeAddress, notice: notice, store: storeConfig, audio: audio,
                                              seedOrgs: seedOrgs, speechText: DemoConfiguration.speechText(orgs: orgIDs),
                                              journeys: journeys, journeySalt: journeySalt)
            }),
            clock: clock
        ) { host, port in
            printLine("listening on http://\(host):\(port)")
            simulator.setAudioHookTarget(url: DemoConfiguration.audioHookURL(host: host, port: port), credentials: audio)
            printLine("dashboard: http://\(host):\(port)/?token=demo-global")
            let tokens = DemoConfiguration.demoTokens(orgs: orgIDs)
                .map { "\($0.token) (\($0.scopes.map(\.description).joined(separator: ", ")))" }
            printLine("tokens: " + tokens.joined(separator: "; "))
            printLine(notice)
            if !seedOrgs.isEmpty {
                printLine("audio: AudioHook for \(orgIDs.filter { !seedOrgs.contains($0) }.joined(separator: ", ")); "
                          + "the seed Audio Connector for \(seedOrgs.sorted().joined(separator: ", ")) (protocol: seed)")
            }
            printLine("stop with Ctrl-C")
        }
        try await runServices([simulator, bridge, DemoScenario(simulator: simulator, org: ghostOrg, every: every)])
    }

    /// Removes a temporary store and its WAL and shared-memory files.
    static func removeStore(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Removes the temporary stores of demos that were killed before they could (`switchboard-demo-PID-N.sqlite…`
    /// whose process is gone).
    static func removeAbandonedStores() {
        let dir = FileManager.default.temporaryDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasPrefix("switchboard-demo-") && name.contains(".sqlite") {
            let parts = name.dropFirst("switchboard-demo-".count).split(separator: "-")
            guard let pid = parts.first.flatMap({ Int32($0) }), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
            }
        }
    }
}
