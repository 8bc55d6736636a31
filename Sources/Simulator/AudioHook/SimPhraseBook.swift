import Foundation
import Synchronization
import SwitchboardCore

/// The simulator's spoken sentences (`spokenPhrases`), rendered once at start-up: each sentence of
/// ``SimSpokenCorpus`` spoken by its side's espeak-ng voice, made telephone-like by sox (300–3400 Hz), at 8 kHz
/// (the AudioHook μ-law frames) and 16 kHz (the seed Audio Connector's default rate; other rates are resampled
/// from it), silence trimmed, levelled to about −20 dBFS.
///
/// **The schedule's truth stays true.** A sentence fills one talk spurt exactly (its length rounded up to 20 ms),
/// and every 20 ms window of it stays above the analysis's −40 dBFS threshold: where a window of the speech (at any
/// 1 ms step) falls below −37 dBFS (the gaps between words, soft consonants), low noise at about −33 dBFS is added,
/// so the voice activity the bridge measures is the spurt, as with the tone mix.
public final class SimPhraseBook: Sendable {
    public struct Clip: Sendable {
        public let sentence: SimSpokenCorpus.Sentence
        /// The spurt's length: the speech rounded up to 20 ms.
        public let durationMs: Int64
        /// 8 kHz μ-law, `durationMs × 8` bytes.
        let ulaw: [UInt8]
        /// Linear PCM per rate of ``SimSpeechSynth/pcmRates``, `durationMs × rate / 1000` samples each.
        let pcm: [Int: [Int16]]
    }

    public let clips: [Clip]
    /// Per side: the clips with a keyword phrase, and the fillers (indices into ``clips``).
    let keywordClips: [SpeechChannel: [Int]]
    let fillerClips: [SpeechChannel: [Int]]

    init(clips: [Clip]) {
        self.clips = clips
        var keyword: [SpeechChannel: [Int]] = [:], filler: [SpeechChannel: [Int]] = [:]
        for (i, clip) in clips.enumerated() {
            if clip.sentence.keyword != nil {
                keyword[clip.sentence.channel, default: []].append(i)
            } else {
                filler[clip.sentence.channel, default: []].append(i)
            }
        }
        keywordClips = keyword
        fillerClips = filler
    }

    /// What fills the next spurt of `channel` (a clip index, or nil for the tone mix), drawn from `rng`.
    func pick(for channel: SpeechChannel, rng: inout SimRandom) -> Int? {
        let u = rng.unit()
        let k = SimSpokenCorpus.keywordShare[channel] ?? 0, f = SimSpokenCorpus.fillerShare[channel] ?? 0
        let list: [Int]
        if u < k { list = keywordClips[channel] ?? [] } else if u < k + f { list = fillerClips[channel] ?? [] } else { return nil }
        guard !list.isEmpty else { return nil }
        return list[rng.int(0...(list.count - 1))]
    }

    // MARK: Rendering

    /// The programs, when both are on `searchPath` (default the PATH).
    static func tools(searchPath: String? = nil) -> (espeak: String, sox: String)? {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let espeak = which("espeak-ng", in: path), let sox = which("sox", in: path) else { return nil }
        return (espeak, sox)
    }

    /// Renders every sentence of the corpus (child processes, in parallel). Throws `sim.spoken-phrases-unavailable`
    /// naming the Debian packages when espeak-ng or sox is missing (from `searchPath`, default the PATH),
    /// `sim.spoken-phrases-render` when one fails.
    public static func render(searchPath: String? = nil) throws(SimSpokenPhrasesError) -> SimPhraseBook {
        guard let tools = tools(searchPath: searchPath) else { throw SimSpokenPhrasesError.unavailable }
        let sentences = SimSpokenCorpus.sentences
        let results = Mutex<[Int: Result<Clip, SimSpokenPhrasesError>]>([:])
        DispatchQueue.concurrentPerform(iterations: sentences.count) { i in
            let r: Result<Clip, SimSpokenPhrasesError>
            do {
                r = .success(try clip(sentences[i], index: i, tools: tools))
            } catch let e as SimSpokenPhrasesError {
                r = .failure(e)
            } catch {
                r = .failure(.render(sentences[i].text, "\(error)"))
            }
            results.withLock { $0[i] = r }
        }
        var clips: [Clip] = []
        for i in sentences.indices {
            guard let r = results.withLock({ $0[i] }) else {
                throw SimSpokenPhrasesError.render(sentences[i].text, "not rendered")
            }
            clips.append(try r.get())
        }
        return SimPhraseBook(clips: clips)
    }

    static let renderRates = [8000, 16000]
    /// The level speech is scaled to (RMS of its samples above the trim level), ≈ −20.8 dBFS.
    static let speechRMS = 3000.0
    /// Windows below this RMS (−37 dBFS) get floor noise; the noise's RMS (≈ −33.4 dBFS).
    static let quietRMS = 463.0
    static let floorAmplitude = 1212.0  // uniform ±a: RMS a/√3 ≈ 700

