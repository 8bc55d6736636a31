import Foundation
import HummingbirdWSClient
import Journeys
import Logging
import Metrics
import NIOCore
import Normalizer
import Synchronization
import SwitchboardCore

/// The seed's journey event stream client of one `protocol: seed` org with journeys (docs/journeys.md, "The seed's
/// event stream"): runs an ``EventStreamStateMachine``, owns the callback socket (Bearer header with the org's
/// current token), makes and verifies the subscription over REST, maps each event (``Normalizer/SeedEventMapper``)
/// and hands it to the journeys sink. Runs inside the org's connector (``run()`` until cancelled).
///
/// A subscription not bound to the live connection is raised loudly, once per episode: an `error` log, the
/// `problem` (the org's `eventstream` problem on `/readyz` and the card), an `eventstream-callback-mismatch`
/// alert and `switchboard_eventstream_callback_mismatch_total`; the next good verification clears the problem
/// and sends `eventstream-callback-matched`.
public final class SeedEventStream: Sendable {
    public struct Configuration: Sendable {
        public var machine = EventStreamStateMachine.Configuration()
        /// The subscription's `maxEventsPerSecond` (1…100).
        public var maxEventsPerSecond = 50
        /// How often the loop checks the machine's deadlines.
        public var tickInterval: Duration = .milliseconds(100)
        public init() {}
    }

    /// How the stream makes itself visible: the org's problem text (nil clears it) and alerts.
    public struct Reporter: Sendable {
        public var problem: @Sendable (String?) async -> Void
        public var alert: @Sendable (StreamAlert.Kind, String) -> Void
        public init(problem: @escaping @Sendable (String?) async -> Void = { _ in },
                    alert: @escaping @Sendable (StreamAlert.Kind, String) -> Void = { _, _ in }) {
            self.problem = problem
            self.alert = alert
        }
    }

    /// What `/readyz` and tests read.
    public struct Status: Sendable, Equatable {
        public var state: EventStreamStateMachine.State = .disconnected
        public var connectionID: String?
        public var subscriptionID: String?
        public var mismatch = false
        public var events = 0
        public var backpressure = 0
        public var connects = 0
        public var lastFailure: String?
        public init() {}
    }

    enum Event: Sendable {
        case socketOpened(Int)
        case socketClosed(Int, String)
        case text(Int, String)
        case subscribed(Result<EventStreamSubscription, EventStreamCallError>)
        case verified(String, Result<EventStreamSubscription?, EventStreamCallError>)
        case tick
    }

    struct EventStreamCallError: Error, Sendable {
        let text: String
    }

    public let org: OrgID
    let configuration: Configuration
    let transport: EventStreamTransport
    let sink: any JourneyEventSink
    let clock: any WallClock
    let reporter: Reporter
    let logger: Logger
    let metrics: EventStreamMetrics
    let random: @Sendable () -> Double
    let input: AsyncStream<Event>.Continuation
    let events: AsyncStream<Event>
    private let state = Mutex(Status())

    public init(org: OrgID, transport: EventStreamTransport, sink: any JourneyEventSink, clock: any WallClock = SystemClock(),
                configuration: Configuration = .init(), reporter: Reporter = .init(),
                metricsFactory: (any MetricsFactory)? = nil, logger: Logger? = nil,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.org = org
        self.transport = transport
        self.sink = sink
        self.clock = clock
        self.configuration = configuration
        self.reporter = reporter
        self.logger = logger ?? Logger.switchboard("eventstream", org: org)
        self.metrics = EventStreamMetrics(org: org, factory: metricsFactory ?? MetricsSystem.factory)
        self.random = random
        (events, input) = AsyncStream.makeStream(of: Event.self)
    }

    public var status: Status { state.withLock { $0 } }

