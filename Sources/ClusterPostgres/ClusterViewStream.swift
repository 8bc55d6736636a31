import Hub
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization
import SwitchboardCore

/// What the shared view stream reads from and writes to: the hub (``StreamHub`` in the bridge).
public protocol ViewStreamHub: Sendable {
    func publish(alert: StreamAlert)
    func applyRemote(_ deltas: [RemoteDelta]) -> [StreamHub.RemoteApplyResult]
    func applyRemote(states: [RemoteTopicState]) -> Int
    func exportStates(org: OrgID) -> [RemoteTopicState]
}

extension StreamHub: ViewStreamHub {}

/// The shared view stream between replicas (docs/scale-out.md, "Shared view stream"), on PostgreSQL.
///
/// - **Publishing.** The leader of an org hands over its org topics' deltas after each hub flush (``publish(_:)``,
///   never blocking the hub); one row per org and flush is inserted into `cluster_view_stream` — only while the
///   org's term in `cluster_leadership` is still the writer's (fencing: a stale leader's insert changes nothing and
///   the org is reported with `onFenced`) — and announced with `NOTIFY switchboard_views`. A state row (every
///   entity of the org's topics) follows each new term, every ``Options/stateInterval``, and any gap in the
///   deltas (after the database was unreachable); older rows of the org are deleted then.
/// - **Following.** Every replica `LISTEN`s, and on each notification (or every ``Options/pollInterval``) reads the
///   rows after its cursor of each org it does not lead, in id order, and applies them to its hub under the
///   leader's epoch and seq. A delta that does not follow (another epoch, a seq gap) makes it read the org's last
///   state row instead. Rows of an older term than one already seen are ignored.
///
/// Cursors are per org: ids come from one sequence but rows of different orgs may commit out of id order, while
/// one org's rows are written one after the other by its single leader.
public final class ClusterViewStream: Service, Sendable {
    public struct Options: Sendable {
        /// How often the leader writes a state row of each org it leads.
        public var stateInterval: Duration = .seconds(30)
        /// The read that runs even without a notification.
        public var pollInterval: Duration = .seconds(1)
        /// Deltas waiting while the database is unreachable, at most; past it they are dropped and a state row
        /// is written once it is back.
        public var maxQueued: Int = 20_000
        /// The wait before reconnecting.
        public var retryDelay: Duration = .seconds(1)
        /// A state row deletes the org's rows before the previous state row once they are this old, not sooner: a
        /// follower a little behind must still find the deltas before a checkpoint it passes by (with state rows
        /// close together, as in tests, the previous state row alone could be milliseconds old).
        public var rowRetention: Duration = .seconds(60)
        /// A leader whose replica heartbeat is older than this no longer leads: its orgs are shown stale here
        /// until another replica's rows arrive (`cluster.replicaTimeout`).
        public var replicaTimeout: Duration = .seconds(10)
        public init() {}
    }

    /// What `/readyz` and `/metrics` show.
    public struct Status: Sendable, Equatable {
        public var connected = false
        public var rowsPublished = 0
        public var rowsApplied = 0
        public var statesPublished = 0
        public var statesApplied = 0
        /// Inserts refused because the org had a newer term.
        public var fenced = 0
        /// Deltas dropped while the database was unreachable.
        public var dropped = 0
        public var lastError: String?
    }

    let connection: PostgresConnection.Configuration
    let hub: any ViewStreamHub
    let options: Options
    /// The term under which this replica leads an org now (nil: it does not).
    let term: @Sendable (OrgID) -> Int64?
    /// The orgs of the configuration in force (those not led here are followed).
    let orgs: @Sendable () -> [OrgID]
    let onFenced: @Sendable (OrgID) -> Void
    /// An org's part of the global totals from its leader (``RemoteStreamRecord/totals(_:)``).
    let onTotals: @Sendable (OrgID, [UInt8]) -> Void
    let logger: Logger
    private let outbox = Mutex(Outbox())
    /// Wakes the publisher of the current session (a stream per session: an `AsyncStream` ends with its iterator).
    private let wakeBox = Mutex<AsyncStream<Void>.Continuation?>(nil)
    private let statusBox = Mutex(Status())

    struct Outbox {
        var deltas: [RemoteDelta] = []
        var alerts: [StreamAlert] = []
        /// Per org, its latest part of the global totals not yet written.
        var totals: [OrgID: [UInt8]] = [:]
        /// Orgs whose next row must be a state row (a new term, a gap).
        var needState: Set<OrgID> = []
    }

