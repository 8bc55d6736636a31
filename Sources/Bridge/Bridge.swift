import AsyncHTTPClient
import Audio
import AudioConnector
import Connector
import EventStream
import Foundation
import Hub
import JourneyViews
import Journeys
import KeywordSpotting
import Logging
import Prometheus
import ServiceLifecycle
import SpeechText
import SpeechTextViews
import SpeechViews
import Store
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Views

/// The production bridge as one `Service`: connectors (through the supervisor) → normalizer → views →
/// hub → HTTP/WebSocket server, plus the periodic view refresh.
///
/// It runs its parts in a `ServiceGroup` of its own (as Hummingbird's `Application` does), so it can
/// sit beside the simulator in `demo` and still shut down gracefully when its parent group does.
public final class Bridge: Service, Sendable {
    /// Where the configuration comes from.
    public enum ConfigurationSource: Sendable {
        /// A YAML file: loaded now (with `options`), watched for edits and re-read on SIGHUP with the same
        /// options, so every reload passes the rules the start passed (`--listen` included).
        case file(path: String, initial: SwitchboardConfiguration, options: ConfigLoadOptions = .init())
        /// Built in code once something is ready (the demo waits for its simulator's port). Not watched.
        case provided(@Sendable () async throws -> SwitchboardConfiguration)
    }

    let source: ConfigurationSource
    let clock: any WallClock
    let logger: Logger
    let onListening: @Sendable (String, Int) async -> Void
    /// The connectors' options before the bridge wires its parts into them (tests: a small topic budget; a
    /// `transcripts` sink given here is attached to the bridge's ``TranscriptFanout``).
    let connectorOptions: OrgConnector.Options
    /// The on-box keyword spotting pool's workers and bounds (tests: a bound that refuses).
    let spottingConfiguration: KeywordSpottingPool.Configuration
    /// The seed journey event stream clients' settings (tests: a short verification interval).
    let eventStreamConfiguration: SeedEventStream.Configuration
    private let readyParts = LockedParts()

    /// - Parameters:
    ///   - source: the configuration and whether to watch it.
    ///   - clock: business time for the views (a `ScaledClock` shared with the simulator in the demo).
    ///   - onListening: called with host and bound port once the HTTP server listens.
    public init(source: ConfigurationSource, clock: any WallClock = SystemClock(),
                logger: Logger = .switchboard("bridge"),
                connectorOptions: OrgConnector.Options = .init(),
                spotting: KeywordSpottingPool.Configuration = .init(),
                eventStream: SeedEventStream.Configuration = .init(),
                onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) {
        self.connectorOptions = connectorOptions
        self.eventStreamConfiguration = eventStream
        self.spottingConfiguration = spotting
        self.source = source
        self.clock = clock
        self.logger = logger
        self.onListening = onListening
    }

    /// The running parts, once `run()` has built them (for tests and the demo).
    public var parts: BridgeParts? { readyParts.value }

