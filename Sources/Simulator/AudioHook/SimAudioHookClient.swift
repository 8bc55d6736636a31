import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import SwitchboardCore

/// One org's AudioHook integration credentials as Genesys would hold them.
public struct SimAudioHookCredentials: Sendable, Equatable {
    public var apiKey: Secret
    /// Base64; the HMAC key is its decoded bytes.
    public var clientSecret: Secret
    /// The `Audiohook-Organization-Id` and `open.organizationId`; nil: the org's own id (`GET /api/v2/organizations/me`).
    public var organizationId: String?

    public init(apiKey: Secret, clientSecret: Secret, organizationId: String? = nil) {
        self.apiKey = apiKey
        self.clientSecret = clientSecret
        self.organizationId = organizationId
    }
}

/// The simulator as Genesys's AudioHook Monitor client: for a share of the voice calls, one signed
/// WebSocket session per conversation to the configured target, opened when an agent connects, paused
/// on hold and during a transfer, closed when the call ends. Sessions run as child tasks of ``run()``.
final class SimAudioHookClient: Sendable {
    enum Command: Sendable { case pause, resume, end }

    final class SessionBox: Sendable {
        let org: String
        let startedAt: String
        let machine: Mutex<SimAudioHookSessionMachine>
        let commands: AsyncStream<Command>.Continuation
        init(org: String, machine: SimAudioHookSessionMachine, commands: AsyncStream<Command>.Continuation) {
            self.org = org
            self.startedAt = Timestamp.format(SystemClock.realNow())
            self.machine = Mutex(machine)
            self.commands = commands
        }
        var truth: SimSpeechSession { machine.withLock { $0.truth(startedAt: startedAt) } }
    }

    struct Job: Sendable {
        let box: SessionBox
        let commands: AsyncStream<Command>
        let url: String
        let headers: [(name: String, value: String)]
    }

    private struct State {
        var target: String?
        var credentials: [String: SimAudioHookCredentials] = [:]
        var share: Double
        var openedTimeout: Duration
        var pingInterval: Duration
        var sessions: [String: [SessionBox]] = [:]
        /// Live sessions by org and conversation id.
        var live: [String: SessionBox] = [:]
        var pendingFaults: [String: [SimAudioHookFault]] = [:]
        var lastNonce: [String: String] = [:]
        var stopped = false
    }

    private let state: Mutex<State>
    private let jobs: AsyncStream<Job>
    private let jobSink: AsyncStream<Job>.Continuation
    private let organizationIDs: [String: String]
    private let seed: UInt64
    private let logger: Logger
    /// The spoken sentences (`spokenPhrases`), once rendered.
    let phrases: SimPhraseBookSlot

    init(options: SimulatorOptions, organizationIDs: [String: String], logger: Logger,
         phrases: SimPhraseBookSlot = SimPhraseBookSlot()) {
        self.phrases = phrases
        state = Mutex(State(share: options.audioHookShare, openedTimeout: options.audioHookOpenedTimeout,
                            pingInterval: options.audioHookPingInterval))
        (jobs, jobSink) = AsyncStream<Job>.makeStream()
        self.organizationIDs = organizationIDs
        self.seed = options.seed
        self.logger = logger
    }

    func setTarget(url: String?, credentials: [String: SimAudioHookCredentials]) {
        state.withLock {
            $0.target = url
            $0.credentials = credentials
        }
    }

    func setShare(_ share: Double) { state.withLock { $0.share = min(1, max(0, share)) } }

    func setTimeouts(opened: Duration? = nil, ping: Duration? = nil) {
        state.withLock {
            if let opened { $0.openedTimeout = opened }
            if let ping { $0.pingInterval = ping }
        }
    }

    /// Whether any org has a target and credentials (the model records call milestones only then).
    var isTargeted: Bool { state.withLock { $0.target != nil && !$0.credentials.isEmpty } }

    /// Every session of `org` so far, oldest first.
    func sessions(org: String) -> [SimSpeechSession] {
        let boxes = state.withLock { $0.sessions[org] ?? [] }
        return boxes.map(\.truth)
    }

