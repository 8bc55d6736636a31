import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import SwitchboardCore

/// A wire-faithful stand-in for Genesys Cloud serving many orgs on one listener: OAuth, directory,
/// notification channels and WebSockets, analytics queries, ground truth and fault injection.
///
/// Run it as a `Service` (in a `ServiceGroup`): ``run()`` serves until graceful shutdown. The
/// workload runs on the injected business clock; transport timers (heartbeats, token and channel
/// lifetimes, rate-limit windows) run on real time. See docs/simulator.md.
public final class GenesysSimulator: Service, Sendable {
    public let options: SimulatorOptions
    let clock: any WallClock
    let logger: Logger
    let orgs: [OrgRuntime]
    let orgByID: [String: OrgRuntime]
    let tokens = TokenRegistry()
    /// Platform requests answered so far (`GET /_sim/requests`).
    let requests = SimRequestCounter()
    let faults = Mutex<[SimFaultRecord]>([])
    let faultRNG: Mutex<SimRandom>
    let socketCounter = Atomic<UInt64>(0)
    /// Every notification socket being served, whatever became of its channel (expired, evicted), so a shutdown
    /// reaches them all; `closing` once a shutdown began, so a socket accepted after that is closed at once.
    /// The server's connections, closed at shutdown once a grace has passed (``SimConnections``).
    let connections = SimConnections()
    let servedSockets = Mutex<(closing: Bool, sockets: [UInt64: SimSocket])>((false, [:]))
    let lastTick: Atomic<Int64>
    /// Storm mode's rate now, in extra `activity` events per real second (``setStormRate(_:)``); starts at
    /// `options.stormEventsPerSecond`.
    let stormRate: Atomic<Int>
    /// The AudioHook Monitor client (``setAudioHookTarget(url:credentials:)``).
    let audioHook: SimAudioHookClient
    /// The seed Audio Connector server (discovery, its WebSocket, Opus audio of every live call).
    let seedAudio: SimSeedAudioServer
    /// The spoken sentences (`spokenPhrases`), rendered at the start of ``run()``.
    let phrases: SimPhraseBookSlot
    /// Amazon EventBridge push of the journeys' detail events (``setEventBridgeTarget(_:)``).
    let eventBridge: SimEventBridgePusher
    /// The seed's journey event stream (callback sockets, subscriptions, throttling).
    let eventStream: SimEventStreamServer
    private let listening = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    /// Builds every org's directory and starts its simulated day at the clock's now (replaying a
    /// `startAt` history first). Nothing is served until ``run()``.
    public init(options: SimulatorOptions, clock: any WallClock, logger: Logger = Logger.switchboard("simulator")) {
        self.options = options
        self.clock = clock
        self.logger = logger
        let t0 = clock.now()
        let ids = SimulatorOptions.orgIDs(count: max(1, options.orgCount))
        let replay = options.startAt.map { ReplayProgress(orgs: ids.count, span: $0.millisecondsSinceMidnight, logger: logger) }
        replay?.started(agents: options.agentsPerOrg)
        // Orgs are independent: build them (and replay any start-at history) in parallel.
        let built = Mutex<[Int: OrgRuntime]>([:])
        DispatchQueue.concurrentPerform(iterations: ids.count) { i in
            let begin = t0 - (options.startAt?.millisecondsSinceMidnight ?? 0)
            var progress: (@Sendable (EpochMillis) -> Void)?
            if let replay { progress = { now in replay.advanced(org: i, by: now - begin) } }
            let rt = OrgRuntime(id: ids[i], index: i, options: options, startAt: t0, progress: progress)
            built.withLock { $0[i] = rt }
        }
        replay?.finished()
        orgs = built.withLock { all in ids.indices.map { all[$0]! } }
        orgByID = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id, $0) })
        faultRNG = Mutex(SimRandom(seed: options.seed ^ 0xFA17_FA17))
        lastTick = Atomic(t0)
        stormRate = Atomic(max(0, options.stormEventsPerSecond ?? 0))
        let organizationIDs = Dictionary(uniqueKeysWithValues: orgs.map { rt in (rt.id, rt.with { $0.model.organizationID }) })
        let phrases = SimPhraseBookSlot()
        self.phrases = phrases
        audioHook = SimAudioHookClient(options: options, organizationIDs: organizationIDs, logger: logger,
                                       phrases: phrases)
        seedAudio = SimSeedAudioServer(options: options, phrases: phrases)
        eventBridge = SimEventBridgePusher(
            target: options.journeys?.eventBridge,
            organizationIDs: organizationIDs.filter { options.journeys?.covers($0.key) ?? false },
            replayCount: options.journeys?.replayMessages ?? 0)
        eventStream = SimEventStreamServer(heartbeatMs: Self.millis(options.heartbeatInterval))
        // The seed Audio Connector follows every call: a client may connect and subscribe at any time.
        if options.seedAudioEnabled { for rt in orgs { rt.with { $0.model.recordsAudio = true } } }
    }

    /// The org ids served (`us`, `emea`, `apac`, …).
    public var orgIDs: [String] { orgs.map(\.id) }

    /// Changes storm mode's rate from the next tick on (0 ends the storm; the bench's `cluster` scenario calms it
    /// for its fan-out window).
    public func setStormRate(_ eventsPerSecond: Int) { stormRate.store(max(0, eventsPerSecond), ordering: .relaxed) }

    /// Serves until graceful shutdown (or cancellation).
    public func run() async throws {
        // Waiters on the listener hear of a start that failed (-1), whatever failed.
        defer { stoppedListening() }
        if options.spokenPhrases {
            // Rendered before listening, so every call's audio can say them; a machine without espeak-ng or sox
            // refuses the option here, naming the packages.
            let started = ContinuousClock.now
            let book = try SimPhraseBook.render()
            phrases.set(book)
            logger.notice("spoken phrases rendered", metadata: [
                "sentences": "\(book.clips.count)", "took": "\((ContinuousClock.now - started).shortText)"])
        }
        let app = buildApplication()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await SimServerRun.run(grace: .seconds(5)) { try await app.run() }
                } catch {
                    // Before listening, the failure is about the address: say which (not `port -1`).
                    if self.listening.withLock({ $0.port }) == nil {
                        throw ListenError(address: "\(self.options.host):\(self.options.port)", underlying: error)
                    }
                    throw error
                }
            }
            group.addTask { await self.tickLoop() }
            // Once a shutdown began, the server has a short grace to end its connections itself; then whatever
            // a client left open is closed (SimConnections says why), so the server's run returns.
            group.addTask {
                try? await gracefulShutdown()
                try? await Task.sleep(for: .seconds(2))
                let n = self.connections.closeAll()
                if n > 0 { self.logger.notice("closed \(n) connection(s) left open at shutdown") }
            }
            // Like the tick loop, the AudioHook client runs until the group is cancelled (after the server
            // returned); its sessions end with it.
            group.addTask { await self.audioHook.run() }
            // The seed Audio Connector's producer: real-time audio for every subscribed call.
            group.addTask { await self.seedAudio.run() }
            // EventBridge push of the journeys' detail events (a loop per org with journeys; idle without a target).
            group.addTask { await self.eventBridge.run() }
            // The server's graceful shutdown waits for open connections to end, and the notification sockets
            // end only when told: finish them as soon as a shutdown (or cancellation) begins, not after the
            // server returned — that would wait forever for a socket its client never closed.
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    _ = try await group.next()
                } onGracefulShutdown: {
                    self.finishSockets()
                }
            } onCancel: {
                self.finishSockets()
            }
            group.cancelAll()
        }
        finishSockets()
    }

    /// Ends every open notification socket — those of channels, and any served socket whose channel is gone
    /// (expired, evicted) — by closing its connection, so the server's graceful shutdown does not wait for a
    /// client to close it; sockets accepted from now on are closed at once.
    func finishSockets() {
        for org in orgs {
            org.with { s in
                for ch in s.channels.values { ch.socket?.finish() }
            }
        }
        let served = servedSockets.withLock { state in
            state.closing = true
            return Array(state.sockets.values)
        }
        for socket in served { socket.abort() }
        seedAudio.finishAll()
        eventStream.finishAll()
    }

    /// Waits until the listener is bound; returns the bound port (-1 when ``run()`` ended without
    /// ever listening, e.g. the port was taken).
    public func waitUntilListening() async -> Int {
        await withCheckedContinuation { (cont: CheckedContinuation<Int, Never>) in
            let port: Int? = listening.withLock { state in
                if let p = state.port { return p }
                state.waiters.append(cont)
                return nil
            }
            if let port { cont.resume(returning: port) }
        }
    }

    /// `http://HOST:PORT` once listening (the configured port before that). Both `apiBase` and
    /// `loginBase` for every org.
    public var baseURL: String {
        let port = listening.withLock { $0.port } ?? options.port
        return "http://\(options.host):\(port)"
    }

    func didStartListening(port: Int) {
        let waiters = listening.withLock { state -> [CheckedContinuation<Int, Never>] in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for w in waiters { w.resume(returning: port) }
        logger.info("simulator listening", metadata: ["url": "\(baseURL)", "orgs": "\(orgIDs.joined(separator: ","))"])
    }

    private func stoppedListening() {
        let waiters = listening.withLock { state -> [CheckedContinuation<Int, Never>] in
            if state.port == nil { state.port = -1 }
            defer { state.waiters = [] }
            return state.waiters
        }
        for w in waiters { w.resume(returning: -1) }
    }

    // MARK: - In-process accessors

    /// The ground truth of `org` now (the same content as `GET /_sim/truth?org=`); nil for an unknown org.
    public func truth(org: String) async -> SimTruth? {
        guard let rt = orgByID[org] else { return nil }
        let now = clock.now()
        var truth = rt.with { s in
            s.model.advance(to: now)
            return s.model.truth()
        }
        truth.speech = speechTruth(org: org)
        truth.journeys?.eventBridge = eventBridge.stats(org: org)
        return truth
    }

    // MARK: - AudioHook client

    /// Points the AudioHook client at a bridge (`ws://HOST:PORT/audiohook/v1`) with each org's integration
    /// credentials (orgs without are not monitored); nil stops new sessions. Calls whose agent connects from
    /// now on get sessions, a share of them (``SimulatorOptions/audioHookShare``, ``setAudioHookShare(_:)``).
    public func setAudioHookTarget(url: String?, credentials: [String: SimAudioHookCredentials]) {
        audioHook.setTarget(url: url, credentials: credentials)
        let on = (url != nil && !credentials.isEmpty) || options.seedAudioEnabled
        for rt in orgs { rt.with { $0.model.recordsAudio = on } }
    }

    /// Changes the share of voice calls monitored (0…1).
    public func setAudioHookShare(_ share: Double) { audioHook.setShare(share) }

    /// The org's organization id (a UUID; `GET /api/v2/organizations/me` `id`), nil for an unknown org.
    public func organizationID(org: String) -> String? {
        orgByID[org]?.with { $0.model.organizationID }
    }

    /// The speech sessions of `org` so far (the truth's `speech`): AudioHook sessions and seed Audio Connector
    /// sessions (`seed/<conversation id>`), by start time.
    public func speechTruth(org: String) -> [SimSpeechSession] {
        let all = audioHook.sessions(org: org) + seedAudio.sessions(org: org)
        return all.enumerated().sorted { ($0.element.startedAt, $0.offset) < ($1.element.startedAt, $1.offset) }.map(\.element)
    }

    /// The queue service truth of `org` at `at` (business epoch ms; nil or later than now: now), every
    /// window ending at `at` (`GET /_sim/truth/service`). Nil for an unknown org.
    public func serviceTruth(org: String, at: EpochMillis? = nil) async -> SimTruth.ServiceReport? {
        guard let rt = orgByID[org] else { return nil }
        let now = clock.now()
        return rt.with { s in
            s.model.advance(to: now)
            return s.model.serviceTruth(at: min(at ?? now, now))
        }
    }

    /// Injects a fault into `org` (or every org for `"all"`) and logs it.
    @discardableResult
    public func inject(_ fault: SimFault, org: String) async -> [SimFaultRecord] {
        injectNow(fault, org: org, source: "api")
    }

    /// Sockets of `org` that are attached to a channel and not ghosted: what a socket fault would hit.
    public func liveSockets(org: String) async -> Int {
        orgByID[org]?.with { s in s.channels.values.filter { $0.socket != nil && !$0.ghost }.count } ?? 0
    }

    /// Socket pings (`{"message":"ping"}`) of `org` answered with a pong so far.
    public func pingsAnswered(org: String) async -> Int {
        orgByID[org]?.with { $0.pingsAnswered } ?? 0
    }

    /// Platform requests answered so far, every org together, by `METHOD /path` with ids folded to `{id}` (the same
    /// as `GET /_sim/requests`).
    public func requestCounts() -> [String: Int] { requests.snapshot }

    /// The fault log, oldest first.
    public func faultLog() async -> [SimFaultRecord] { faults.withLock { $0 } }

    func injectNow(_ fault: SimFault, org: String, source: String) -> [SimFaultRecord] {
        let targets = org == "all" ? orgs : orgByID[org].map { [$0] } ?? []
        var records: [SimFaultRecord] = []
        let realNow = SystemClock.realNow()
        let businessNow = clock.now()
        let grace = Self.millis(options.maintenanceCloseGrace)
        for rt in targets {
            var detail: String
            if case .audioHook(let f) = fault {
                detail = audioHook.enqueue(f, org: rt.id)
            } else if case .seedAudio(let f) = fault {
                detail = seedAudio.inject(f, org: rt.id)
            } else if case .eventStream(let f) = fault {
                detail = eventStream.inject(f, org: rt.id)
            } else {
                detail = rt.with { s in s.apply(fault, realNow: realNow, grace: grace) }
            }
            if case .expireToken = fault { detail = "\(tokens.revokeAll(org: rt.id)) token(s) invalidated" }
            if case .journey(let f, let n) = fault { detail += eventBridge.inject(f, count: n, org: rt.id) }
            let record = faults.withLock { log -> SimFaultRecord in
                let r = SimFaultRecord(
                    seq: log.count + 1, org: rt.id, kind: fault.kind, count: fault.count, status: fault.status,
                    at: Timestamp.format(businessNow), atMillis: businessNow, realAt: Timestamp.format(realNow),
                    source: source, detail: detail)
                log.append(r)
                return r
            }
            logger.notice("fault injected", metadata: [
                "org": "\(rt.id)", "kind": "\(fault.kind)", "at": "\(record.at)", "realAt": "\(record.realAt)",
                "detail": "\(detail)",
            ])
            records.append(record)
        }
        return records
    }

    // MARK: - Tick

    static func millis(_ d: Duration) -> EpochMillis {
        let c = d.components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }

    private func tickLoop() async {
        var last = ContinuousClock.now
        var stormCarry = 0.0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            if Task.isCancelled { break }
            let nowInstant = ContinuousClock.now
            let dt = Double(Self.millis(nowInstant - last)) / 1000
            last = nowInstant
            var storm = 0
            let rate = stormRate.load(ordering: .relaxed)
            if rate > 0 {
                stormCarry += Double(rate) * dt / Double(orgs.count)
                storm = Int(stormCarry)
                stormCarry -= Double(storm)
            }
            tick(stormPerOrg: storm)
        }
    }

    /// One step: every org advances to the clock's now and delivers; random faults fire.
    func tick(stormPerOrg: Int = 0) {
        let businessNow = clock.now()
        let realNow = SystemClock.realNow()
        let heartbeat = max(10, Self.millis(options.heartbeatInterval))
        for rt in orgs {
            let (audio, pushed, seed) = rt.with { s in
                s.tick(businessNow: businessNow, realNow: realNow, heartbeatMs: heartbeat, stormEvents: stormPerOrg)
                return (s.model.takeAudioEvents(), s.takeEventBridge(realNow: realNow),
                        s.model.journeys?.takeSeedEvents() ?? [])
            }
            if !pushed.isEmpty { eventBridge.enqueue(org: rt.id, pushed) }
            eventStream.deliver(org: rt.id, events: seed)
            if !audio.isEmpty {
                audioHook.deliver(org: rt.id, events: audio)
                seedAudio.deliver(org: rt.id, events: audio)
            }
        }
        eventStream.pump(realNow: realNow)
        if let rate = options.randomFaultRate, rate > 0 {
            let hours = Double(max(0, businessNow - lastTick.exchange(businessNow, ordering: .relaxed))) / 3_600_000
            for rt in orgs {
                let pick: SimFault? = faultRNG.withLock { rng in
                    guard rng.chance(rate * hours) else { return nil }
                    let kinds = options.randomFaultKinds.isEmpty ? SimFault.kinds : options.randomFaultKinds
                    return SimFault(kind: kinds[rng.int(0...(kinds.count - 1))], count: rng.int(1...3))
                }
                if let pick { _ = injectNow(pick, org: rt.id, source: "random") }
            }
        }
    }
}

