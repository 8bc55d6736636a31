import Foundation

/// A small seeded generator (SplitMix64), so random tests repeat exactly.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

/// Speech-like test audio: per channel a mix of three harmonics under a 4 Hz syllable envelope, with
/// a different pitch and level per channel so a swap or mix-up shows.
enum OpusTestSignals {
    /// Interleaved stereo at `sampleRate` of `seconds`; channel 0 at `levels.0` dBFS peak, channel 1 at `levels.1`.
    static func speechLike(sampleRate: Int, seconds: Double, levels: (Double, Double) = (-12, -20)) -> [Int16] {
        let count = Int(Double(sampleRate) * seconds)
        var pcm = [Int16](repeating: 0, count: count * 2)
        let pitches = (180.0, 240.0)
        let gains = (pow(10, levels.0 / 20) * 32767, pow(10, levels.1 / 20) * 32767)
        for i in 0..<count {
            let t = Double(i) / Double(sampleRate)
            let envelope = 0.55 + 0.45 * sin(2 * .pi * 4 * t)
            for channel in 0..<2 {
                let f = channel == 0 ? pitches.0 : pitches.1
                let g = channel == 0 ? gains.0 : gains.1
                let v = 0.6 * sin(2 * .pi * f * t) + 0.3 * sin(2 * .pi * 2 * f * t) + 0.1 * sin(2 * .pi * 3 * f * t)
                pcm[2 * i + channel] = Int16(max(-32767, min(32767, g * envelope * v)))
            }
        }
        return pcm
    }

    /// Level of one channel of interleaved stereo, in dBFS (mean square against full scale).
    static func level(_ pcm: ArraySlice<Int16>, channel: Int, channels: Int = 2) -> Double {
        var sum = 0.0
        var n = 0
        var i = pcm.startIndex + channel
        while i < pcm.endIndex {
            let s = Double(pcm[i])
            sum += s * s
            n += 1
            i += channels
        }
        guard n > 0, sum > 0 else { return -120 }
        return 10 * log10(sum / Double(n) / (32768.0 * 32768.0))
    }
}
