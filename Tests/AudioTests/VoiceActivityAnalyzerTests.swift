@testable import Audio
import Foundation
import Testing

/// A synthetic two-party call: speech-like tone mixes with a syllable rhythm and short pauses between
/// words during each scheduled spurt, low noise on both channels throughout. The schedule is the truth.
struct SyntheticCall {
    typealias Spurt = (start: Double, end: Double)
    var seconds: Double
    var external: [Spurt]
    var `internal`: [Spurt]
    var rate = 8000
    var noiseAmplitude = 40.0
    var speechAmplitude = 8000.0
    /// Inside a spurt, 120 ms with no voice every 1.3 s (pauses between words, shorter than the hangover).
    var wordPauses = true

    static func talking(_ spurts: [Spurt], at t: Double) -> Bool { spurts.contains { t >= $0.start && t < $0.end } }

    /// Interleaved external, internal samples.
    func samples(seed: UInt64 = 7) -> [Int16] {
        var g = SplitMix(state: seed)
        let n = Int(seconds * Double(rate))
        var out: [Int16] = []
        out.reserveCapacity(2 * n)
        for i in 0..<n {
            let t = Double(i) / Double(rate)
            for (c, spurts) in [external, `internal`].enumerated() {
                var v = Double.random(in: -noiseAmplitude...noiseAmplitude, using: &g)
                if let spurt = spurts.first(where: { t >= $0.start && t < $0.end }) {
                    let inSpurt = t - spurt.start
                    let pause = wordPauses && inSpurt.truncatingRemainder(dividingBy: 1.3) > 1.18
                    if !pause {
                        let (f1, f2) = c == 0 ? (220.0, 1350.0) : (180.0, 900.0)
                        let envelope = 0.65 + 0.35 * sin(2 * .pi * 4 * t)
                        v += speechAmplitude * envelope * (0.6 * sin(2 * .pi * f1 * t) + 0.4 * sin(2 * .pi * f2 * t))
                    }
                }
                out.append(Int16(max(-32768, min(32767, v.rounded()))))
            }
        }
        return out
    }

    /// Truth at 1 ms resolution.
    var truth: (external: Int64, internal: Int64, silence: Int64, overtalk: Int64, longestSilence: Int64) {
        var e: Int64 = 0, i: Int64 = 0, s: Int64 = 0, o: Int64 = 0, run: Int64 = 0, longest: Int64 = 0
        for ms in 0..<Int(seconds * 1000) {
            let t = (Double(ms) + 0.5) / 1000
            let te = Self.talking(external, at: t), ti = Self.talking(`internal`, at: t)
            if te { e += 1 }
            if ti { i += 1 }
            if te && ti { o += 1 }
            if !te && !ti {
                s += 1
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
        }
        return (e, i, s, o, longest)
    }
}

@Suite("Voice activity")
struct VoiceActivityAnalyzerTests {
    static let call = SyntheticCall(
        seconds: 60,
        external: [(0.5, 6.0), (9.0, 15.0), (20.0, 21.2), (30.0, 42.0), (50.0, 55.0)],
        internal: [(5.0, 9.5), (16.0, 19.0), (22.0, 29.0), (40.0, 44.0), (55.5, 59.0)])

    /// Within 5 % of the truth or 200 ms, whichever is larger.
    static func close(_ measured: Int64, _ truth: Int64, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let tolerance = max(200, truth * 5 / 100)
        #expect(abs(measured - truth) <= tolerance, "\(what): measured \(measured) ms, truth \(truth) ms",
                sourceLocation: sourceLocation)
    }

    static func checkAgainstTruth(_ m: VoiceActivityMetrics, _ call: SyntheticCall, sourceLocation: SourceLocation = #_sourceLocation) {
        let truth = call.truth
        close(m.customerTalkMs ?? -1, truth.external, "external talk", sourceLocation: sourceLocation)
        close(m.agentTalkMs ?? -1, truth.internal, "internal talk", sourceLocation: sourceLocation)
        close(m.silenceMs, truth.silence, "silence", sourceLocation: sourceLocation)
        close(m.overtalkMs, truth.overtalk, "overtalk", sourceLocation: sourceLocation)
        close(m.longestSilenceMs, truth.longestSilence, "longest silence", sourceLocation: sourceLocation)
        close(m.analysedMs, Int64(call.seconds * 1000), "analysed", sourceLocation: sourceLocation)
    }

