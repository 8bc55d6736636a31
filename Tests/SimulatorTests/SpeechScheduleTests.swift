import Audio
import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

@Suite struct SpeechScheduleTests {
    // MARK: Schedule → truth arithmetic

    @Test func overtalkGoesToTheSideThatCutIn() {
        // Customer 0–3 s; the agent cuts in at 2.4 s and talks to 5 s; the customer cuts back in at 4.5 s.
        let s = SimSpeechSchedule(customer: [0..<3000, 4500..<6000], agent: [2400..<5000])
        let f = SimSpeechSession.figures(schedule: s, segments: [0..<8000])
        #expect(f.customer.talkMs == 4500)
        #expect(f.agent.talkMs == 2600)
        #expect(f.overtalkMs == 600 + 500)
        #expect(f.agent.overtalkMs == 600)
        #expect(f.customer.overtalkMs == 500)
        #expect(f.silenceMs == 2000)  // 6–8 s
        #expect(f.longestSilenceMs == 2000)
    }

    @Test func aTieIsSplitEvenly() {
        let s = SimSpeechSchedule(customer: [1000..<2000], agent: [1000..<1400])
        let f = SimSpeechSession.figures(schedule: s, segments: [0..<3000])
        #expect(f.overtalkMs == 400)
        #expect(f.customer.overtalkMs == 200)
        #expect(f.agent.overtalkMs == 200)
        #expect(f.silenceMs == 2000)
        #expect(f.longestSilenceMs == 1000)
    }

    @Test func aPauseIsAGapThatEndsSilenceAndRestartsSpurts() {
        // Silence 0–3 s and 4–6 s would be one 6 s… no: speech 3–4 s. Pause 5–7 s cuts the silence 4–8 s in two
        // (1 s before, 1 s after) and the agent's spurt 6.5–9 s starts anew at 7 s, tying with nothing.
        let s = SimSpeechSchedule(customer: [3000..<4000, 8000..<10_000], agent: [6500..<9000])
        let f = SimSpeechSession.figures(schedule: s, segments: [0..<5000, 7000..<10_000])
        #expect(f.customer.talkMs == 1000 + 2000)
        #expect(f.agent.talkMs == 2000)  // 7–9 s sent
        #expect(f.silenceMs == 3000 + 1000)  // 0–3, 4–5; nothing 7–8 (agent talks)
        #expect(f.longestSilenceMs == 3000)
        // 8–9 s both: the customer's spurt began later (8 s > 7 s).
        #expect(f.customer.overtalkMs == 1000)
        #expect(f.agent.overtalkMs == 0)
        // A spurt running through a resume starts again at it: both resumed at 7 s → tie.
        let t = SimSpeechSchedule(customer: [4000..<8000], agent: [4500..<9000])
        let g = SimSpeechSession.figures(schedule: t, segments: [0..<5000, 7000..<10_000])
        #expect(g.agent.overtalkMs == 500 + 500)  // 4.5–5 cut in; 7–8 tie, half
        #expect(g.customer.overtalkMs == 500)
    }

