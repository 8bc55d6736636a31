import DequeModule
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import SwitchboardCore

/// One chunk of one channel of one call's audio, for the spotting pool: 16-bit mono PCM at 8 or 16 kHz.
public struct SpottingChunk: Sendable {
    public var org: OrgID
    /// The platform conversation (interaction) id.
    public var conversationID: String
    public var channel: SpeechChannel
    public var sampleRate: Int
    public var samples: [Int16]
    /// Stream time of the first sample, ms, when the caller knows it (the audio paths do): detections are
    /// placed on this time line, and a jump (a hold, a pause) is followed rather than closed up. nil: the
    /// chunk follows the previous one of its channel directly (the first one starts at 0).
    public var offsetMs: Int64?

    public init(org: OrgID, conversationID: String, channel: SpeechChannel, sampleRate: Int, samples: [Int16],
                offsetMs: Int64? = nil) {
        self.org = org
        self.conversationID = conversationID
        self.channel = channel
        self.sampleRate = sampleRate
        self.samples = samples
        self.offsetMs = offsetMs
    }

    /// The chunk's duration, ms.
    public var durationMs: Int64 { sampleRate > 0 ? Int64(samples.count) * 1000 / Int64(sampleRate) : 0 }
}

/// On-box keyword spotting for many calls at once: a fixed number of workers, each owning the PocketSphinx
/// decoders of the interactions assigned to it (one per channel), fed from bounded queues
/// (docs/speech-text.md, "On-box keyword spotting").
///
/// The audio hot path calls `offer`, which never suspends and never waits for a worker: it queues the
/// chunk, or refuses it. When the workers cannot keep up, the pool sheds **whole interactions**, never
/// parts of one:
/// - a *new* interaction is refused while the audio waiting in all queues is over `maxQueuedMs` (each of
///   its later chunks is dropped too, until `end`);
/// - an interaction already being spotted keeps going, unless its own waiting audio goes over
///   `maxInteractionBacklogMs`: then its queued audio is dropped, its decoders freed, and the rest of it
///   ignored.
/// Both count (`shedInteractions`, metric `switchboard_kws_interactions_total{outcome=refused|shed}`).
///
/// Detections go to the sink as `TranscriptEvent.spotted`. Run the pool as a `Service` (or call `run()`
/// in a task group): its workers are child tasks of `run()`.
public final class KeywordSpottingPool: Service, Sendable {
    public struct Configuration: Sendable {
        /// Workers (each a child task running one decoder at a time). Default: cores − 1, at least 1, so
        /// one core stays for the rest of the bridge.
        public var workers: Int
        /// While more audio than this (ms, all queues together) waits, new interactions are refused.
        /// Default 10 s per worker.
        public var maxQueuedMs: Int64
        /// An interaction with more than this (ms, both channels) waiting is shed. Default 10 s: its hits
        /// would be that late.
        public var maxInteractionBacklogMs: Int64
        /// Whether 16 kHz audio is telephone-band (300–3400 Hz), so its decoders start from the telephone cepstral
        /// mean as 8 kHz ones do (``KeywordSpotter``). Default true: a contact center's calls come from phone lines
        /// whatever rate a transport carries them at (the seed Audio Connector's 16 kHz Opus); false for wideband
        /// sources.
        public var telephoneBand: Bool

