import Audio
import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// `spokenPhrases`: sentences rendered by espeak-ng and sox fill some talk spurts exactly, every 20 ms window of
/// them stays above the analysis's threshold (so the schedule's truth still holds for the bridge's analyzer), and the
/// truth lists each sentence said whole.
@Suite(.serialized) struct SpokenPhrasesTests {
    static let book: SimPhraseBook? = try? SimPhraseBook.render()

    @Test func withoutEspeakTheOptionFailsNamingThePackages() {
        #expect {
            _ = try SimPhraseBook.render(searchPath: "/nonexistent")
        } throws: { error in
            let e = error as? SimSpokenPhrasesError
            return e?.code == "sim.spoken-phrases-unavailable" && (e?.message.contains("Debian packages espeak-ng and sox") ?? false)
        }
    }

    @Test(.enabled(if: SimPhraseBook.tools() != nil, "needs espeak-ng and sox (make test-deps)"))
    func everyClipIsLoudAtItsEdgesAndAWholeNumberOfWindows() throws {
        let book = try #require(Self.book)
        #expect(book.clips.count == SimSpokenCorpus.sentences.count)
        for clip in book.clips {
            #expect(clip.durationMs % 20 == 0 && clip.durationMs >= 600, "\(clip.sentence.text): \(clip.durationMs) ms")
            #expect(clip.ulaw.count == Int(clip.durationMs) * 8)
            for rate in SimSpeechSynth.pcmRates {
                let pcm = try #require(clip.pcm[rate])
                #expect(pcm.count == Int(clip.durationMs) * rate / 1000)
            }
            // As the bridge decodes it, at any 1 ms alignment: loud at both ends, no quiet stretch inside beyond
            // what the analysis's 200 ms hangover bridges.
            let linear = clip.ulaw.map(PCMU.decode)
            func db(_ at: Int) -> Double {
                let ms = linear[at..<(at + 160)].reduce(0.0) { $0 + Double($1) * Double($1) } / 160
                return 10 * log10(max(ms, 1e-9) / (32768.0 * 32768.0))
            }
            #expect(db(0) >= -40, "\(clip.sentence.text): starts at \(db(0)) dBFS")
            #expect(db(linear.count - 240) >= -40, "\(clip.sentence.text): ends at \(db(linear.count - 240)) dBFS")
            var quietRun = 0, longest = 0
            for at in stride(from: 0, through: linear.count - 160, by: 8) {
                quietRun = db(at) < -40 ? quietRun + 1 : 0
                longest = max(longest, quietRun)
            }
            #expect(longest <= 180, "\(clip.sentence.text): a quiet stretch of \(longest) ms")
        }
    }

    @Test(.enabled(if: SimPhraseBook.tools() != nil, "needs espeak-ng and sox (make test-deps)"))
    func sentencesFillSpurtsAndTheBridgesAnalyzerStillRecoversTheSchedule() throws {
        let book = try #require(Self.book)
        var s = SimSpeechSchedule(seed: 7, phrases: book)
        s.extend(through: 120_000)
        var said = 0
        for channel in SpeechChannel.allCases {
            let spurts = s.spurts(channel)
            for (i, r) in spurts.enumerated() {
                #expect(r.lowerBound % 20 == 0 && r.upperBound % 20 == 0 && r.count >= 300)
                if i > 0 { #expect(r.lowerBound - spurts[i - 1].upperBound >= 300) }
            }
            for (spurt, clip) in s.sentences(channel) {
                said += 1
                #expect(Int64(spurt.count) == clip.durationMs)
                #expect(clip.sentence.channel == channel)
            }
        }
        #expect(said >= 10, "two minutes of a call say sentences")
        // The frames carry the sentence's own bytes.
        let (spurt, clip) = try #require(s.sentences(.customer).first)
        let frame = SimSpeechSynth.frame(s, from: spurt.lowerBound, ms: 20, offset: 99)
        #expect(stride(from: 0, to: frame.count, by: 2).map { frame[$0] } == Array(clip.ulaw[0..<160]))

        // The analysis (20 ms windows, −40 dBFS, 200 ms hangover) over the PCMU frames finds the schedule's talk.
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
        #expect(near(m.channels[1].talkMs, f.agent.talkMs), "\(m.channels[1].talkMs) vs \(f.agent.talkMs)")
        #expect(near(m.silenceMs, f.silenceMs))
        #expect(near(m.overtalkMs, f.overtalkMs))
        #expect(near(m.longestSilenceMs, f.longestSilenceMs))

        // The same at 16 kHz (the seed Audio Connector's PCM before Opus).
        var wide = VoiceActivityAnalyzer(channels: [.external, .internal], rate: 16000)
        var pcm: [Int16] = []
        t = 0
        while t < 120_000 {
            SimSpeechSynth.pcm(s, fromUs: t * 1000, samples: 3200, rate: 16000, offset: 99, into: &pcm)
            wide.process(samples: pcm)
            t += 200
        }
        let w = wide.finish()
        #expect(near(w.channels[0].talkMs, f.customer.talkMs), "\(w.channels[0].talkMs) vs \(f.customer.talkMs)")
        #expect(near(w.channels[1].talkMs, f.agent.talkMs))
        #expect(near(w.silenceMs, f.silenceMs))
    }

    @Test(.enabled(if: SimPhraseBook.tools() != nil, "needs espeak-ng and sox (make test-deps)"))
    func theTruthListsTheSentencesSaidWhole() throws {
        let book = try #require(Self.book)
        var s = SimSpeechSchedule(seed: 11, phrases: book)
        s.extend(through: 60_000)
        let all = try #require(SimSpeechSession.spoken(schedule: s, segments: [0..<60_000]))
        let sentences = SpeechChannel.allCases.flatMap { s.sentences($0) }.filter { $0.spurt.upperBound <= 60_000 }
        #expect(all.count == sentences.count)
        #expect(all == all.sorted { $0.offsetMs < $1.offsetMs || ($0.offsetMs == $1.offsetMs && $0.channel.rawValue < $1.channel.rawValue) })
        let first = try #require(all.first)
        #expect(SimSpokenCorpus.sentences.contains { $0.text == first.text && $0.keyword == first.keyword && $0.channel == first.channel })
        // A pause through the first sentence: it was not said whole, so it is not listed.
        let cut = first.offsetMs + first.durationMs / 2
        let paused = try #require(SimSpeechSession.spoken(schedule: s, segments: [0..<cut, (cut + 3000)..<60_000]))
        #expect(!paused.contains(first))
        #expect(paused.count < all.count)
        // Without the option there is no list at all.
        var plain = SimSpeechSchedule(seed: 11)
        plain.extend(through: 60_000)
        #expect(SimSpeechSession.spoken(schedule: plain, segments: [0..<60_000]) == nil)
    }
}