    @Test func generatedSchedulesKeepTheirPromises() {
        for seed in UInt64(1)...40 {
            var s = SimSpeechSchedule(seed: seed)
            s.extend(through: 600_000)
            #expect(s.horizon >= 600_000)
            var overtalk = false, longSilence = false
            for channel in SpeechChannel.allCases {
                let spurts = s.spurts(channel)
                #expect(!spurts.isEmpty)
                for (i, r) in spurts.enumerated() {
                    #expect(r.lowerBound % 20 == 0 && r.upperBound % 20 == 0)
                    #expect(r.count >= 300)
                    if i > 0 { #expect(r.lowerBound - spurts[i - 1].upperBound >= 300) }
                }
            }
            let f = SimSpeechSession.figures(schedule: s, segments: [0..<600_000])
            overtalk = f.overtalkMs > 0
            longSilence = f.longestSilenceMs >= 2000
            #expect(overtalk && longSilence, "seed \(seed): overtalk and long silences are part of every call")
            // Extending is deterministic and does not rewrite the past.
            var again = SimSpeechSchedule(seed: seed)
            again.extend(through: 100_000)
            again.extend(through: 600_000)
            #expect(again == s)
        }
    }

    // MARK: Synthesis

    /// dBFS of each 20 ms window of one channel of interleaved stereo PCMU, decoded by the bridge's decoder.
    func windowLevels(_ bytes: [UInt8], channel: Int) -> [Double] {
        var levels: [Double] = []
        var i = channel, sum = 0.0, n = 0
        while i < bytes.count {
            let s = Double(PCMU.decode(bytes[i]))
            sum += s * s
            n += 1
            if n == 160 {
                levels.append(10 * log10(max(sum / 160, 1e-9) / (32768.0 * 32768.0)))
                sum = 0
                n = 0
            }
            i += 2
        }
        return levels
    }

    @Test func voicedWindowsAreLoudAndQuietWindowsQuiet() {
        let s = SimSpeechSchedule(customer: [0..<2000], agent: [1000..<3000])
        for offset in [0, 1234, 7999] {
            let bytes = SimSpeechSynth.frame(s, from: 0, ms: 4000, offset: offset)
            #expect(bytes.count == 64_000)
            let c = windowLevels(bytes, channel: 0), a = windowLevels(bytes, channel: 1)
            #expect(c.count == 200)
            for w in 0..<200 {
                let t = Int64(w * 20)
                #expect(s.talks(.customer, at: t) ? c[w] >= -30 : c[w] <= -55, "customer window \(w): \(c[w]) dBFS")
                #expect(s.talks(.agent, at: t) ? a[w] >= -30 : a[w] <= -55, "agent window \(w): \(a[w]) dBFS")
            }
        }
    }

    @Test func theEncoderMatchesTheBridgesDecoder() {
        for v in stride(from: -32768, through: 32767, by: 97) {
            let x = Int16(v)
            #expect(SimSpeechSynth.encode(x) == PCMU.encode(x))
            let back = Int(PCMU.decode(SimSpeechSynth.encode(x)))
            #expect(abs(back - max(-32635, min(32635, v))) <= max(8, abs(v) / 16))
        }
    }

    @Test func theBridgesAnalyzerRecoversTheSchedule() {
        var s = SimSpeechSchedule(seed: 7)
        s.extend(through: 120_000)
        var analyzer = VoiceActivityAnalyzer(channels: [.external, .internal])
        var t: Int64 = 0
        while t < 120_000 {
            analyzer.process(pcmu: SimSpeechSynth.frame(s, from: t, ms: 200, offset: 99))
            t += 200
        }
        let m = analyzer.finish()
        let f = SimSpeechSession.figures(schedule: s, segments: [0..<120_000])
        func near(_ a: Int64, _ b: Int64) -> Bool { abs(a - b) <= max(200, b / 20) }
        #expect(near(m.channels[0].talkMs, f.customer.talkMs), "\(m.channels[0].talkMs) vs \(f.customer.talkMs)")
        #expect(near(m.channels[1].talkMs, f.agent.talkMs))
        #expect(near(m.silenceMs, f.silenceMs))
        #expect(near(m.overtalkMs, f.overtalkMs))
        #expect(near(m.longestSilenceMs, f.longestSilenceMs))
    }

    // MARK: Wire

    @Test func theSignedUpgradeVerifiesWithTheBridgesVerifier() throws {
        let secret = Data((0..<32).map { UInt8($0 * 7 & 0xFF) }).base64EncodedString()
        let now = SystemClock.realNow()
        func request(tamper: Bool, nonce: String) -> AudioHookUpgradeRequest {
            let headers = SimAudioHookWire.signedHeaders(
                target: "/audiohook/v1?x=1", authority: "127.0.0.1:8443", organizationId: "1b2c3d4e-0000-4000-8000-000000000001",
                sessionId: "5b2c3d4e-0000-4000-8000-000000000002", correlationId: "6b2c3d4e-0000-4000-8000-000000000003",
                apiKey: Secret("the \"api\" key"), clientSecret: Secret(secret), nonce: nonce, created: now / 1000, tamper: tamper)
            return AudioHookUpgradeRequest(target: "/audiohook/v1?x=1", headers: [("Host", "127.0.0.1:8443")] + headers)
        }
        let creds = AudioHookCredentials(apiKey: Secret("the \"api\" key"), clientSecret: Secret(secret))
        var nonces = AudioHookNonceCache()
        var rng = SystemRandomNumberGenerator()
        let nonce = SimAudioHookWire.nonce(using: &rng)
        #expect(nonce.count == 24)
        let ok = try AudioHookSignature.verify(request(tamper: false, nonce: nonce), credentials: creds, now: now, nonces: &nonces)
        #expect(ok.sessionId == "5b2c3d4e-0000-4000-8000-000000000002")
        func code(_ r: AudioHookUpgradeRequest) -> String {
            do {
                _ = try AudioHookSignature.verify(r, credentials: creds, now: now, nonces: &nonces)
                return "ok"
            } catch { return error.code }
        }
        #expect(code(request(tamper: false, nonce: nonce)) == "audiohook.auth.nonce-replayed")
        #expect(code(request(tamper: true, nonce: SimAudioHookWire.nonce(using: &rng))) == "audiohook.auth.signature-mismatch")
    }

    @Test func clientMessagesDecodeWithTheBridgesDecoder() throws {
        let open = SimAudioHookWire.message(
            session: "5b2c3d4e-0000-4000-8000-000000000002", type: "open", seq: 1, serverseq: 0, positionMs: 0,
            parameters: SimAudioHookWire.openParameters(
                organizationId: "1b2c3d4e-0000-4000-8000-000000000001", conversationId: "7b2c3d4e-0000-4000-8000-000000000004",
                participantId: "8b2c3d4e-0000-4000-8000-000000000005", ani: "tel:+15551234567", aniName: "Customer",
                dnis: "tel:+18005550100"))
        let m = try AudioHookMessage.decode(open)
        guard case .open(let o) = m.parameters else { Issue.record("not an open"); return }
        #expect(o.conversationId == "7b2c3d4e-0000-4000-8000-000000000004")
        #expect(o.media.first?.format == .pcmu && o.media.first?.rate == 8000)
        #expect(o.media.first?.channels == [.external, .internal])
        #expect(o.participant.ani == "tel:+15551234567")
        let resumed = try AudioHookMessage.decode(SimAudioHookWire.message(
            session: "5b2c3d4e-0000-4000-8000-000000000002", type: "resumed", seq: 5, serverseq: 2, positionMs: 12_340,
            parameters: "{\"start\":\"PT12.4S\",\"discarded\":\"PT2S\"}"))
        #expect(resumed.position == AudioHookDuration(milliseconds: 12_340))
        #expect(SimAudioHookWire.duration(ms: 0) == "PT0S")
        #expect(SimAudioHookWire.duration(ms: 1050) == "PT1.05S")
    }
}