        public init(workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1),
                    maxQueuedMs: Int64? = nil, maxInteractionBacklogMs: Int64 = 10_000, telephoneBand: Bool = true) {
            self.workers = max(1, workers)
            self.maxQueuedMs = maxQueuedMs ?? Int64(max(1, workers)) * 10_000
            self.maxInteractionBacklogMs = maxInteractionBacklogMs
            self.telephoneBand = telephoneBand
        }
    }

    /// What `offer` did with a chunk.
    public enum OfferResult: Sendable, Hashable {
        /// Queued for a worker.
        case queued
        /// The interaction is new and the pool is over its queue bound: refused (it stays refused).
        case refused
        /// The interaction was refused or shed earlier: dropped.
        case dropped
        /// No keywords for this org and channel (or an empty chunk): nothing to do.
        case ignored
    }

    /// Counters since the pool was created.
    public struct Stats: Sendable, Equatable {
        public var admitted = 0
        public var refused = 0
        public var shed = 0
        public var active = 0
        public var queuedMs: Int64 = 0
        public var processedMs: Int64 = 0
        public var detections = 0
        public var errors = 0
        /// Interactions whose end was processed (their last hits emitted, decoders freed).
        public var finished = 0
    }

    /// One org's share of the counters (for `/readyz`): since the pool was created, except the live figures.
    public struct OrgStats: Sendable, Equatable {
        /// Interactions being spotted now, and their audio waiting (ms, both channels).
        public var active = 0
        public var queuedMs: Int64 = 0
        public var admitted = 0
        public var refused = 0
        public var shed = 0
        public var detections = 0
        public init() {}
    }

    public let configuration: Configuration
    let model: SpotterModel
    let tuning: KeywordSpotterTuning
    let sink: any TranscriptSink
    let clock: any WallClock
    let logger: Logger
    let metrics: SpottingMetrics

    let state: Mutex<PoolState>
    let keywords = Mutex<[OrgID: OrgKeywords]>([:])
    let signals: [AsyncStream<Void>]
    let wakers: [AsyncStream<Void>.Continuation]

    public init(configuration: Configuration = Configuration(), model: SpotterModel, sink: any TranscriptSink,
                clock: any WallClock = SystemClock(), tuning: KeywordSpotterTuning = .standard,
                metricsFactory: (any MetricsFactory)? = nil, logger: Logger = .switchboard("keyword-spotting")) {
        self.configuration = configuration
        self.model = model
        self.tuning = tuning
        self.sink = sink
        self.clock = clock
        self.logger = logger
        self.metrics = SpottingMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        var signals: [AsyncStream<Void>] = []
        var wakers: [AsyncStream<Void>.Continuation] = []
        for _ in 0..<configuration.workers {
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            signals.append(stream)
            wakers.append(continuation)
        }
        self.signals = signals
        self.wakers = wakers
        state = Mutex(PoolState(workers: configuration.workers))
    }

    // MARK: Keywords

    /// The phrases `org` watches for (replacing any before). Prepares them per channel (a phrase for
    /// `customer` is not listened for on the agent's channel); throws `kws.unknown-word`, `kws.bad-phrase`
    /// or `kws.bad-threshold` — call it when the configuration is loaded. Interactions already being
    /// spotted keep the phrases they started with.
    public func setKeywords(_ phrases: [KeywordPhrase], for org: OrgID) throws {
        let customer = try model.prepare(phrases.filter { $0.accepts(.customer) }, tuning: tuning)
        let agent = try model.prepare(phrases.filter { $0.accepts(.agent) }, tuning: tuning)
        keywords.withLock { $0[org] = OrgKeywords(customer: customer, agent: agent) }
    }

    /// Stops spotting for `org` (new interactions; those under way finish).
    public func removeKeywords(for org: OrgID) {
        _ = keywords.withLock { $0.removeValue(forKey: org) }
    }

    func keywordSet(org: OrgID, channel: SpeechChannel) -> KeywordSet? {
        keywords.withLock { table in
            guard let k = table[org] else { return nil }
            let set = channel == .customer ? k.customer : k.agent
            return set.isEmpty ? nil : set
        }
    }

    // MARK: The hot path

    /// Queues a chunk for spotting, or refuses it (see the type's notes). Never suspends, never waits for a
    /// worker: one short lock.
    @discardableResult
    public func offer(_ chunk: SpottingChunk) -> OfferResult {
        guard !chunk.samples.isEmpty, keywordSet(org: chunk.org, channel: chunk.channel) != nil else { return .ignored }
        let key = InteractionKey(org: chunk.org, conversationID: chunk.conversationID)
        let ms = chunk.durationMs
        let (result, worker, shedNow) = state.withLock { s -> (OfferResult, Int?, Bool) in
            switch s.interactions[key]?.status {
            case .refused?, .shed?:
                return (.dropped, nil, false)
            case nil:
                guard s.queuedMs <= configuration.maxQueuedMs else {
                    s.interactions[key] = InteractionEntry(worker: -1, status: .refused)
                    s.stats.refused += 1
                    s.perOrg[chunk.org, default: OrgStats()].refused += 1
                    return (.refused, nil, false)
                }
                let w = s.leastLoadedWorker()
                s.interactions[key] = InteractionEntry(worker: w, status: .active)
                s.activePerWorker[w] += 1
                s.stats.admitted += 1
                s.stats.active += 1
                s.perOrg[chunk.org, default: OrgStats()].admitted += 1
                s.perOrg[chunk.org, default: OrgStats()].active += 1
            case .active?:
                break
            }
            var entry = s.interactions[key]!
            if entry.backlogMs + ms > configuration.maxInteractionBacklogMs {
                // Shed the whole interaction: drop what it has queued, let its worker free its decoders.
                s.queuedMs -= entry.backlogMs
                s.perOrg[chunk.org, default: OrgStats()].queuedMs -= entry.backlogMs
                s.queues[entry.worker].removeAll { $0.key == key && $0.isAudio }
                s.queues[entry.worker].append(.drop(key))
                entry.status = .shed
                entry.backlogMs = 0
                s.interactions[key] = entry
                s.activePerWorker[entry.worker] -= 1
                s.stats.shed += 1
                s.stats.active -= 1
                s.stats.queuedMs = s.queuedMs
                s.perOrg[chunk.org, default: OrgStats()].shed += 1
                s.perOrg[chunk.org, default: OrgStats()].active -= 1
                return (.dropped, entry.worker, true)
            }
            entry.backlogMs += ms
            s.interactions[key] = entry
            s.queuedMs += ms
            s.perOrg[chunk.org, default: OrgStats()].queuedMs += ms
            s.stats.queuedMs = s.queuedMs
            s.queues[entry.worker].append(.audio(key, chunk))
            return (.queued, entry.worker, false)
        }
        switch result {
        case .refused: metrics.refused.increment()
        case .dropped where shedNow:
            metrics.shed.increment()
            let bound = configuration.maxInteractionBacklogMs
            logger.warning("keyword spotting cannot keep up: shedding this interaction (its queued audio is over \(bound) ms)",
                           metadata: ["org": "\(chunk.org)",
                                                                               "conversation": "\(chunk.conversationID)"])
        case .queued: break
        default: break
        }
        if let worker { wakers[worker].yield() }
        return result
    }

    /// The interaction is over: its decoders finish the audio already queued (reporting the last hits) and
    /// are freed. Never suspends. Call it for every interaction offered, also refused or shed ones (the
    /// pool remembers those until then, to drop their audio).
    public func end(org: OrgID, conversationID: String) {
        let key = InteractionKey(org: org, conversationID: conversationID)
        let worker: Int? = state.withLock { s in
            guard let entry = s.interactions.removeValue(forKey: key) else { return nil }
            guard entry.status == .active else { return nil }
            s.activePerWorker[entry.worker] -= 1
            s.stats.active -= 1
            s.perOrg[org, default: OrgStats()].active -= 1
            s.queues[entry.worker].append(.end(key))
            return entry.worker
        }
        if let worker { wakers[worker].yield() }
    }

    /// Interactions refused or shed since the pool started.
    public var shedInteractions: Int { state.withLock { $0.stats.refused + $0.stats.shed } }

    public var stats: Stats { state.withLock { $0.stats } }

    /// `org`'s share of the figures (zero for an org never offered).
    public func stats(of org: OrgID) -> OrgStats { state.withLock { $0.perOrg[org] ?? OrgStats() } }

    // MARK: Service

    /// Runs the workers until cancelled or a graceful shutdown; then the decoders are freed (audio still
    /// queued is dropped).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for index in 0..<self.configuration.workers {
                    group.addTask { await self.work(index) }
                }
            }
        }
    }
}

