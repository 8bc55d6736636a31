import Foundation
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// The speech views (docs/speech.md): AudioHook sessions joined to the conversations the connectors
/// know, rolled up per agent, queue and org over each org's local day, published on `speech:<org>` and
/// `speech:global`.
///
/// Neither input waits: ``ingest(speech:)`` (the audio path) and ``observe(org:events:)`` (the
/// connectors, through ``SpeechTap``) stage what they get under a lock and return. ``flush()`` — every
/// `tick` while the engine runs as a `Service` — folds what was staged, in arrival order, moves time
/// (grace, linger, purge, midnight), encodes each changed entity once and publishes the batch.
///
/// ```swift
/// let speech = SpeechViewEngine(configuration: config, clock: clock, sink: hub)
/// let sink = SpeechTap(views: views, speech: speech)   // the connectors' sink
/// // audio sessions report to `speech` (SpeechEventSink); services += [speech]
/// ```
public actor SpeechViewEngine: SpeechEventSink, BridgeEventObserver, Service {
    /// What the inputs stage for the next flush, in arrival order.
    enum Staged: Sendable {
        case speech(SpeechEvent)
        case interaction(OrgID, AgentInteraction)
    }

    /// Staged items at most between two flushes; beyond, `progress` reports are dropped (the next one
    /// carries the same cumulative figures), never an `opened`, `ended` or interaction.
    public static let stagingLimit = 100_000

    private let staging = Mutex<[Staged]>([])
    private let stagedDrops = Atomic<Int>(0)
    /// In a cluster: the orgs led elsewhere and their parts of the global totals (SpeechViewEngine+Remote.swift).
    let remoteParts = Mutex(RemoteTotalsParts<SpeechTotalsPart>())
    var state: SpeechViewState
    private let clock: any WallClock
    private var sink: (any ViewChangeSink)?
    /// How often ``run()`` flushes.
    public let tick: Duration

    /// - Parameters:
    ///   - orgs: each org's time zone (its local day for the rollups); events of other orgs are ignored.
    ///   - configuration: `speech:` (correlation grace, linger of ended calls).
    ///   - clock: business time (the views' clock): grace, linger, purge and midnight are measured on it.
    ///   - sink: where changes go (the hub); may be set later with ``attach(sink:)``.
    ///   - tick: the flush interval of ``run()`` (real time).
    public init(orgs: [OrgID: TimeZone], configuration: SpeechConfig = .init(), clock: any WallClock = SystemClock(),
                sink: (any ViewChangeSink)? = nil, tick: Duration = .milliseconds(100)) {
        self.init(orgs: orgs, configuration: configuration, clock: clock, sink: sink, tick: tick, limits: .init())
    }

    init(orgs: [OrgID: TimeZone], configuration: SpeechConfig, clock: any WallClock, sink: (any ViewChangeSink)?,
         tick: Duration, limits: SpeechViewState.Limits) {
        var s = SpeechViewState(configuration: configuration, limits: limits)
        s.setOrgs(orgs, now: clock.now())
        self.state = s
        self.clock = clock
        self.sink = sink
        self.tick = tick
    }

    /// The engine for a whole configuration: its orgs' time zones and its `speech:` section.
    public init(configuration: SwitchboardConfiguration, clock: any WallClock = SystemClock(),
                sink: (any ViewChangeSink)? = nil, tick: Duration = .milliseconds(100)) {
        self.init(orgs: Self.zones(configuration), configuration: configuration.speech, clock: clock, sink: sink,
                  tick: tick)
    }

    static func zones(_ c: SwitchboardConfiguration) -> [OrgID: TimeZone] {
        Dictionary(c.orgs.map { ($0.id, $0.timezone) }, uniquingKeysWith: { a, _ in a })
    }

    public func attach(sink: any ViewChangeSink) { self.sink = sink }

    /// Applies a reloaded configuration: orgs added or removed (a removed org's calls and rollups are
    /// removed from the topics), time zones, and the `speech:` section.
    public func apply(_ configuration: SwitchboardConfiguration) {
        state.apply(configuration: configuration.speech)
        state.setOrgs(Self.zones(configuration), now: clock.now())
    }

    // MARK: Inputs (never wait)

    /// Stages session reports for the next flush and returns (the audio path never waits on the views).
    public nonisolated func ingest(speech events: [SpeechEvent]) {
        guard !events.isEmpty else { return }
        let dropped = staging.withLock { staged -> Int in
            var dropped = 0
            for e in events {
                if case .progress = e, staged.count >= Self.stagingLimit { dropped += 1; continue }
                staged.append(.speech(e))
            }
            return dropped
        }
        if dropped > 0 { stagedDrops.add(dropped, ordering: .relaxed) }
    }

    /// Stages the `agentInteraction` events of a connector batch (everything else is skipped at the cost of
    /// one pass): the conversation → agent and queue join.
    public nonisolated func observe(org: OrgID, events: [BridgeEvent]) {
        var found: [Staged] = []
        for e in events {
            if case .agentInteraction(let x) = e { found.append(.interaction(org, x)) }
        }
        guard !found.isEmpty else { return }
        staging.withLock { $0.append(contentsOf: found) }
    }

    // MARK: Flushing

    /// Folds everything staged, moves time to the clock's now, and publishes the changed entities (also
    /// returned). Call it on a tick (``run()`` does) or from a test.
    @discardableResult
    public func flush() -> [EntityChange] {
        let items = staging.withLock { staged -> [Staged] in
            let out = staged
            staged.removeAll(keepingCapacity: true)
            return out
        }
        let now = clock.now()
        state.takeRemote(remoteParts.withLock { $0 }, now: now)
        state.advance(now: now)
        for item in items {
            switch item {
            case .speech(let e): state.ingest(e, now: now)
            case .interaction(let org, let x): state.observe(x, org: org, now: now)
            }
        }
        state.advance(now: now)
        let changes = state.takeChanges(now: now)
        if !changes.isEmpty { sink?.publish(changes) }
        return changes
    }

    /// Flushes every `tick` until graceful shutdown or cancellation (then once more).
    public func run() async throws {
        let clock = ContinuousClock()
        var next = clock.now.advanced(by: tick)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await Task.sleep(until: next, clock: clock) } catch { break }
            flush()
            next = max(next.advanced(by: tick), clock.now)
        }
        flush()
    }

    // MARK: Introspection (tests, metrics)

    /// Sessions held (live, paused, ended and lingering, or waiting for their conversation).
    public var sessionCount: Int { state.sessions.count }
    /// Conversations remembered for the join.
    public var conversationCount: Int { state.directory.count }
    /// Reports ignored: for a session never opened or already ended, or dropped while staging overflowed.
    public var droppedReports: Int { state.dropped + stagedDrops.load(ordering: .relaxed) }
}
