import GenesysAPI
import Journeys
import Normalizer
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// A value shared between tasks behind a lock.
final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { mutex.withLock { $0 } }
}

/// Hooks for metrics (the lead feeds Prometheus from these). Every method has a no-op default.
public protocol ConnectorObserver: Sendable {
    /// A data message was normalised into `events` events.
    func upstreamEvent(org: OrgID, topic: TopicKind, events: Int)
    /// The org's connector status changed.
    func connectorStatus(_ status: ConnectorStatus)
    /// A frame could not be understood.
    func malformedFrame(org: OrgID, kind: String)
    /// A socket session ended and the connector will reconnect.
    func reconnecting(org: OrgID, reason: String)
    /// A REST re-sync finished (`ok` false when it failed).
    func resync(org: OrgID, ok: Bool)
    /// A REST-polled feed (`utilization`, `quality`) finished a poll (`ok` false when it failed).
    func poll(org: OrgID, feed: String, ok: Bool)
    /// The org's transcription topics changed (placed, waiting, budget; docs/speech-text.md).
    func transcriptionTopics(org: OrgID, status: TranscriptionTopicStateMachine.Status)
    /// A token request of the org failed (`failed` true: one more failure; the org's renewal is failing) or a
    /// token was issued (`failed` false: renewal works).
    func tokenRequest(org: OrgID, failed: Bool)
    /// A REST response of the org arrived (`status` nil: no answer, a transport failure), with the share of the
    /// rate-limit budget left when its headers said (each attempt of a retried request counts).
    func restResponse(org: OrgID, status: Int?, budgetRemaining: Double?)
    /// How far behind the platform the org's socket readers are, in real seconds (0 when they have read everything
    /// sent; ``UpstreamLag``). Told at every session tick.
    func upstreamLag(org: OrgID, seconds: Double)
}

extension ConnectorObserver {
    public func upstreamEvent(org: OrgID, topic: TopicKind, events: Int) {}
    public func connectorStatus(_ status: ConnectorStatus) {}
    public func malformedFrame(org: OrgID, kind: String) {}
    public func reconnecting(org: OrgID, reason: String) {}
    public func resync(org: OrgID, ok: Bool) {}
    public func poll(org: OrgID, feed: String, ok: Bool) {}
    public func transcriptionTopics(org: OrgID, status: TranscriptionTopicStateMachine.Status) {}
    public func tokenRequest(org: OrgID, failed: Bool) {}
    public func restResponse(org: OrgID, status: Int?, budgetRemaining: Double?) {}
    public func upstreamLag(org: OrgID, seconds: Double) {}
}

/// An observer that ignores everything.
public struct NoConnectorObserver: ConnectorObserver {
    public init() {}
}

/// One socket's life, judged by its own ``Watchdog``.
struct SocketLife: Sendable {
    /// When its reader last read a frame or finished handing one to the views.
    var lastActivity: ContinuousClock.Instant
    /// Frames its reader is handing to the views right now. While one is, the socket is not read, so the watchdog
    /// counts it as activity: a stall of our own (the views busy) is not a dead upstream.
    var delivering = 0

    /// A frame was read and is being handed on (one dictionary access per side of a frame on the reader's path).
    mutating func handing(at now: ContinuousClock.Instant) {
        lastActivity = now
        delivering += 1
    }

    /// The frame was handed on.
    mutating func handed(at now: ContinuousClock.Instant) {
        lastActivity = now
        delivering -= 1
    }
}

/// The connector's live bookkeeping, read by /readyz through the supervisor.
final class ConnectorState: Sendable {
    struct Values: Sendable {
        var status: ConnectorStatus
        /// Each open socket's life, by channel id, for its own watchdog (one silent socket of several is a ghost too).
        var sockets: [String: SocketLife] = [:]
        /// The youngest age (platform time once the views took the frame − the newest time of its status changes)
        /// of the frames the socket readers handed on since the session's last tick; nil when none did
        /// (``UpstreamLag``).
        var handedAgeMs: Int64?
        var malformed = MalformedCounter()
        var channelIDs: [String] = []
        /// The watched users (platform ids) as of the latest re-sync; nil before the first.
        var users: [String]?
        /// The watched queues (platform ids) as of the latest re-sync; nil before the first.
        var queues: [String]?
        /// The org's REST client while the connector runs (drill-down queries go through it).
        var rest: GenesysRESTClient?
        /// What the last complete users details (history) query covered; nil before the first.
        var historySync: HistorySync?
        /// A restart's stored totals (``WarmStart``), kept for the first session: its re-sync after the socket
        /// opens needs no aggregates either.
        var warmStart: WarmStart?
        /// The users whose totals of today the views hold from a users aggregates query or a restart's store
        /// (``BaselineSync``); nil before the first.
        var baselined: BaselineSync?
        /// The status (and its detail) in force before the token lifecycle set `disconnected` for want of a usable
        /// token; restored when a token is issued again unless the connection loop reported since.
        var tokenHold: (status: OrgStatus, detail: String?)?
    }
    let box: LockedBox<Values>
    /// Fired by `v2.quality.evaluations` events; taken by the quality poller.
    let qualityTrigger = QualityTrigger()
    /// The transcription topics (docs/speech-text.md).
    let transcription: TranscriptionTopics
    /// Holds the sockets' events while a session's re-sync runs (``ResyncGate``); its own lock, so the socket
    /// readers do not copy the other values to ask it.
    let gate = LockedBox(ResyncGate<BridgeEvent>())
    init(org: OrgID, at: EpochMillis, transcription: TranscriptionTopics) {
        box = LockedBox(Values(status: ConnectorStatus(org: org, status: .connecting, at: at, detail: "starting")))
        self.transcription = transcription
    }
    var status: ConnectorStatus { box.value.status }
}