/// The pool's shared bookkeeping (under its lock).
struct PoolState {
    var interactions: [InteractionKey: InteractionEntry] = [:]
    var queues: [Deque<PoolJob>]
    var activePerWorker: [Int]
    var queuedMs: Int64 = 0
    var stats = KeywordSpottingPool.Stats()
    var perOrg: [OrgID: KeywordSpottingPool.OrgStats] = [:]

    init(workers: Int) {
        queues = Array(repeating: Deque(), count: workers)
        activePerWorker = Array(repeating: 0, count: workers)
    }

    func leastLoadedWorker() -> Int {
        var best = 0
        for w in activePerWorker.indices where activePerWorker[w] < activePerWorker[best] { best = w }
        return best
    }
}

struct InteractionKey: Hashable, Sendable {
    var org: OrgID
    var conversationID: String
}

struct InteractionEntry: Sendable {
    enum Status: Sendable, Equatable { case active, refused, shed }
    var worker: Int
    var status: Status
    /// Audio of this interaction waiting in its worker's queue, ms.
    var backlogMs: Int64 = 0
}

enum PoolJob: Sendable {
    case audio(InteractionKey, SpottingChunk)
    case end(InteractionKey)
    case drop(InteractionKey)

    var key: InteractionKey {
        switch self {
        case .audio(let k, _), .end(let k), .drop(let k): k
        }
    }

    var isAudio: Bool {
        if case .audio = self { return true }
        return false
    }
}

struct OrgKeywords: Sendable {
    var customer: KeywordSet
    var agent: KeywordSet
}
