import Cluster
import ClusterPostgres
import Connector
import Hub
import Logging
import PostgresStore
import Prometheus
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Views

/// The bridge's parts in a cluster (docs/scale-out.md): the leadership driver, the gate it opens for the
/// supervisor, the shared view stream, and the PostgreSQL history store every replica shares.
///
/// Leadership is applied in this order, so nothing of an org is published without its term:
/// - **start(org, term)**: the hub takes the org's local changes, the view stream writes the org's state first,
///   then the supervisor starts the connector;
/// - **stop(org)**: the supervisor stops the connector and the hub drops the org's local changes at once (what
///   its views still produce is not published); the stop is reported to the driver once the connector ended.
final class BridgeCluster: Sendable {
    let config: ClusterConfig
    let gate: LeadershipGate
    let leadership: LeadershipService
    let stream: ClusterViewStream
    let store: PostgresHistoryStore
    private let orgs: OrgList
    private let metrics: ClusterMetrics
    let hub: StreamHub
    /// The orgs whose changes the hub publishes (prepared and not released), and those whose take-over was
    /// announced stale and waits for the org to open.
    private let published = PublishedOrgs()
    /// The global totals' parts of the orgs other replicas lead (the views add them up).
    let remoteTotals: RemoteOrgTotals
    /// The same for the speech, speech-text and journey views (attached once they are made).
    let familyTotals: FamilyTotals
    /// AudioHook sessions of orgs led elsewhere reach their leader (docs/scale-out.md, "AudioHook on any replica").
    let audioForwarding: AudioForwarding

    /// Opens the shared store (creating or migrating its schema) and builds the driver and the stream.
    static func make(config: ClusterConfig, orgs: [OrgID], hub: StreamHub, registry: PrometheusCollectorRegistry,
                     logger: Logger) async throws -> BridgeCluster {
        let url = PostgresURL(config.database)
        let store = try await PostgresHistoryStore.open(url, logger: .switchboard("store"),
                                                        metricsFactory: PrometheusMetricsFactory(registry: registry))
        return try BridgeCluster(config: config, orgs: orgs, hub: hub, store: store, url: url, registry: registry,
                                 logger: logger)
    }

    private init(config: ClusterConfig, orgs: [OrgID], hub: StreamHub, store: PostgresHistoryStore, url: PostgresURL,
                 registry: PrometheusCollectorRegistry, logger: Logger) throws {
        self.config = config
        self.store = store
        self.hub = hub
        let gate = LeadershipGate()
        self.gate = gate
        let orgsBox = OrgList(orgs)
        self.orgs = orgsBox
        let remoteTotals = RemoteOrgTotals()
        remoteTotals.setRemote(Set(orgs))
        self.remoteTotals = remoteTotals
        let familyTotals = FamilyTotals()
        familyTotals.setRemote(Set(orgs))
        self.familyTotals = familyTotals
        let metrics = ClusterMetrics(registry: registry, replica: config.replica)
        self.metrics = metrics
        var streamOptions = ClusterViewStream.Options()
        streamOptions.replicaTimeout = config.replicaTimeout
        var streamLogger = Logger.switchboard("cluster")
        streamLogger[metadataKey: "replica"] = "\(config.replica)"
        let connection = try url.connectionConfiguration()
        let stream = ClusterViewStream(
            connection: connection, hub: hub, options: streamOptions,
            orgs: { orgsBox.value },
            term: { gate.leading[$0] },
            onFenced: { org in
                // A newer term leads the org elsewhere: publish nothing more for it from here.
                hub.setLedOrgs(Set(gate.leading.keys).subtracting([org]))
            },
            onTotals: { [remoteTotals, familyTotals] org, bytes in
                guard let envelope = OrgTotalsEnvelope(decoding: bytes) else { return }
                remoteTotals.apply(envelope.occupancy)
                familyTotals.apply(envelope, of: org)
            },
            logger: streamLogger)
        self.stream = stream
        hub.setLedOrgs([], export: { stream.publish($0) })
        leadership = LeadershipService(
            connection: connection, options: LeadershipService.Options(config), orgs: Set(orgs),
            startConnector: { org, term in
                // The supervisor prepares the org (``beganLeading(_:)``) before it starts the connector.
                gate.lead(org, term: term)
                metrics.leading(org: org, term: term)
            },
            stopConnector: { [published, remoteTotals, familyTotals] org in
                gate.release(org)
                let led = published.remove(org)
                hub.setLedOrgs(led)
                remoteTotals.setRemote(Set(orgsBox.value).subtracting(led))
                familyTotals.setRemote(Set(orgsBox.value).subtracting(led))
                metrics.released(org: org)
            },
            logger: streamLogger)
        audioForwarding = AudioForwarding(connection: connection, replica: config.replica,
                                          led: { [published] in published.led }, logger: streamLogger)
        let leadership = self.leadership
        gate.onStopped { leadership.connectorStopped($0) }
    }