    /// Queues a fault for `org`'s sessions; returns the log's detail.
    func enqueue(_ fault: SimAudioHookFault, org: String) -> String {
        state.withLock { s in
            if !fault.isUpgradeFault {
                // A streaming session takes it at its next frame.
                let key = s.live.keys.sorted().first { $0.hasPrefix(org + "/") && s.live[$0]!.machine.withLock { $0.phase == .streaming } }
                if let key, let box = s.live[key] {
                    let session = box.machine.withLock { m in
                        m.inject(fault)
                        return m.configuration.session
                    }
                    return "taken by session \(session) at its next frame"
                }
            }
            s.pendingFaults[org, default: []].append(fault)
            return "queued for the org's next AudioHook session"
        }
    }

    /// Whether conversation `id` gets a session: a seeded hash of its id against the share.
    static func monitored(_ conversationId: String, seed: UInt64, share: Double) -> Bool {
        guard share < 1 else { return true }
        return Double(hash(conversationId, seed: seed) >> 11) / Double(UInt64(1) << 53) < share
    }

    /// FNV-1a of `text`, seeded.
    static func hash(_ text: String, seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Follows the org's call milestones: starts, pauses, resumes and ends sessions.
    func deliver(org: String, events: [SimCallAudioEvent]) {
        for e in events {
            let key = org + "/" + e.conversationId
            switch e.kind {
            case .connected(let participantId, let ani, let dnis):
                if let box = state.withLock({ $0.live[key] }) {
                    box.commands.yield(.resume)  // the transfer connected: same session
                } else {
                    start(org: org, key: key, conversationId: e.conversationId, participantId: participantId, ani: ani, dnis: dnis)
                }
            case .paused:
                state.withLock { $0.live[key] }?.commands.yield(.pause)
            case .resumed:
                state.withLock { $0.live[key] }?.commands.yield(.resume)
            case .ended:
                if let box = state.withLock({ $0.live.removeValue(forKey: key) }) {
                    box.commands.yield(.end)
                    box.commands.finish()
                }
            }
        }
    }

    private func start(org: String, key: String, conversationId: String, participantId: String, ani: String, dnis: String) {
        let job: Job? = state.withLock { s in
            guard !s.stopped, let target = s.target, let creds = s.credentials[org],
                Self.monitored(conversationId, seed: seed, share: s.share),
                let url = URL(string: target), let host = url.host
            else { return nil }
            let organizationId = creds.organizationId ?? organizationIDs[org] ?? AudioHookNull.uuid
            var rng = SystemRandomNumberGenerator()
            let session = UUID().uuidString.lowercased(), correlation = UUID().uuidString.lowercased()
            var config = SimAudioHookSessionMachine.Configuration(
                org: org, session: session, correlationId: correlation, organizationId: organizationId,
                conversationId: conversationId, participantId: participantId, ani: ani, dnis: dnis)
            config.openedTimeout = s.openedTimeout
            config.pingInterval = s.pingInterval
            // The same conversation gets the same schedule for the same seed.
            let scheduleSeed = Self.hash(conversationId, seed: seed)
            config.waveformOffset = Int(scheduleSeed % UInt64(SimSpeechSynth.rate))
            var machine = SimAudioHookSessionMachine(
                configuration: config, schedule: SimSpeechSchedule(seed: scheduleSeed, phrases: phrases.book))
            // Faults: upgrade faults apply now; stream faults wait for the first frame.
            var tamper = false
            var nonce = SimAudioHookWire.nonce(using: &rng)
            for fault in s.pendingFaults.removeValue(forKey: org) ?? [] {
                switch fault {
                case .badSignature:
                    tamper = true
                    machine.record(fault: fault)
                case .replayNonce:
                    if let previous = s.lastNonce[org] { nonce = previous }
                    machine.record(fault: fault)
                default:
                    machine.inject(fault)
                }
            }
            s.lastNonce[org] = nonce
            let port = url.port.map { ":\($0)" } ?? ""
            var path = url.path.isEmpty ? "/" : url.path
            if let q = url.query { path += "?" + q }
            let headers = SimAudioHookWire.signedHeaders(
                target: path, authority: host + port, organizationId: organizationId, sessionId: session,
                correlationId: correlation, apiKey: creds.apiKey, clientSecret: creds.clientSecret, nonce: nonce,
                created: SystemClock.realNow() / 1000, tamper: tamper)
            let (commands, sink) = AsyncStream<Command>.makeStream()
            let box = SessionBox(org: org, machine: machine, commands: sink)
            s.live[key] = box
            s.sessions[org, default: []].append(box)
            return Job(box: box, commands: commands, url: target, headers: headers)
        }
        if let job { jobSink.yield(job) }
    }

    /// Runs every session until cancelled (or ``stop()``, which the tests use).
    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await self.runSession(job) }
            }
        }
    }

    /// Ends every live session (`close`) and takes no new ones.
    func stop() {
        let boxes = state.withLock { s -> [SessionBox] in
            s.stopped = true
            defer { s.live.removeAll() }
            return Array(s.live.values)
        }
        for box in boxes {
            box.commands.yield(.end)
            box.commands.finish()
        }
        jobSink.finish()
    }

    private enum Input: Sendable { case text(String), command(Command), tick, closed }

    static let tickInterval: Duration = .milliseconds(50)

    private func runSession(_ job: Job) async {
        let box = job.box
        var config = WebSocketClientConfiguration(maxFrameSize: 1 << 16, closeTimeout: .seconds(2))
        var fields = HTTPFields()
        for h in job.headers {
            if let name = HTTPField.Name(h.name) { fields.append(HTTPField(name: name, value: h.value)) }
        }
        config.additionalHeaders = fields
        let logger = self.logger
        do {
            let client = WebSocketClient(url: job.url, configuration: config, logger: logger) { inbound, outbound, _ in
                let (inputs, input) = AsyncStream<Input>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            for try await message in inbound.messages(maxSize: 1 << 16) {
                                if case .text(let text) = message { input.yield(.text(text)) }
                            }
                        } catch {}
                        input.yield(.closed)
                    }
                    group.addTask {
                        for await command in job.commands { input.yield(.command(command)) }
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: Self.tickInterval)
                            input.yield(.tick)
                        }
                    }
                    var actions = box.machine.withLock { $0.connected(now: .now) }
                    var iterator = inputs.makeAsyncIterator()
                    session: while true {
                        for action in actions {
                            switch action {
                            case .text(let text): try await outbound.write(.text(text))
                            case .audio(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                            case .closeSocket: break session
                            }
                        }
                        guard let next = await iterator.next() else { break }
                        let now = ContinuousClock.now
                        actions = box.machine.withLock { m -> [SimAudioHookSessionMachine.Action] in
                            switch next {
                            case .text(let text): return m.received(text, now: now)
                            case .command(.pause): return m.pause(now: now)
                            case .command(.resume): return m.resume(now: now)
                            case .command(.end): return m.end(now: now)
                            case .tick: return m.tick(now: now)
                            case .closed:
                                m.socketClosed(error: nil)
                                return [.closeSocket]
                            }
                        }
                    }
                    group.cancelAll()
                }
            }
            try await client.run()
            box.machine.withLock { $0.socketClosed(error: nil) }
        } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
            box.machine.withLock { $0.socketClosed(error: "the upgrade was refused", refused: true) }
        } catch {
            box.machine.withLock { $0.socketClosed(error: "\(error)") }
        }
        let truth = box.truth
        logger.debug("audiohook session ended", metadata: [
            "org": "\(truth.org)", "session": "\(truth.session)", "state": "\(truth.state)", "detail": "\(truth.detail ?? "-")",
        ])
    }
}

enum AudioHookNull {
    static let uuid = "00000000-0000-0000-0000-000000000000"
}
