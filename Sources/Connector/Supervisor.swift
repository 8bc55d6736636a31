import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardCore
import UnixSignals

/// Runs one ``OrgConnector`` per org in the orgs YAML and applies edits without a restart.
///
/// - The file is polled (content compared every `pollInterval`, default 1 s), and so are the files it
///   names (secret files, a PEM key: ``SwitchboardConfiguration/readFiles``); `SIGHUP` re-reads it.
/// - An added org starts its connector; a removed one is cancelled cleanly (the observer is told, so
///   its data can leave the views); a changed one restarts alone, after its old connector stopped.
/// - An invalid edit is refused: its `file:line:column` lines are logged and passed to the observer
///   (for `/readyz` and an admin alert), and the running configuration stays in force.
public struct Supervisor: Service {
    /// Builds the connector for an org (the composition root supplies sink, clock, alerts, metrics).
    public typealias ConnectorFactory = @Sendable (OrgConfig, SwitchboardConfiguration) -> OrgConnector
    /// Loads the file at a path: the configuration, or the diagnostics that refuse it.
    public typealias Loader = @Sendable (String) -> Result<SwitchboardConfiguration, ConfigError>

    let configPath: String?
    let initial: SwitchboardConfiguration
    let loader: Loader
    let makeConnector: ConnectorFactory
    let observer: any SupervisorObserver
    let pollInterval: Duration
    let watchSIGHUP: Bool
    /// In a cluster: only the orgs this replica leads run a connector. Nil: every org of the configuration.
    let gate: LeadershipGate?
    let logger: Logger
    private let shared = LockedBox<Shared>(Shared())

    struct Shared: Sendable {
        var config: SwitchboardConfiguration?
        var connectors: [OrgID: OrgConnector] = [:]
        var reload: AsyncStream<Event>.Continuation?
        var lastRejection: [String] = []
    }

    /// - Parameters:
    ///   - configPath: the orgs YAML to watch; nil runs `initial` without watching (demo, tests).
    ///   - initial: the configuration already loaded at startup.
    ///   - loader: how to re-read the file (default ``ConfigLoader/load(path:environment:)``).
    ///   - makeConnector: builds an org's connector.
    ///   - observer: told about applied and refused configurations.
    ///   - gate: in a cluster, which orgs this replica leads (nil: all).
    public init(configPath: String?, initial: SwitchboardConfiguration,
                loader: @escaping Loader = Supervisor.defaultLoader,
                pollInterval: Duration = .seconds(1), watchSIGHUP: Bool = true, gate: LeadershipGate? = nil,
                observer: any SupervisorObserver, logger: Logger = Logger.switchboard("supervisor"),
                makeConnector: @escaping ConnectorFactory) {
        self.configPath = configPath
        self.initial = initial
        self.loader = loader
        self.makeConnector = makeConnector
        self.observer = observer
        self.pollInterval = pollInterval
        self.watchSIGHUP = watchSIGHUP
        self.gate = gate
        self.logger = logger
    }

    /// ``ConfigLoader/load(path:environment:options:)`` with the process environment.
    public static let defaultLoader: Loader = loader(environment: ProcessInfo.processInfo.environment)

    /// ``ConfigLoader/load(path:environment:options:)`` with a given environment (for `${VAR}` references)
    /// and the options the bridge was started with (`--listen`), so a reload passes the same rules as the start.
    public static func loader(environment: [String: String], options: ConfigLoadOptions = .init()) -> Loader {
        { path in
            do throws(ConfigError) {
                return .success(try ConfigLoader.load(path: path, environment: environment, options: options))
            } catch {
                return .failure(error)
            }
        }
    }

    /// A factory wiring every connector to the same HTTP client, sink, clock, observer and alerts.
    public static func connectorFactory(http: HTTPClient, sink: any BridgeEventSink, clock: any WallClock,
                                        observer: any ConnectorObserver = NoConnectorObserver(),
                                        options: OrgConnector.Options = .init(),
                                        onAlert: @escaping @Sendable (StreamAlert) -> Void) -> ConnectorFactory {
        { org, config in
            OrgConnector(org: org, productivePresences: config.occupancy.productivePresences, http: http, sink: sink,
                         clock: clock, observer: observer, options: options, onAlert: onAlert)
        }
    }

