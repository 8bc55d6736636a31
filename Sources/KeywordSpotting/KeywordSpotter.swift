import CPocketSphinx
import Foundation
import SwitchboardCore

/// One PocketSphinx decoder in keyword-search mode listening to one audio stream (one channel of one
/// call) for a `KeywordSet`. Feed it 16-bit mono PCM at 8 or 16 kHz in any chunk sizes; it returns the
/// phrases it heard, each once, with where in the stream they started.
///
/// 8 kHz input (telephone audio) is upsampled to 16 kHz for the 16 kHz US English model (`Upsampler`) and
/// the decoder starts from a telephone cepstral mean (`KeywordSpotterTuning`). PocketSphinx's own voice
/// activity detection is off (`-remove_silence no`): it drops silent frames, which would make the frame
/// numbers — and so the offsets — drift from stream time. A spotter's result depends only on its own audio
/// (its dither is its own), whatever other decoders run.
///
/// Not thread-safe (the C decoder is mutated by every call): keep a spotter in one task. Creating one
/// costs about 10 ms of CPU (the model files are read; the largest is memory-mapped).
public final class KeywordSpotter {
    /// A phrase heard in the stream.
    public struct Detection: Sendable, Equatable {
        /// What was heard (the configured phrases sharing these words; usually one).
        public var entry: KeywordSet.Entry
        /// Where the phrase started and ended, ms of stream time (from the first sample fed).
        public var startMs: Int64
        public var endMs: Int64
        /// log10 of PocketSphinx's likelihood ratio of the phrase against the phone loop: comparable to the
        /// threshold's exponent (a detection with score −12.5 passed any threshold up to 1e-12.5).
        public var score: Double
    }

    public let keywords: KeywordSet
    public let inputSampleRate: Int
    public let tuning: KeywordSpotterTuning

    private let decoder: OpaquePointer
    private let config: OpaquePointer
    private var upsampler: Upsampler?
    private var upsampled: [Int16] = []
    /// The dither's generator (xorshift64), per spotter so a stream's result does not depend on others.
    private var ditherState: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Samples fed at the decoder's rate (16 kHz), for the stream's duration.
    private var decoderSamples: Int64 = 0
    /// Per phrase (reported words): the end frame of the last detection reported, so an overlapping
    /// re-detection (PocketSphinx refines a hit while later frames arrive) is not reported twice.
    private var lastReportedEnd: [String: Int32] = [:]
    /// The highest end frame seen so far.
    private var lastSeenEnd: Int32 = -1
    private var finished = false
    /// log10 of one unit of PocketSphinx's scaled log scores (`logbase`^1024).
    private let log10PerUnit: Double

    /// PocketSphinx's score offset in reported probabilities (`KWS_MAX`, kws_search.c).
    static let kwsMax: Int32 = 1500
    /// The shift PocketSphinx applies to its log scores (`SENSCR_SHIFT`, hmm.h).
    static let scoreShift = 10

