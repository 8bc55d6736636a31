import DequeModule
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// The downstream fan-out hub (SPEC §4, docs/protocol.md).
///
/// Views call ``publish(_:)`` / ``publish(alert:)``; neither suspends nor waits on a client. Changes
/// are staged per topic (latest state per entity) and flushed every `flushInterval` by ``run()``
/// (the hub is a `Service`): one delta per topic, encoded once, kept in a bounded history for resume
/// and pushed to each subscriber's bounded queue.
///
/// ```swift
/// let hub = try await StreamHub(configuration: config.server, auth: config.auth, metrics: metrics)
/// hub.setOrgs(config.orgs.map(\.id))
/// // views.sink = hub; services += [hub, makeBridgeApplication(…)]
/// ```
public final class StreamHub: ViewChangeSink, Service, Sendable {
    struct State {
        /// The epoch of every topic: random per start unless a clean shutdown's is kept (StreamHub+Resume).
        var epoch = TopicState.newEpoch()
        var topics: [HubTopic: TopicState]
        /// A kept epoch waits for ``StreamHub/settleResume()`` to remove entities that did not come back.
        var resumePending = false
        /// nil until ``setOrgs(_:)``: every org seen gets a topic.
        var declaredOrgs: Set<OrgID>?
        var connections: [Int: ClientConnection] = [:]
        var nextConnectionID = 1
        /// In a cluster (docs/scale-out.md): the orgs this replica leads. Their changes come from the local views
        /// and their flushed deltas go to ``exportDeltas``; every other org's topics follow its leader's deltas
        /// (``StreamHub/applyRemote(_:)``), and the local views' changes for it are dropped. Nil: one process,
        /// every org local.
        var ledOrgs: Set<OrgID>?
        /// Receives the led orgs' deltas of each flush (the shared view stream's publisher).
        var exportDeltas: (@Sendable ([RemoteDelta]) -> Void)?
        /// The active (not yet recovered) alert per org, replayed after a snapshot.
        var alerts: [OrgID: StreamAlert] = [:]
        /// The active `token-renewal-failed` alert per org (a slot of its own: the sockets are up), replayed after a
        /// snapshot until `token-renewed`.
        var tokenAlerts: [OrgID: StreamAlert] = [:]
        /// The active `eventstream-callback-mismatch` alert per org (a slot of its own, like the token's), replayed
        /// after a snapshot until `eventstream-callback-matched`.
        var eventStreamAlerts: [OrgID: StreamAlert] = [:]
        var configuration: ServerConfig
        /// Where snapshots read time-driven figures at the moment they are taken (the views).
        var liveSource: (any LiveEntitySource)?
        /// Subscribers waiting for the live computation in flight for their topic (a key is present while one
        /// runs): it serves them all (``subscribe(_:topicName:since:patches:select:)``).
        var liveWaiters: [HubTopic: [LiveWaiter]] = [:]
        /// The refused reload still in force (config files are fixed by the next good reload), for admins.
        var configAlert: StreamAlert?
        /// Every alert delivered, newest last, bounded: what an admin reads on `GET /v1/alerts`.
        var alertHistory: Deque<StreamAlert> = []
    }
    /// How many delivered alerts `GET /v1/alerts` keeps.
    static let alertHistoryLimit = 200
    static let global = HubTopic.global

