/// The server side of one AudioHook session, as a pure state machine: the owner feeds it text
/// messages, binary frames, ticks and the socket's closing, with the time, and carries out the
/// actions it returns (send a message, hand audio to the analyzer, close the socket, log a failure).
///
/// - The first message must be `open`; its media offer is answered with `opened` naming one entry
///   (PCMU stereo at 8 kHz, else L16 stereo), or the session is disconnected with the reason.
/// - A probe session (the null conversation id, sent when an integration is activated) is opened
///   like any other; Genesys then closes it.
/// - `seq` of client messages must go up by exactly 1 from 1; `serverseq` may not exceed what was
///   sent; every server message carries `clientseq` = the last client `seq` (so a `pong` echoes its
///   `ping`'s `seq`).
/// - `paused`/`resumed`/`discarded` move the stream position over the gap; audio while paused, audio
///   before `opened`, and frames that are not whole samples of every channel are protocol errors.
/// - `close` is answered `closed` in any state; the client then closes the socket.
/// - A protocol error sends `disconnect` (`unauthorized` for authentication, else `error`) with the
///   reason as `info`, then waits for the client's `close`.
/// - Timeouts come from ``tick(now:)``: no `open` within `openTimeout`, nothing received for
///   `idleTimeout`, no `close` (or socket close) within `closeTimeout` after `disconnect`/`closed`.
public struct AudioHookSessionStateMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public struct Configuration: Sendable, Equatable {
        /// From the upgrade to the client's `open`.
        public var openTimeout: Duration
        /// Longest quiet spell (no audio, ping or message) of an open session. The reference client
        /// pings every 5 s, also while paused; Genesys's own interval is not documented.
        public var idleTimeout: Duration
        /// From `disconnect` or `closed` until the socket must be closed.
        public var closeTimeout: Duration
        /// Accepted formats, most preferred first (stereo at 8 kHz; see ``AudioMedia/choose(from:preference:)``).
        public var formats: [AudioMediaFormat]