    /// The org's views are ready (the supervisor prepared them): the hub publishes its changes from now on, its
    /// state goes out first, and a take-over (a term after another's) is shown stale until the org is open.
    func beganLeading(_ org: OrgID) {
        guard let term = gate.leading[org] else { return }
        // What the topics hold now is the previous leader's: kept until the org has been open here for
        // `takeOverSettle`, then what this replica's views did not send again is removed (``tick(statuses:)``).
        hub.holdForTakeOver(org)
        let led = published.insert(org, announce: term > 1)
        hub.setLedOrgs(led)
        setRemote(Set(orgs.value).subtracting(led))
        stream.startedLeading(org)
        guard term > 1 else { return }
        // This stale (and the recovered that follows once the org is open) replaces one shown while nobody led it.
        stream.supersedeStale(org)
        let alert = StreamAlert(kind: .upstreamStale, org: org, since: SystemClock.realNow(),
                                message: "\(org): now led by replica \(config.replica) (term \(term)); its connector is starting, "
                                    + "the figures shown are the last received until it is open")
        hub.publish(alert: alert)
        stream.publish(alert: alert)
    }

    /// How long an org led here must have been open before the entities its views did not send again are removed
    /// (as after a restart that kept the epoch: the connector's first sync and the pollers' answers are in by then).
    static let takeOverSettle: Duration = .seconds(30)

    /// Whether `org` is led here and its views were prepared (between ``beganLeading(_:)`` and the release).
    func isPublishing(_ org: OrgID) -> Bool { published.led.contains(org) }

    /// The orgs led here whose views were prepared, in order.
    func publishingOrgs() -> [OrgID] { published.led.sorted() }

    /// The orgs led here whose views were prepared.
    func publishedOrgs() -> Set<OrgID> { published.led }

    /// The orgs led elsewhere now: every family's global totals count them with their leaders' parts.
    private func setRemote(_ orgs: Set<OrgID>) {
        remoteTotals.setRemote(orgs)
        familyTotals.setRemote(orgs)
    }

    /// After each view refresh: the led orgs' parts of the global totals go to the other replicas, the occupancy
    /// part every time, the other families' when they changed or are due again (``FamilyTotals``).
    func publishTotals(_ views: ViewEngine) async {
        for org in published.led.sorted() {
            guard let share = await views.totalsShare(of: org) else { continue }
            let parts = await familyTotals.parts(of: org)
            let envelope = OrgTotalsEnvelope(occupancy: share, speech: parts.speech, speechText: parts.speechText,
                                             journeys: parts.journeys)
            stream.publish(totals: envelope.encoded(), of: org)
        }
    }

    /// After each view refresh: a take-over whose org is open now is shown recovered.
    func tick(statuses: [OrgID: OrgStatus]) {
        for org in published.takeSettled(statuses: statuses, now: .now, grace: Self.takeOverSettle).sorted() {
            hub.settleTakeOver(org)
        }
        let open = published.takeAnnounced { statuses[$0] == .open }
        for org in open.sorted() {
            let alert = StreamAlert(kind: .upstreamRecovered, org: org, since: SystemClock.realNow(),
                                    message: "\(org): open again, led by replica \(config.replica)")
            hub.publish(alert: alert)
            stream.publish(alert: alert)
        }
        recordMetrics()
    }

    /// A reload's orgs: the driver tries for added ones and gives up removed ones; the stream follows them.
    func orgsConfigured(_ list: [OrgID]) {
        orgs.set(list)
        setRemote(Set(list).subtracting(published.led))
        leadership.orgsConfigured(Set(list))
    }

    /// An alert from a connector of this replica: every replica shows it (the stream carries it).
    func publish(alert: StreamAlert) { stream.publish(alert: alert) }

    /// What `/readyz` shows of the cluster.
    func readiness() -> ReadinessReport.Cluster {
        let s = leadership.status
        let v = stream.status
        metrics.record(s, v)
        return ReadinessReport.Cluster(
            replica: s.replica, sessionOpen: s.sessionOpen, liveReplicas: s.liveReplicas, share: s.share,
            leading: s.leading.sorted { $0.key < $1.key }.map { .init(org: $0.key.rawValue, term: $0.value) },
            stream: .init(connected: v.connected, rowsPublished: v.rowsPublished, rowsApplied: v.rowsApplied,
                          statesPublished: v.statesPublished, statesApplied: v.statesApplied, fenced: v.fenced,
                          dropped: v.dropped, lastError: v.lastError),
            audioForwarding: BridgeCluster.report(audioForwarding.status))
    }

    /// Refreshes the `switchboard_cluster_*` gauges (the view refresh calls it).
    func recordMetrics() { metrics.record(leadership.status, stream.status) }

    /// Runs the store's connection pool until cancelled (not at graceful shutdown: the store writer, which stops
    /// last, still writes then).
    func runPool() async { await store.runPoolUntilCancelled() }
}

/// The orgs whose changes the hub publishes, and the take-overs shown stale until their org is open.
final class PublishedOrgs: Sendable {
    private let box = Mutex<(led: Set<OrgID>, announced: Set<OrgID>, settling: Set<OrgID>, openSince: [OrgID: ContinuousClock.Instant])>(
        ([], [], [], [:]))

