import Foundation
import KeywordSpotting
import Synchronization
import SwitchboardCore
import Testing

/// The phrases the tests (and the bench) listen for.
let testPhrases: [KeywordPhrase] = [
    KeywordPhrase(phrase: "cancel my account", label: "churn-risk"),
    KeywordPhrase(phrase: "speak to a supervisor", label: "escalation"),
    KeywordPhrase(phrase: "this is unacceptable", label: "anger"),
    KeywordPhrase(phrase: "thank you so much", label: "thanks"),
]

/// The same phrases at one explicit threshold (1e40) with a wide margin for the test voice (`testVoice`):
/// its phrases score 69–143 there, its filler speech at most 21 (PocketSphinx scores, log10). The tests check
/// the spotter's plumbing (offsets, once-only reports, silence on filler); how well the default thresholds
/// do across voices is measured by `switchboard-bench --only spotting`.
let testPhrasesAt40 = testPhrases.map { p in
    var p = p
    p.threshold = 1e40
    return p
}

/// The espeak-ng voice of the spoken tests.
let testVoice = "en-us+klatt"

/// Whether the spoken-audio tests can run: espeak-ng and sox (make test-deps) and the PocketSphinx model
/// (make deps).
let speechAvailable = SyntheticSpeech.isAvailable && (try? SpotterModel()) != nil

/// A deterministic generator (SplitMix64) for noise and fuzz input.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Sentences spoken one after another with pauses of low noise between them, at 8 kHz; remembers where
/// each sentence starts and ends (ms).
struct SpokenCall {
    var samples: [Int16] = []
    var spans: [(text: String, startMs: Int64, endMs: Int64)] = []
    var generator = SeededGenerator(seed: 42)

    static func render(_ sentences: [String], voice: String) throws -> SpokenCall {
        var call = SpokenCall()
        call.pause(ms: 500)
        for sentence in sentences {
            let speech = try SyntheticSpeech.render(sentence, voice: voice)
            let start = Int64(call.samples.count / 8)
            call.samples += speech
            call.spans.append((sentence, start, Int64(call.samples.count / 8)))
            call.pause(ms: 700)
        }
        return call
    }

    mutating func pause(ms: Int) {
        samples += SyntheticSpeech.noise(ms: ms, generator: &generator)
    }

    func span(containing phrase: String) -> (startMs: Int64, endMs: Int64)? {
        spans.first { $0.text.contains(phrase) }.map { ($0.startMs, $0.endMs) }
    }
}

/// Feeds `samples` to `spotter` in chunks of `chunk` samples (20 ms at 8 kHz by default) and returns every
/// detection, the final ones included.
func spotAll(_ samples: [Int16], with spotter: KeywordSpotter, chunk: Int = 160) throws -> [KeywordSpotter.Detection] {
    var found: [KeywordSpotter.Detection] = []
    var i = 0
    while i < samples.count {
        let end = min(samples.count, i + chunk)
        found += try spotter.process(samples[i..<end])
        i = end
    }
    return found + (try spotter.finish())
}

/// A sink that records what the pool emits.
final class RecordingTranscriptSink: TranscriptSink {
    private let events = Mutex<[TranscriptEvent]>([])
    func ingest(transcripts: [TranscriptEvent]) { events.withLock { $0 += transcripts } }
    var all: [TranscriptEvent] { events.withLock { $0 } }
    var spotted: [SpottedKeyword] {
        all.compactMap { if case .spotted(let s) = $0 { s } else { nil } }
    }
}

/// A fixed business clock.
struct FixedClock: WallClock {
    var now_: EpochMillis = 1_700_000_000_000
    func now() -> EpochMillis { now_ }
    var speed: Double { 1 }
}
