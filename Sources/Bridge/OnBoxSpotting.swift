import Foundation
import KeywordSpotting
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// On-box keyword spotting for the orgs with `speechText.onBox: true` (docs/speech-text.md, "On-box keyword
/// spotting"): the ``SpeechAudioTap`` both audio paths (AudioHook sessions, seed Audio Connector clients) offer
/// their decoded audio to, in front of one ``KeywordSpottingPool`` whose hits go to the bridge's
/// ``TranscriptFanout`` as `TranscriptEvent.spotted`.
///
/// - The pool (and the PocketSphinx model) is made only once some org has `onBox: true` — at the start or at a
///   reload — and then runs as this service's child until shutdown.
/// - ``configure(_:)`` follows every configuration in force: each on-box org's keywords are set (a phrase the
///   spotter cannot use throws, e.g. `kws.unknown-word`), an org switched off is removed (its calls under way stop
///   being spotted; they still end), new keywords apply to calls that start after the reload.
/// - The hot path: an org without on-box spotting costs one atomic load per interaction (``listens(to:)``, asked
///   once when its audio starts) and nothing per frame; an on-box org's chunks are queued without waiting
///   (``KeywordSpottingPool/offer(_:)``), or refused whole when the pool is over its bound.
public final class OnBoxSpotting: Service, SpeechAudioTap, Sendable {
    struct State {
        var pool: KeywordSpottingPool?
        /// Orgs spotted now (keywords set).
        var orgs: Set<OrgID> = []
        /// Chunks offered per org since the start (tests and `/readyz`).
        var offered: [OrgID: Int] = [:]
    }

    /// One org's on-box figures for `/readyz`.
    public struct Status: Sendable, Equatable {
        /// Calls being spotted now and their audio waiting (ms).
        public var active: Int
        public var queuedMs: Int64
        /// Calls taken, refused whole (the pool was over its bound) and shed mid-way, since the start.
        public var admitted: Int
        public var refused: Int
        public var shed: Int
        /// Keyword hits reported.
        public var detections: Int
    }

    let sink: any TranscriptSink
    let clock: any WallClock
    let metricsFactory: (any MetricsFactory)?
    let poolConfiguration: KeywordSpottingPool.Configuration
    let vocabulary: SpotterVocabulary
    let logger: Logger
    private let state = Mutex(State())
    /// Whether any org is spotted: the one check an interaction of an org without on-box spotting costs.
    private let anyOrg = Atomic<Bool>(false)
    private let poolMade: AsyncStream<KeywordSpottingPool>
    private let poolMadeInput: AsyncStream<KeywordSpottingPool>.Continuation