    /// Adds `org` (its take-over settles once it has been open long enough); the led orgs now.
    func insert(_ org: OrgID, announce: Bool) -> Set<OrgID> {
        box.withLock { p in
            p.led.insert(org)
            if announce { p.announced.insert(org) }
            p.settling.insert(org)
            p.openSince[org] = nil
            return p.led
        }
    }

    /// The orgs whose take-over is due to settle: open since at least `grace` ago; no longer settling. An org
    /// `statuses` does not mention keeps where it was.
    func takeSettled(statuses: [OrgID: OrgStatus], now: ContinuousClock.Instant, grace: Duration) -> Set<OrgID> {
        box.withLock { p in
            var due: Set<OrgID> = []
            for org in p.settling {
                guard let status = statuses[org] else { continue }
                guard status == .open else {
                    p.openSince[org] = nil
                    continue
                }
                let since = p.openSince[org] ?? now
                p.openSince[org] = since
                if now - since >= grace { due.insert(org) }
            }
            p.settling.subtract(due)
            for org in due { p.openSince[org] = nil }
            return due
        }
    }

    var led: Set<OrgID> { box.withLock { $0.led } }

    /// Removes `org`; the led orgs now.
    func remove(_ org: OrgID) -> Set<OrgID> {
        box.withLock { p in
            p.led.remove(org)
            p.announced.remove(org)
            p.settling.remove(org)
            p.openSince[org] = nil
            return p.led
        }
    }

    /// The announced orgs that `done` accepts, no longer announced.
    func takeAnnounced(_ done: (OrgID) -> Bool) -> Set<OrgID> {
        box.withLock { p in
            let out = p.announced.filter(done)
            p.announced.subtract(out)
            return out
        }
    }
}

/// The orgs of the configuration in force, read by the view stream.
final class OrgList: Sendable {
    private let box: Mutex<[OrgID]>
    init(_ orgs: [OrgID]) { box = Mutex(orgs) }
    var value: [OrgID] { box.withLock { $0 } }
    func set(_ orgs: [OrgID]) { box.withLock { $0 = orgs } }
}

/// `switchboard_cluster_*`: which orgs this replica leads and under which term, the session, the stream.
struct ClusterMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let replica: String

    func leading(org: OrgID, term: Int64) {
        gauge("leading", "1 while this replica leads the org", org).set(to: 1)
        gauge("term", "The leadership term this replica leads the org under (0: not led here)", org).set(to: Double(term))
    }

    func released(org: OrgID) {
        gauge("leading", "1 while this replica leads the org", org).set(to: 0)
        gauge("term", "The leadership term this replica leads the org under (0: not led here)", org).set(to: 0)
    }

    func record(_ s: LeadershipStateMachine.Status, _ v: ClusterViewStream.Status) {
        registry.makeGauge(name: "switchboard_cluster_session_open", labels: [("replica", replica)],
                           help: "1 while the leadership session to PostgreSQL is open").set(to: s.sessionOpen ? 1 : 0)
        registry.makeGauge(name: "switchboard_cluster_live_replicas", labels: [("replica", replica)],
                           help: "Replicas heard from within the replica timeout, this one included").set(to: Double(s.liveReplicas))
        registry.makeGauge(name: "switchboard_cluster_stream_connected", labels: [("replica", replica)],
                           help: "1 while the shared view stream is connected").set(to: v.connected ? 1 : 0)
        registry.makeGauge(name: "switchboard_cluster_stream_rows_published", labels: [("replica", replica)],
                           help: "Delta rows this replica wrote to the shared view stream").set(to: Double(v.rowsPublished))
        registry.makeGauge(name: "switchboard_cluster_stream_rows_applied", labels: [("replica", replica)],
                           help: "Delta rows of other replicas applied here").set(to: Double(v.rowsApplied))
        registry.makeGauge(name: "switchboard_cluster_stream_fenced", labels: [("replica", replica)],
                           help: "Writes refused because a newer term leads the org").set(to: Double(v.fenced))
    }

    private func gauge(_ name: String, _ help: String, _ org: OrgID) -> Gauge {
        registry.makeGauge(name: "switchboard_cluster_\(name)", labels: [("replica", replica), ("org", org.rawValue)], help: help)
    }
}

extension BridgeCluster {
    /// The store could not be read when this replica began leading `org`: its views start empty, and its
    /// connector reads the whole day from the platform.
    func logFailedResume(_ org: OrgID, _ error: any Error) {
        Logger.switchboard("cluster").warning(
            "the shared store could not be read for the org this replica now leads; its connector reads the whole day from the platform",
            metadata: ["org": "\(org)", "error": "\(String(reflecting: error))"])
    }
}

/// The bridge's cluster parts once attached (read from nonisolated observer calls).
final class ClusterBox: Sendable {
    private let box = Mutex<BridgeCluster?>(nil)
    var value: BridgeCluster? { box.withLock { $0 } }
    func set(_ cluster: BridgeCluster) { box.withLock { $0 = cluster } }
}
