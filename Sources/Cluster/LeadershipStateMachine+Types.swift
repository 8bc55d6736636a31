import SwitchboardConfig
import SwitchboardCore

extension LeadershipStateMachine {
    /// What the machine needs to know about its replica and the cluster's timings.
    public struct Configuration: Sendable {
        /// This replica's name (``ClusterConfig/replica``).
        public var replica: String
        /// A replica whose last heartbeat is older than this counts as gone.
        public var replicaTimeout: Duration
        /// The wait before each reopening of the session (``sessionBackoff(random:)``).
        public var backoff: Backoff

        public init(replica: String, replicaTimeout: Duration = ClusterConfig.defaultReplicaTimeout,
                    backoff: Backoff = LeadershipStateMachine.sessionBackoff()) {
            self.replica = replica
            self.replicaTimeout = replicaTimeout
            self.backoff = backoff
        }

        /// From the `cluster:` section.
        public init(_ config: ClusterConfig, backoff: Backoff = LeadershipStateMachine.sessionBackoff()) {
            self.init(replica: config.replica, replicaTimeout: config.replicaTimeout, backoff: backoff)
        }
    }

    /// The wait before reopening the database session: 1 s doubling to 30 s, each delay shortened by up to 25 % at
    /// random (replicas that lost the database together do not return together, and the cap is never exceeded),
    /// reset once a session has stayed open 30 s.
    public static func sessionBackoff(random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) -> Backoff {
        Backoff(initial: .seconds(1), cap: .seconds(30), jitter: 0.25, direction: .shorten, resetAfter: .seconds(30),
                random: random)
    }

    /// What the owner must do, in the order given. Each operation on the database reports back through the
    /// matching event; the results of an operation issued on a session that has since been reported lost
    /// (``LeadershipStateMachine/sessionLost(reason:now:)``) must be dropped, not reported.
    public enum Action: Sendable, Hashable {
        /// Wait this long, then open the dedicated database session; report ``LeadershipStateMachine/sessionOpened(now:)``
        /// or, when it fails, ``LeadershipStateMachine/sessionLost(reason:now:)``.
        case openSession(after: Duration)
        /// Write this replica's heartbeat (`cluster_replicas`, which also clears a `gone` mark). A failure means the
        /// session is lost.
        case heartbeat
        /// Read the replicas not marked gone and their last heartbeats; report
        /// ``LeadershipStateMachine/replicasSeen(_:now:)``.
        case readReplicas
        /// `pg_try_advisory_lock` on the org's key and, when granted, increment its term; report
        /// ``LeadershipStateMachine/lockResult(_:acquired:term:)``.
        case tryLock(OrgID)
        /// Start the org's connector; everything it writes carries `term` (``FencingToken``).
        case startConnector(OrgID, term: Int64)
        /// Stop the org's connector at once; it publishes nothing more. Report
        /// ``LeadershipStateMachine/connectorStopped(_:)``.
        case stopConnector(OrgID)
        /// `pg_advisory_unlock` on the org's key; report ``LeadershipStateMachine/unlockDone(_:)``.
        case unlock(OrgID)
        /// Mark this replica gone in `cluster_replicas`, so the others take its orgs at their next check.
        case markGone
        /// Shutdown complete: close the session (if open) and return.
        case finished
    }

    /// What `/readyz` and `/metrics` show.
    public struct Status: Sendable, Equatable {
        public var replica: String
        /// The dedicated session is open.
        public var sessionOpen: Bool
        /// Live replicas at the last read, this one included; 0 before the first read of the session.
        public var liveReplicas: Int
        /// The most orgs this replica leads: ⌈orgs / live replicas⌉; 0 before the first read.
        public var share: Int
        /// Orgs whose connector this replica runs, with the term it runs under.
        public var leading: [OrgID: Int64]
        /// Shutdown has begun.
        public var shuttingDown: Bool
        /// Failed or short sessions since the last stable one.
        public var sessionFailures: Int
    }

    // MARK: - State

    enum Session: Sendable, Equatable {
        /// Not started yet, or finished.
        case closed
        /// ``Action/openSession(after:)`` was issued.
        case opening
        case open(since: EpochMillis)
    }

    enum Lock: Sendable, Equatable {
        case none
        case trying
        case held(term: Int64)
        case unlocking
    }

    enum Connector: Sendable, Equatable {
        case stopped
        case running(term: Int64)
        case stopping
    }

    /// One org's lock and connector on this replica.
    struct Slot: Sendable, Equatable {
        var lock: Lock = .none
        var connector: Connector = .stopped
        /// Being given up (over the share, removed, shutdown): unlock once the connector has stopped.
        var releasing = false

        var isIdle: Bool { lock == .none && connector == .stopped }
        var isHeld: Bool { if case .held = lock { true } else { false } }
        var runningTerm: Int64? { if case .running(let t) = connector { t } else { nil } }
    }
}