    static func pcmuFrames(_ samples: [Int16], frameMs: Int = 200) -> [[UInt8]] {
        let bytes = samples.map(PCMU.encode)
        let size = 8 * frameMs * 2
        return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    @Test func pcmuCallMatchesTheSchedule() {
        var analyzer = VoiceActivityAnalyzer(media: .pcmuStereo)
        for frame in Self.pcmuFrames(Self.call.samples()) { analyzer.process(pcmu: frame) }
        let m = analyzer.finish()
        Self.checkAgainstTruth(m, Self.call)
        // Schedules overlap 1.5 s (5–6, 9–9.5), 2 s (40–42): overtalk is present and small.
        #expect(m.overtalkMs > 3_000 && m.overtalkMs < 4_000)
        let truth = Self.call.truth
        #expect(abs((m.talkRatio ?? 0) - Double(truth.internal) / Double(truth.external)) < 0.05)
        #expect(m.agentTalkShare.map { $0 > 0 && $0 < 1 } == true)
    }

    @Test func framesOfAnySizeGiveTheSameResult() {
        let samples = Self.call.samples()
        var whole = VoiceActivityAnalyzer(media: .pcmuStereo)
        whole.process(samples: samples)
        var odd = VoiceActivityAnalyzer(media: .pcmuStereo)
        var i = 0
        var g = SplitMix(state: 3)
        while i < samples.count {
            let n = 2 * Int.random(in: 1...700, using: &g)
            odd.process(samples: Array(samples[i..<min(i + n, samples.count)]))
            i += n
        }
        #expect(whole.finish() == odd.finish())
    }

    @Test func l16AndReversedChannelOrderMatchTheSchedule() {
        // The same call with the channels swapped in the frames (internal first) and sent as L16.
        var swapped = Self.call.samples()
        for i in stride(from: 0, to: swapped.count, by: 2) { swapped.swapAt(i, i + 1) }
        var analyzer = VoiceActivityAnalyzer(media: AudioMedia(format: .l16, channels: [.internal, .external]))
        let bytes = L16.encode(swapped)
        for start in stride(from: 0, to: bytes.count, by: 6400) {
            analyzer.process(l16: Array(bytes[start..<min(start + 6400, bytes.count)]))
        }
        let m = analyzer.finish()
        #expect(m.channels.map(\.channel) == [.internal, .external])
        Self.checkAgainstTruth(m, Self.call)
    }

    @Test func aNoisierLineStillMatches() {
        var call = Self.call
        call.noiseAmplitude = 250  // about −47 dBFS RMS: a hissy line, under the threshold
        var analyzer = VoiceActivityAnalyzer(media: .pcmuStereo)
        for frame in Self.pcmuFrames(call.samples(seed: 11)) { analyzer.process(pcmu: frame) }
        Self.checkAgainstTruth(analyzer.finish(), call)
    }

    @Test func theHangoverBridgesPausesBetweenWordsOnly() {
        func talk(quietMs: Int) -> VoiceActivityMetrics {
            let tone = { (n: Int) in (0..<n).map { Int16(8000 * sin(2 * Double.pi * 440 * Double($0) / 8000)) } }
            let samples = tone(8000) + [Int16](repeating: 0, count: quietMs * 8) + tone(8000)
            var a = VoiceActivityAnalyzer(channels: [.internal])
            a.process(samples: samples)
            return a.finish()
        }
        let bridged = talk(quietMs: 160)
        #expect(bridged.agentTalkMs == 2_160)
        #expect(bridged.silenceMs == 0)
        let apart = talk(quietMs: 400)
        #expect(apart.agentTalkMs == 2_000)
        #expect(apart.silenceMs == 400)
        #expect(apart.longestSilenceMs == 400)
        // The quiet after the last spurt is not talk.
        var tail = VoiceActivityAnalyzer(channels: [.internal])
        tail.process(samples: (0..<8000).map { Int16(8000 * sin(Double($0) / 3)) } + [Int16](repeating: 0, count: 8000))
        #expect(tail.finish().agentTalkMs == 1_000)
    }

    @Test func metricsLagByAtMostTheHangoverUntilFinish() {
        var a = VoiceActivityAnalyzer(media: .pcmuStereo)
        a.process(samples: Array(Self.call.samples()[0..<(2 * 8000 * 3)]))
        let live = a.metrics
        #expect(live.analysedMs == 3_000 - 200)
        #expect(a.finish().analysedMs == 3_000)
    }

    @Test func speechLevelIsThePowerMeanOfActiveWindows() throws {
        // A full-scale-quarter sine (amplitude 8192): 20·log10(1/4) − 3.01 = −15.05 dBFS.
        var a = VoiceActivityAnalyzer(channels: [.external, .internal])
        let sine = (0..<16_000).flatMap { i -> [Int16] in [Int16(8192 * sin(2 * Double.pi * 300 * Double(i) / 8000)), 0] }
        a.process(samples: sine)
        let m = a.finish()
        let level = try #require(m.channel(.external)?.speechLevelDbfs)
        #expect(abs(level - -15.05) < 0.05)
        #expect(m.channel(.internal)?.speechLevelDbfs == nil)
        #expect(m.channel(.internal)?.talkMs == 0)
        #expect(m.talkRatio == 0)
        #expect(m.agentTalkShare == 0)
    }

    @Test func gapsAreNeitherTalkNorSilenceAndEndASilence() {
        var a = VoiceActivityAnalyzer(media: .pcmuStereo)
        let quiet = [Int16](repeating: 0, count: 2 * 8000)
        a.process(samples: quiet)
        a.gap(AudioHookDuration(milliseconds: 3_000))
        a.process(samples: quiet + quiet)
        let m = a.finish()
        #expect(m.analysedMs == 3_000)
        #expect(m.silenceMs == 3_000)
        #expect(m.gapMs == 3_000)
        #expect(m.longestSilenceMs == 2_000)
    }

    @Test func samplesReadInPlaceMatchTheSampleBySamplePath() {
        // `process(samples:)` sums each window's run of samples in one loop; `process(pcmu:)` adds sample by
        // sample. The same audio through both (μ-law expanded by the decoder's table) gives the same metrics,
        // whatever the chunks (window boundaries inside and across them), stereo and mono, at 8 and 16 kHz.
        let bytes = Self.call.samples().map(PCMU.encode)
        let linear = bytes.map { PCMU.table[Int($0)] }
        for rate in [8000, 16000] {
            for channels in [[.external, .internal], [.external]] as [[AudioChannel]] {
                var reference = VoiceActivityAnalyzer(channels: channels, rate: rate)
                for start in stride(from: 0, to: bytes.count, by: 3200) {
                    reference.process(pcmu: Array(bytes[start..<min(start + 3200, bytes.count)]))
                }
                var inPlace = VoiceActivityAnalyzer(channels: channels, rate: rate)
                var g = SplitMix(state: UInt64(rate + channels.count))
                linear.withUnsafeBufferPointer { all in
                    var i = 0
                    while i < all.count {
                        let n = channels.count * Int.random(in: 1...900, using: &g)
                        inPlace.process(samples: UnsafeBufferPointer(rebasing: all[i..<min(i + n, all.count)]))
                        i += n
                    }
                }
                let m = inPlace.finish()
                #expect(m == reference.finish(), "\(rate) Hz, \(channels.count) channel(s)")
                #expect(m.analysedMs == Int64(linear.count / channels.count * 1000 / rate))
            }
        }
        // A trailing partial sample group is ignored, as by the array form.
        var odd = VoiceActivityAnalyzer(media: .pcmuStereo)
        [Int16](repeating: 9000, count: 2 * 160 + 1).withUnsafeBufferPointer { odd.process(samples: $0) }
        #expect(odd.finish().analysedMs == 20)
    }

    @Test func memoryDoesNotGrowWithTheCall() {
        #expect(MemoryLayout<VoiceActivityAnalyzer>.size < 400)
        var a = VoiceActivityAnalyzer(media: .pcmuStereo)
        let frame = [UInt8](repeating: 0xFF, count: 3200)
        for _ in 0..<(5 * 60 * 10) { a.process(pcmu: frame) }  // ten minutes
        #expect(a.finish().silenceMs == 600_000)
    }

    @Test func parametersAreHonoured() {
        // A −50 dBFS tone is silence at the default −40 dBFS threshold and talk at −55 dBFS.
        let amplitude = 32768 * pow(10, -50.0 / 20) * 2.0.squareRoot()
        let tone = (0..<8000).map { Int16(amplitude * sin(2 * Double.pi * 300 * Double($0) / 8000)) }
        var quiet = VoiceActivityAnalyzer(channels: [.external])
        quiet.process(samples: tone)
        #expect(quiet.finish().customerTalkMs == 0)
        var sensitive = VoiceActivityAnalyzer(channels: [.external], parameters: .init(threshold: -55))
        sensitive.process(samples: tone)
        #expect(sensitive.finish().customerTalkMs == 1_000)
    }
}
