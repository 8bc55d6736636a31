import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import SwitchboardCore

/// One accepted AudioHook session on its socket: drives ``AudioHookSessionStateMachine`` with what the
/// socket delivers and the machine's deadlines, analyses the audio, reports ``SpeechEvent``s.
///
/// Three parts: the reader (this task) feeds the machine every message in order; a writer task sends
/// the machine's messages in the order they were made (at most `maxQueuedMessages` waiting: a client
/// that does not read is dropped); a timer task sleeps until the machine's `nextDeadline` and ticks it.
/// The state is behind one lock, so the machine's steps and the events are in one order.
///
/// Memory per session is bounded whatever the call length: the machine and analyzer (< 1 KiB), at most
/// `maxQueuedMessages` small server messages (≈ 200 B each), and one inbound message of at most
/// `maxMessageBytes` (64 KiB) being read — under 80 KiB beyond the socket's own buffers (≈ 4 KiB
/// per message in practice: 3.2 KiB of PCMU per 200 ms).
final class AudioHookSession: Sendable {
    /// How early a progress report may go out (frame arrival jitter; see ``AudioHookServer/Configuration``).
    static let progressTolerance: Duration = .milliseconds(20)
    enum Outgoing: Sendable {
        case text(String)
        case close
    }

    struct State: Sendable {
        var machine: AudioHookSessionStateMachine
        var analyzer: VoiceActivityAnalyzer?
        /// Nil until `open` (and for probes, which report nothing).
        var reporting: Bool = false
        var paused = false
        var lastProgress: ContinuousClock.Instant?
        var ended = false
        var queued = 0
        var timer: Task<Void, Never>?
        var timerWake: ContinuousClock.Instant?
        var finished = false
        /// The decoded audio's way to the server's tap, when it listens to this org (decided at `open`).
        var tapFeed: SpeechAudioTapFeed?
        /// Decoded interleaved samples of the frame at hand (reused).
        var pcm: [Int16] = []
    }

    let upgrade: AudioHookServer.AcceptedUpgrade
    let server: AudioHookServer
    let logger: Logger
    private let state: Mutex<State>
    private let output: AsyncStream<Outgoing>
    private let outputContinuation: AsyncStream<Outgoing>.Continuation

    init(upgrade: AudioHookServer.AcceptedUpgrade, server: AudioHookServer, logger: Logger) {
        self.upgrade = upgrade
        self.server = server
        self.logger = logger
        state = Mutex(State(machine: AudioHookSessionStateMachine(
            sessionId: upgrade.sessionId, organizationId: upgrade.organizationId,
            configuration: server.configuration.session, now: .now)))
        (output, outputContinuation) = AsyncStream.makeStream(of: Outgoing.self)
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        logger.info("audiohook session started", metadata: ["remote": "\(upgrade.remote)",
                                                           "correlationId": "\(AudioHookError.quote(upgrade.correlationId))"])
        reschedule()
        await withTaskGroup(of: Void.self) { group in
            let output = self.output
            group.addTask { [self] in
                for await item in output {
                    switch item {
                    case .text(let text):
                        state.withLock { $0.queued -= 1 }
                        do { try await outbound.write(.text(text)) } catch { return }
                    case .close:
                        try? await outbound.close(.normalClosure, reason: nil)
                        return
                    }
                }
            }
            do {
                for try await message in inbound.messages(maxSize: server.configuration.maxMessageBytes) {
                    switch message {
                    case .text(let text): step { $0.receivedText(text, now: .now) }
                    case .binary(let buffer): step { $0.receivedAudio(Array(buffer.readableBytesView), now: .now) }
                    }
                    if state.withLock({ $0.finished }) { break }
                }
            } catch {
                logger.debug("audiohook socket read ended", metadata: ["error": "\(error)"])
            }
            step { $0.socketClosed(now: .now) }
            outputContinuation.finish()
            await group.waitForAll()
        }
        state.withLock { s in
            s.timer?.cancel()
            s.timer = nil
            // The machine reports `.ended` for every opened session; this is a net, so the tap hears the end once.
            s.tapFeed?.end()
            s.tapFeed = nil
        }
        logger.info("audiohook session closed")
    }

    // MARK: Steps

    /// Runs one machine step and carries out its actions, under the lock.
    private func step(_ body: (inout AudioHookSessionStateMachine) -> [AudioHookSessionStateMachine.Action]) {
        state.withLock { s in
            guard !s.finished else { return }
            perform(body(&s.machine), on: &s)
        }
        reschedule()
    }

    private func tick() {
        step { $0.tick(now: .now) }
    }

