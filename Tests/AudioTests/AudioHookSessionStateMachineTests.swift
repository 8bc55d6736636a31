@testable import Audio
import Testing

/// Driven like swift-websocket's `WebSocketStateMachineTests`: each test feeds events and checks the
/// returned actions and the state; time is injected, nothing sleeps.
@Suite("AudioHook session state machine")
struct AudioHookSessionStateMachineTests {
    typealias Machine = AudioHookSessionStateMachine
    let t0 = ContinuousClock.now

    func machine(organization: String? = Fixture.organization, _ configuration: Machine.Configuration = .init()) -> Machine {
        Machine(sessionId: Fixture.session, organizationId: organization, configuration: configuration, now: t0)
    }

    /// An opened machine (client seq 1 used).
    func opened(_ configuration: Machine.Configuration = .init()) -> Machine {
        var m = machine(configuration)
        _ = m.receivedText(Fixture.open(), now: t0)
        return m
    }

    static func sent(_ actions: [Machine.Action]) -> [AudioHookMessage] {
        actions.compactMap { if case .send(let m) = $0 { m } else { nil } }
    }

    static func failure(_ actions: [Machine.Action]) -> AudioHookError? {
        actions.lazy.compactMap { if case .fail(let e) = $0 { e } else { nil } }.first
    }

    static func stereoFrame(ms: Int = 200) -> [UInt8] { [UInt8](repeating: 0xFF, count: 8 * ms * 2) }

    @Test func openIsAnsweredWithTheChosenMedia() {
        var m = machine()
        let actions = m.receivedText(Fixture.open(), now: t0)
        guard actions.count == 2, case .send(let opened) = actions[0], case .started(let info) = actions[1] else {
            Issue.record("\(actions)")
            return
        }
        #expect(opened.type == .opened)
        #expect(opened.seq == 1 && opened.clientseq == 1 && opened.id == Fixture.session)
        #expect(opened.parameters == .opened(.init(media: [.pcmuStereo], startPaused: false)))
        #expect(info.conversationId == Fixture.conversation && !info.isProbe && info.media == .pcmuStereo)
        #expect(info.participant.ani == "+1-555-555-1234")
        #expect(m.state == .open(paused: false))
    }

    @Test func mediaNegotiationPrefersPCMUStereoThenL16() {
        let l16First = #"[{"type":"audio","format":"L16","channels":["external","internal"],"rate":8000},"#
            + #"{"type":"audio","format":"PCMU","channels":["internal","external"],"rate":8000}]"#
        var m = machine()
        var actions = m.receivedText(Fixture.open(media: l16First), now: t0)
        #expect(m.media == AudioMedia(format: .pcmu, channels: [.internal, .external]), "PCMU in the offered channel order")

        let l16Only = #"[{"type":"audio","format":"L16","channels":["external","internal"],"rate":8000},"#
            + #"{"type":"audio","format":"PCMU","channels":["external"],"rate":8000}]"#
        m = machine()
        actions = m.receivedText(Fixture.open(media: l16Only), now: t0)
        #expect(m.media == .l16Stereo)
        #expect(Self.sent(actions).first?.parameters == .opened(.init(media: [.l16Stereo], startPaused: false)))
    }

    @Test func anOfferWithoutStereoIsDisconnectedWithTheReason() {
        for media in [#"[{"type":"audio","format":"PCMU","channels":["external"],"rate":8000}]"#,
                      #"[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":16000}]"#,
                      #"[{"type":"audio","format":"OPUS","channels":["external","internal"],"rate":8000}]"#, "[]"] {
            var m = machine()
            let actions = m.receivedText(Fixture.open(media: media), now: t0)
            #expect(Self.failure(actions)?.code == "audiohook.no-supported-media", "\(media)")
            guard case .disconnect(let d) = Self.sent(actions).first?.parameters else { Issue.record("no disconnect"); continue }
            #expect(d.reason == .error)
            #expect(d.info?.contains("both the external and internal channels") == true)
            #expect(actions.contains(.ended(.disconnected(Self.failure(actions)))))
            #expect(m.state == .disconnecting)
        }
    }

