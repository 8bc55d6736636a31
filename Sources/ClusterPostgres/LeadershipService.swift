import Cluster
import Logging
import PostgresNIO
import PostgresStore
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// Runs the ``LeadershipStateMachine`` against PostgreSQL (docs/scale-out.md, "The PostgreSQL driver"): one
/// dedicated `PostgresConnection` (not a pool: the session-level advisory locks live on that session), a tick
/// every `leaseCheck`, the machine's actions executed in order and their results fed back.
///
/// - Every query on the session is bounded by ``Options/queryTimeout``; a failure or a timeout closes the
///   connection and reports the session lost (every connector is then stopped at once).
/// - The connection's end (the server restarted, the backend was terminated) is noticed as it happens, not at
///   the next query.
/// - Operations queued on a session already reported lost are dropped, neither run nor reported.
/// - Heartbeats are on the clock of `now`: the database says how old each heartbeat is (`now() - heartbeat`,
///   its own clock), and that age is subtracted from `now`.
/// - Graceful shutdown: the machine's `shutdown` (stop every connector, unlock, mark gone), waiting at most
///   ``Options/shutdownTimeout`` for the owner to report the connectors stopped; the session is closed then
///   (which releases any lock still held).
///
/// The owner starts and stops connectors through the closures given at init, and reports each stop with
/// ``connectorStopped(_:)``.
public final class LeadershipService: Service, Sendable {
    public struct Options: Sendable {
        public var replica: String
        public var leaseCheck: Duration
        public var replicaTimeout: Duration
        /// The bound on every query of the session (and on opening it, table creation included). Default: half of
        /// what `replicaTimeout` leaves after one `leaseCheck`, at least one `leaseCheck` and 1 s — 4 s with the
        /// defaults (2 s, 10 s), 1.25 s at 500 ms / 3 s: a stalled session is found well before the other replicas
        /// count this one gone, and a busy machine's slow answer does not hand its orgs over.
        public var queryTimeout: Duration
        /// How long a graceful shutdown waits for the connectors to stop and the locks to be released.
        public var shutdownTimeout: Duration
        /// The wait before each reopening of the session.
        public var backoff: Backoff

        public init(replica: String, leaseCheck: Duration = ClusterConfig.defaultLeaseCheck,
                    replicaTimeout: Duration = ClusterConfig.defaultReplicaTimeout, queryTimeout: Duration? = nil,
                    shutdownTimeout: Duration = .seconds(10), backoff: Backoff = LeadershipStateMachine.sessionBackoff()) {
            self.replica = replica
            self.leaseCheck = leaseCheck
            self.replicaTimeout = replicaTimeout
            self.queryTimeout = queryTimeout ?? Self.defaultQueryTimeout(leaseCheck: leaseCheck, replicaTimeout: replicaTimeout)
            self.shutdownTimeout = shutdownTimeout
            self.backoff = backoff
        }

        static func defaultQueryTimeout(leaseCheck: Duration, replicaTimeout: Duration) -> Duration {
            max(leaseCheck, .seconds(1), (replicaTimeout - leaseCheck) / 2)
        }

        /// From the `cluster:` section.
        public init(_ config: ClusterConfig) {
            self.init(replica: config.replica, leaseCheck: config.leaseCheck, replicaTimeout: config.replicaTimeout)
        }
    }

    /// Starts an org's connector for a term; everything it writes carries that term.
    public typealias StartConnector = @Sendable (OrgID, Int64) -> Void
    /// Stops an org's connector at once; report the stop with ``connectorStopped(_:)``.
    public typealias StopConnector = @Sendable (OrgID) -> Void

    enum Event: Sendable {
        case tick
        case opened(attempt: Int, PostgresConnection)
        case openFailed(attempt: Int, reason: String)
        case closed(attempt: Int)
        case connectorStopped(OrgID)
        case orgs(Set<OrgID>)
        case shutdown
        case shutdownDeadline
    }