    /// Runs until cancelled. Call once.
    public func run() async {
        logger.info("seed event stream starting", metadata: ["maxEventsPerSecond": "\(configuration.maxEventsPerSecond)"])
        var machine = EventStreamStateMachine(configuration: configuration.machine, random: random)
        var socket = 0
        var closer: AsyncStream<Void>.Continuation?
        metrics.state(.disconnected)
        await withTaskGroup(of: Void.self) { group in
            let tick = configuration.tickInterval
            let input = self.input
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    input.yield(.tick)
                }
            }
            var actions = machine.start(now: .now)
            var iterator = events.makeAsyncIterator()
            while true {
                for action in actions {
                    switch action {
                    case .connect:
                        socket += 1
                        closer?.finish()
                        let (stream, cont) = AsyncStream.makeStream(of: Void.self)
                        closer = cont
                        let id = socket
                        state.withLock { $0.connects += 1 }
                        group.addTask { await self.runSocket(id, closeOn: stream) }
                    case .closeSocket:
                        closer?.finish()
                        closer = nil
                    case .deleteSubscription(let id):
                        group.addTask { await self.delete(id) }
                    case .subscribe(let url):
                        group.addTask { await self.subscribe(url) }
                    case .verify(let id):
                        group.addTask { await self.verify(id) }
                    case .mismatch(let detail):
                        let text = raiseMismatch(detail)
                        group.addTask { await self.reporter.problem(text) }
                    case .matched:
                        logger.notice("seed event stream subscription verified bound to the live connection again")
                        group.addTask { await self.reporter.problem(nil) }
                        reporter.alert(.eventStreamCallbackMatched, "the event stream's subscription is bound to the live connection again")
                        state.withLock { $0.mismatch = false }
                    case .stateChanged(let s):
                        metrics.state(s)
                        logger.info("seed event stream \(s.rawValue)")
                        state.withLock { $0.state = s }
                    case .failure(let why):
                        logger.warning("seed event stream: \(why)")
                        state.withLock { $0.lastFailure = why }
                    }
                }
                state.withLock {
                    $0.connectionID = machine.connectionID
                    $0.subscriptionID = machine.subscriptionID
                }
                guard let event = await iterator.next() else { break }
                let now = ContinuousClock.now
                switch event {
                case .tick:
                    actions = machine.tick(now: now)
                case .socketOpened(let id):
                    actions = id == socket ? machine.socketOpened(now: now) : []
                case .socketClosed(let id, let why):
                    actions = id == socket ? machine.socketClosed(reason: why, now: now) : []
                case .text(let id, let text):
                    guard id == socket else {
                        actions = []
                        continue
                    }
                    machine.frameReceived(now: now)
                    actions = frame(text, machine: &machine, now: now)
                case .subscribed(.success(let s)):
                    actions = machine.subscribed(s, now: now)
                case .subscribed(.failure(let e)):
                    actions = machine.subscribeFailed(e.text, now: now)
                case .verified(_, .success(let s?)):
                    actions = machine.verified(s, now: now)
                case .verified(let id, .success(nil)):
                    actions = machine.verifyFailed(notFound: true, reason: "subscription \(id) not found", now: now)
                case .verified(_, .failure(let e)):
                    actions = machine.verifyFailed(notFound: false, reason: e.text, now: now)
                }
            }
            closer?.finish()
            input.finish()
            group.cancelAll()
        }
        metrics.state(nil)
        state.withLock { $0.state = .disconnected }
        logger.info("seed event stream stopped")
    }

    /// Logs, counts and alerts; returns the org's problem text.
    private func raiseMismatch(_ detail: String) -> String {
        metrics.mismatches.increment()
        state.withLock { $0.mismatch = true }
        logger.error("""
            SEED EVENT STREAM CALLBACK MISMATCH: \(detail). Journeys of this org receive nothing until a \
            subscription is bound to the live connection; re-subscribing with backoff
            """)
        reporter.alert(.eventStreamCallbackMismatch, "the journey event stream's subscription is not bound to the live "
            + "callback connection: the platform accepts it and sends nothing; re-subscribing")
        return "eventstream: the subscription's callback does not match the live connection — no events arrive; re-subscribing"
    }

    private func frame(_ text: String, machine: inout EventStreamStateMachine, now: ContinuousClock.Instant)
        -> [EventStreamStateMachine.Action]
    {
        let decoded: EventStreamFrame
        do throws(EventStreamError) {
            decoded = try EventStreamFrame.decode(text)
        } catch {
            metrics.dropped.increment()
            logger.debug("event stream frame dropped", metadata: ["code": "\(error.code)", "why": "\(error.message)"])
            return []
        }
        switch decoded {
        case .connectionOpened(let id, let url):
            return machine.connectionOpened(id: id, callbackURL: url, now: now)
        case .event(let e):
            switch SeedEventMapper.map(e, org: org, receivedAt: clock.now()) {
            case .event(let j):
                metrics.events.increment()
                state.withLock { $0.events += 1 }
                sink.ingest(journeyEvents: [j])
            case .unusable(let why):
                metrics.dropped.increment()
                logger.debug("event stream event dropped", metadata: ["why": "\(why)"])
            }
        case .backpressure(let queued, let max):
            metrics.backpressure.increment()
            state.withLock { $0.backpressure += 1 }
            logger.notice("the platform throttles the journey event stream", metadata: [
                "queued": "\(queued)", "maxEventsPerSecond": "\(max.map(String.init) ?? "?")"])
        case .heartbeat, .other:
            break
        }
        return []
    }

    // MARK: - Child tasks

    private func subscribe(_ url: String) async {
        let body = EventStreamSubscriptionRequest(callbackUrl: url, maxEventsPerSecond: configuration.maxEventsPerSecond).json
        do {
            let answer = try await transport.subscribe(body)
            do throws(EventStreamError) {
                input.yield(.subscribed(.success(try EventStreamSubscription.decode(answer))))
            } catch {
                input.yield(.subscribed(.failure(EventStreamCallError(text: error.message))))
            }
        } catch is CancellationError {
        } catch {
            input.yield(.subscribed(.failure(EventStreamCallError(text: Self.describe(error)))))
        }
    }

    private func verify(_ id: String) async {
        do {
            guard let answer = try await transport.get(id) else {
                input.yield(.verified(id, .success(nil)))
                return
            }
            do throws(EventStreamError) {
                input.yield(.verified(id, .success(try EventStreamSubscription.decode(answer))))
            } catch {
                input.yield(.verified(id, .failure(EventStreamCallError(text: error.message))))
            }
        } catch is CancellationError {
        } catch {
            input.yield(.verified(id, .failure(EventStreamCallError(text: Self.describe(error)))))
        }
    }

    private func delete(_ id: String) async {
        do { try await transport.delete(id) } catch is CancellationError {} catch {
            logger.notice("could not delete an old event stream subscription", metadata: [
                "subscription": "\(id)", "error": "\(Self.describe(error))"])
        }
    }

    static func describe(_ error: any Error) -> String {
        (error as? any CodedError).map { "\($0.code): \($0.message)" } ?? "\(error)"
    }

    /// One callback socket, authenticated with the org's current token in the `Authorization` header. Frames go to
    /// the loop; the socket closes when `closeOn` finishes.
    private func runSocket(_ id: Int, closeOn: AsyncStream<Void>) async {
        let input = self.input
        let opened = EventStreamOpenedFlag()
        do {
            let (url, token) = try await transport.socket()
            var config = WebSocketClientConfiguration(maxFrameSize: EventStreamFrame.maxBytes, closeTimeout: .seconds(2))
            config.additionalHeaders = [.authorization: "Bearer \(token.reveal())"]
            config.autoPing = .enabled(timePeriod: .seconds(30))
            var socketLogger = logger
            socketLogger.logLevel = max(logger.logLevel, .info)
            let client = WebSocketClient(url: url, configuration: config, logger: socketLogger) { inbound, outbound, _ in
                opened.set()
                input.yield(.socketOpened(id))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await _ in closeOn {}
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: EventStreamFrame.maxBytes) {
                            if case .text(let text) = message { input.yield(.text(id, text)) }
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
            let close = try await client.run()
            let wasOpen = opened.isSet
            let code = close.map { " (\($0.closeCode))" } ?? ""
            input.yield(.socketClosed(id, wasOpen ? "the callback socket closed\(code)" : "the upgrade did not complete"))
        } catch is CancellationError {
            input.yield(.socketClosed(id, "cancelled"))
        } catch {
            input.yield(.socketClosed(id, "the callback socket failed: \(Self.describe(error))"))
        }
    }
}

/// Set once by a socket's handler when the upgrade completed.
final class EventStreamOpenedFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
