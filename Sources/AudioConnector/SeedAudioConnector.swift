import Audio
import Foundation
import Logging
import Metrics
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// The seed Audio Connector client of one `protocol: seed` org (docs/audio.md, "The seed Audio Connector"): it
/// owns the org's connections and feeds the speech analytics.
///
/// - A ``SeedConnectionPool`` of ``SeedConnectionStateMachine``s, one per planned connection: discovery over
///   REST with the org's token (``SeedAudioTransport``), a WebSocket to the discovered URI (only the URI's own
///   token; never an `Authorization` header), `subscribe` / `unsubscribe` / pings, every message fed back, ticks
///   at the deadlines, backoff.
/// - Per connection an ``OpusReassembler``; per org a ``SeedInteractionStateMachine`` (dedupe across
///   connections, metadata grace, pauses, lookups); per interaction an `OpusDecoder` (stereo, at the subscribed
///   rate; loss concealed for the last packet's duration, an invalid packet treated as lost, reset on a
///   discontinuity) and a `VoiceActivityAnalyzer` → ``SpeechEvent``s to the sink.
/// - Structured concurrency only: ``run()`` owns one task group (sockets, discoveries, lookups, the ticker); all
///   state lives in the loop that reads their events. Cancelling ``run()`` closes every socket and ends every
///   session (`disconnected`).
/// - Live filter changes (``apply(_:)``) re-plan the subscriptions without reconnecting.
/// - Logs name the region and redacted URIs, never a token.
public final class SeedAudioConnector: Sendable {
    public struct Configuration: Sendable {
        public var connection = SeedConnectionStateMachine.Configuration()
        public var reassembly = OpusReassembler.Configuration()
        public var interactions = SeedInteractionStateMachine.Configuration()
        public var analysis = VoiceActivityAnalyzer.Parameters()
        public var planner = SeedSubscriptionPlanner()
        /// How often the loop checks the machines' deadlines (they are met at most this late).
        public var tickInterval: Duration = .milliseconds(50)
        /// The largest message read from a connection (text over 64 KiB is refused by the decoder anyway).
        public var maxMessageBytes: Int = 64 << 10
        public init() {}
    }

    /// What `/readyz` shows of the org's audio.
    public struct Status: Sendable, Equatable {
        /// The media region of the latest discovery.
        public var region: String?
        /// Connections open now.
        public var connections: Int = 0
        /// Connections planned (subscriptions ÷ the server's limit).
        public var planned: Int = 0
        /// Speech sessions live now.
        public var sessions: Int = 0
        /// The code of the latest connection failure, until a connection opens again.
        public var lastFailure: String?
        public init() {}
    }

    /// What the loop is told.
    enum Event: Sendable {
        case discovered(connection: Int, SeedDiscovery?, failure: String?)
        case socketOpened(connection: Int, socket: Int)
        case socketFailed(connection: Int, socket: Int, reason: String)
        case socketClosed(connection: Int, socket: Int, code: Int?, reason: String?)
        case text(connection: Int, socket: Int, String)
        case binary(connection: Int, socket: Int, [UInt8])
        case pinged(connection: Int, socket: Int)
        case lookedUp(UUID, SeedInteractionStateMachine.Hints?)
        case reconfigure([SeedSubscription], sampleRate: Int)
        case tick
    }