        public init(openTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
                    closeTimeout: Duration = .seconds(10), formats: [AudioMediaFormat] = [.pcmu, .l16]) {
            self.openTimeout = openTimeout
            self.idleTimeout = idleTimeout
            self.closeTimeout = closeTimeout
            self.formats = formats
        }
    }

    /// What `open` said, once the session is opened.
    public struct SessionInfo: Sendable, Equatable {
        public var sessionId: String
        public var organizationId: String
        /// The null UUID for a probe.
        public var conversationId: String
        public var participant: AudioHookMessage.Participant
        /// The medium chosen; binary frames interleave its `channels` in this order.
        public var media: AudioMedia
        public var language: String?
        public var isProbe: Bool
    }

    /// One binary frame of whole samples.
    public struct AudioFrame: Sendable, Equatable {
        /// Raw samples, interleaved per sample in the order of `media.channels`.
        public var bytes: [UInt8]
        /// The stream position of the frame's first sample.
        public var position: AudioHookDuration
        /// Samples per channel.
        public var sampleCount: Int
        public var media: AudioMedia
    }

    /// How the session ended (reported once).
    public enum End: Sendable, Equatable {
        /// The client sent `close` with this reason (`end`, `error`, `disconnect`, `reconnect`).
        case closed(reason: String)
        /// The server disconnected: an error found here, or ``complete(now:)`` (`nil`).
        case disconnected(AudioHookError?)
        /// The socket closed without a `close`.
        case socketClosed
    }

    public enum Action: Sendable, Equatable {
        /// Send this text message.
        case send(AudioHookMessage)
        /// The session is open (sent with `opened`).
        case started(SessionInfo)
        /// Audio for the analyzer.
        case deliverAudio(AudioFrame)
        /// The client paused the stream at this position.
        case paused(at: AudioHookDuration)
        /// The client resumed; audio from `start` for `discarded` was not sent.
        case resumed(start: AudioHookDuration, discarded: AudioHookDuration)
        /// Audio from `start` for `discarded` was dropped by the client (back-pressure).
        case discarded(start: AudioHookDuration, discarded: AudioHookDuration)
        /// The conversation's language changed (`update`).
        case languageChanged(String)
        /// The client reported an error (`error`); informational.
        case clientError(AudioHookMessage.ClientError)
        /// The session failed for this reason (log it; a `disconnect` is sent with it).
        case fail(AudioHookError)
        /// The session is over for the analytics: flush and forget it. Reported once.
        case ended(End)
        /// Close the WebSocket now.
        case closeSocket
    }

    public enum State: Sendable, Equatable {
        case awaitingOpen
        case open(paused: Bool)
        /// `disconnect` sent; waiting for the client's `close`.
        case disconnecting
        /// `closed` sent; waiting for the client to close the socket.
        case closed
        /// The socket is closed (or being closed).
        case finished
    }

    public let sessionId: String
    /// The upgrade's `Audiohook-Organization-Id`; `open` must name the same.
    public let organizationId: String?
    public let configuration: Configuration
    public private(set) var state: State = .awaitingOpen
    /// The last `seq` sent.
    public private(set) var seq = 0
    /// The last client `seq` received.
    public private(set) var clientseq = 0
    public private(set) var media: AudioMedia?
    private var positionSamples: Int64 = 0
    private var lastActivity: Instant
    private var stateSince: Instant
    private var endReported = false

    public init(sessionId: String, organizationId: String?, configuration: Configuration = Configuration(), now: Instant) {
        self.sessionId = sessionId
        self.organizationId = organizationId
        self.configuration = configuration
        self.lastActivity = now
        self.stateSince = now
    }

    /// The stream position: samples received plus the gaps reported.
    public var position: AudioHookDuration { AudioHookDuration(samples: positionSamples, rate: media?.rate ?? 8000) }

    // MARK: Input

    /// A text frame arrived.
    public mutating func receivedText(_ text: String, now: Instant) -> [Action] {
        guard state != .finished, state != .closed else { return [] }
        do throws(AudioHookError) {
            return received(try AudioHookMessage.decode(text), now: now)
        } catch {
            // After `disconnect` only a `close` matters; anything unreadable is ignored.
            return state == .disconnecting ? [] : fail(error, now: now)
        }
    }

    /// A decoded text message arrived.
    public mutating func received(_ message: AudioHookMessage, now: Instant) -> [Action] {
        switch state {
        case .finished, .closed:
            return []
        case .disconnecting:
            guard case .close(let close) = message.parameters else { return [] }
            clientseq = max(clientseq, message.seq)
            return closed(reason: close.reason, now: now)
        case .awaitingOpen, .open:
            break
        }
        lastActivity = now
        guard message.type.isClientMessage else { return fail(.unexpected(message.type), now: now) }
        guard message.id.lowercased() == sessionId.lowercased() else { return fail(.sessionMismatch(got: message.id), now: now) }
        guard message.seq == clientseq + 1 else {
            return fail(.sequence(got: message.seq, expected: clientseq + 1, type: message.type), now: now)
        }
        clientseq = message.seq
        if let s = message.serverseq, s > seq { return fail(.serverSequence(got: s, sent: seq), now: now) }

        switch (state, message.parameters) {
        case (_, .close(let close)):
            return closed(reason: close.reason, now: now)
        case (_, .error(let error)):
            return [.clientError(error)]
        case (.awaitingOpen, .open(let open)):
            return opened(open, now: now)
        case (.awaitingOpen, _):
            return fail(.notOpen(message.type), now: now)
        case (.open, .open):
            return fail(.duplicateOpen, now: now)
        case (.open, .ping):
            return [send(.pong)]
        case (.open(let paused), .paused):
            guard !paused else { return [] }
            state = .open(paused: true)
            return [.paused(at: position)]
        case (.open, .resumed(let gap)):
            state = .open(paused: false)
            advance(over: gap)
            return [.resumed(start: gap.start, discarded: gap.discarded)]
        case (.open, .discarded(let gap)):
            advance(over: gap)
            return [.discarded(start: gap.start, discarded: gap.discarded)]
        case (.open, .update(let update)):
            return [.languageChanged(update.language)]
        default:
            // Server message types were refused above; every client type is handled.
            return fail(.unexpected(message.type), now: now)
        }
    }

    /// A binary frame arrived.
    public mutating func receivedAudio(_ bytes: [UInt8], now: Instant) -> [Action] {
        switch state {
        case .finished, .closed, .disconnecting:
            return []  // the session is ending; late audio is dropped
        case .awaitingOpen:
            return fail(.audioBeforeOpen(), now: now)
        case .open(paused: true):
            return fail(.audioWhilePaused(), now: now)
        case .open(paused: false):
            break
        }
        lastActivity = now
        guard let media, let width = media.bytesPerFrameSample, width > 0 else { return fail(.audioBeforeOpen(), now: now) }
        guard bytes.count % width == 0 else {
            return fail(.partialSample(bytes: bytes.count, bytesPerSample: width, media: media), now: now)
        }
        let samples = bytes.count / width
        guard samples > 0 else { return [] }
        let start = position
        positionSamples += Int64(samples)
        return [.deliverAudio(AudioFrame(bytes: bytes, position: start, sampleCount: samples, media: media))]
    }

    /// Time passed: the open, idle and close timeouts.
    public mutating func tick(now: Instant) -> [Action] {
        guard let deadline = nextDeadline, now >= deadline else { return [] }
        switch state {
        case .awaitingOpen:
            return fail(.openTimeout(configuration.openTimeout), now: now)
        case .open:
            return fail(.idleTimeout(configuration.idleTimeout), now: now)
        case .disconnecting, .closed:
            state = .finished
            return [.closeSocket]
        case .finished:
            return []
        }
    }

    /// When the owner should next call ``tick(now:)``; nil once finished.
    public var nextDeadline: Instant? {
        switch state {
        case .awaitingOpen: stateSince + configuration.openTimeout
        case .open: lastActivity + configuration.idleTimeout
        case .disconnecting, .closed: stateSince + configuration.closeTimeout
        case .finished: nil
        }
    }

    /// The socket closed (by the client or the network).
    public mutating func socketClosed(now: Instant) -> [Action] {
        guard state != .finished else { return [] }
        state = .finished
        return reportEnd(.socketClosed)
    }

    // MARK: Server-initiated

    /// Ends the session for a reason found outside the machine (a failed upgrade check, overload):
    /// `disconnect` with the reason, then wait for `close`.
    public mutating func fail(_ error: AudioHookError, now: Instant) -> [Action] {
        guard state == .awaitingOpen || state.isOpen else { return [] }
        var actions: [Action] = [.fail(error), send(.disconnect(.init(reason: error.disconnectReason, info: error.message)))]
        state = .disconnecting
        stateSince = now
        actions += reportEnd(.disconnected(error))
        return actions
    }

    /// Ends the session normally (shutdown): `disconnect` with reason `completed`.
    public mutating func complete(now: Instant) -> [Action] {
        guard state == .awaitingOpen || state.isOpen else { return [] }
        let action = send(.disconnect(.init(reason: .completed)))
        state = .disconnecting
        stateSince = now
        return [action] + reportEnd(.disconnected(nil))
    }

    /// Asks the client to pause (`pause`) or resume (`resume`) the stream; nothing unless open.
    public mutating func requestPause(_ pause: Bool) -> [Action] {
        guard state.isOpen else { return [] }
        return [send(pause ? .pause : .resume)]
    }

    // MARK: Steps

    private mutating func opened(_ open: AudioHookMessage.Open, now: Instant) -> [Action] {
        if let organizationId, organizationId.lowercased() != open.organizationId.lowercased() {
            return fail(.organizationMismatch(header: organizationId, open: open.organizationId), now: now)
        }
        guard let chosen = AudioMedia.choose(from: open.media, preference: configuration.formats) else {
            return fail(.noSupportedMedia(offered: open.media), now: now)
        }
        media = chosen
        state = .open(paused: false)
        stateSince = now
        let reply = AudioHookMessage.Opened(media: [chosen], startPaused: false,
                                            supportedLanguages: open.supportedLanguages == true ? [] : nil)
        let info = SessionInfo(sessionId: sessionId, organizationId: open.organizationId, conversationId: open.conversationId,
                               participant: open.participant, media: chosen, language: open.language, isProbe: open.isProbe)
        return [send(.opened(reply)), .started(info)]
    }

    private mutating func closed(reason: String, now: Instant) -> [Action] {
        let action = send(.closed)
        state = .closed
        stateSince = now
        return [action] + reportEnd(.closed(reason: reason))
    }

    private mutating func advance(over gap: AudioHookMessage.Gap) {
        let rate = media?.rate ?? 8000
        positionSamples = max(positionSamples, gap.start.samples(rate: rate) + gap.discarded.samples(rate: rate))
    }

    private mutating func send(_ parameters: AudioHookMessage.Parameters) -> Action {
        seq += 1
        return .send(AudioHookMessage(id: sessionId, seq: seq, clientseq: clientseq, parameters))
    }

    private mutating func reportEnd(_ end: End) -> [Action] {
        guard !endReported else { return [] }
        endReported = true
        return [.ended(end)]
    }
}

extension AudioHookSessionStateMachine.State {
    var isOpen: Bool {
        if case .open = self { return true }
        return false
    }
}
