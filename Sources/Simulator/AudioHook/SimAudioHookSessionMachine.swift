import SwitchboardCore

/// The Genesys (client) side of one AudioHook session as a pure state machine on injected real time:
/// `open` → wait for `opened` → 200 ms stereo PCMU frames paced in real time, `ping` every
/// `pingInterval`, `paused`/`resumed` around holds and transfers, `close` → wait for `closed`.
/// It answers `disconnect` with `close`, and carries out the stream faults (``SimAudioHookFault``).
/// It also keeps what the truth needs: the stream segments actually sent.
public struct SimAudioHookSessionMachine: Sendable {
    public struct Configuration: Sendable {
        public var org: String
        public var session: String
        public var correlationId: String
        public var organizationId: String
        public var conversationId: String
        public var participantId: String
        public var ani: String
        public var aniName: String
        public var dnis: String
        public var openedTimeout: Duration = .seconds(5)
        public var closedTimeout: Duration = .seconds(5)
        public var pingInterval: Duration = .seconds(5)
        /// Per-call shift of the synthetic waveform.
        public var waveformOffset: Int = 0

        public init(org: String, session: String, correlationId: String, organizationId: String, conversationId: String,
                    participantId: String, ani: String, aniName: String = "Customer", dnis: String) {
            self.org = org
            self.session = session
            self.correlationId = correlationId
            self.organizationId = organizationId
            self.conversationId = conversationId
            self.participantId = participantId
            self.ani = ani
            self.aniName = aniName
            self.dnis = dnis
        }
    }

    public enum Phase: Sendable, Equatable { case idle, awaitingOpened, streaming, paused, closing, ended }

    public enum Action: Sendable, Equatable {
        case text(String)
        case audio([UInt8])
        /// Close the WebSocket (the session is over for the client).
        case closeSocket
    }

    public static let frameMs: Int64 = 200

    public let configuration: Configuration
    public private(set) var schedule: SimSpeechSchedule
    public private(set) var phase: Phase = .idle
    /// The truth's `state` and `detail`.
    public private(set) var state = "connecting"
    public private(set) var detail: String?
    public private(set) var faults: [String] = []
    public private(set) var seq = 0
    public private(set) var serverseq = 0
    public private(set) var positionMs: Int64 = 0
    public private(set) var gapMs: Int64 = 0
    /// Stream intervals actually sent (the one being sent is open at `segmentStart`).
    public private(set) var segments: [Range<Int64>] = []
    private var segmentStart: Int64?
    private var deadline: ContinuousClock.Instant?
    private var nextFrameAt: ContinuousClock.Instant?
    private var nextPingAt: ContinuousClock.Instant?
    private var pausedAt: ContinuousClock.Instant?
    /// A hold (or transfer) that began before `opened`.
    private var pauseWanted = false
    private var pendingStreamFaults: [SimAudioHookFault] = []

    public init(configuration: Configuration, schedule: SimSpeechSchedule) {
        self.configuration = configuration
        self.schedule = schedule
    }

    // MARK: Inputs

    /// The socket is up: send `open`.
    public mutating func connected(now: ContinuousClock.Instant) -> [Action] {
        guard phase == .idle else { return [] }
        phase = .awaitingOpened
        deadline = now + configuration.openedTimeout
        let c = configuration
        return [send("open", SimAudioHookWire.openParameters(
            organizationId: c.organizationId, conversationId: c.conversationId, participantId: c.participantId,
            ani: c.ani, aniName: c.aniName, dnis: c.dnis))]
    }