    public init(connection: PostgresConnection.Configuration, hub: any ViewStreamHub, options: Options = .init(),
                orgs: @escaping @Sendable () -> [OrgID], term: @escaping @Sendable (OrgID) -> Int64?,
                onFenced: @escaping @Sendable (OrgID) -> Void = { _ in },
                onTotals: @escaping @Sendable (OrgID, [UInt8]) -> Void = { _, _ in },
                logger: Logger = Logger(label: "switchboard.cluster.stream")) {
        var connection = connection
        connection.options.additionalStartupParameters.append(("application_name", "switchboard-views"))
        self.connection = connection
        self.hub = hub
        self.options = options
        self.term = term
        self.orgs = orgs
        self.onFenced = onFenced
        self.onTotals = onTotals
        self.logger = logger
    }

    private func wake() { _ = wakeBox.withLock { $0 }?.yield() }

    public var status: Status { statusBox.withLock { $0 } }

    /// The led orgs' deltas of one flush (the hub's export closure). Never blocks.
    public func publish(_ deltas: [RemoteDelta]) {
        let dropped = outbox.withLock { o -> Int in
            o.deltas += deltas
            guard o.deltas.count > options.maxQueued else { return 0 }
            // Followers will see a gap and read the state row written once the database answers again.
            let n = o.deltas.count
            for d in o.deltas { if let org = Self.org(of: d.topic) { o.needState.insert(org) } }
            o.deltas.removeAll()
            return n
        }
        if dropped > 0 { statusBox.withLock { $0.dropped += dropped } }
        wake()
    }

    /// An alert of an org this replica leads (its connector raised it): every replica shows it.
    public func publish(alert: StreamAlert) {
        guard let org = alert.org, term(org) != nil else { return }
        outbox.withLock { $0.alerts.append(alert) }
        wake()
    }

    /// The latest part of the global totals of an org this replica leads (after each view refresh).
    public func publish(totals: [UInt8], of org: OrgID) {
        guard term(org) != nil else { return }
        outbox.withLock { $0.totals[org] = totals }
        wake()
    }

    /// This replica has just begun leading `org`: its state goes out first, before any delta of the new term.
    public func startedLeading(_ org: OrgID) {
        if let t = term(org) { started.withLock { $0[org] = t } }
        outbox.withLock { _ = $0.needState.insert(org) }
        wake()
    }

    static func org(of topic: String) -> OrgID? { HubTopic(parsing: topic)?.scopeOrg }