    /// Each running org's connector status, for `/readyz`.
    public func connectorStates() -> [OrgID: ConnectorStatus] {
        shared.value.connectors.mapValues(\.status)
    }

    /// The running connector of `org`, if any (drill-down queries go through it).
    public func connector(for org: OrgID) -> OrgConnector? { shared.value.connectors[org] }

    /// The configuration in force (nil before ``run()`` applied the first).
    public func currentConfiguration() -> SwitchboardConfiguration? { shared.value.config }

    /// Diagnostics of the last refused edit (empty once a good edit is applied).
    public func lastRejection() -> [String] { shared.value.lastRejection }

    /// Re-reads the file now (an admin endpoint may call this; SIGHUP does the same).
    public func requestReload() { _ = shared.value.reload?.yield(.reload) }

    /// What the run loop acts on: a re-read of the file, or a leadership command.
    enum Event: Sendable {
        case reload
        case gate(LeadershipGate.Command)
    }

    public func run() async throws {
        let (events, reloadOut) = AsyncStream.makeStream(of: Event.self)
        shared.withLock { $0.reload = reloadOut }
        await withTaskGroup(of: Void.self) { group in
            var running: [OrgID: (stop: AsyncStream<Void>.Continuation, done: Latch)] = [:]
            // In a cluster, the orgs this replica leads (a connector runs only for those).
            var led: Set<OrgID> = []

            func start(_ org: OrgConfig, in config: SwitchboardConfiguration, after previous: Latch?) {
                guard gate == nil || led.contains(org.id) else { return }
                let connector = makeConnector(org, config)
                let (stopSignal, stop) = AsyncStream.makeStream(of: Void.self)
                let done = Latch()
                running[org.id] = (stop, done)
                shared.withLock { $0.connectors[org.id] = connector }
                group.addTask {
                    await previous?.wait()
                    await withTaskGroup(of: Void.self) { inner in
                        inner.addTask { try? await connector.run() }
                        inner.addTask { for await _ in stopSignal {} }
                        _ = await inner.next()
                        inner.cancelAll()
                    }
                    done.open()
                }
            }
            func stop(_ id: OrgID) -> Latch? {
                guard let r = running.removeValue(forKey: id) else { return nil }
                r.stop.finish()
                shared.withLock { $0.connectors[id] = nil }
                return r.done
            }

            // Watchers.
            if let path = configPath {
                // Read the baseline here, not in the child task: a child may start late on a busy machine,
                // and an edit made before it starts would then become its baseline and never be applied.
                let baseline = Self.snapshot(path, initial.readFiles)
                group.addTask { await self.pollFiles(path, baseline: baseline, trigger: reloadOut) }
                if watchSIGHUP {
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            self.logger.info("SIGHUP: re-reading the configuration")
                            reloadOut.yield(.reload)
                        }
                    }
                }
            }
            if let gate {
                group.addTask { for await command in gate.commands { reloadOut.yield(.gate(command)) } }
            }

            var config = initial
            shared.withLock { $0.config = config }
            for org in config.orgs { start(org, in: config, after: nil) }
            logger.info("configuration applied", metadata: ["orgs": "\(config.orgs.map(\.id.rawValue))"])
            await observer.configApplied(config, diff: nil)