    /// A text message from the server.
    public mutating func received(_ text: String, now: ContinuousClock.Instant) -> [Action] {
        guard let m = SimAudioHookWire.parse(text) else { return [] }
        serverseq = max(serverseq, m.seq)
        switch (m.type, phase) {
        case ("opened", .awaitingOpened):
            state = "open"
            deadline = nil
            nextPingAt = now + configuration.pingInterval
            phase = .streaming
            if pauseWanted { return pause(now: now) }
            startSegment(now: now)
            return frames(now: now)
        case ("closed", .closing):
            phase = .ended
            if state != "disconnected" { state = "closed" }
            return [.closeSocket]
        case ("disconnect", .awaitingOpened), ("disconnect", .streaming), ("disconnect", .paused):
            state = "disconnected"
            detail = [m.reason, m.info].compactMap { $0 }.joined(separator: ": ")
            return beginClose(reason: "disconnect", now: now)
        default:
            return []
        }
    }

    /// Time passed: frames and pings that are due, timeouts, stream faults.
    public mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .awaitingOpened, .closing:
            guard let d = deadline, now >= d else { return [] }
            let waited = phase == .awaitingOpened ? "opened" : "closed"
            let limit = phase == .awaitingOpened ? configuration.openedTimeout : configuration.closedTimeout
            endSegment()
            phase = .ended
            state = "failed"
            detail = "\(waited)-timeout: no \(waited) within \(limit.shortText)"
            return [.closeSocket]
        case .streaming:
            return frames(now: now)
        case .paused:
            return ping(now: now)
        case .idle, .ended:
            return []
        }
    }

    /// The call went on hold (or is being transferred): `paused`, no audio until ``resume(now:)``.
    public mutating func pause(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .awaitingOpened, .idle:
            pauseWanted = true
            return []
        case .streaming:
            var out = frames(now: now)
            guard phase == .streaming else { return out }
            endSegment()
            phase = .paused
            pausedAt = now
            out.append(send("paused", "{}"))
            return out
        default:
            return []
        }
    }

    /// Off hold (or the transfer connected): `resumed` with `start` (where the pause began) and
    /// `discarded` (the real time paused, in whole frames); audio goes on from `start + discarded`.
    public mutating func resume(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .awaitingOpened, .idle:
            pauseWanted = false
            return []
        case .paused:
            let paused = GenesysSimulator.millis(now - (pausedAt ?? now))
            let discarded = (paused + Self.frameMs / 2) / Self.frameMs * Self.frameMs
            let start = positionMs
            positionMs += discarded
            gapMs += discarded
            pausedAt = nil
            phase = .streaming
            let out = send("resumed", "{\"start\":\"\(SimAudioHookWire.duration(ms: start))\",\"discarded\":\"\(SimAudioHookWire.duration(ms: discarded))\"}")
            startSegment(now: now)
            return [out]
        default:
            return []
        }
    }

    /// The call ended: `close`, then wait for `closed`.
    public mutating func end(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .idle:
            phase = .ended
            state = "closed"
            return [.closeSocket]
        case .awaitingOpened, .streaming, .paused:
            var out = phase == .streaming ? frames(now: now) : []
            if phase == .streaming || phase == .paused || phase == .awaitingOpened {
                out += beginClose(reason: "end", now: now)
            }
            return out
        default:
            return []
        }
    }

    /// The socket closed (or could not be opened): the session is over.
    public mutating func socketClosed(error: String?, refused: Bool = false) {
        guard phase != .ended else { return }
        endSegment()
        state = refused ? "refused" : "failed"
        detail = error ?? "the server closed the socket before \(phase == .closing ? "closed" : "close")"
        phase = .ended
    }

    /// Records a fault applied by the driver (the upgrade faults).
    public mutating func record(fault: SimAudioHookFault) { faults.append(fault.kind) }

    /// Queues a stream fault, carried out with the next frame.
    public mutating func inject(_ fault: SimAudioHookFault) { pendingStreamFaults.append(fault) }

    /// Whether the session can still take a stream fault.
    public var acceptsStreamFaults: Bool { phase == .awaitingOpened || phase == .streaming || phase == .paused || phase == .idle }

    /// The next instant ``tick(now:)`` has something to do; nil when nothing is timed.
    public var nextDeadline: ContinuousClock.Instant? {
        switch phase {
        case .awaitingOpened, .closing: deadline
        case .streaming: [nextFrameAt, nextPingAt].compactMap { $0 }.min()
        case .paused: nextPingAt
        case .idle, .ended: nil
        }
    }

    // MARK: Internals

    private mutating func send(_ type: String, _ parameters: String) -> Action {
        seq += 1
        return .text(SimAudioHookWire.message(session: configuration.session, type: type, seq: seq, serverseq: serverseq,
                                              positionMs: positionMs, parameters: parameters))
    }

    private mutating func beginClose(reason: String, now: ContinuousClock.Instant) -> [Action] {
        endSegment()
        phase = .closing
        deadline = now + configuration.closedTimeout
        return [send("close", "{\"reason\":\"\(reason)\"}")]
    }

    private mutating func startSegment(now: ContinuousClock.Instant) {
        segmentStart = positionMs
        nextFrameAt = now
    }

    private mutating func endSegment() {
        if let s = segmentStart, s < positionMs { segments.append(s..<positionMs) }
        segmentStart = nil
        nextFrameAt = nil
    }

    private mutating func ping(now: ContinuousClock.Instant) -> [Action] {
        guard let p = nextPingAt, now >= p else { return [] }
        nextPingAt = p + configuration.pingInterval
        if nextPingAt! <= now { nextPingAt = now + configuration.pingInterval }
        return [send("ping", "{}")]
    }

    /// Frames due by `now` (each 200 ms of real time since the segment began), with pings in between.
    private mutating func frames(now: ContinuousClock.Instant) -> [Action] {
        var out: [Action] = []
        while phase == .streaming, let due = nextFrameAt, due <= now {
            if let p = nextPingAt, p <= due { out += ping(now: due) }
            if !pendingStreamFaults.isEmpty {
                let fault = pendingStreamFaults.removeFirst()
                faults.append(fault.kind)
                switch fault {
                case .drop:
                    endSegment()
                    phase = .ended
                    state = "dropped"
                    detail = "the socket was closed mid-call without close (fault)"
                    out.append(.closeSocket)
                    return out
                case .malformedJSON:
                    out.append(.text("{\"version\":\"2\",\"id\":\"\(configuration.session)\",\"type\":\"ping\",\"seq\":"))
                case .unknownType:
                    out.append(send("telemetry", "{\"note\":\"a message type the protocol does not have\"}"))
                case .oddFrame:
                    var bytes = nextFrame()
                    bytes.removeLast()
                    out.append(.audio(bytes))
                    continue
                case .badSignature, .replayNonce:
                    break
                }
            }
            out.append(.audio(nextFrame()))
        }
        if phase == .streaming { out += ping(now: now) }
        return out
    }

    private mutating func nextFrame() -> [UInt8] {
        schedule.extend(through: positionMs + Self.frameMs)
        let bytes = SimSpeechSynth.frame(schedule, from: positionMs, ms: Self.frameMs, offset: configuration.waveformOffset)
        positionMs += Self.frameMs
        nextFrameAt = nextFrameAt.map { $0 + .milliseconds(Self.frameMs) }
        return bytes
    }

    /// The session's truth now.
    public func truth(startedAt: String) -> SimSpeechSession {
        var sent = segments
        if let s = segmentStart, s < positionMs { sent.append(s..<positionMs) }
        let f = SimSpeechSession.figures(schedule: schedule, segments: sent)
        var truth = SimSpeechSession(
            org: configuration.org, session: configuration.session, correlationId: configuration.correlationId,
            conversationId: configuration.conversationId, state: state, detail: detail, paused: phase == .paused,
            startedAt: startedAt, analysedMs: sent.reduce(0) { $0 + Int64($1.count) }, gapMs: gapMs,
            customer: f.customer, agent: f.agent, silenceMs: f.silenceMs, overtalkMs: f.overtalkMs,
            longestSilenceMs: f.longestSilenceMs, faults: faults)
        truth.spoken = SimSpeechSession.spoken(schedule: schedule, segments: sent)
        return truth
    }
}
