import Audio
import AudioConnector
import Connector
import Foundation
import GenesysAPI
import Hub
import JourneyViews
import Logging
import Normalizer
import SpeechViews
import SpeechTextViews
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Views

/// Glue between the supervisor, the connectors and the downstream side: applies configuration changes
/// to the views and the hub, raises `config-rejected` alerts, feeds connector figures to Prometheus and
/// answers `/readyz`.
actor BridgeObserver: SupervisorObserver, ConnectorObserver {
    let hub: StreamHub
    let views: ViewEngine
    let metrics: HubMetrics
    let clock: any WallClock
    let logger: Logger
    private var configLoadedAt: EpochMillis?
    private var rejected: [String] = []
    private var orgIDs: [OrgID] = []
    /// What the listener was started with: settings in ``ServerConfig/restartOnlyKeys`` stay so until a restart.
    private var running: ServerConfig?
    private var runningStore: StoreConfig?
    /// The `cluster:` section started with (nil: alone); read only once `running` is set.
    private var runningCluster: ClusterConfig?
    /// Restart-only settings the file in force changes (`server.listen: a → b`), for `/readyz` and an alert.
    private var restartNeeded: [String] = []

    let history: BridgeHistory?
    let configPath: String?
    /// AudioHook's org registry follows every configuration in force.
    let audio: AudioHookServer?
    /// The speech views follow the orgs, their time zones and the `speech:` section.
    let speech: SpeechViewEngine?
    /// The seed Audio Connector clients: new filters applied live, state for `/readyz`.
    let seedAudio: SeedAudioRegistry?
    /// The speech-text views follow the orgs' `speechText:` sections (keywords, hot-call rules) live.
    let speechText: SpeechTextViewEngine?
    /// On-box keyword spotting: each configuration's on-box orgs and keywords, figures for `/readyz`.
    let spotting: OnBoxSpotting?
    /// The journey views follow the orgs' `journeys:` sections and the salt live.
    let journeys: JourneyViewEngine?
    /// In a cluster: leadership follows the orgs; `/readyz` says which orgs are led here.
    private var cluster: BridgeCluster? { clusterBox.value }
    private let clusterBox = ClusterBox()

    func attach(cluster: BridgeCluster) { clusterBox.set(cluster) }

    init(hub: StreamHub, views: ViewEngine, metrics: HubMetrics, clock: any WallClock, logger: Logger,
         history: BridgeHistory? = nil, configPath: String? = nil, audio: AudioHookServer? = nil,
         speech: SpeechViewEngine? = nil, seedAudio: SeedAudioRegistry? = nil,
         speechText: SpeechTextViewEngine? = nil, spotting: OnBoxSpotting? = nil,
         journeys: JourneyViewEngine? = nil) {
        self.journeys = journeys
        self.seedAudio = seedAudio
        self.speechText = speechText
        self.spotting = spotting
        self.audio = audio
        self.speech = speech
        self.history = history
        self.configPath = configPath
        self.hub = hub
        self.views = views
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
    }

    // MARK: SupervisorObserver

    func configApplied(_ config: SwitchboardConfiguration, diff: ConfigDiff?) async {
        configLoadedAt = SystemClock.realNow()
        let wasRejected = !rejected.isEmpty
        rejected = []
        orgIDs = config.orgs.map(\.id)
        cluster?.orgsConfigured(orgIDs)
        audio?.setOrgs(Bridge.audioOrgs(config))
        // Filters of running seed Audio Connector clients change live (their connectors were not restarted).
        seedAudio?.configure(config, liveChanges: diff?.seedAudioChangedOrgs ?? [])
        history?.audit(path: configPath, outcome: .accepted, summary: diff.map { $0.summary } ?? "started with "
                       + "\(config.orgs.count) org\(config.orgs.count == 1 ? "" : "s"): "
                       + config.orgs.map(\.id.rawValue).joined(separator: ", "), at: SystemClock.realNow())
        metrics.configReload(outcome: diff == nil ? nil : "accepted", refused: false)
        for org in config.orgs {
            let t = org.tunables.heartbeatTimeout.components
            metrics.heartbeatTimeout(org: org.id, seconds: Double(t.seconds) + Double(t.attoseconds) / 1e18)
        }
        guard let diff else {  // the initial configuration is already in place
            running = config.server
            runningStore = config.store
            runningCluster = config.cluster
            metrics.restartPending(settings: 0)
            return
        }
        await views.setOrgs(config.orgs.map(ViewOrg.init(config:)))
        await speech?.apply(config)
        await speechText?.apply(config)
        // On-box spotting follows at once: keywords changed, onBox switched on or off (the reload's loader checked
        // the phrases against the spotter's dictionary, so a failure here is unexpected; the org keeps what it had).
        do throws(BridgeError) { try spotting?.configure(config) } catch {
            logger.error("on-box keyword spotting: \(error.message)", metadata: ["code": "\(error.code)"])
        }
        await journeys?.apply(config)
        history?.setJourneyRetention(config.orgs)
        if diff.occupancyChanged { await views.updateOccupancyConfig(config.occupancy) }
        if diff.thresholdsChanged { await views.updateThresholds(config.thresholds) }
        hub.setOrgs(config.orgs.map(\.id))
        if diff.serverChanged { hub.updateConfiguration(config.server) }
        if diff.authChanged {
            do { try await hub.updateAuth(config.auth) } catch {
                logger.error("new auth configuration could not be applied; the previous one stays in force: \(error)")
            }
        }
        let pending = (running.map { config.server.restartOnlyChanges(from: $0) } ?? [])
            + (runningStore.map { config.store.restartOnlyChanges(from: $0) } ?? [])
            + (running == nil ? [] : ClusterConfig.restartOnlyChanges(from: runningCluster, to: config.cluster))
        let restartChanged = pending != restartNeeded
        restartNeeded = pending
        metrics.restartPending(settings: pending.count)
        if wasRejected || (restartChanged && pending.isEmpty) {
            let why = wasRejected ? "the earlier refused edit no longer applies" : "no setting waits for a restart any more"
            hub.publish(alert: StreamAlert(kind: .configAccepted, org: nil, since: clock.now(),
                                           message: "configuration reloaded; \(why)"))
        }
        // Re-raised after a refusal was cleared: the hub holds one configuration alert at a time.
        if !pending.isEmpty && (restartChanged || wasRejected) { publishRestartNeeded() }
    }

    func configUnchanged() async {
        history?.audit(path: configPath, outcome: .accepted, summary: "no change", at: SystemClock.realNow())
        metrics.configReload(outcome: "unchanged", refused: false)
        guard !rejected.isEmpty else { return }
        rejected = []
        hub.publish(alert: StreamAlert(kind: .configAccepted, org: nil, since: clock.now(),
                                       message: "configuration file restored; the refused edit no longer applies"))
        if !restartNeeded.isEmpty { publishRestartNeeded() }
    }

    func configRejected(_ diagnostics: [String]) async {
        history?.audit(path: configPath, outcome: .refused, summary: diagnostics.joined(separator: " | "),
                       at: SystemClock.realNow())
        rejected = diagnostics
        metrics.configReload(outcome: "refused", refused: true)
        let message = "configuration edit refused, the running configuration stays in force: "
            + diagnostics.joined(separator: " | ")
        hub.publish(alert: StreamAlert(kind: .configRejected, org: nil, since: clock.now(), message: message))
    }

    private func publishRestartNeeded() {
        let message = "configuration reloaded, but these settings take effect only after a restart (the running "
            + "values stay in force until then): " + restartNeeded.joined(separator: " | ")
        hub.publish(alert: StreamAlert(kind: .restartRequired, org: nil, since: clock.now(), message: message))
    }

    // MARK: ConnectorObserver

    /// Counts notification messages, one per call (one frame), whatever they decode into: an `activity` message
    /// carrying a presence and a routing status is two bridge events but one upstream event.
    nonisolated func upstreamEvent(org: OrgID, topic: TopicKind, events: Int) {
        metrics.upstreamEvent(org: org, topic: topic.rawValue)
    }

    nonisolated func connectorStatus(_ status: ConnectorStatus) {
        metrics.connectorState(org: status.org, status: status.status)
        if status.status == .open { clusterBox.value?.tick(statuses: [status.org: .open]) }
    }

    nonisolated func malformedFrame(org: OrgID, kind: String) {
        metrics.upstreamEvent(org: org, topic: "malformed", count: 1)
    }

    nonisolated func tokenRequest(org: OrgID, failed: Bool) {
        metrics.tokenRequest(org: org, failed: failed)
    }

    nonisolated func restResponse(org: OrgID, status: Int?, budgetRemaining: Double?) {
        metrics.restResponse(org: org, status: status, budgetRemaining: budgetRemaining)
    }

    nonisolated func upstreamLag(org: OrgID, seconds: Double) {
        metrics.upstreamLag(org: org, seconds: seconds)
    }

    nonisolated func transcriptionTopics(org: OrgID, status: TranscriptionTopicStateMachine.Status) {
        metrics.transcriptionTopics(org: org, topics: status.topics, queued: status.queued,
                                    budgetExhausted: status.budgetExhausted)
    }

    // MARK: Readiness and business figures

    func readiness(supervisor: Supervisor) async -> ReadinessReport {
        let states = supervisor.connectorStates()
        var journeyFigures: [OrgID: ReadinessReport.Journeys] = [:]
        if let journeys {
            for id in supervisor.currentConfiguration()?.orgs.map(\.id) ?? orgIDs {
                if let j = await journeys.status(of: id) {
                    journeyFigures[id] = ReadinessReport.Journeys(active: j.active, retained: j.retained, buffered: j.buffered,
                                                                  unattributedWaiting: j.unattributedWaiting,
                                                                  evictions: j.evictions)
                }
            }
        }
        let leading = cluster?.gate.leading
        let orgs = (supervisor.currentConfiguration()?.orgs.map(\.id) ?? orgIDs).map { id in
            let s = states[id]
            // In a cluster, an org led elsewhere is described by what its leader's views publish.
            let elsewhere = leading.map { $0[id] == nil } ?? false
            var org = ReadinessReport.Org(
                id: id.rawValue, status: elsewhere ? (hub.publishedStatus(of: id) ?? .connecting) : (s?.status ?? .connecting),
                lastHeartbeatAt: s?.lastHeartbeatAt.map(Timestamp.format),
                lastEventAt: s?.lastEventAt.map(Timestamp.format), detail: s?.detail,
                problems: (s?.problems ?? [:]).sorted { $0.key < $1.key }.map(\.value)
                    + (s?.behindSeconds.map { [ConnectorStatus.behindMessage($0)] } ?? []),
                transcription: supervisor.connector(for: id)?.transcriptionStatus.map {
                    ReadinessReport.Transcription(topics: $0.topics, queued: $0.queued, budgetExhausted: $0.budgetExhausted,
                                                  extraChannels: $0.extraChannels, rejected: $0.rejected)
                },
                audio: seedAudio?.status(of: id).map {
                    ReadinessReport.Audio(transport: "seed", region: $0.region, connections: $0.connections,
                                          planned: $0.planned, sessions: $0.sessions, lastFailure: $0.lastFailure)
                },
                onBox: spotting?.status(of: id).map {
                    ReadinessReport.OnBox(active: $0.active, queuedMs: $0.queuedMs, admitted: $0.admitted,
                                          refused: $0.refused, shed: $0.shed, detections: $0.detections)
                },
                journeys: journeyFigures[id])
            if leading != nil { org.leader = elsewhere ? "elsewhere" : "here" }
            return org
        }
        return ReadinessReport(ready: configLoadedAt != nil, configLoadedAt: configLoadedAt.map(Timestamp.format),
                               configErrors: rejected, restartNeeded: restartNeeded, orgs: orgs,
                               cluster: cluster?.readiness())
    }

    /// Org occupancy and staleness gauges (bounded cardinality: per org and window, never per agent).
    func recordBusinessFigures() async {
        if let cluster {
            cluster.tick(statuses: await views.orgStatuses().mapValues(\.status))
            await cluster.publishTotals(views)
        }
        let now = clock.now()
        for id in orgIDs {
            guard let figures = await views.orgFigures(id) else { continue }
            metrics.orgOccupancy(org: id, window: .today, value: figures.figures.today.occupancy)
            metrics.orgOccupancy(org: id, window: .rolling15m, value: figures.figures.rolling15m.occupancy)
            metrics.orgOccupancy(org: id, window: .rolling60m, value: figures.figures.rolling60m.occupancy)
            for tile in await views.queueTiles(id) {
                metrics.queueWaiting(org: id, queue: tile.id.platformID, count: tile.waiting)
                metrics.queueOccupancy(org: id, queue: tile.id.platformID, window: .today, value: tile.occupancy?.today.occupancy)
            }
            if let last = [figures.lastEventAt, figures.lastHeartbeatAt].compactMap({ $0 }).max() {
                metrics.orgStaleness(org: id, seconds: Double(max(0, now - last)) / 1000 / max(clock.speed, 1))
            }
        }
    }
}