    public func run() async throws {
        let config: SwitchboardConfiguration
        let path: String?
        var loadOptions = ConfigLoadOptions()
        switch source {
        case .file(let p, let initial, let options):
            config = initial
            path = p
            loadOptions = options
        case .provided(let make):
            config = try await make()
            path = nil
        }
        try Bridge.checkAuthPolicy(config)

        let metrics = HubMetrics()
        let hub = try await StreamHub(configuration: config.server, auth: config.auth, metrics: metrics, clock: clock,
                                      logger: .switchboard("hub"))
        hub.setOrgs(config.orgs.map(\.id))
        guard let clusterConfig = config.cluster else {
            try await run(config, path: path, loadOptions: loadOptions, hub: hub, metrics: metrics, cluster: nil)
            return
        }
        // A cluster (docs/scale-out.md): the shared PostgreSQL store is opened (and its schema created or migrated)
        // before anything else; its pool runs beside the bridge and stops after it, once the writer is done.
        let cluster = try await BridgeCluster.make(config: clusterConfig, orgs: config.orgs.map(\.id), hub: hub,
                                                   registry: metrics.registry, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await cluster.runPool() }
            defer { group.cancelAll() }
            try await run(config, path: path, loadOptions: loadOptions, hub: hub, metrics: metrics, cluster: cluster)
        }
    }

    private func run(_ config: SwitchboardConfiguration, path: String?, loadOptions: ConfigLoadOptions, hub: StreamHub,
                     metrics: HubMetrics, cluster: BridgeCluster?) async throws {
        let views = ViewEngine(occupancy: config.occupancy, orgs: config.orgs.map(ViewOrg.init(config:)), clock: clock,
                               sink: hub, thresholds: config.thresholds)
        // Snapshots read the time-driven figures at the moment they are taken — alone. In a cluster every replica
        // serves the same state after the last delta (its views hold only the orgs it leads).
        if let cluster {
            // The orgs led elsewhere count in the global totals with their leaders' figures.
            await views.attach(remoteFigures: cluster.remoteTotals)
        } else {
            hub.attachLiveSource(views)
        }
        let finalize: @Sendable () async -> StoreBatch? = { [clock] in
            var batch = StoreBatch()
            batch.hubState = hub.resumeState(clean: true, at: clock.now())
            return batch
        }
        // The store first: a refused file stops the start with its reason, before any org is contacted. In a
        // cluster it is the cluster database (its tables beside the cluster's), unless `store: none`.
        if cluster != nil, let path = config.store.path {
            logger.notice("store.path is not used in a cluster: the history store is cluster.database", metadata: ["path": "\(path)"])
        }
        let history: BridgeHistory? = if let cluster, config.store.path != nil {
            try await BridgeHistory.open(config.store, store: cluster.store, orgs: config.orgs, views: views, clock: clock,
                                         metrics: metrics.registry, finalize: { nil }, logger: .switchboard("store"))
        } else if let storePath = config.store.path {
            try await BridgeHistory.open(config.store, path: storePath, orgs: config.orgs, views: views, clock: clock,
                                         metrics: metrics.registry, finalize: finalize, logger: .switchboard("store"))
        } else { nil }
        if let history, let cluster {
            // Only the figures of the orgs led here are written (the others' leaders write theirs), and only once
            // the org's views were prepared from the store: between the lead and the prepare they still hold what
            // was left from an earlier term here, which must not become the next take-over's baseline.
            history.onlyWrite { [cluster] in cluster.isPublishing($0) }
        } else if let history {
            // Keep the epoch only after a clean shutdown; mark this run as not (yet) clean before any client can
            // see a delta, so a crash changes the epoch next time.
            hub.resume(from: try await history.store.hubState())
            var running = StoreBatch()
            running.hubState = hub.resumeState(clean: false, at: clock.now())
            try await history.store.write(running)
        }
        // AudioHook sessions report to the speech views, which join them to the connectors' conversations
        // (through SpeechTap below) and publish the speech:<org> / speech:global topics.
        let speech = SpeechViewEngine(configuration: config, clock: clock, sink: hub)
        let transcripts = TranscriptFanout(registry: metrics.registry)
        // On-box keyword spotting of the orgs with speechText.onBox: both audio paths offer it their decoded audio.
        // In a cluster, what AudioHook sessions of an org led elsewhere report reaches its leader too
        // (docs/scale-out.md, "AudioHook on any replica").
        let spotting = OnBoxSpotting(sink: cluster?.transcriptSink(transcripts) ?? transcripts, clock: clock,
                                     metricsFactory: PrometheusMetricsFactory(registry: metrics.registry),
                                     configuration: spottingConfiguration)
        try spotting.configure(config)
        let audio = AudioHookServer(orgs: Bridge.audioOrgs(config), sink: cluster?.speechSink(speech) ?? speech,
                                    tap: spotting, clock: clock,
                                    metricsFactory: PrometheusMetricsFactory(registry: metrics.registry),
                                    logger: .switchboard("audiohook"))
        // `protocol: seed` orgs' Audio Connector clients run inside their connectors and report to the same views.
        let seedAudio = SeedAudioRegistry(sink: speech, tap: spotting, clock: clock,
                                          metricsFactory: PrometheusMetricsFactory(registry: metrics.registry))
        // What is said on calls (docs/speech-text.md): transcription and on-box detections from the fan-out
        // below, joined to the connectors' conversations, on the speechtext:<org> / speechtext:global topics.
        let speechText: SpeechTextViewEngine
        do {
            speechText = SpeechTextViewEngine(configuration: config, analyzer: try SentimentAnalyzer.bundled(),
                                              clock: clock, sink: hub)
        } catch {
            throw BridgeError(code: error.code, message: error.message)
        }
        // Customer journeys (docs/journeys.md): the connectors' queue conversation snapshots and EventBridge
        // deliveries, stitched per org, on the journeys:<org> / journeys:global topics and GET /v1/journeys.
        // With a store, closed journeys a cap pushes out of memory go to it, and reads look there too.
        let journeys = JourneyViewEngine(configuration: config, clock: clock, sink: hub,
                                         metricsFactory: PrometheusMetricsFactory(registry: metrics.registry),
                                         archive: history?.writer)
        // EventBridge deliveries stored before a stop, replayed so the journeys open then are open again.
        await journeys.replayEventBridge()
        // In a cluster, these views' global totals count the orgs led elsewhere with their leaders' parts.
        cluster?.familyTotals.attach(.init(speech: speech, speechText: speechText, journeys: journeys))
        let observer = BridgeObserver(hub: hub, views: views, metrics: metrics, clock: clock, logger: logger,
                                      history: history, configPath: path, audio: audio, speech: speech,
                                      seedAudio: seedAudio, speechText: speechText, spotting: spotting,
                                      journeys: journeys)
        var connectorOptions = self.connectorOptions
        connectorOptions.onOrganization = { org, organizationId in audio.learned(organizationId: organizationId, for: org) }
        connectorOptions.seedAudio = { context in await seedAudio.run(context) }
        // `protocol: seed` orgs with journeys take them from the seed's event stream (docs/journeys.md).
        let eventStreams = SeedEventStreamRegistry(clock: clock, metricsFactory: PrometheusMetricsFactory(registry: metrics.registry),
                                                   configuration: eventStreamConfiguration)
        if connectorOptions.seedEventStream == nil {
            connectorOptions.seedEventStream = { context in await eventStreams.run(context) }
        }
        var sink: any BridgeEventSink = SpeechTap(views: views, speech: speech, also: [speechText])
        // Genesys real-time transcription and on-box keyword hits (docs/speech-text.md): counted here, then to
        // the speech-text views.
        transcripts.attach(speechText)
        cluster?.deliverForwarded(speech: speech, transcripts: transcripts)
        if let given = connectorOptions.transcripts { transcripts.attach(given) }
        connectorOptions.transcripts = transcripts
        connectorOptions.journeys = JourneyFanout(consumers: [journeys] + (connectorOptions.journeys.map { [$0] } ?? []))
        if let history {
            connectorOptions.warmStart = { history.takeWarmStart($0) }
            connectorOptions.utilizationSeed = { history.takeUtilizationSeed($0) }
            sink = DocumentTap(views: sink, writer: history.writer)
        }
        let supervisor = Supervisor(
            configPath: path, initial: config,
            loader: Supervisor.loader(environment: ProcessInfo.processInfo.environment,
                                      options: Bridge.reloadOptions(loadOptions, running: config.server.listen)),
            gate: cluster?.gate,
            observer: observer,
            makeConnector: Supervisor.connectorFactory(
                http: HTTPClient.shared, sink: sink, clock: clock, observer: observer, options: connectorOptions,
                onAlert: { alert in
                    hub.publish(alert: alert)
                    cluster?.publish(alert: alert)
                }))
        if let cluster {
            await observer.attach(cluster: cluster)
            // Before this replica leads an org (again), its views start over from the shared store (what the
            // previous leader wrote), as a restarted process's do; then the hub publishes the org.
            cluster.gate.onPrepare { [clock] org in
                if let history, let orgConfig = supervisor.currentConfiguration()?.org(org) {
                    do {
                        try await history.resumeOrg(orgConfig, views: views, now: clock.now())
                    } catch {
                        cluster.logFailedResume(org, error)
                        await views.reset(org: org)
                    }
                } else {
                    await views.reset(org: org)
                }
                // The org's EventBridge deliveries any replica stored within the replay window: journeys open at the
                // take-over are open here too (ids this replica has seen are dropped, as for a retry).
                await journeys.replayEventBridge(org: org)
                cluster.beganLeading(org)
            }
        }
        let parts = BridgeParts(hub: hub, views: views, supervisor: supervisor, metrics: metrics, observer: observer,
                                store: history?.store, audio: audio, speech: speech, transcripts: transcripts,
                                seedAudio: seedAudio, speechText: speechText, spotting: spotting,
                                journeys: journeys, eventStreams: eventStreams)
        readyParts.set(parts)

        let host = config.server.listen.host
        let onListening = self.onListening
        let bound = Mutex(false)
        let app = makeBridgeApplication(
            hub: hub, configuration: config.server,
            readiness: { await observer.readiness(supervisor: supervisor) },
            drillDown: supervisor,
            history: history?.store,
            journeys: journeys,
            upgradeRoutes: [audio.upgradeRoute],
            logger: .switchboard("http"),
            onListening: { port in
                bound.withLock { $0 = true }
                await onListening(host, port)
            })
        let listener = ListenerService(app: app, address: config.server.listen.description,
                                       bound: { bound.withLock { $0 } })
        let refresher = ViewRefreshService(views: views, observer: observer, interval: config.server.refreshInterval,
                                           sweepInterval: config.server.flushInterval,
                                           afterRefresh: Bridge.settleWhenOrgsOpen(hub: hub, views: views,
                                                                                   orgs: config.orgs.map(\.id)))

        // The writer first, so it stops last: what the others hand it on their way out is still written.
        let writer: [ServiceGroupConfiguration.ServiceConfiguration] = history.map { [.init(service: $0.writer)] } ?? []
        // In a cluster, the leadership driver stops before the supervisor (services stop in reverse order): it
        // stops the connectors through the supervisor and hands the orgs over while everything else still runs.
        let stream: [ServiceGroupConfiguration.ServiceConfiguration] = cluster.map { [.init(service: $0.stream)] } ?? []
        let leadership: [ServiceGroupConfiguration.ServiceConfiguration] = cluster.map { [.init(service: $0.leadership)] } ?? []
        // After the leadership driver and before the listener, so it stops after the AudioHook sessions ended.
        let forwarding: [ServiceGroupConfiguration.ServiceConfiguration] = cluster.map { [.init(service: $0.audioForwarding)] } ?? []
        // In a cluster with a store: the deliveries other replicas accepted for the orgs led here.
        let catchUp: [ServiceGroupConfiguration.ServiceConfiguration] = if let cluster, history != nil {
            [.init(service: EventBridgeCatchUp(journeys: journeys, clock: clock, led: { cluster.publishingOrgs() }))]
        } else { [] }
        let group = ServiceGroup(configuration: .init(
            services: writer + [
                .init(service: hub),
                .init(service: speech),
                .init(service: speechText),
                .init(service: spotting),
                .init(service: journeys),
                .init(service: refresher),
            ] + catchUp + stream + [
                .init(service: supervisor),
            ] + leadership + forwarding + [
                .init(service: listener),
            ],
            gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        try await group.run()
    }

    /// After a kept epoch: once every org has been open for `grace` (the views sent what they hold again,
    /// the pollers answered), the hub removes the entities that did not come back.
    static func settleWhenOrgsOpen(hub: StreamHub, views: ViewEngine, orgs: [OrgID],
                                   grace: Duration = .seconds(30)) -> @Sendable () async -> Bool {
        let openSince = Mutex<ContinuousClock.Instant?>(nil)
        return {
            let statuses = await views.orgStatuses()
            guard orgs.allSatisfy({ statuses[$0]?.status == .open }) else { return false }
            let since = openSince.withLock { v in
                if v == nil { v = .now }
                return v!
            }
            guard ContinuousClock.now - since >= grace else { return false }
            hub.settleResume()
            return true
        }
    }

    /// How reloads are loaded: as the start was (`--listen`), and checked against the address the listener
    /// is bound to, which a reload does not move.
    static func reloadOptions(_ start: ConfigLoadOptions, running: ListenAddress) -> ConfigLoadOptions {
        var options = start
        options.runningListen = running
        // A reload's on-box keywords are checked against PocketSphinx's dictionary, whatever the start passed.
        if options.onBoxVocabulary == nil { options.onBoxVocabulary = SpotterVocabulary.shared }
        return options
    }

    /// The configuration rules (``ConfigPolicy``: `auth: none` only on loopback, SPEC §3), for a
    /// configuration built in code; one loaded from a file passed the same rules in the loader.
    static func checkAuthPolicy(_ config: SwitchboardConfiguration) throws(BridgeError) {
        if let problem = ConfigPolicy.problems(config).first {
            throw BridgeError(code: "bridge.auth-none-not-loopback", message: problem)
        }
    }
}

/// Runs the HTTP application; a failure before it listens (a taken port, an address of another machine)
/// becomes a ``ListenError`` naming the address, instead of NIO's `bind(descriptor:ptr:bytes:)` text.
struct ListenerService<App: Service>: Service {
    let app: App
    let address: String
    let bound: @Sendable () -> Bool

    func run() async throws {
        do {
            try await app.run()
        } catch {
            if bound() { throw error }
            throw ListenError(address: address, underlying: error)
        }
    }
}

/// The running parts of a bridge.
public struct BridgeParts: Sendable {
    public let hub: StreamHub
    public let views: ViewEngine
    public let supervisor: Supervisor
    public let metrics: HubMetrics
    let observer: BridgeObserver
    /// The history store: the embedded file, or PostgreSQL in a cluster; nil with `store: none`.
    public let store: (any HistoryStore)?
    /// The `/audiohook/v1` sessions.
    public let audio: AudioHookServer
    /// The speech views (`speech:<org>`, `speech:global`).
    public let speech: SpeechViewEngine
    /// Genesys real-time transcription from the connectors (docs/speech-text.md).
    public let transcripts: TranscriptFanout
    /// The `protocol: seed` orgs' Audio Connector clients.
    public let seedAudio: SeedAudioRegistry
    /// The speech-text views (`speechtext:<org>`, `speechtext:global`).
    public let speechText: SpeechTextViewEngine
    /// On-box keyword spotting (orgs with `speechText.onBox: true`).
    public let spotting: OnBoxSpotting
    /// The customer journeys (`journeys:<org>`, `journeys:global`, `GET /v1/journeys`, EventBridge ingest).
    public let journeys: JourneyViewEngine
    /// The seed journey event stream clients (`protocol: seed` orgs with journeys).
    public let eventStreams: SeedEventStreamRegistry
}

/// Hands the connectors' journey events to every consumer (the journey views, and a sink a test gave in the
/// connector options).
struct JourneyFanout: JourneyEventSink {
    let consumers: [any JourneyEventSink]
    func ingest(journeyEvents events: [JourneyEvent]) {
        for c in consumers { c.ingest(journeyEvents: events) }
    }
}

/// Errors from composing the bridge.
public struct BridgeError: CodedError, Equatable {
    public let code: String
    public let message: String
}

extension ViewOrg {
    init(config: OrgConfig) {
        self.init(id: config.id, name: config.name, timeZone: config.timezone)
    }
}

/// A tiny lock-protected optional for values published once from `run()`.
final class LockedParts: Sendable {
    private let box = Mutex<BridgeParts?>(nil)
    var value: BridgeParts? { box.withLock { $0 } }
    func set(_ parts: BridgeParts) { box.withLock { $0 = parts } }
}