    /// - Parameters:
    ///   - keywords: the prepared phrases (`SpotterModel.prepare`); must not be empty.
    ///   - inputSampleRate: 8000 or 16000.
    ///   - telephoneBand: whether the audio is narrowband (300–3400 Hz) telephone audio, so the decoder
    ///     starts from the telephone cepstral mean. nil: yes at 8 kHz, no at 16 kHz (say yes for 16 kHz
    ///     audio that came from a phone line, e.g. upsampled PSTN audio).
    public init(keywords: KeywordSet, model: SpotterModel, inputSampleRate: Int, telephoneBand: Bool? = nil,
                tuning: KeywordSpotterTuning = .standard) throws {
        guard inputSampleRate == 8000 || inputSampleRate == 16000 else {
            throw KeywordSpotterError.badSampleRate(inputSampleRate)
        }
        guard !keywords.isEmpty else {
            throw KeywordSpotterError(code: "kws.bad-phrase", message: "a keyword spotter needs at least one "
                + "phrase; give the channel no spotter instead")
        }
        PocketSphinxLog.install()
        self.keywords = keywords
        self.inputSampleRate = inputSampleRate
        self.tuning = tuning
        if inputSampleRate == 8000 { upsampler = Upsampler() }

        // PocketSphinx reads the dictionary, keyword list and feature parameters from files: write them to
        // a private temporary directory, removed as soon as the decoder has read them.
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-kws-\(getpid())-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dictPath = dir + "/phrases.dict", kwsPath = dir + "/phrases.kws", featPath = dir + "/feat.params"
        let mean = (telephoneBand ?? (inputSampleRate == 8000)) ? tuning.telephoneCepstralMean : nil
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try keywords.dictionaryText.write(toFile: dictPath, atomically: false, encoding: .utf8)
            try keywords.keywordListText.write(toFile: kwsPath, atomically: false, encoding: .utf8)
            try KeywordSpotterTuning.featureParameters(from: model.featureParameters, mean: mean)
                .write(toFile: featPath, atomically: false, encoding: .utf8)
        } catch {
            throw KeywordSpotterError.io(dir, "\(error)")
        }
        let arguments: [String] = [
            "-hmm", model.acousticModel, "-dict", dictPath, "-featparams", featPath, "-kws", kwsPath,
            "-samprate", "16000", "-nfft", "512",
            "-beam", KeywordSet.format(tuning.beam), "-kws_plp", KeywordSet.format(tuning.phoneLoopProbability),
            "-kws_delay", "\(tuning.delayFrames)",
            "-remove_silence", "no",
            // PocketSphinx's own dither draws from one process-wide generator (shared by every decoder and
            // thread, so results would depend on what else ran); the spotter dithers itself (`dither`).
            "-dither", "no",
        ]
        var cStrings = arguments.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        guard let config = cStrings.withUnsafeMutableBufferPointer({
            switchboard_ps_config(Int32($0.count), $0.baseAddress)
        }) else {
            throw KeywordSpotterError.decoder("reading the decoder's arguments")
        }
        guard let decoder = ps_init(config) else {
            cmd_ln_free_r(config)
            throw KeywordSpotterError.decoder("creating a keyword-search decoder (model \(model.acousticModel))")
        }
        self.config = config
        self.decoder = decoder
        log10PerUnit = log10(logmath_get_base(ps_get_logmath(decoder))) * Double(1 << Self.scoreShift)
        guard ps_start_utt(decoder) == 0 else {
            ps_free(decoder)
            cmd_ln_free_r(config)
            throw KeywordSpotterError.decoder("starting to listen")
        }
    }

    deinit {
        if !finished { _ = ps_end_utt(decoder) }
        ps_free(decoder)
        cmd_ln_free_r(config)
    }

    /// Stream time fed so far, ms.
    public var fedMs: Int64 { decoderSamples / 16 }

    /// Feeds samples at `inputSampleRate` and returns the phrases newly heard (each reported once, about
    /// `tuning.delayFrames` × 10 ms after it ended). Throws `kws.decoder-failed` if PocketSphinx refuses the
    /// audio (then drop the spotter).
    public func process(_ samples: UnsafeBufferPointer<Int16>) throws -> [Detection] {
        guard !finished, samples.count > 0 else { return [] }
        upsampled.removeAll(keepingCapacity: true)
        if upsampler != nil {
            upsampler!.process(samples, into: &upsampled)
        } else {
            upsampled.append(contentsOf: samples)
        }
        try feed(&upsampled)
        return collect()
    }

    /// Feeds an array of samples.
    public func process(_ samples: [Int16]) throws -> [Detection] {
        try samples.withUnsafeBufferPointer { try process($0) }
    }

    /// Feeds a slice of samples.
    public func process(_ samples: ArraySlice<Int16>) throws -> [Detection] {
        try samples.withUnsafeBufferPointer { try process($0) }
    }

    /// Ends the stream: processes what is still buffered and returns the last detections. Afterwards the
    /// spotter takes no more audio.
    public func finish() throws -> [Detection] {
        guard !finished else { return [] }
        if upsampler != nil {
            upsampled.removeAll(keepingCapacity: true)
            upsampler!.flush(into: &upsampled)
            try feed(&upsampled)
        }
        finished = true
        guard ps_end_utt(decoder) == 0 else { throw KeywordSpotterError.decoder("ending the stream") }
        return collect()
    }

    /// Dithers (as PocketSphinx's `-dither yes`: +1 on about one sample in four, so that digital silence —
    /// PCMU's idle pattern decodes to exact zeros — has a defined level) and decodes.
    private func feed(_ samples: inout [Int16]) throws {
        var x = ditherState
        for i in samples.indices {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            if x & 3 == 0, samples[i] < .max { samples[i] += 1 }
        }
        ditherState = x
        try samples.withUnsafeBufferPointer { try feedBuffer($0) }
    }

    private func feedBuffer(_ samples: UnsafeBufferPointer<Int16>) throws {
        guard let base = samples.baseAddress, samples.count > 0 else { return }
        let frames = ps_process_raw(decoder, base, samples.count, 0, 0)
        guard frames >= 0 else { throw KeywordSpotterError.decoder("decoding \(samples.count) samples") }
        decoderSamples += Int64(samples.count)
    }

    /// The detections PocketSphinx shows (it hides those younger than its delay) that were not reported.
    ///
    /// PocketSphinx keeps every detection of the stream in a list, newest first, and refines a detection in
    /// place (later end, better score) when an overlapping, better hit of the same phrase comes. So the list
    /// is walked from the newest until detections that ended more than `lookBackFrames` before the newest
    /// one (nothing can refine those any more), and a hit starting before the end of the last one reported
    /// for its phrase is that one refined, not a new one.
    private func collect() -> [Detection] {
        var found: [(words: String, start: Int32, end: Int32, prob: Int32)] = []
        var newestEnd = lastSeenEnd
        var seg = ps_seg_iter(decoder)
        while let s = seg {
            var start: Int32 = 0, end: Int32 = 0
            ps_seg_frames(s, &start, &end)
            if end < lastSeenEnd - Self.lookBackFrames {
                ps_seg_free(s)
                break
            }
            newestEnd = max(newestEnd, end)
            if let word = ps_seg_word(s) {
                let words = String(cString: word).trimmingSpaces
                if start >= lastReportedEnd[words, default: -1] {
                    var ascr: Int32 = 0, lscr: Int32 = 0, lback: Int32 = 0
                    let prob = ps_seg_prob(s, &ascr, &lscr, &lback)
                    found.append((words, start, end, prob))
                }
            }
            seg = ps_seg_next(s)
        }
        lastSeenEnd = newestEnd
        guard !found.isEmpty else { return [] }
        var detections: [Detection] = []
        for hit in found.sorted(by: { $0.end < $1.end }) {
            guard let entry = keywords.entry(reported: hit.words) else { continue }
            if let last = lastReportedEnd[entry.words], hit.start < last { continue }
            lastReportedEnd[entry.words] = hit.end
            detections.append(Detection(entry: entry, startMs: Int64(hit.start) * 10, endMs: Int64(hit.end) * 10,
                                        score: Double(hit.prob + Self.kwsMax) * log10PerUnit))
        }
        return detections
    }

    /// How far back (10 ms frames) a detection can still be refined: longer than any phrase.
    static let lookBackFrames: Int32 = 1000
}