    public let org: OrgID
    let configuration: Configuration
    let transport: SeedAudioTransport
    let sink: any SpeechEventSink
    /// Where decoded audio goes when it listens to the org (on-box keyword spotting); asked once per interaction.
    let tap: (any SpeechAudioTap)?
    /// Business time for the speech events (the views' clock).
    let clock: any WallClock
    let logger: Logger
    let metrics: SeedAudioMetrics
    let onRegion: @Sendable (String) async -> Void
    let initialSubscriptions: [SeedSubscription]
    let initialSampleRate: Int
    let events: AsyncStream<Event>
    let input: AsyncStream<Event>.Continuation
    private let state = Mutex(Status())
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - org: a `protocol: seed` org with `audio:` (``OrgConfig/seedAudio``); without it nothing is subscribed.
    ///   - transport: discovery and lookups with the org's token (``SeedAudioTransport/rest(_:)``).
    ///   - sink: the speech views.
    ///   - tap: where each interaction's decoded audio goes when it ``SpeechAudioTap/listens(to:)`` to the org.
    ///   - clock: business time for the events.
    ///   - onRegion: told each time discovery names another media region (the org card shows it).
    public init(org: OrgConfig, transport: SeedAudioTransport, sink: any SpeechEventSink,
                tap: (any SpeechAudioTap)? = nil, clock: any WallClock = SystemClock(),
                configuration: Configuration = .init(),
                metricsFactory: (any MetricsFactory)? = nil, logger: Logger? = nil,
                onRegion: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.org = org.id
        self.configuration = configuration
        self.transport = transport
        self.sink = sink
        self.tap = tap
        self.clock = clock
        self.logger = logger ?? Logger.switchboard("seed-audio", org: org.id)
        self.metrics = SeedAudioMetrics(org: org.id, factory: metricsFactory ?? MetricsSystem.factory)
        self.onRegion = onRegion
        initialSubscriptions = Self.subscriptions(for: org, planner: configuration.planner)
        initialSampleRate = org.seedAudio?.sampleRate ?? 16000
        (events, input) = AsyncStream.makeStream(of: Event.self)
        state.withLock { $0.planned = SeedSubscriptionPlanner.connections(
            for: initialSubscriptions, limit: configuration.connection.maxSubscriptionsPerConnection).count }
    }

    /// The subscriptions carrying an org's `audio:` filters: its `filters.queueIds`, else the queues it watches
    /// (`queues:`; one subscription without a queue filter when that is `all`).
    public static func subscriptions(for org: OrgConfig, planner: SeedSubscriptionPlanner = .init()) -> [SeedSubscription] {
        guard let audio = org.seedAudio else { return [] }
        let watched: [String]? = if case .ids(let ids) = org.queues { ids } else { nil }
        return planner.subscriptions(for: audio, watchedQueues: watched)
    }

    /// A reload changed the org's `audio:` filters or sample rate: the new plan is applied to the open connections
    /// (new subscriptions first, the old ones unsubscribed once the new are active), nothing reconnects.
    public func apply(_ org: OrgConfig) {
        input.yield(.reconfigure(Self.subscriptions(for: org, planner: configuration.planner),
                                 sampleRate: org.seedAudio?.sampleRate ?? 16000))
    }

    /// The org's audio now (region, connections, sessions), for `/readyz`.
    public var status: Status { state.withLock { $0 } }

    func updateStatus(_ body: (inout Status) -> Void) { state.withLock { body(&$0) } }

    /// Runs until cancelled: the connections, their sockets and the analysis. Call once.
    public func run() async {
        guard !started.exchange(true, ordering: .relaxed) else {
            logger.error("SeedAudioConnector.run() called twice; the second call returns at once")
            return
        }
        logger.info("seed audio connector starting", metadata: [
            "subscriptions": "\(initialSubscriptions.count)", "sampleRate": "\(initialSampleRate)"])
        let runner = SeedAudioRunner(connector: self)
        await withTaskGroup(of: Void.self) { group in
            let tick = configuration.tickInterval
            let input = self.input
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    input.yield(.tick)
                }
            }
            for spawn in runner.start() { group.addTask { await self.perform(spawn) } }
            for await event in events {
                for spawn in runner.handle(event) { group.addTask { await self.perform(spawn) } }
            }
            // Cancelled (org stopped or removed, shutdown): close the sockets, end the sessions.
            _ = runner.stop()
            input.finish()
            group.cancelAll()
        }
        updateStatus { $0 = Status() }
        metrics.connectionsOpen.record(0)
        metrics.interactionsActive.record(0)
        logger.info("seed audio connector stopped")
    }
}