    // MARK: Service

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await self.session() }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                let text = String(reflecting: error)
                statusBox.withLock {
                    $0.connected = false
                    $0.lastError = text
                }
                logger.warning("view stream: database session ended; retrying", metadata: ["error": "\(text)"])
            }
            statusBox.withLock { $0.connected = false }
            markStale(orgs().filter { term($0) == nil },
                      why: "the cluster database is unreachable from this replica: the figures shown are the last received")
            // Whatever was in flight may be lost: every led org starts again with a state row.
            outbox.withLock { o in
                for d in o.deltas { if let org = Self.org(of: d.topic) { o.needState.insert(org) } }
                o.deltas.removeAll()
            }
            markAllLedNeedState()
            do { try await Task.sleep(for: options.retryDelay) } catch { break }
        }
    }

    /// Every org led here starts the next session with a state row (even one with no delta to send).
    private func markAllLedNeedState() {
        let led = orgs().filter { term($0) != nil }
        outbox.withLock { o in o.needState.formUnion(led) }
    }

    /// One session: a writer connection and a listening reader, until either fails.
    private func session() async throws {
        let writer = try await PostgresConnection.connect(configuration: connection, id: 1, logger: logger)
        let reader: PostgresConnection
        do {
            reader = try await PostgresConnection.connect(configuration: connection, id: 2, logger: logger)
        } catch {
            try? await writer.close()
            throw error
        }
        do {
            try await run(writer: writer, reader: reader)
        } catch {
            try? await writer.close()
            try? await reader.close()
            throw error
        }
        try? await writer.close()
        try? await reader.close()
    }

    private func run(writer: PostgresConnection, reader: PostgresConnection) async throws {
        try await writer.query("BEGIN", logger: logger)
        try await writer.query("SELECT pg_advisory_xact_lock(\(LeadershipSQL.schemaLockKey))", logger: logger)
        // The leadership tables too: the follower reads them, and this session may open before the driver's.
        try await writer.query(PostgresQuery(unsafeSQL: LeadershipSQL.createLeadership), logger: logger)
        try await writer.query(PostgresQuery(unsafeSQL: LeadershipSQL.createReplicas), logger: logger)
        try await writer.query(PostgresQuery(unsafeSQL: ViewStreamSQL.create), logger: logger)
        try await writer.query(PostgresQuery(unsafeSQL: ViewStreamSQL.createIndex), logger: logger)
        try await writer.query(PostgresQuery(unsafeSQL: ViewStreamSQL.createOrgIndex), logger: logger)
        try await writer.query(PostgresQuery(unsafeSQL: ViewStreamSQL.bodyStorage), logger: logger)
        try await writer.query("COMMIT", logger: logger)
        statusBox.withLock {
            $0.connected = true
            $0.lastError = nil
        }
        logger.info("view stream: connected")
        let (notified, notify) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.publishLoop(writer) }
            // State rows come due without a wake-up too.
            group.addTask {
                while true {
                    try await Task.sleep(for: self.options.stateInterval)
                    self.wake()
                }
            }
            group.addTask {
                try await reader.listen(on: ViewStreamSQL.channel) { notifications in
                    notify.yield()  // read once at start, after LISTEN is in force
                    let poll = self.options.pollInterval
                    try await withThrowingTaskGroup(of: Void.self) { inner in
                        inner.addTask { for try await _ in notifications { notify.yield() } }
                        inner.addTask {
                            while true {
                                try await Task.sleep(for: poll)
                                notify.yield()
                            }
                        }
                        inner.addTask { try await ViewStreamFollower(stream: self, connection: reader).run(notified) }
                        try await inner.next()
                        inner.cancelAll()
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    // MARK: Publishing

    private func publishLoop(_ c: PostgresConnection) async throws {
        var lastState: [OrgID: (term: Int64, at: ContinuousClock.Instant, id: Int64)] = [:]
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wakeBox.withLock { $0 = wake }
        defer { wakeBox.withLock { $0 = nil } }
        var iterator = wakes.makeAsyncIterator()
        wake.yield()
        while true {
            let (deltas, needState, alerts, totals) = outbox.withLock { o in
                defer {
                    o.deltas.removeAll(keepingCapacity: true)
                    o.needState.removeAll()
                    o.alerts.removeAll()
                    o.totals.removeAll()
                }
                return (o.deltas, o.needState, o.alerts, o.totals)
            }
            var byOrg: [OrgID: [RemoteDelta]] = [:]
            var order: [OrgID] = []
            for d in deltas {
                guard let org = Self.org(of: d.topic) else { continue }
                if byOrg[org] == nil { order.append(org) }
                byOrg[org, default: []].append(d)
            }
            let now = ContinuousClock.now
            var orgs = Set(order).union(needState)
            for (org, s) in lastState where now - s.at >= options.stateInterval { orgs.insert(org) }
            for org in orgs.sorted() {
                guard let term = term(org) else {
                    lastState[org] = nil
                    continue
                }
                let fresh = needState.contains(org) || lastState[org]?.term != term
                let periodic = !fresh && now - (lastState[org]?.at ?? now) >= options.stateInterval
                if periodic, let ds = byOrg[org], !ds.isEmpty {
                    // A periodic state row is a checkpoint for followers that join or fall behind, not a reason for
                    // the others to start over: the pass's deltas go first, so a follower that is keeping up
                    // applies them and passes the state by (ViewStreamFollower).
                    if try await insert(c, org: org, term: term, kind: ViewStreamSQL.Kind.deltas, body: RemoteStreamRecord.deltas(ds).encode()) != nil {
                        statusBox.withLock { $0.rowsPublished += 1 }
                    }
                }
                if fresh || periodic {
                    // The state is read after the deltas of this pass were flushed, so it covers them (a new term or
                    // a gap: they are not written, the followers start from the state).
                    // A fresh state stands for deltas no row carries (a new term, this session's first pass after
                    // one that may have lost some, deltas dropped while the database was away): every follower must
                    // apply it, also one that is keeping up with this term — a checkpoint it would pass by, and sit
                    // behind until the next delta that does not follow (a quiet org: minutes).
                    let states = hub.exportStates(org: org)
                    guard let id = try await insert(c, org: org, term: term,
                                                    kind: fresh ? ViewStreamSQL.Kind.restart : ViewStreamSQL.Kind.checkpoint,
                                                    body: RemoteStreamRecord.states(states).encode()) else { continue }
                    if let previous = lastState[org]?.id {
                        let keep = Double(options.rowRetention.milliseconds) / 1000
                        try await c.query("""
                            DELETE FROM cluster_view_stream WHERE org = \(org.rawValue) AND id < \(previous)
                                AND written_at < now() - make_interval(secs => \(keep))
                            """, logger: logger)
                    }
                    lastState[org] = (term, now, id)
                    statusBox.withLock { $0.statesPublished += 1 }
                    continue
                }
                guard let ds = byOrg[org], !ds.isEmpty else { continue }
                if try await insert(c, org: org, term: term, kind: ViewStreamSQL.Kind.deltas, body: RemoteStreamRecord.deltas(ds).encode()) != nil {
                    statusBox.withLock { $0.rowsPublished += 1 }
                }
            }
            for (org, bytes) in totals.sorted(by: { $0.key < $1.key }) {
                guard let term = term(org) else { continue }
                _ = try await insert(c, org: org, term: term, kind: ViewStreamSQL.Kind.totals, body: RemoteStreamRecord.totals(bytes).encode())
            }
            var alertsByOrg: [OrgID: [StreamAlert]] = [:]
            for a in alerts { if let org = a.org { alertsByOrg[org, default: []].append(a) } }
            for (org, list) in alertsByOrg.sorted(by: { $0.key < $1.key }) {
                guard let term = term(org) else { continue }
                _ = try await insert(c, org: org, term: term, kind: ViewStreamSQL.Kind.alerts, body: RemoteStreamRecord.alerts(list).encode())
            }
            guard await iterator.next() != nil else { return }
        }
    }

    /// Inserts one row under the fencing condition and announces it; nil when the term was no longer the org's.
    private func insert(_ c: PostgresConnection, org: OrgID, term: Int64, kind: Int16, body: [UInt8]) async throws -> Int64? {
        let rows = try await c.query("""
            WITH row AS (
                INSERT INTO cluster_view_stream (org, term, kind, body)
                SELECT \(org.rawValue), \(term), \(kind), \(ByteBuffer(bytes: body))
                WHERE (SELECT term FROM cluster_leadership WHERE org = \(org.rawValue)) = \(term)
                RETURNING id)
            SELECT id, pg_notify(\(ViewStreamSQL.channel), \(org.rawValue)) FROM row
            """, logger: logger)
        for try await (id, _) in rows.decode((Int64, String).self) { return id }
        statusBox.withLock { $0.fenced += 1 }
        logger.error("view stream: a newer term leads the org; this replica's write was refused",
                     metadata: ["org": "\(org)", "term": "\(term)"])
        onFenced(org)
        return nil
    }

    /// Per org led here: the term whose views were ready and published (``startedLeading(_:)``); while its term is
    /// newer, the org is still being prepared.
    private let started = Mutex<[OrgID: Int64]>([:])

    /// Whether `org` is led here and published under its current term.
    func publishing(_ org: OrgID) -> Bool {
        guard let t = term(org) else { return false }
        return started.withLock { $0[org] } == t
    }

    /// Orgs shown stale here because no replica is heard leading them (or the database is unreachable).
    private let staleShown = Mutex<Set<OrgID>>([])

    /// Shows `orgs` stale on this replica's clients (once each, until ``markLed(_:)``).
    func markStale(_ orgs: [OrgID], why: String) {
        let fresh = staleShown.withLock { shown in orgs.filter { shown.insert($0).inserted } }
        for org in fresh {
            hub.publish(alert: StreamAlert(kind: .upstreamStale, org: org, since: SystemClock.realNow(),
                                           message: "\(org): \(why)"))
        }
    }

    /// `org` has a live leader again (or is led here): ends a stale shown by ``markStale(_:why:)``.
    func markLed(_ org: OrgID) {
        guard staleShown.withLock({ $0.remove(org) != nil }) else { return }
        hub.publish(alert: StreamAlert(kind: .upstreamRecovered, org: org, since: SystemClock.realNow(),
                                       message: "\(org): a replica leads it again"))
    }

    /// The org's leader has shown it stale itself (a take-over: its connector is starting): that stale stands in
    /// for one shown here, and the leader's own `upstream-recovered` ends it — ``markLed(_:)`` will not say it
    /// recovered before the org is open.
    public func supersedeStale(_ org: OrgID) {
        staleShown.withLock { _ = $0.remove(org) }
    }

    func recordApplied(rows: Int, states: Int) {
        statusBox.withLock {
            $0.rowsApplied += rows
            $0.statesApplied += states
        }
    }
}