    public let options: Options
    /// `application_name` of the session: `switchboard-leader-<replica>` (to find it in `pg_stat_activity`).
    public var applicationName: String { "switchboard-leader-\(options.replica)" }
    let connection: PostgresConnection.Configuration
    let startConnector: StartConnector
    let stopConnector: StopConnector
    let logger: Logger
    let now: @Sendable () -> EpochMillis
    let sleep: @Sendable (Duration) async throws -> Void
    let initialOrgs: Set<OrgID>
    let events: AsyncStream<Event>
    let input: AsyncStream<Event>.Continuation
    private let statusBox: Mutex<LeadershipStateMachine.Status>

    /// - Parameters:
    ///   - connection: the dedicated session's configuration (its `application_name` is set here).
    ///   - orgs: the orgs in force at start (``orgsConfigured(_:)`` after a reload).
    ///   - now: wall-clock epoch milliseconds.
    ///   - sleep: the wait of the ticks and of the session's backoff.
    public init(connection: PostgresConnection.Configuration, options: Options, orgs: Set<OrgID>,
                startConnector: @escaping StartConnector, stopConnector: @escaping StopConnector,
                logger: Logger = Logger(label: "switchboard.cluster"),
                now: @escaping @Sendable () -> EpochMillis = { SystemClock.realNow() },
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        var connection = connection
        connection.options.additionalStartupParameters.append(("application_name", "switchboard-leader-\(options.replica)"))
        connection.options.connectTimeout = .milliseconds(Int64(options.queryTimeout.milliseconds))
        self.connection = connection
        self.options = options
        self.initialOrgs = orgs
        self.startConnector = startConnector
        self.stopConnector = stopConnector
        var logger = logger
        logger[metadataKey: "replica"] = "\(options.replica)"
        self.logger = logger
        self.now = now
        self.sleep = sleep
        (events, input) = AsyncStream.makeStream(of: Event.self)
        let machine = LeadershipStateMachine(.init(replica: options.replica, replicaTimeout: options.replicaTimeout,
                                                   backoff: options.backoff))
        statusBox = Mutex(machine.status)
    }

    /// From the `cluster:` section: TCP to its database, TLS as its `sslmode` says.
    public convenience init(config: ClusterConfig, orgs: Set<OrgID>, startConnector: @escaping StartConnector,
                            stopConnector: @escaping StopConnector,
                            logger: Logger = Logger(label: "switchboard.cluster")) throws {
        self.init(connection: try Self.connectionConfiguration(config.database), options: Options(config), orgs: orgs,
                  startConnector: startConnector, stopConnector: stopConnector, logger: logger)
    }

    /// The leadership session's configuration from `cluster.database`, built as the store's connections are
    /// (``PostgresURL/connectionConfiguration()``), so `sslmode` means the same on every connection of a replica.
    public static func connectionConfiguration(_ database: ClusterDatabase) throws -> PostgresConnection.Configuration {
        try PostgresURL(database).connectionConfiguration()
    }

    // MARK: Owner's inputs

    /// What `/readyz` and `/metrics` show.
    public var status: LeadershipStateMachine.Status { statusBox.withLock { $0 } }

    /// The connector of `org` has stopped (after the stop closure was called for it).
    public func connectorStopped(_ org: OrgID) { input.yield(.connectorStopped(org)) }

    /// The orgs of the configuration in force, after a reload.
    public func orgsConfigured(_ orgs: Set<OrgID>) { input.yield(.orgs(orgs)) }

    /// Begins the graceful shutdown (as a graceful shutdown of the service group does); ``run()`` returns once
    /// it is done.
    public func shutdown() { input.yield(.shutdown) }

    // MARK: Service

    public func run() async throws {
        let input = self.input
        await withGracefulShutdownHandler {
            await LeadershipLoop(service: self).run()
        } onGracefulShutdown: {
            input.yield(.shutdown)
        }
    }

    func publish(_ status: LeadershipStateMachine.Status) { statusBox.withLock { $0 = status } }
}