    let state: Mutex<State>
    /// Checks credentials for the stream and HTTP endpoints.
    public let authenticator: HubAuthenticator
    public let metrics: HubMetrics
    let clock: any WallClock
    let logger: Logger
    /// Longest a single socket write may take before the client is dropped.
    let writeTimeout: Duration
    /// After a close is decided, how long the writer may take to deliver the error and close frames.
    let closeGrace: Duration
    /// How often the watchdog checks every connection.
    let watchdogTick: Duration = .milliseconds(500)
    /// Work the stream connections hand to the hub's task group (``perform(_:)``).
    private let jobs = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)

    /// - Parameters:
    ///   - configuration: flush interval, history bounds, queue and connection limits.
    ///   - auth: downstream credentials.
    ///   - clock: business time for the `at` fields (tokens always use real time).
    public init(configuration: ServerConfig, auth: AuthConfig, metrics: HubMetrics, clock: any WallClock = SystemClock(),
                logger: Logger = .switchboard("hub"), writeTimeout: Duration = .seconds(10),
                closeGrace: Duration = .seconds(2)) async throws {
        var initial = State(topics: [:], configuration: configuration)
        initial.topics[.global] = TopicState(topic: .global, epoch: initial.epoch)
        for f in TopicFamily.all { initial.topics[.familyGlobal(f)] = TopicState(topic: .familyGlobal(f), epoch: initial.epoch) }
        self.state = Mutex(initial)
        self.authenticator = try await HubAuthenticator(auth)
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        self.writeTimeout = writeTimeout
        self.closeGrace = closeGrace
        metrics.maxConnections.set(to: Double(configuration.maxConnections))
    }

    var configuration: ServerConfig { state.withLock { $0.configuration } }

    /// Makes every snapshot (stream and `GET /v1/views`) read the time-driven entities from `source` at
    /// the moment it is taken, so its figures are those of its `at` (docs/protocol.md, "Snapshots").
    public func attachLiveSource(_ source: any LiveEntitySource) {
        state.withLock { $0.liveSource = source }
    }

    // MARK: ViewChangeSink

    /// Stages changes for the next flush. Never suspends.
    public func publish(_ changes: [EntityChange]) {
        let now = ContinuousClock.now
        state.withLock { s in
            for change in changes {
                if let led = s.ledOrgs, let org = change.scope.org, !led.contains(org) { continue }
                switch change.scope {
                case .global:
                    s.topics[.global]?.stage(change, now: now)
                case .org(let org):
                    s.topics[.global]?.stage(change, now: now)
                    if Self.ensureTopic(&s, org) { s.topics[.org(org)]?.stage(change, now: now) }
                case .orgOnly(let org):
                    if Self.ensureTopic(&s, org) { s.topics[.org(org)]?.stage(change, now: now) }
                case .family(let f, let org):
                    s.topics[.familyGlobal(f)]?.stage(change, now: now)
                    if Self.ensureTopic(&s, org) { s.topics[.family(f, org)]?.stage(change, now: now) }
                case .familyOrgOnly(let f, let org):
                    if Self.ensureTopic(&s, org) { s.topics[.family(f, org)]?.stage(change, now: now) }
                case .familyGlobal(let f):
                    s.topics[.familyGlobal(f)]?.stage(change, now: now)
                }
            }
        }
    }

    /// Creates the org's topics (`org:<id>` and `<family>:<id>` of every family) on first sight; false when the
    /// org is not declared.
    static func ensureTopic(_ s: inout State, _ org: OrgID) -> Bool {
        if s.topics[.org(org)] == nil {
            if let declared = s.declaredOrgs, !declared.contains(org) { return false }
            for topic in orgTopics(org) where s.topics[topic] == nil {
                s.topics[topic] = TopicState(topic: topic, epoch: s.epoch)
            }
        }
        return true
    }

    /// Delivers an alert now (alerts are not coalesced) to subscribers of `org:<org>` and `global`;
    /// org-less alerts (`config-rejected`, `restart-required`, `config-accepted`) go to every `admin` connection.
    /// Never suspends.
    ///
    /// Alerts are state, not a log: an org has at most one active alert, and a transition reaches each
    /// subscription once however many parts report it (the connector and the views both see a socket go
    /// stale) — the same kind again, or a recovery with nothing active, is not delivered. `upstream-recovered`
    /// clears the org's alert and `config-accepted` the refused reload; the active ones are replayed after
    /// every snapshot, and everything delivered is kept for admins (``alertLog()``). `token-renewal-failed` holds a
    /// second slot of the org (its sockets are up, so it says nothing of the connection): only `token-renewed` ends
    /// it, and `token-renewed` with nothing in force is not delivered.
    public func publish(alert: StreamAlert) {
        state.withLock { s in
            guard let org = alert.org else {
                switch alert.kind {
                case .configAccepted:
                    guard s.configAlert != nil else { return }
                    s.configAlert = nil
                default:
                    s.configAlert = alert
                }
                Self.record(&s, alert)
                let frame = HubFrame.alert(alert, topic: nil)
                for conn in s.connections.values where conn.principal.isAdmin { conn.push(.control(frame)) }
                return
            }
            switch alert.kind {
            case .tokenRenewalFailed:
                guard s.tokenAlerts[org] == nil else { return }
                s.tokenAlerts[org] = alert
            case .tokenRenewed:
                guard s.tokenAlerts[org] != nil else { return }
                s.tokenAlerts[org] = nil
            case .eventStreamCallbackMismatch:
                guard s.eventStreamAlerts[org] == nil else { return }
                s.eventStreamAlerts[org] = alert
            case .eventStreamCallbackMatched:
                guard s.eventStreamAlerts[org] != nil else { return }
                s.eventStreamAlerts[org] = nil
            case .upstreamRecovered:
                guard s.alerts[org] != nil else { return }
                s.alerts[org] = nil
            default:
                guard s.alerts[org]?.kind != alert.kind else { return }
                s.alerts[org] = alert
            }
            Self.record(&s, alert)
            for topic in [HubTopic.org(org), .global] {
                s.topics[topic]?.invalidateSnapshot()
                guard let subs = s.topics[topic]?.subscribers, !subs.isEmpty else { continue }
                let frame = HubFrame.alert(alert, topic: topic.description)
                for conn in subs.values { conn.push(.control(frame)) }
            }
        }
    }

    private static func record(_ s: inout State, _ alert: StreamAlert) {
        s.alertHistory.append(alert)
        while s.alertHistory.count > alertHistoryLimit { s.alertHistory.removeFirst() }
    }

    /// The alerts in force (per org at most one of the connection and one `token-renewal-failed`, plus a refused
    /// reload) and the recent ones delivered.
    public func alertLog() -> (active: [StreamAlert], history: [StreamAlert]) {
        state.withLock { s in
            (Self.activeAlerts(s, .global) + (s.configAlert.map { [$0] } ?? []), Array(s.alertHistory))
        }
    }

    // MARK: Flushing

    /// Flushes every `flushInterval` and checks every connection every ``watchdogTick`` until graceful
    /// shutdown or cancellation, and runs the connections' work (``perform(_:)``) as child tasks meanwhile. At
    /// graceful shutdown every stream is closed with `1000` (docs/protocol.md, "Close codes") and given
    /// `closeGrace` to answer.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.tick()
                await self.closeConnections()
                self.jobs.continuation.finish()
            }
            for await job in jobs.stream {
                group.addTask { await job() }
            }
        }
    }

    /// Runs `job` as a child task of the hub's ``run()`` (a stream connection's client messages: no task per
    /// connection waits for them). Dropped once the hub has stopped.
    func perform(_ job: @escaping @Sendable () async -> Void) {
        jobs.continuation.yield(job)
    }

    private func tick() async {
        let clock = ContinuousClock()
        var nextFlush = clock.now.advanced(by: configuration.flushInterval)
        var nextCheck = clock.now.advanced(by: watchdogTick)
        var nextPing = clock.now.advanced(by: configuration.pingInterval)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await Task.sleep(until: min(nextFlush, nextCheck), clock: clock) } catch { return }
            let now = clock.now
            if now >= nextFlush {
                flush()
                nextFlush = now.advanced(by: configuration.flushInterval)
            }
            if now >= nextCheck {
                checkConnections(now: now)
                nextCheck = now.advanced(by: watchdogTick)
            }
            if now >= nextPing {
                pingConnections()
                nextPing = now.advanced(by: configuration.pingInterval)
            }
        }
    }

    /// Sends every stream a close (`1000`, `shutdown`) and waits up to `closeGrace` for them to end; what is left
    /// then is closed.
    private func closeConnections() async {
        let conns = state.withLock { Array($0.connections.values) }
        guard !conns.isEmpty else { return }
        for conn in conns { conn.close(code: 1000, reason: "shutdown") }
        let deadline = ContinuousClock.now.advanced(by: closeGrace)
        while connectionCount > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for conn in state.withLock({ Array($0.connections.values) }) { conn.forceClose() }
    }

    /// Queues a WebSocket ping on every connection. The ping keeps idle connections' NAT and proxy state
    /// alive and gives TCP something to acknowledge: a peer that stops acknowledging for `pongTimeout`
    /// is closed by the kernel (`TCP_USER_TIMEOUT`, set at upgrade), and one that stops reading is closed
    /// by the write timeout. One pass for all connections replaces a ping task per connection.
    func pingConnections() {
        let conns = state.withLock { Array($0.connections.values) }
        for conn in conns { conn.push(.ping) }
    }

    /// The connections' watchdog: expired tokens end with `token-expired`, a write stuck longer than
    /// `writeTimeout` ends with `slow-consumer` and a forced close, and a connection whose close frame
    /// could not be delivered within `closeGrace` is force-closed.
    func checkConnections(now: ContinuousClock.Instant) {
        let conns = state.withLock { Array($0.connections.values) }
        let realNow = SystemClock.realNow()
        for conn in conns {
            switch conn.watchdogCheck(now: now, realNow: realNow, writeTimeout: writeTimeout, closeGrace: closeGrace) {
            case .none: continue
            case .expire:
                conn.terminate(code: "token-expired", closeCode: ClientConnection.CloseCode.policy,
                               message: "the token expired; reconnect with a fresh one (or send {\"op\":\"auth\"} before expiry)")
            case .writeTimeout:
                conn.terminate(code: "slow-consumer", closeCode: ClientConnection.CloseCode.tryAgainLater,
                               message: "a write took longer than \(writeTimeout.shortText)")
                conn.forceClose()
            case .forceClose:
                conn.forceClose()
            }
        }
    }

    /// Encodes one delta per topic with pending changes and pushes it to the subscribers.
    public func flush() {
        let at = clock.now()
        let now = ContinuousClock.now
        var evicted: [ClientConnection] = []
        let exported = state.withLock { s -> (@Sendable ([RemoteDelta]) -> Void, [RemoteDelta])? in
            let size = s.configuration.historySize, age = s.configuration.historyMaxAge
            let bytes = s.configuration.historyMaxBytes, paced = s.configuration.pacedBytesPerFlush
            var export: [RemoteDelta] = []
            for key in Array(s.topics.keys) {
                guard let delta = s.topics[key]?.flush(at: at, now: now, historySize: size, historyMaxAge: age,
                                                        historyMaxBytes: bytes, pacedBytes: paced),
                    let subs = s.topics[key]?.subscribers
                else { continue }
                if s.exportDeltas != nil, key.scopeOrg != nil { export.append(RemoteDelta(delta)) }
                metrics.deltaPublished(topic: delta.topic, changes: delta.changes.count)
                for conn in subs.values where !conn.push(.delta(delta)) { evicted.append(conn) }
            }
            for conn in evicted { Self.detachSubscriptions(&s, conn, metrics: metrics) }
            // What a flush leaves pending is paced changes only (everything else goes at once).
            var backlog = 0
            for t in s.topics.values { backlog += t.pending.count }
            metrics.pacedBacklog.set(to: Double(backlog))
            guard let sink = s.exportDeltas, !export.isEmpty else { return nil }
            return (sink, export)
        }
        if let (sink, deltas) = exported { sink(deltas) }
    }

    // MARK: Orgs and auth

    /// An org's topics: `org:<id>` and `<family>:<id>` of every family.
    static func orgTopics(_ org: OrgID) -> [HubTopic] {
        [.org(org)] + TopicFamily.all.map { .family($0, org) }
    }

    /// Declares the org topics (`org:<id>`, `<family>:<id>`; from the config). Topics of orgs no longer listed are dropped and
    /// their subscribers get `{"type":"unsubscribed","topic":…,"reason":"unknown-topic"}`.
    public func setOrgs(_ orgs: [OrgID]) {
        let declared = Set(orgs)
        state.withLock { s in
            s.declaredOrgs = declared
            for org in declared {
                for topic in Self.orgTopics(org) where s.topics[topic] == nil {
                    s.topics[topic] = TopicState(topic: topic, epoch: s.epoch)
                }
            }
            for (topic, t) in s.topics {
                guard let org = topic.scopeOrg, !declared.contains(org) else { continue }
                for conn in t.subscribers.values where conn.removeSubscription(topic) {
                    metrics.subscriptions(topic: t.name, delta: -1)
                    conn.push(.control(HubFrame.unsubscribed(topic: t.name, reason: "unknown-topic")))
                }
                s.topics[topic] = nil
                s.alerts[org] = nil
                s.tokenAlerts[org] = nil
                s.eventStreamAlerts[org] = nil
            }
            s.topics[.global]?.invalidateSnapshot()
        }
    }

    /// Installs new limits (flush interval, history, queue bound for new connections, …).
    public func updateConfiguration(_ configuration: ServerConfig) {
        state.withLock { $0.configuration = configuration }
        metrics.maxConnections.set(to: Double(configuration.maxConnections))
    }

    /// Installs a new auth config and re-checks every connection's credential: subscriptions the
    /// new scopes no longer cover end with `forbidden` + `unsubscribed`; a revoked credential closes
    /// the connection (`unauthorized`, close code 1008).
    public func updateAuth(_ auth: AuthConfig) async throws {
        try await authenticator.update(auth)
        let conns = state.withLock { Array($0.connections.values) }
        for conn in conns {
            switch await authenticator.authenticate(conn.token?.reveal()) {
            case .success(let principal): apply(principal: principal, token: conn.token, to: conn)
            case .failure(let failure):
                conn.terminate(code: failure.code, closeCode: ClientConnection.CloseCode.policy,
                               message: "the credential is no longer accepted by the configuration")
                state.withLock { Self.detachSubscriptions(&$0, conn, metrics: metrics) }
            }
        }
    }

    /// Replaces a connection's principal (in-band refresh or reload) and ends what it no longer covers.
    func apply(principal: HubPrincipal, token: Secret?, to conn: ClientConnection) {
        state.withLock { s in
            conn.setPrincipal(principal, token: token)
            for topic in conn.subscriptions where !principal.canRead(topic: topic) {
                s.topics[topic]?.subscribers[conn.id] = nil
                conn.removeSubscription(topic)
                metrics.subscriptions(topic: topic.description, delta: -1)
                conn.push(.control(HubFrame.error("forbidden", "the credential no longer covers \(topic)",
                                                  topic: topic.description)))
                conn.push(.control(HubFrame.unsubscribed(topic: topic.description, reason: "forbidden")))
            }
        }
    }

    // MARK: Connections

    /// Number of open stream connections.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Whether one more connection is allowed.
    var hasCapacity: Bool { state.withLock { $0.connections.count < $0.configuration.maxConnections } }

    /// Registers a connection; nil when `maxConnections` is reached.
    func connect(principal: HubPrincipal, token: Secret?, deflate: Bool = false, forceClose: @escaping @Sendable () -> Void)
        -> ClientConnection?
    {
        let conn: ClientConnection? = state.withLock { s in
            guard s.connections.count < s.configuration.maxConnections else { return nil }
            let conn = ClientConnection(id: s.nextConnectionID, principal: principal, token: token,
                                        queueLimit: s.configuration.clientQueueBytes, metrics: metrics,
                                        deflate: deflate, forceClose: forceClose)
            s.nextConnectionID += 1
            s.connections[conn.id] = conn
            return conn
        }
        if conn != nil { metrics.connections.increment() } else { metrics.rejectedConnections.increment() }
        return conn
    }

    /// Forgets a connection (idempotent).
    func disconnect(_ conn: ClientConnection) {
        let removed = state.withLock { s -> Bool in
            guard s.connections.removeValue(forKey: conn.id) != nil else { return false }
            Self.detachSubscriptions(&s, conn, metrics: metrics)
            return true
        }
        if removed { metrics.connections.decrement() }
        conn.finish()
    }

    static func detachSubscriptions(_ s: inout State, _ conn: ClientConnection, metrics: HubMetrics) {
        for topic in conn.subscriptions where s.topics[topic]?.subscribers.removeValue(forKey: conn.id) != nil {
            metrics.subscriptions(topic: topic.description, delta: -1)
        }
    }
}