            for await event in events.cancelOnGracefulShutdown() {
                if case .gate(let command) = event, let gate {
                    switch command {
                    case .lead(let id, let term):
                        led.insert(id)
                        if running[id] == nil, let org = config.org(id) {
                            await gate.prepare(id)
                            // Released while being prepared: the release that follows stops nothing.
                            guard gate.leading[id] == term else { continue }
                            logger.info("leading the org: its connector starts", metadata: ["org": "\(id)", "term": "\(term)"])
                            start(org, in: config, after: nil)
                        }
                    case .release(let id):
                        led.remove(id)
                        let done = stop(id)
                        logger.info("no longer leading the org: its connector stops", metadata: ["org": "\(id)"])
                        group.addTask {
                            await done?.wait()
                            gate.reportStopped(id)
                        }
                    }
                    continue
                }
                guard let path = configPath else { continue }
                switch loader(path) {
                case .failure(let error):
                    let lines = error.diagnostics.map(\.description)
                    for line in lines { logger.error("configuration refused: \(line)") }
                    logger.error("the running configuration stays in force")
                    shared.withLock { $0.lastRejection = lines }
                    await observer.configRejected(lines)
                case .success(let next):
                    let diff = ConfigDiff(old: config, new: next)
                    shared.withLock { $0.lastRejection = [] }
                    guard !diff.isEmpty else {
                        logger.info("configuration re-read: unchanged")
                        await observer.configUnchanged()
                        continue
                    }
                    let presencesChanged = next.occupancy.productivePresences != config.occupancy.productivePresences
                    for id in diff.removedOrgs { _ = stop(id) }
                    var restart = diff.changedOrgs
                    if presencesChanged {
                        restart = next.orgs.map(\.id).filter { !diff.addedOrgs.contains($0) }
                    }
                    for id in restart {
                        let previous = stop(id)
                        if let org = next.org(id) { start(org, in: next, after: previous) }
                    }
                    for id in diff.addedOrgs { if let org = next.org(id) { start(org, in: next, after: nil) } }
                    config = next
                    shared.withLock { $0.config = next }
                    // Live: a speech-text change restarts nothing (transcription on/off applies at once).
                    for id in diff.speechTextChangedOrgs {
                        shared.value.connectors[id]?.apply(speechText: next.org(id)?.speechText)
                    }
                    logger.info("configuration reloaded", metadata: [
                        "added": "\(diff.addedOrgs.map(\.rawValue))", "removed": "\(diff.removedOrgs.map(\.rawValue))",
                        "restarted": "\(restart.map(\.rawValue))"])
                    // The listener keeps what it was started with: say so rather than pretend it changed.
                    for change in next.server.restartOnlyChanges(from: initial.server)
                        + next.store.restartOnlyChanges(from: initial.store)
                        + ClusterConfig.restartOnlyChanges(from: initial.cluster, to: next.cluster) {
                        logger.warning("takes effect only after a restart; the running value stays in force until then",
                                       metadata: ["setting": "\(change)"])
                    }
                    await observer.configApplied(next, diff: diff)
                }
            }
            for id in Array(running.keys) {
                let done = stop(id)
                if gate != nil { await done?.wait() }
            }
            // Every connector has stopped: the leadership driver may hand the orgs over now, and a later release
            // is answered at once.
            if let gate {
                gate.finish()
                for id in led { gate.reportStopped(id) }
            }
            reloadOut.finish()
            group.cancelAll()
        }
        shared.withLock { $0.reload = nil }
    }

    /// The content of the configuration file and of the files it names (nil for a missing one).
    static func snapshot(_ path: String, _ others: [String]) -> [String: Data?] {
        var out: [String: Data?] = [path: FileManager.default.contents(atPath: path)]
        for file in others { out[file] = FileManager.default.contents(atPath: file) }
        return out
    }

    /// Polls the file's content and that of the files the configuration in force names (secret files, a
    /// PEM key: a Kubernetes Secret rotated under a mount). A change triggers a reload; a missing
    /// configuration file does not (it is being replaced), its reappearance does. A file newly named by a
    /// reload is only recorded: that reload has just read it.
    private func pollFiles(_ path: String, baseline: [String: Data?], trigger: AsyncStream<Event>.Continuation) async {
        var last = baseline
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            let now = Self.snapshot(path, shared.value.config?.readFiles ?? [])
            let changed = now.contains { file, content in
                guard let before = last[file] else { return false }  // newly named
                return before != content
            }
            last = now
            if changed, (now[path] ?? nil) != nil { trigger.yield(.reload) }
        }
    }
}