    @Test func theProbeSessionIsOpenedThenClosed() {
        var m = machine()
        let actions = m.receivedText(Fixture.open(conversation: AudioHookMessage.nullUUID), now: t0)
        guard case .started(let info) = actions.last else { Issue.record("\(actions)"); return }
        #expect(info.isProbe)
        #expect(Self.sent(actions).first?.type == .opened)
        let close = m.receivedText(Fixture.message("close", seq: 2, parameters: #"{"reason":"end"}"#), now: t0 + .milliseconds(50))
        #expect(Self.sent(close).map(\.type) == [.closed])
        #expect(close.contains(.ended(.closed(reason: "end"))))
        #expect(m.state == .closed)
    }

    @Test func aPongEchoesThePingsSeq() {
        var m = opened()
        let actions = m.receivedText(Fixture.message("ping", seq: 2, parameters: #"{"rtt":"PT0.02S"}"#), now: t0 + .seconds(1))
        let pong = Self.sent(actions)
        #expect(pong.map(\.type) == [.pong])
        #expect(pong.first?.clientseq == 2)
        #expect(pong.first?.seq == 2)
        let again = Self.sent(m.receivedText(Fixture.message("ping", seq: 3, serverseq: 2), now: t0 + .seconds(6)))
        #expect(again.first?.clientseq == 3 && again.first?.seq == 3)
    }

    @Test func sequenceNumbersMustGoUpByOne() {
        for bad in [1, 3, 0] {
            var m = opened()
            let actions = m.receivedText(Fixture.message("ping", seq: bad), now: t0)
            #expect(Self.failure(actions)?.code == "audiohook.sequence", "seq \(bad)")
            #expect(Self.sent(actions).first?.type == .disconnect)
        }
        var first = machine()
        #expect(Self.failure(first.receivedText(Fixture.open(seq: 2), now: t0))?.code == "audiohook.sequence")
    }

    @Test func serverseqMayNotRunAhead() {
        var m = opened()
        let actions = m.receivedText(Fixture.message("ping", seq: 2, serverseq: 5), now: t0)
        #expect(Self.failure(actions)?.code == "audiohook.server-sequence")
    }

    @Test func openMustComeFirstAndOnlyOnce() {
        var m = machine()
        let actions = m.receivedText(Fixture.message("ping", seq: 1, serverseq: 0), now: t0)
        #expect(Self.failure(actions)?.code == "audiohook.not-open")
        var twice = opened()
        #expect(Self.failure(twice.receivedText(Fixture.open(seq: 2), now: t0))?.code == "audiohook.duplicate-open")
    }

    @Test func theSessionIdAndOrganizationMustMatchTheUpgrade() {
        var m = opened()
        let other = Fixture.message("ping", seq: 2).replacingOccurrences(of: Fixture.session, with: Fixture.conversation)
        #expect(Self.failure(m.receivedText(other, now: t0))?.code == "audiohook.session-mismatch")

        var wrongOrg = machine(organization: "11111111-2222-3333-4444-555555555555")
        let actions = wrongOrg.receivedText(Fixture.open(), now: t0)
        #expect(Self.failure(actions)?.code == "audiohook.auth.organization-mismatch")
        guard case .disconnect(let d) = Self.sent(actions).first?.parameters else { Issue.record("no disconnect"); return }
        #expect(d.reason == .unauthorized)
    }

    @Test func serverMessagesFromTheClientAreRefused() {
        var m = opened()
        let pong = #"{"version":"2","id":"\#(Fixture.session)","type":"pong","seq":2,"clientseq":1,"parameters":{}}"#
        #expect(Self.failure(m.receivedText(pong, now: t0))?.code == "audiohook.unexpected-message")
    }

    @Test func audioIsDeliveredWithItsPosition() {
        var m = opened()
        var positions: [AudioHookDuration] = []
        for i in 0..<3 {
            let actions = m.receivedAudio(Self.stereoFrame(), now: t0 + .milliseconds(200 * i))
            guard case .deliverAudio(let frame) = actions.first, actions.count == 1 else { Issue.record("\(actions)"); return }
            #expect(frame.sampleCount == 1600)
            #expect(frame.media == .pcmuStereo)
            positions.append(frame.position)
        }
        #expect(positions == [.zero, AudioHookDuration(milliseconds: 200), AudioHookDuration(milliseconds: 400)])
        #expect(m.position == AudioHookDuration(milliseconds: 600))
        #expect(m.receivedAudio([], now: t0).isEmpty)
    }

    @Test func aFrameThatIsNotWholeSamplesIsATypedError() {
        var m = opened()
        let actions = m.receivedAudio([UInt8](repeating: 0xFF, count: 3199), now: t0)
        let error = Self.failure(actions)
        #expect(error?.code == "audiohook.partial-sample")
        #expect(error?.message.contains("3199 bytes") == true)
        #expect(Self.sent(actions).first?.type == .disconnect)
        // L16 stereo needs multiples of 4 bytes.
        let l16 = #"[{"type":"audio","format":"L16","channels":["external","internal"],"rate":8000}]"#
        var w = machine()
        _ = w.receivedText(Fixture.open(media: l16), now: t0)
        #expect(Self.failure(w.receivedAudio([0, 0, 0, 0, 0, 0], now: t0))?.code == "audiohook.partial-sample")
    }

    @Test func audioBeforeOpenOrWhilePausedIsAnError() {
        var m = machine()
        #expect(Self.failure(m.receivedAudio(Self.stereoFrame(), now: t0))?.code == "audiohook.unexpected-audio")
        var p = opened()
        let paused = p.receivedText(Fixture.message("paused", seq: 2), now: t0)
        #expect(paused == [.paused(at: .zero)])
        #expect(p.state == .open(paused: true))
        #expect(Self.failure(p.receivedAudio(Self.stereoFrame(), now: t0))?.code == "audiohook.unexpected-audio")
    }

    @Test func pauseResumeAndDiscardedAdvanceThePosition() {
        var m = opened()
        _ = m.receivedAudio(Self.stereoFrame(), now: t0)  // 0.2 s
        #expect(m.receivedText(Fixture.message("paused", seq: 2, position: "PT0.2S"), now: t0) == [.paused(at: AudioHookDuration(milliseconds: 200))])
        #expect(m.receivedText(Fixture.message("paused", seq: 3, position: "PT0.2S"), now: t0).isEmpty, "idempotent")
        let resumed = m.receivedText(Fixture.message("resumed", seq: 4, position: "PT3.2S",
                                                     parameters: #"{"start":"PT0.2S","discarded":"PT3S"}"#), now: t0)
        #expect(resumed == [.resumed(start: AudioHookDuration(milliseconds: 200), discarded: AudioHookDuration(milliseconds: 3000))])
        #expect(m.state == .open(paused: false))
        guard case .deliverAudio(let frame) = m.receivedAudio(Self.stereoFrame(), now: t0).first else { Issue.record("no audio"); return }
        #expect(frame.position == AudioHookDuration(milliseconds: 3200))
        let discarded = m.receivedText(Fixture.message("discarded", seq: 5, parameters: #"{"start":"PT3.4S","discarded":"PT0.6S"}"#), now: t0)
        #expect(discarded == [.discarded(start: AudioHookDuration(milliseconds: 3400), discarded: AudioHookDuration(milliseconds: 600))])
        #expect(m.position == AudioHookDuration(milliseconds: 4000))
    }

    @Test func updateAndClientErrorsAreReported() {
        var m = opened()
        #expect(m.receivedText(Fixture.message("update", seq: 2, parameters: #"{"language":"fr-FR"}"#), now: t0) == [.languageChanged("fr-FR")])
        let error = m.receivedText(Fixture.message("error", seq: 3, parameters: #"{"code":429,"message":"slow","retryAfter":"PT1S"}"#), now: t0)
        #expect(error == [.clientError(.init(code: 429, message: "slow", retryAfter: AudioHookDuration(milliseconds: 1000)))])
        #expect(m.state == .open(paused: false))
    }

    @Test func closeIsAnsweredClosedInAnyState() {
        for setup in 0..<3 {
            var m = setup == 0 ? machine() : opened()
            var seq = setup == 0 ? 1 : 2
            if setup == 2 {
                _ = m.receivedText(Fixture.message("paused", seq: 2), now: t0)
                seq = 3
            }
            let actions = m.receivedText(Fixture.message("close", seq: seq, serverseq: setup == 0 ? 0 : 1,
                                                         parameters: #"{"reason":"end"}"#), now: t0)
            let closed = Self.sent(actions)
            #expect(closed.map(\.type) == [.closed], "setup \(setup)")
            #expect(closed.first?.clientseq == seq)
            #expect(actions.last == .ended(.closed(reason: "end")))
            // Late audio and messages are ignored; the socket is closed if the client does not.
            #expect(m.receivedAudio(Self.stereoFrame(), now: t0).isEmpty)
            #expect(m.receivedText(Fixture.message("ping", seq: seq + 1), now: t0).isEmpty)
            #expect(m.tick(now: t0 + .seconds(9)).isEmpty)
            #expect(m.tick(now: t0 + .seconds(10)) == [.closeSocket])
            #expect(m.state == .finished)
            #expect(m.socketClosed(now: t0 + .seconds(11)).isEmpty, "the end was already reported")
        }
    }

    @Test func afterDisconnectOnlyCloseIsAnswered() {
        var m = opened()
        let failed = m.receivedAudio([1, 2, 3], now: t0)
        #expect(failed.filter { if case .ended = $0 { true } else { false } }.count == 1)
        #expect(m.receivedText("garbage", now: t0).isEmpty)
        #expect(m.receivedText(Fixture.message("ping", seq: 2), now: t0).isEmpty)
        let close = m.receivedText(Fixture.message("close", seq: 3, serverseq: 2, parameters: #"{"reason":"disconnect"}"#), now: t0)
        #expect(Self.sent(close).map(\.type) == [.closed])
        #expect(Self.sent(close).first?.seq == 3)
        #expect(!close.contains { if case .ended = $0 { true } else { false } }, "ended once, at the disconnect")
        #expect(m.socketClosed(now: t0).isEmpty)
    }

    @Test func malformedTextDisconnectsWithATypedError() {
        var m = opened()
        let actions = m.receivedText("{not json", now: t0)
        #expect(Self.failure(actions)?.code == "audiohook.malformed-json")
        var u = opened()
        #expect(Self.failure(u.receivedText(Fixture.message("shout", seq: 2), now: t0))?.code == "audiohook.unknown-type")
    }

    @Test func noOpenWithinTheTimeoutDisconnects() {
        var m = machine(.init(openTimeout: .seconds(5)))
        #expect(m.nextDeadline == t0 + .seconds(5))
        #expect(m.tick(now: t0 + .milliseconds(4_999)).isEmpty)
        let actions = m.tick(now: t0 + .seconds(5))
        #expect(Self.failure(actions)?.code == "audiohook.open-timeout")
        #expect(Self.sent(actions).map(\.type) == [.disconnect])
        #expect(m.nextDeadline == t0 + .seconds(15))
        #expect(m.tick(now: t0 + .seconds(15)) == [.closeSocket])
        #expect(m.nextDeadline == nil)
    }

    @Test func anIdleSessionIsDisconnectedButActivityKeepsItOpen() {
        var m = opened(.init(idleTimeout: .seconds(30)))
        for s in stride(from: 5, through: 120, by: 5) {
            _ = m.receivedText(Fixture.message("ping", seq: s / 5 + 1, serverseq: s / 5), now: t0 + .seconds(s))
            #expect(m.tick(now: t0 + .seconds(s) + .seconds(29)).isEmpty)
        }
        #expect(m.nextDeadline == t0 + .seconds(150))
        let actions = m.tick(now: t0 + .seconds(150))
        #expect(Self.failure(actions)?.code == "audiohook.idle-timeout")
    }

    @Test func aSocketThatDropsEndsTheSessionOnce() {
        var m = opened()
        #expect(m.socketClosed(now: t0) == [.ended(.socketClosed)])
        #expect(m.state == .finished)
        #expect(m.socketClosed(now: t0).isEmpty)
        #expect(m.receivedAudio(Self.stereoFrame(), now: t0).isEmpty)
        #expect(m.tick(now: t0 + .seconds(600)).isEmpty)
    }

    @Test func theServerCanEndOrRejectASession() {
        var m = opened()
        let done = m.complete(now: t0)
        #expect(Self.sent(done).first?.parameters == .disconnect(.init(reason: .completed)))
        #expect(done.last == .ended(.disconnected(nil)))

        var r = machine()
        let rejection = AudioHookError.unknownOrganization(Fixture.organization)
        let actions = r.fail(rejection, now: t0)
        #expect(actions.first == .fail(rejection))
        #expect(Self.sent(actions).first?.parameters == .disconnect(.init(reason: .unauthorized, info: rejection.message)))
        // A later open is not answered.
        #expect(r.receivedText(Fixture.open(), now: t0).isEmpty)
    }

    /// Random event sequences (valid and broken messages, frames of any size, ticks, socket closes)
    /// never trap and keep the invariants: server `seq` goes up by one, nothing is sent once finished,
    /// the end is reported at most once, every `fail` comes with a `disconnect`.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func randomEventsKeepTheInvariants(_ seed: UInt64) {
        var g = SplitMix(state: seed)
        for run in 0..<200 {
            var m = machine(.init(openTimeout: .seconds(5), idleTimeout: .seconds(20), closeTimeout: .seconds(5)))
            var now = t0
            var lastSeq = 0
            var ends = 0
            var clientSeq = 0
            for _ in 0..<40 {
                let before = m.state
                var actions: [Machine.Action]
                switch Int.random(in: 0..<10, using: &g) {
                case 0: actions = m.receivedText(Fixture.open(seq: clientSeq + 1), now: now)
                case 1, 2:
                    let types = ["ping", "paused", "resumed", "discarded", "update", "close", "error", "shout", "pong"]
                    let type = types[Int.random(in: 0..<types.count, using: &g)]
                    let params = switch type {
                    case "resumed", "discarded": #"{"start":"PT1S","discarded":"PT0.4S"}"#
                    case "update": #"{"language":"en-GB"}"#
                    case "close": #"{"reason":"end"}"#
                    case "error": #"{"code":500,"message":"x"}"#
                    default: "{}"
                    }
                    let seq = Bool.random(using: &g) ? clientSeq + 1 : Int.random(in: 0...9, using: &g)
                    actions = m.receivedText(Fixture.message(type, seq: seq, serverseq: Int.random(in: 0...lastSeq, using: &g),
                                                             parameters: params), now: now)
                case 3, 4, 5:
                    let n = Bool.random(using: &g) ? 3200 : Int.random(in: 0...40, using: &g)
                    actions = m.receivedAudio([UInt8](repeating: 0x7F, count: n), now: now)
                case 6: actions = m.receivedText(String(decoding: (0..<8).map { _ in UInt8.random(in: 0...255, using: &g) },
                                                        as: UTF8.self), now: now)
                case 7, 8:
                    now = now + .milliseconds(Int.random(in: 0...8_000, using: &g))
                    actions = m.tick(now: now)
                default: actions = m.socketClosed(now: now)
                }
                clientSeq = m.clientseq
                for a in actions {
                    switch a {
                    case .send(let message):
                        #expect(message.seq == lastSeq + 1, "seed \(seed) run \(run)")
                        #expect(message.clientseq == m.clientseq)
                        lastSeq = message.seq
                    case .ended: ends += 1
                    default: break
                    }
                }
                if Self.failure(actions) != nil { #expect(Self.sent(actions).last?.type == .disconnect) }
                if before == .finished { #expect(actions.isEmpty, "seed \(seed) run \(run)") }
                #expect(ends <= 1)
                #expect(m.seq == lastSeq)
            }
        }
    }

    @Test func theServerCanAskForPauseAndResume() {
        var m = opened()
        #expect(Self.sent(m.requestPause(true)).map(\.type) == [.pause])
        #expect(Self.sent(m.requestPause(false)).map { ($0.type, $0.seq) }.first! == (.resume, 3))
        var closed = machine()
        #expect(closed.requestPause(true).isEmpty)
    }
}
