import Foundation
import Synchronization
import SwitchboardCore

/// The simulator's spoken sentences (`spokenPhrases`), rendered once at start-up: each sentence of
/// ``SimSpokenCorpus`` spoken by its side's espeak-ng voice, made telephone-like by sox (300–3400 Hz), at 8 kHz
/// (the AudioHook μ-law frames) and 16 kHz (the seed Audio Connector's default rate; other rates are resampled
/// from it), silence trimmed, levelled to about −20 dBFS.
///
/// **The schedule's truth stays true.** A sentence fills one talk spurt exactly: it is cut to where its 20 ms
/// windows are loud (at or above −37 dBFS, against the analysis's −40 dBFS) and its length rounded to 20 ms, and a
/// quiet stretch inside it longer than 150 ms (the analysis's 200 ms hangover bridges shorter ones) gets low noise
/// at about −33 dBFS, so the voice activity the bridge measures is the spurt, as with the tone mix (``Shape``).
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

    /// The sentence the next spurt of `channel` says (a clip index; nil, the tone mix, only for a side without
    /// sentences), drawn from `rng`.
    func pick(for channel: SpeechChannel, rng: inout SimRandom) -> Int? {
        let keyword = rng.chance(SimSpokenCorpus.keywordShare[channel] ?? 0)
        let list = (keyword ? keywordClips[channel] : fillerClips[channel]) ?? []
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
    /// A 20 ms window at or above this RMS (−37 dBFS) is loud; the noise that fills a long quiet stretch inside a
    /// sentence (RMS ≈ −33.4 dBFS) and the longest quiet stretch left as it is.
    static let quietRMS = 463.0
    static let floorAmplitude = 1212.0  // uniform ±a: RMS a/√3 ≈ 700
    static let longestQuietMs: Int64 = 150

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
        // One gain for every rate, from the 8 kHz speech's level (its samples above a small level).
        let narrow = raw[8000]!
        let loud = narrow.filter { abs(Int($0)) > 300 }
        guard !loud.isEmpty else { throw SimSpokenPhrasesError.render(sentence.text, "espeak-ng produced silence") }
        let rms = (loud.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(loud.count)).squareRoot()
        let gain = speechRMS / rms
        let shape = try Shape(narrow.map { clamp(Double($0) * gain) }, sentence: sentence)
        var noise = SimRandom(seed: 0x5EEC_0000 &+ UInt64(index))
        var pcm: [Int: [Int16]] = [:]
        for rate in SimSpeechSynth.pcmRates {
            let source = raw[rate] ?? resample(raw[16000]!, from: 16000, to: rate)
            let lo = Int(shape.fromMs) * rate / 1000, count = Int(shape.durationMs) * rate / 1000
            let speechEnd = Int(shape.toMs - shape.fromMs) * rate / 1000
            var samples = [Int16](repeating: 0, count: count)
            for i in 0..<min(count, speechEnd) where lo + i < source.count {
                samples[i] = clamp(Double(source[lo + i]) * gain)
            }
            for gap in shape.fills {
                for i in (Int(gap.lowerBound) * rate / 1000)..<min(count, Int(gap.upperBound) * rate / 1000) {
                    samples[i] = clamp(Double(samples[i]) + (noise.unit() * 2 - 1) * floorAmplitude)
                }
            }
            pcm[rate] = samples
        }
        return Clip(sentence: sentence, durationMs: shape.durationMs, ulaw: pcm[8000]!.map(SimSpeechSynth.encode),
                    pcm: pcm)
    }

    /// Where a rendered sentence is loud enough for the bridge's analysis (20 ms windows, −40 dBFS, 200 ms
    /// hangover), from its 8 kHz samples: it is cut from the first to the last 20 ms window (at 1 ms steps) at or
    /// above ``quietRMS`` — a soft onset or tail below it would not be heard as talk — and its length rounded to
    /// 20 ms; a quiet stretch inside longer than ``longestQuietMs`` (the hangover's reach, with a margin) gets low
    /// noise, so the whole spurt is talk. espeak-ng leaves only short gaps between words, so this rarely adds any.
    struct Shape {
        var fromMs: Int64
        var toMs: Int64
        var durationMs: Int64
        /// ms ranges relative to `fromMs`.
        var fills: [Range<Int64>] = []

        init(_ samples: [Int16], sentence: SimSpokenCorpus.Sentence) throws {
            let window = 160, step = 8
            var prefix = [Double](repeating: 0, count: samples.count + 1)
            for (i, v) in samples.enumerated() { prefix[i + 1] = prefix[i] + Double(v) * Double(v) }
            let threshold = quietRMS * quietRMS * Double(window)
            // Loud windows by start (ms).
            var loud: [Int64] = []
            var start = 0
            while start + window <= samples.count {
                if prefix[start + window] - prefix[start] >= threshold { loud.append(Int64(start / step)) }
                start += step
            }
            guard let first = loud.first, let last = loud.last else {
                throw SimSpokenPhrasesError.render(sentence.text, "espeak-ng produced no audible speech")
            }
            fromMs = first
            toMs = last + 20
            durationMs = max(20, (toMs - fromMs + 10) / 20 * 20)
            // Quiet stretches: ms not covered by a loud window.
            var coveredTo = first
            for m in loud {
                if m > coveredTo, m - coveredTo > SimPhraseBook.longestQuietMs {
                    fills.append((coveredTo - first)..<(m - first))
                }
                coveredTo = max(coveredTo, m + 20)
            }
        }
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

/// Where the audio producers find the rendered book once ``GenesysSimulator/run()`` has made it.
final class SimPhraseBookSlot: Sendable {
    private let value = Mutex<SimPhraseBook?>(nil)
    var book: SimPhraseBook? { value.withLock { $0 } }
    func set(_ book: SimPhraseBook?) { value.withLock { $0 = book } }
}
