import AudioConnector
import Foundation
import OpusCodec
import Simulator
import SwitchboardCore

/// The Opus packets the `audio` scenario's Opus row decodes (docs/performance.md, "audio"), made once per
/// run: `calls` stereo calls of `seconds` each, speech-like audio following the simulator's
/// ``SimSpeechSchedule`` (turns, overtalk, long silences), encoded with ``OpusEncoder`` (VoIP, libopus's
/// default bitrate and complexity) in packets of mixed durations (10/20/40/60 ms), and cut into the seed
/// Audio Connector's binary messages: about 30 % of the packets in 2–4 fragments (``SeedAudioFrame``).
///
/// Both paths read the same packets: the raw baseline from `packetBytes` (every packet back to back, in
/// the order a connection receives them: the calls interleaved by time), the seed path from `messages`.
struct OpusCorpus {
    struct Packet {
        var call: Int
        var sequence: UInt32
        var offset: Int
        var count: Int
        var samples: Int
    }

    let sampleRate: Int
    let calls: Int
    let seconds: Int
    let interactions: [UUID]
    let packetBytes: [UInt8]
    let packets: [Packet]
    let messages: [[UInt8]]
    let fragmentedPackets: Int
    /// Packets per duration (ms).
    let durations: [Int: Int]
    /// Talk in the schedules the audio follows, summed over the calls (ms).
    let truthTalkMs: (customer: Int64, agent: Int64)

    /// Seconds of stereo audio in the corpus (every call).
    var audioSeconds: Double { Double(packets.reduce(0) { $0 + $1.samples }) / Double(sampleRate) }
    /// Mean bitrate per call, bits per second.
    var bitsPerSecond: Double { Double(packetBytes.count * 8) / audioSeconds }
    var messageBytes: Int { messages.reduce(0) { $0 + $1.count } }

    /// The encoder's bitrate for a rate, nil for libopus's default. At 8 kHz the default for stereo VoIP
    /// (≈ 17 kb/s) codes the two channels so jointly that each carries the other's speech (the analysis then
    /// reads both as talking whenever either does); 24 kb/s keeps them apart (talk within 1 % of the schedule).
    /// libopus's defaults at 16 kHz (≈ 35 kb/s) and 48 kHz (≈ 100 kb/s) keep them apart.
    static func defaultBitrate(sampleRate: Int) -> Int? { sampleRate == 8000 ? 24000 : nil }

    /// Packet durations and their weights: mostly 20 ms, as Genesys streams, with the other legal speech
    /// durations mixed in so that nothing may assume one.
    static let durationWeights: [(ms: Int, weight: Int)] = [(10, 2), (20, 5), (40, 2), (60, 1)]

    /// - Parameters:
    ///   - fragmentedShare: the share of packets cut into 2–4 fragments (0.3).
    ///   - bitrate: the encoder's target in bits per second; nil for libopus's default.
    static func make(sampleRate: Int, calls: Int, seconds: Int, fragmentedShare: Double = 0.3, bitrate: Int? = nil,
                     seed: UInt64 = 0x0BE5_0905) throws -> OpusCorpus {
        var rng = BenchRandom(seed: seed ^ UInt64(sampleRate))
        let voice = SpeechLikeAudio(sampleRate: sampleRate)
        var interactions: [UUID] = []
        // (start ms, call, packet bytes, samples)
        var produced: [(start: Int, call: Int, bytes: [UInt8], samples: Int)] = []
        var durations: [Int: Int] = [:]
        var truth: (customer: Int64, agent: Int64) = (0, 0)
        let totalWeight = durationWeights.reduce(0) { $0 + $1.weight }
        for call in 0..<calls {
            interactions.append(rng.uuid())
            var schedule = SimSpeechSchedule(seed: seed &+ UInt64(call) &* 7919)
            schedule.extend(through: Int64(seconds) * 1000 + 1000)
            let end = Int64(seconds) * 1000
            func talk(_ spurts: [Range<Int64>]) -> Int64 {
                spurts.reduce(0) { $0 + max(0, min($1.upperBound, end) - max($1.lowerBound, 0)) }
            }
            truth.customer += talk(schedule.customer)
            truth.agent += talk(schedule.agent)
            let encoder = try OpusEncoder(sampleRate: sampleRate, channels: 2, application: .voip)
            if let bitrate { try encoder.setBitrate(bitrate) }
            let waveOffset = rng.int(0...(sampleRate - 1))
            var pcm: [Int16] = []
            var t = 0
            while t < seconds * 1000 {
                var pick = rng.int(0...(totalWeight - 1))
                var ms = durationWeights[0].ms
                for d in durationWeights {
                    if pick < d.weight { ms = d.ms; break }
                    pick -= d.weight
                }
                let frame = ms * sampleRate / 1000
                voice.fill(&pcm, schedule: schedule, fromMs: t, samples: frame, offset: waveOffset)
                let packet = try encoder.encode(pcm, frameSamples: frame)
                produced.append((t, call, packet, frame))
                durations[ms, default: 0] += 1
                t += ms
            }
        }
        // The order one connection receives them in: by start time, calls interleaved.
        produced.sort { ($0.start, $0.call) < ($1.start, $1.call) }
        var packetBytes: [UInt8] = []
        packetBytes.reserveCapacity(produced.reduce(0) { $0 + $1.bytes.count })
        var packets: [Packet] = []
        var messages: [[UInt8]] = []
        var nextSequence = [UInt32](repeating: 0, count: calls)
        var fragmented = 0
        for p in produced {
            let sequence = nextSequence[p.call]
            nextSequence[p.call] += 1
            packets.append(Packet(call: p.call, sequence: sequence, offset: packetBytes.count, count: p.bytes.count,
                                  samples: p.samples))
            packetBytes.append(contentsOf: p.bytes)
            var maxPayload = p.bytes.count
            if rng.unit() < fragmentedShare, p.bytes.count >= 4 {
                let pieces = rng.int(2...4)
                maxPayload = (p.bytes.count + pieces - 1) / pieces
                fragmented += 1
            }
            let frames = try SeedAudioFrame.fragments(of: p.bytes, interaction: interactions[p.call], sequence: sequence,
                                                      maxPayload: maxPayload)
            for frame in frames { messages.append(frame.encoded()) }
        }
        return OpusCorpus(sampleRate: sampleRate, calls: calls, seconds: seconds, interactions: interactions,
                          packetBytes: packetBytes, packets: packets, messages: messages, fragmentedPackets: fragmented,
                          durations: durations, truthTalkMs: truth)
    }
}

