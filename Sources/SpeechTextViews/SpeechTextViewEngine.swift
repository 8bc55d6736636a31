import Foundation
import ServiceLifecycle
import SpeechText
import SpeechViews
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// The speech-text views (docs/speech-text.md, "Views"): what is said on calls — keyword hits matched in the
/// final utterances of Genesys transcription and heard by the on-box spotter, VADER sentiment per utterance,
/// rolling per call and side — joined to the agents and queues the connectors know, rolled up per agent, queue
/// and org over each org's local day, with hot calls; published on `speechtext:<org>` and `speechtext:global`.
///
/// Neither input waits: ``ingest(transcripts:)`` (the connectors and the spotter, through the bridge's
/// transcript fan-out) and ``observe(org:events:)`` (the connectors' batches, through `SpeechTap`) stage what
/// they get under a lock and return. ``flush()`` — every `tick` while the engine runs as a `Service` — folds
/// what was staged in arrival order (matching and scoring happen here, off the connectors' tasks), moves time,
/// encodes each changed entity once and publishes the batch. Only orgs with a `speechText:` section count.
public actor SpeechTextViewEngine: TranscriptSink, BridgeEventObserver, Service {
    enum Staged: Sendable {
        case transcript(TranscriptEvent)
        case interaction(OrgID, AgentInteraction)
    }

    /// Staged items at most between two flushes; beyond, partial utterances are dropped (their finals follow),
    /// never a final, a detection, an end or an interaction.
    public static let stagingLimit = 100_000

    private let staging = Mutex<[Staged]>([])
    private let stagedDrops = Atomic<Int>(0)
    private let watched = Mutex<Set<OrgID>>([])
    /// In a cluster: the orgs led elsewhere and their parts of the global totals (SpeechTextViewEngine+Remote.swift).
    let remoteParts = Mutex(RemoteTotalsParts<SpeechTextTotalsPart>())
    var state: SpeechTextState
    private let clock: any WallClock
    private var sink: (any ViewChangeSink)?
    public let tick: Duration

    /// - Parameters:
    ///   - configuration: the orgs (their `speechText:` sections and time zones) and `speech.endedLinger`.
    ///   - analyzer: the sentiment analyzer (the bundled VADER lexicon by default).
    ///   - clock: business time: rolling windows, linger, midnight.
    ///   - sink: where changes go (the hub).
    public init(configuration: SwitchboardConfiguration, analyzer: SentimentAnalyzer, clock: any WallClock = SystemClock(),
                sink: (any ViewChangeSink)? = nil, tick: Duration = .milliseconds(100)) {
        self.init(configuration: configuration, analyzer: analyzer, clock: clock, sink: sink, tick: tick, limits: .init())
    }

    init(configuration: SwitchboardConfiguration, analyzer: SentimentAnalyzer, clock: any WallClock,
         sink: (any ViewChangeSink)?, tick: Duration, limits: SpeechTextState.Limits) {
        var s = SpeechTextState(analyzer: analyzer, linger: configuration.speech.endedLinger.milliseconds, limits: limits)
        let orgs = Self.orgs(configuration)
        s.setOrgs(orgs, now: clock.now())
        state = s
        self.clock = clock
        self.sink = sink
        self.tick = tick
        watched.withLock { $0 = Set(orgs.map(\.id)) }
    }

    static func orgs(_ c: SwitchboardConfiguration) -> [(id: OrgID, timeZone: TimeZone, config: SpeechTextConfig)] {
        c.orgs.compactMap { o in o.speechText.map { (o.id, o.timezone, $0) } }
    }

    public func attach(sink: any ViewChangeSink) { self.sink = sink }

    /// Applies a reloaded configuration: orgs (and their `speechText:` sections) added, changed or removed.
    public func apply(_ configuration: SwitchboardConfiguration) {
        let orgs = Self.orgs(configuration)
        state.linger = configuration.speech.endedLinger.milliseconds
        state.setOrgs(orgs, now: clock.now())
        watched.withLock { $0 = Set(orgs.map(\.id)) }
    }

    // MARK: Inputs (never wait)

    public nonisolated func ingest(transcripts events: [TranscriptEvent]) {
        guard !events.isEmpty else { return }
        let dropped = staging.withLock { staged -> Int in
            var dropped = 0
            for e in events {
                if case .utterance(let u) = e, !u.isFinal, staged.count >= Self.stagingLimit { dropped += 1; continue }
                staged.append(.transcript(e))
            }
            return dropped
        }
        if dropped > 0 { stagedDrops.add(dropped, ordering: .relaxed) }
    }

    /// Stages the `agentInteraction` events of a connector batch of an org with speech text (other orgs cost a
    /// set look-up; other events one pass).
    public nonisolated func observe(org: OrgID, events: [BridgeEvent]) {
        guard watched.withLock({ $0.contains(org) }) else { return }
        var found: [Staged] = []
        for e in events {
            if case .agentInteraction(let x) = e { found.append(.interaction(org, x)) }
        }
        guard !found.isEmpty else { return }
        staging.withLock { $0.append(contentsOf: found) }
    }

    // MARK: Flushing

    /// Folds everything staged, moves time to the clock's now and publishes the changed entities (also
    /// returned).
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
            case .transcript(let e): state.ingest(e, now: now)
            case .interaction(let org, let x): state.observe(x, org: org, now: now)
            }
        }
        state.advance(now: now)
        let changes = state.takeChanges(now: now)
        if !changes.isEmpty { sink?.publish(changes) }
        return changes
    }

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

    /// Calls held (live, or ended and lingering).
    public var callCount: Int { state.calls.count }
    /// Partial utterances dropped while staging overflowed.
    public var droppedPartials: Int { stagedDrops.load(ordering: .relaxed) }
}