    static func clip(_ sentence: SimSpokenCorpus.Sentence, index: Int, tools: (espeak: String, sox: String)) throws -> Clip {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-sim-speech-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("speech.wav").path
        let voice = SimSpokenCorpus.voices[sentence.channel] ?? "en-us"
        try run(tools.espeak, ["-v", voice, "-s", "\(SimSpokenCorpus.wordsPerMinute)", "-w", wav, sentence.text], sentence)
        var raw: [Int: [Int16]] = [:]
        for rate in renderRates {
            let out = dir.appendingPathComponent("speech-\(rate).raw").path
            try run(tools.sox, [wav, "-t", "raw", "-r", "\(rate)", "-c", "1", "-e", "signed-integer", "-b", "16", "-L",
                                out, "sinc", "300-3400"], sentence)
            guard let data = FileManager.default.contents(atPath: out), data.count >= 2 else {
                throw SimSpokenPhrasesError.render(sentence.text, "sox wrote no audio")
            }
            raw[rate] = data.withUnsafeBytes { buffer in
                (0..<(data.count / 2)).map { Int16(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            }
        }
        // Trim on the 8 kHz version, in whole ms, the same span at every rate.
        let narrow = raw[8000]!
        guard let first = narrow.firstIndex(where: { abs(Int($0)) > 300 }),
              let last = narrow.lastIndex(where: { abs(Int($0)) > 300 }) else {
            throw SimSpokenPhrasesError.render(sentence.text, "espeak-ng produced silence")
        }
        let fromMs = Int64(first / 8), toMs = Int64(last / 8 + 1)
        let durationMs = (toMs - fromMs + 19) / 20 * 20
        // One gain for every rate, from the 8 kHz speech's level.
        let loud = narrow[first...last].filter { abs(Int($0)) > 300 }
        let rms = (loud.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, loud.count))).squareRoot()
        let gain = rms > 0 ? speechRMS / rms : 1
        var noise = SimRandom(seed: 0x5EEC_0000 &+ UInt64(index))
        var pcm: [Int: [Int16]] = [:]
        for rate in SimSpeechSynth.pcmRates {
            let source = raw[rate] ?? resample(raw[16000]!, from: 16000, to: rate)
            let lo = Int(fromMs) * rate / 1000, count = Int(durationMs) * rate / 1000
            var samples = [Int16](repeating: 0, count: count)
            for i in 0..<count where lo + i < source.count && Int64(i) * 1000 / Int64(rate) < toMs - fromMs {
                samples[i] = clamp(Double(source[lo + i]) * gain)
            }
            pcm[rate] = floored(samples, rate: rate, noise: &noise)
        }
        return Clip(sentence: sentence, durationMs: durationMs, ulaw: pcm[8000]!.map(SimSpeechSynth.encode), pcm: pcm)
    }

    /// `samples` with low noise added wherever a 20 ms window (at every 1 ms step) is below ``quietRMS``, so every
    /// window of the clip — at any alignment the bridge's analysis may cut — stays well above its −40 dBFS.
    static func floored(_ samples: [Int16], rate: Int, noise: inout SimRandom) -> [Int16] {
        let window = rate / 50, hop = max(1, rate / 1000)
        guard samples.count >= window else { return samples }
        var prefix = [Double](repeating: 0, count: samples.count + 1)
        for (i, v) in samples.enumerated() { prefix[i + 1] = prefix[i] + Double(v) * Double(v) }
        // +1 where a quiet window starts, −1 where it ends: a running count marks the samples to fill.
        var marks = [Int](repeating: 0, count: samples.count + 1)
        let threshold = quietRMS * quietRMS * Double(window)
        var start = 0
        while start + window <= samples.count {
            if prefix[start + window] - prefix[start] < threshold {
                marks[start] += 1
                marks[start + window] -= 1
            }
            start += hop
        }
        // The tail shorter than a window is judged with the last whole one.
        if start < samples.count, prefix[samples.count] - prefix[samples.count - window] < threshold {
            marks[samples.count - window] += 1
            marks[samples.count] -= 1
        }
        var out = samples
        var open = 0
        for i in out.indices {
            open += marks[i]
            if open > 0 { out[i] = clamp(Double(out[i]) + (noise.unit() * 2 - 1) * floorAmplitude) }
        }
        return out
    }

    /// Linear interpolation (the speech is band-limited to 3.4 kHz, far below every rate's Nyquist).
    static func resample(_ samples: [Int16], from: Int, to: Int) -> [Int16] {
        let count = samples.count * to / from
        return (0..<count).map { j in
            let x = Double(j) * Double(from) / Double(to)
            let i = Int(x), f = x - Double(i)
            let a = Double(samples[min(i, samples.count - 1)]), b = Double(samples[min(i + 1, samples.count - 1)])
            return clamp(a + (b - a) * f)
        }
    }

    static func clamp(_ v: Double) -> Int16 { Int16(max(-32768, min(32767, v.rounded()))) }

    private static func which(_ program: String, in path: String) -> String? {
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func run(_ executable: String, _ arguments: [String], _ sentence: SimSpokenCorpus.Sentence) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SimSpokenPhrasesError.render(sentence.text, "\(executable) exited \(process.terminationStatus)")
        }
    }
}

/// Why `spokenPhrases` cannot be served.
public struct SimSpokenPhrasesError: CodedError, Equatable {
    public let code: String
    public let message: String

    static let unavailable = SimSpokenPhrasesError(
        code: "sim.spoken-phrases-unavailable",
        message: "the simulator's spokenPhrases option (--spoken-phrases) speaks its sentences with espeak-ng and sox, "
            + "which are not installed: install the Debian packages espeak-ng and sox (`make test-deps` does), or "
            + "turn the option off")

    static func render(_ text: String, _ reason: String) -> SimSpokenPhrasesError {
        SimSpokenPhrasesError(code: "sim.spoken-phrases-render", message: "the simulator could not render the "
            + "sentence \"\(text)\" with espeak-ng and sox: \(reason); check that both programs work, or turn "
            + "spokenPhrases off")
    }
}

/// Where the audio producers find the rendered book once ``GenesysSimulator/run()`` has made it.
final class SimPhraseBookSlot: Sendable {
    private let value = Mutex<SimPhraseBook?>(nil)
    var book: SimPhraseBook? { value.withLock { $0 } }
    func set(_ book: SimPhraseBook?) { value.withLock { $0 = book } }
}