    /// - Parameters:
    ///   - sink: where hits go (the bridge's ``TranscriptFanout``).
    ///   - clock: business time for the hits.
    ///   - vocabulary: the PocketSphinx model, loaded once (shared with the configuration checks).
    public init(sink: any TranscriptSink, clock: any WallClock = SystemClock(),
                metricsFactory: (any MetricsFactory)? = nil,
                configuration: KeywordSpottingPool.Configuration = .init(),
                vocabulary: SpotterVocabulary = .shared, logger: Logger = .switchboard("keyword-spotting")) {
        self.sink = sink
        self.clock = clock
        self.metricsFactory = metricsFactory
        self.poolConfiguration = configuration
        self.vocabulary = vocabulary
        self.logger = logger
        (poolMade, poolMadeInput) = AsyncStream.makeStream(of: KeywordSpottingPool.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Configuration

    /// Applies a configuration in force: each on-box org's keywords (the pool is made at the first), the others
    /// removed. Every org is tried; the first failure is thrown (as a ``BridgeError`` with the spotter's code,
    /// naming the org) after the others were applied — an org that fails keeps the keywords it had.
    public func configure(_ config: SwitchboardConfiguration) throws(BridgeError) {
        let wanted = config.orgs.filter { $0.speechText?.onBox == true }
        var failures: [BridgeError] = []
        var spotted: Set<OrgID> = []
        if !wanted.isEmpty {
            do throws(BridgeError) {
                let pool = try makePool()
                for org in wanted {
                    do {
                        try pool.setKeywords(org.speechText?.keywords ?? [], for: org.id)
                        spotted.insert(org.id)
                    } catch {
                        let coded = error as? any CodedError
                        failures.append(BridgeError(
                            code: coded?.code ?? "kws.error",
                            message: "org \(org.id): on-box keyword spotting cannot listen for its "
                                + "speechText.keywords: \(coded?.message ?? "\(error)")"))
                        // It keeps what it had (if anything).
                        if state.withLock({ $0.orgs.contains(org.id) }) { spotted.insert(org.id) }
                    }
                }
            } catch {
                failures.append(error)
            }
        }
        let (pool, removed) = state.withLock { s -> (KeywordSpottingPool?, Set<OrgID>) in
            let removed = s.orgs.subtracting(spotted)
            s.orgs = spotted
            return (s.pool, removed)
        }
        for id in removed { pool?.removeKeywords(for: id) }
        anyOrg.store(!spotted.isEmpty, ordering: .relaxed)
        if !removed.isEmpty || !spotted.isEmpty {
            logger.info("on-box keyword spotting", metadata: ["orgs": "\(spotted.map(\.rawValue).sorted())",
                                                              "stopped": "\(removed.map(\.rawValue).sorted())"])
        }
        if let first = failures.first { throw first }
    }

    /// The pool, made on first need.
    private func makePool() throws(BridgeError) -> KeywordSpottingPool {
        if let pool = state.withLock({ $0.pool }) { return pool }
        let model: SpotterModel
        do {
            model = try vocabulary.model()
        } catch {
            throw BridgeError(code: error.code, message: "on-box keyword spotting (speechText.onBox: true) cannot "
                + "run: \(error.message)")
        }
        let made = state.withLock { s -> (KeywordSpottingPool, Bool) in
            if let pool = s.pool { return (pool, false) }
            let pool = KeywordSpottingPool(configuration: poolConfiguration, model: model, sink: sink, clock: clock,
                                           metricsFactory: metricsFactory, logger: logger)
            s.pool = pool
            return (pool, true)
        }
        if made.1 {
            poolMadeInput.yield(made.0)
            logger.info("on-box keyword spotting pool made",
                        metadata: ["workers": "\(poolConfiguration.workers)"])
        }
        return made.0
    }

    // MARK: SpeechAudioTap

    public func listens(to org: OrgID) -> Bool {
        guard anyOrg.load(ordering: .relaxed) else { return false }
        return state.withLock { $0.orgs.contains(org) }
    }

    public func offer(org: OrgID, conversationID: String, channel: SpeechChannel, sampleRate: Int, samples: [Int16],
                      offsetMs: Int64) {
        let pool = state.withLock { s -> KeywordSpottingPool? in
            s.offered[org, default: 0] += 1
            return s.pool
        }
        pool?.offer(SpottingChunk(org: org, conversationID: conversationID, channel: channel, sampleRate: sampleRate,
                                  samples: samples, offsetMs: offsetMs))
    }

    public func end(org: OrgID, conversationID: String) {
        state.withLock { $0.pool }?.end(org: org, conversationID: conversationID)
    }

    // MARK: Figures

    /// Chunks offered for `org` since the start (0 for an org never spotted).
    public func offeredChunks(org: OrgID) -> Int { state.withLock { $0.offered[org] ?? 0 } }

    /// Orgs spotted now.
    public var orgs: Set<OrgID> { state.withLock { $0.orgs } }

    /// The org's figures while it is spotted (nil otherwise).
    public func status(of org: OrgID) -> Status? {
        guard let pool = state.withLock({ $0.orgs.contains(org) ? $0.pool : nil }) else { return nil }
        let s = pool.stats(of: org)
        return Status(active: s.active, queuedMs: s.queuedMs, admitted: s.admitted, refused: s.refused, shed: s.shed,
                      detections: s.detections)
    }

    /// The pool, once made (tests).
    public var pool: KeywordSpottingPool? { state.withLock { $0.pool } }

    // MARK: Service

    /// Waits until a configuration needs the pool, then runs its workers until shutdown.
    public func run() async throws {
        var made = poolMade.cancelOnGracefulShutdown().makeAsyncIterator()
        guard let pool = await made.next() else { return }
        try await pool.run()
    }
}
