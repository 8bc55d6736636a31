@testable import Audio
import Foundation
import SwitchboardCore
import Testing

/// Per-channel overtalk: the time both talk counts to the side who cut in.
@Suite("Voice activity: per-channel overtalk")
struct VoiceActivityOvertalkTests {
    /// Steady tones (no word pauses) on exact 20 ms boundaries, so every figure is exact.
    static func tones(seconds: Double, external: [SyntheticCall.Spurt], internal: [SyntheticCall.Spurt]) -> [Int16] {
        var call = SyntheticCall(seconds: seconds, external: external, internal: `internal`)
        call.wordPauses = false
        return call.samples()
    }

    static func analyse(_ samples: [Int16], channels: [AudioChannel] = [.external, .internal]) -> VoiceActivityMetrics {
        var a = VoiceActivityAnalyzer(channels: channels)
        a.process(samples: samples)
        return a.finish()
    }

    @Test func theSideThatCutsInGetsTheOvertalk() throws {
        // The customer talks 0.5–4; the agent cuts in at 3 (1 s both). The agent talks 6–10; the customer
        // cuts in at 8.5 until 9 (0.5 s both).
        let m = Self.analyse(Self.tones(seconds: 12, external: [(0.5, 4), (8.5, 9)], internal: [(3, 5), (6, 10)]))
        let customer = try #require(m.channel(.external)), agent = try #require(m.channel(.internal))
        #expect(m.overtalkMs == 1_500)
        #expect(agent.overtalkMs == 1_000)
        #expect(customer.overtalkMs == 500)
        #expect(customer.overtalkMs + agent.overtalkMs == m.overtalkMs)
        #expect(customer.talkMs == 4_000)
        #expect(agent.talkMs == 6_000)
        #expect(customer.silenceMs == m.analysedMs - customer.talkMs)
        #expect(agent.silenceMs == 12_000 - 6_000)
    }

    @Test func bothStartingTogetherSplitsTheOvertalkEvenly() throws {
        let m = Self.analyse(Self.tones(seconds: 4, external: [(1, 2)], internal: [(1, 2.5)]))
        #expect(m.overtalkMs == 1_000)
        #expect(m.channel(.external)?.overtalkMs == 500)
        #expect(m.channel(.internal)?.overtalkMs == 500)
    }

    @Test func attributionFollowsTheChannelNotItsPosition() throws {
        // The same call with the channels interleaved the other way round: the agent still cut in.
        let samples = Self.tones(seconds: 6, external: [(0.5, 4)], internal: [(3, 5)])
        var swapped = samples
        for i in stride(from: 0, to: samples.count, by: 2) { swapped.swapAt(i, i + 1) }
        let m = Self.analyse(swapped, channels: [.internal, .external])
        #expect(m.channel(.internal)?.overtalkMs == 1_000)
        #expect(m.channel(.external)?.overtalkMs == 0)
    }

    @Test func aGapEndsASpurt() throws {
        // The customer talks before and after a pause; the agent talks across it. After the gap both
        // spurts begin together (split); before it the agent cut in.
        var a = VoiceActivityAnalyzer(channels: [.external, .internal])
        a.process(samples: Self.tones(seconds: 2, external: [(0, 2)], internal: [(1, 2)]))
        a.gap(AudioHookDuration(milliseconds: 1_000))
        a.process(samples: Self.tones(seconds: 2, external: [(0, 1)], internal: [(0, 2)]))
        let m = a.finish()
        #expect(m.overtalkMs == 2_000)
        #expect(m.channel(.internal)?.overtalkMs == 1_500)
        #expect(m.channel(.external)?.overtalkMs == 500)
    }

    @Test func aSyntheticCallWithWordPausesAttributesWithinTolerance() throws {
        // VoiceActivityAnalyzerTests.call: the agent cuts in at 5 (to 6) and 40 (to 42); the customer at 9 (to 9.5).
        let m = Self.analyse(VoiceActivityAnalyzerTests.call.samples())
        VoiceActivityAnalyzerTests.close(m.channel(.internal)?.overtalkMs ?? -1, 3_000, "agent overtalk")
        VoiceActivityAnalyzerTests.close(m.channel(.external)?.overtalkMs ?? -1, 500, "customer overtalk")
        #expect((m.channel(.internal)?.overtalkMs ?? 0) + (m.channel(.external)?.overtalkMs ?? 0) == m.overtalkMs)
    }

    @Test func convertsToTheSpeechContract() throws {
        let m = Self.analyse(Self.tones(seconds: 6, external: [(0.5, 4)], internal: [(3, 5)]))
        let s = m.speechMetrics
        #expect(s.analysedMs == m.analysedMs)
        #expect(s.silenceMs == m.silenceMs)
        #expect(s.overtalkMs == 1_000)
        #expect(s.longestSilenceMs == m.longestSilenceMs)
        #expect(s.customer == SpeechMetrics.Channel(talkMs: 3_500, silenceMs: 2_500, overtalkMs: 0,
                                                    levelDbfs: m.channel(.external)?.speechLevelDbfs))
        #expect(s.agent?.talkMs == 2_000)
        #expect(s.agent?.overtalkMs == 1_000)
        #expect(s.customer?.levelDbfs != nil)
        // A mono stream has only the customer.
        let mono = Self.analyse([Int16](repeating: 0, count: 8000), channels: [.external]).speechMetrics
        #expect(mono.agent == nil)
        #expect(mono.customer?.silenceMs == 1_000)
    }
}
