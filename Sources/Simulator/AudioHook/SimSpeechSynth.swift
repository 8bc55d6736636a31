import Foundation
import SwitchboardCore

/// Synthetic call audio: stereo PCMU (G.711 μ-law) at 8 kHz, customer (`external`) then agent
/// (`internal`) interleaved sample by sample, following a ``SimSpeechSchedule``.
///
/// Talk is a voiced tone mix (fundamental and formant-like partials) plus a little noise around −18 dBFS,
/// amplitude-modulated at a 4 Hz syllable rhythm between 0.55 and 1 — every 20 ms window of a spurt stays
/// above −25 dBFS, far from the −40 dBFS threshold. Quiet is low noise around −62 dBFS (at the seed Audio Connector's
/// wider rates the same noise resampled, so a phone line's quiet has nothing above 4 kHz). Both signals repeat
/// every second; they are built once as μ-law bytes, so a frame is a table copy.
public enum SimSpeechSynth {
    public static let rate = 8000
    /// Bytes of one stereo PCMU frame of `ms` milliseconds.
    public static func frameBytes(ms: Int64) -> Int { Int(ms) * rate / 1000 * 2 }

    /// One second of voiced and quiet audio per channel, as μ-law bytes.
    static let voiced: [[UInt8]] = [table(voiced: true, channel: 0), table(voiced: true, channel: 1)]
    static let quiet: [[UInt8]] = [table(voiced: false, channel: 0), table(voiced: false, channel: 1)]

    /// `ms` of audio from stream position `from` (ms; a multiple of 20), interleaved customer/agent.
    /// `offset` shifts the waveform per call (any value).
    public static func frame(_ schedule: SimSpeechSchedule, from: Int64, ms: Int64, offset: Int = 0) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: frameBytes(ms: ms))
        let samplesPerStep = rate / 50  // 20 ms
        var sample = 0
        var t = from
        while t < from + ms {
            let c = schedule.talks(.customer, at: t) ? voiced[0] : quiet[0]
            let a = schedule.talks(.agent, at: t) ? voiced[1] : quiet[1]
            let base = Int(t % 1000) * rate / 1000 + offset
            for k in 0..<samplesPerStep {
                let i = (base + k) % rate
                out[2 * (sample + k)] = c[i]
                out[2 * (sample + k) + 1] = a[i]
            }
            // A spurt that says a sentence (`spokenPhrases`): its samples instead of the tone mix.
            if schedule.book != nil {
                for (lane, channel) in [(0, SpeechChannel.customer), (1, .agent)] {
                    guard let said = schedule.spoken(channel, at: t) else { continue }
                    let (clip, start) = said
                    let first = Int(t - start) * rate / 1000
                    for k in 0..<samplesPerStep where first + k < clip.ulaw.count {
                        out[2 * (sample + k) + lane] = clip.ulaw[first + k]
                    }
                }
            }
            sample += samplesPerStep
            t += 20
        }
        return out
    }

    static func table(voiced: Bool, channel: Int) -> [UInt8] {
        linearTable(voiced: voiced, channel: channel, rate: rate).map(encode)
    }

    /// One second of voiced or quiet audio of one channel as linear 16-bit samples at `rate` Hz (the μ-law
    /// tables are these at 8 kHz, encoded).
    static func linearTable(voiced: Bool, channel: Int, rate: Int) -> [Int16] {
        if !voiced && rate != Self.rate {
            // A phone line's quiet: the 8 kHz noise, resampled, so nothing lies above 4 kHz at the wider rates either.
            let narrow = linearTable(voiced: false, channel: channel, rate: Self.rate)
            return (0..<rate).map { j in
                let x = Double(j) * Double(Self.rate) / Double(rate)
                let i = Int(x), f = x - Double(i)
                let a = Double(narrow[i % Self.rate]), b = Double(narrow[(i + 1) % Self.rate])
                return Int16((a + (b - a) * f).rounded())
            }
        }
        var noise = SimRandom(seed: UInt64(0x5EED_0000 + channel * 7 + (voiced ? 1 : 0)))
        // A lower voice on the customer side than on the agent side.
        let f0 = channel == 0 ? 140.0 : 210.0
        return (0..<rate).map { n in
            let t = Double(n) / Double(rate)
            let white = noise.unit() * 2 - 1
            let value: Double
            if voiced {
                let tone = 0.55 * sin(2 * .pi * f0 * t) + 0.30 * sin(2 * .pi * 3 * f0 * t + 0.7)
                    + 0.18 * sin(2 * .pi * 1100 * t + 1.3) + 0.08 * white
                let syllable = 0.55 + 0.45 * pow(sin(.pi * 4 * t), 2)
                // ≈ −18 dBFS RMS at the syllable peak.
                value = 7300 * syllable * tone
            } else {
                value = 44 * white  // ≈ −62 dBFS RMS
            }
            return Int16(max(-32768, min(32767, value.rounded())))
        }
    }

    /// G.711 μ-law compression of one linear sample (clipped at ±32635): the encoder's side of the
    /// table a decoder expands (bias 0x84, bits inverted on the wire).
    public static func encode(_ sample: Int16) -> UInt8 {
        let s = Int(sample)
        let (biased, top) = s < 0 ? (min(-s, 32635) + 0x84, 0x7F) : (min(s, 32635) + 0x84, 0xFF)
        let high = biased >> 8
        let exponent = high == 0 ? 0 : Int.bitWidth - high.leadingZeroBitCount
        return UInt8(top - ((exponent << 4) | ((biased >> (exponent + 3)) & 0x0F)))
    }
}