/// Speech-like stereo audio at any Opus rate (the simulator's ``SimSpeechSynth`` makes 8 kHz μ-law only):
/// per channel a voiced tone mix (a fundamental with a slow vibrato, two harmonics, a formant-like
/// partial and some noise) under a 4 Hz syllable rhythm, ≈ −18 dBFS at the syllable peak, while the
/// channel talks; low noise (≈ −62 dBFS) while it is quiet. One second of each, repeated.
struct SpeechLikeAudio {
    let sampleRate: Int
    private let voiced: [[Int16]]
    private let quiet: [[Int16]]

    init(sampleRate: Int) {
        self.sampleRate = sampleRate
        voiced = [Self.table(sampleRate, voiced: true, channel: 0), Self.table(sampleRate, voiced: true, channel: 1)]
        quiet = [Self.table(sampleRate, voiced: false, channel: 0), Self.table(sampleRate, voiced: false, channel: 1)]
    }

    /// Replaces `pcm` with `samples` interleaved (customer, agent) samples from stream position `fromMs`.
    func fill(_ pcm: inout [Int16], schedule: SimSpeechSchedule, fromMs: Int, samples: Int, offset: Int) {
        pcm.removeAll(keepingCapacity: true)
        let perMs = sampleRate / 1000
        for k in 0..<samples {
            let ms = Int64(fromMs + k / perMs)
            let n = (fromMs * perMs + k + offset) % sampleRate
            pcm.append((schedule.talks(.customer, at: ms) ? voiced[0] : quiet[0])[n])
            pcm.append((schedule.talks(.agent, at: ms) ? voiced[1] : quiet[1])[n])
        }
    }

    static func table(_ rate: Int, voiced: Bool, channel: Int) -> [Int16] {
        var noise = BenchRandom(seed: UInt64(0x5EED_0100 + channel * 7 + (voiced ? 1 : 0)))
        let f0 = channel == 0 ? 130.0 : 205.0
        let formant = channel == 0 ? 700.0 : 1100.0
        return (0..<rate).map { n in
            let t = Double(n) / Double(rate)
            let white = noise.unit() * 2 - 1
            let value: Double
            if voiced {
                // Vibrato of ±3 % at 2 Hz keeps the pitch moving (whole cycles per second: the table loops cleanly).
                let phase = 2 * .pi * f0 * t + 0.03 * f0 / 2 * sin(2 * .pi * 2 * t)
                let tone = 0.55 * sin(phase) + 0.30 * sin(2 * phase + 0.7) + 0.15 * sin(3 * phase + 1.9)
                    + 0.12 * sin(2 * .pi * formant * t + 1.3) + 0.08 * white
                let syllable = 0.55 + 0.45 * pow(sin(.pi * 4 * t), 2)
                value = 7300 * syllable * tone
            } else {
                value = 44 * white
            }
            return Int16(max(-32768, min(32767, value.rounded())))
        }
    }
}

/// A small seeded generator (SplitMix64), so every run measures the same corpus.
struct BenchRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    mutating func uuid() -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: next()) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                           bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