/// The agents whose totals of the local day starting at `dayStart` the views hold as a baseline (users aggregates
/// or a restart's store). A later re-sync whose history query reaches back to the previous one's leaves them out
/// of its aggregates query: the views' totals are that baseline plus every change since, and the history query
/// brought the gap's changes (docs/connector.md, "No new baselines after a short gap").
struct BaselineSync: Sendable, Equatable {
    var dayStart: EpochMillis
    var users: Set<String>

    /// Records that `users` have a baseline of `dayStart` (a new day forgets the previous day's).
    mutating func add(_ users: some Sequence<String>, dayStart: EpochMillis) {
        if dayStart != self.dayStart {
            self.dayStart = dayStart
            self.users = []
        }
        self.users.formUnion(users)
    }
}

/// What a restart's store holds for one org: today's totals of `users` up to `asOf` (docs/store.md).
public struct WarmStart: Sendable, Equatable {
    /// Local midnight of the day the totals belong to.
    public var dayStart: EpochMillis
    public var asOf: EpochMillis
    /// Platform ids of the agents with stored totals.
    public var users: Set<String>
    public init(dayStart: EpochMillis, asOf: EpochMillis, users: Set<String>) {
        self.dayStart = dayStart
        self.asOf = asOf
        self.users = users
    }
}

/// What a restart's store holds of an org's utilization today (docs/store.md, "Restart"): the intervals
/// per agent and per queue rollup (platform ids) as last polled at `asOf`.
public struct UtilizationSeed: Sendable, Equatable {
    /// Local midnight of the day.
    public var dayStart: EpochMillis
    /// The latest poll the stored intervals come from.
    public var asOf: EpochMillis
    public var agents: [String: [UtilizationInterval]]
    public var queues: [String: [UtilizationInterval]]
    public init(dayStart: EpochMillis, asOf: EpochMillis, agents: [String: [UtilizationInterval]],
                queues: [String: [UtilizationInterval]]) {
        self.dayStart = dayStart
        self.asOf = asOf
        self.agents = agents
        self.queues = queues
    }
}

/// What a `protocol: seed` org's Audio Connector client gets from its connector (``OrgConnector/Options/seedAudio``).
public struct SeedAudioContext: Sendable {
    /// The org's configuration as the connector started with it (live filter changes arrive apart).
    public let org: OrgConfig
    /// The org's REST client: discovery and conversation lookups share the connector's token lifecycle.
    public let rest: GenesysRESTClient
    /// Records the org's media region on its status (org card, `/readyz`).
    public let reportRegion: @Sendable (String) async -> Void

    public init(org: OrgConfig, rest: GenesysRESTClient, reportRegion: @escaping @Sendable (String) async -> Void) {
        self.org = org
        self.rest = rest
        self.reportRegion = reportRegion
    }
}

/// What a `protocol: seed` org's journey event stream client gets from its connector
/// (``OrgConnector/Options/seedEventStream``; docs/journeys.md, "The seed's event stream").
public struct SeedEventStreamContext: Sendable {
    /// The org's configuration as the connector started with it (an org with `journeys:`).
    public let org: OrgConfig
    /// The org's REST client: subscriptions and the socket's token share the connector's token lifecycle.
    public let rest: GenesysRESTClient
    /// Where the mapped events go (the journey views).
    public let journeys: any JourneyEventSink
    /// Sets (or clears, nil) the org's `eventstream` problem (org card, `/readyz`).
    public let reportProblem: @Sendable (String?) async -> Void
    /// Sends an alert of the org (the callback mismatch and its end).
    public let alert: @Sendable (StreamAlert.Kind, String) -> Void

    public init(org: OrgConfig, rest: GenesysRESTClient, journeys: any JourneyEventSink,
                reportProblem: @escaping @Sendable (String?) async -> Void,
                alert: @escaping @Sendable (StreamAlert.Kind, String) -> Void) {
        self.org = org
        self.rest = rest
        self.journeys = journeys
        self.reportProblem = reportProblem
        self.alert = alert
    }
}