    private func perform(_ actions: [AudioHookSessionStateMachine.Action], on s: inout State) {
        let now = ContinuousClock.now
        for action in actions {
            switch action {
            case .send(let message):
                enqueue(.text(message.json), on: &s)
            case .started(let info):
                server.metrics.opened.increment()
                s.analyzer = VoiceActivityAnalyzer(media: info.media, parameters: server.configuration.analysis)
                logger.info("audiohook session opened", metadata: [
                    "conversationId": "\(AudioHookError.quote(info.conversationId))", "probe": "\(info.isProbe)",
                    "media": "\(info.media.summary)",
                ])
                guard !info.isProbe else { continue }
                if let tap = server.tap, tap.listens(to: upgrade.org) {
                    s.tapFeed = SpeechAudioTapFeed(tap: tap, org: upgrade.org, conversationID: info.conversationId,
                                                   channels: info.media.channels.map(Self.speechChannel),
                                                   sampleRate: info.media.rate)
                }
                s.reporting = true
                s.lastProgress = now
                emit(.opened(SpeechSessionOpened(
                    org: upgrade.org, session: upgrade.sessionId, conversationID: info.conversationId,
                    openedAt: server.clock.now(), channels: info.media.channels.map(Self.speechChannel),
                    ani: info.participant.ani, dnis: info.participant.dnis)))
            case .deliverAudio(let frame):
                s.analyzer?.process(frame)
                if s.tapFeed != nil { offerAudio(frame, &s) }
                // Due every `progressInterval` of arrival time, with a little early tolerance: frames arrive on
                // Genesys's 200 ms beat with some jitter, and a report due at 400 ms must not slip to 600 ms.
                if s.reporting, let last = s.lastProgress,
                   now - last >= server.configuration.progressInterval - Self.progressTolerance {
                    progress(&s, now: now)
                }
            case .paused:
                s.paused = true
                progress(&s, now: now)
            case .resumed(_, let discarded):
                s.analyzer?.gap(discarded)
                s.paused = false
                progress(&s, now: now)
            case .discarded(_, let discarded):
                s.analyzer?.gap(discarded)
            case .languageChanged:
                break
            case .clientError(let error):
                logger.notice("audiohook client reported an error",
                              metadata: ["code": "\(error.code)", "message": "\(AudioHookError.quote(error.message))"])
            case .fail(let error):
                logger.warning("audiohook session failed", metadata: ["code": "\(error.code)", "reason": "\(error.message)"])
            case .ended(let end):
                s.tapFeed?.end()
                s.tapFeed = nil
                let reason = Self.reason(end)
                server.metrics.ended(reason: reason)
                guard s.reporting, !s.ended else { continue }
                s.ended = true
                let metrics = s.analyzer?.finish().speechMetrics ?? SpeechMetrics()
                emit(.ended(SpeechSessionEnded(org: upgrade.org, session: upgrade.sessionId, at: server.clock.now(),
                                               reason: reason, metrics: metrics)))
            case .closeSocket:
                s.finished = true
                enqueue(.close, on: &s)
            }
        }
    }

    /// Decodes a frame for the tap and offers it at the frame's stream position (a pause or discarded audio moved
    /// it on: the tap sees the jump).
    private func offerAudio(_ frame: AudioHookSessionStateMachine.AudioFrame, _ s: inout State) {
        s.pcm.removeAll(keepingCapacity: true)
        if frame.media.format == .pcmu {
            PCMU.decode(frame.bytes, into: &s.pcm)
        } else {
            L16.decode(frame.bytes, into: &s.pcm)
        }
        s.tapFeed?.append(interleaved: s.pcm, atNs: frame.position.nanoseconds)
    }

    private func progress(_ s: inout State, now: ContinuousClock.Instant) {
        guard s.reporting, !s.ended, let analyzer = s.analyzer else { return }
        s.lastProgress = now
        emit(.progress(SpeechSessionProgress(org: upgrade.org, session: upgrade.sessionId, at: server.clock.now(),
                                             paused: s.paused, metrics: analyzer.metrics.speechMetrics)))
    }

    private func emit(_ event: SpeechEvent) {
        server.sink.ingest(speech: [event])
    }

    private func enqueue(_ item: Outgoing, on s: inout State) {
        if case .text = item {
            guard s.queued < server.configuration.maxQueuedMessages else {
                // The client does not read what it asked for: give the session up.
                logger.warning("audiohook session dropped: the client does not read the server's messages",
                               metadata: ["queued": "\(s.queued)"])
                s.finished = true
                outputContinuation.yield(.close)
                return
            }
            s.queued += 1
        }
        outputContinuation.yield(item)
    }

    /// Keeps one timer armed for the machine's next deadline: a new one when the deadline moved earlier
    /// (a later deadline is met by the armed timer firing early and re-arming).
    private func reschedule() {
        state.withLock { s in
            guard !s.finished, let deadline = s.machine.nextDeadline else {
                s.timer?.cancel()
                s.timer = nil
                return
            }
            if let wake = s.timerWake, s.timer != nil, wake <= deadline { return }
            s.timer?.cancel()
            s.timerWake = deadline
            s.timer = Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                guard !Task.isCancelled, let self else { return }
                state.withLock { $0.timer = nil }
                tick()
            }
        }
    }

    // MARK: Mapping

    static func speechChannel(_ channel: AudioChannel) -> SpeechChannel {
        channel == .internal ? .agent : .customer
    }

    /// How a session ended, for ``SpeechSessionEnded/reason``.
    static func reason(_ end: AudioHookSessionStateMachine.End) -> String {
        switch end {
        case .closed: "completed"
        case .disconnected(nil): "completed"
        case .disconnected(let error?): error.code.hasSuffix("-timeout") ? "timeout" : "error"
        case .socketClosed: "disconnected"
        }
    }
}