/// Reports a `--start-at` history replay: a line when it starts, the share done every few seconds, and
/// the time it took (at `notice`, so `switchboard demo` shows it too).
final class ReplayProgress: Sendable {
    private struct State {
        var done: [Int64]
        var lastReport = ContinuousClock.now
    }
    private let state: Mutex<State>
    private let span: Int64
    private let started = ContinuousClock.now
    private let logger: Logger
    static let reportEvery: Duration = .seconds(2)

    init(orgs: Int, span: Int64, logger: Logger) {
        state = Mutex(State(done: Array(repeating: 0, count: orgs)))
        self.span = max(1, span)
        self.logger = logger
    }

    func started(agents: Int) {
        let minutes = span / 60_000
        let orgs = state.withLock { $0.done.count }
        logger.notice("replaying the simulated day's history (--start-at): \(minutes / 60)h\(minutes % 60)m for \(orgs) org(s) of \(agents) agents; the simulator listens when it is done")
    }

    /// Org `org` has replayed `done` ms of the history.
    func advanced(org: Int, by done: Int64) {
        let share: Int? = state.withLock { s in
            s.done[org] = min(done, span)
            guard ContinuousClock.now - s.lastReport >= Self.reportEvery else { return nil }
            s.lastReport = .now
            return Int(s.done.reduce(0, +) * 100 / (span * Int64(s.done.count)))
        }
        if let share { logger.notice("replaying history: \(share) % done") }
    }

    func finished() {
        logger.notice("history replayed in \((ContinuousClock.now - started).shortText)")
    }
}
