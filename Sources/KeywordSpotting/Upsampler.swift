import Foundation

/// 8 kHz → 16 kHz for telephone audio (the US English acoustic model is a 16 kHz model): each input sample
/// is kept and one is interpolated between each pair by a 16-tap windowed-sinc half-band filter (nothing
/// above 4 kHz is created). Streaming: it keeps the last few input samples between calls, so the output
/// lags the input by `latency` input samples (1 ms); `flush()` emits the rest at the end of a stream.
///
/// Measured against configuring PocketSphinx for 8 kHz directly (`-samprate 8000 -nfft 256 -upperf
/// 3500`): that moves the model's 25 mel filters to frequencies it was not trained on, and found none of
/// the corpus phrases at any threshold, where upsampling finds most (docs/speech-text.md).
struct Upsampler {
    /// Half the filter length: interpolating between x[m] and x[m+1] needs x[m+1 … m+taps].
    static let taps = 8
    /// Filter coefficients c_k for the pair (x[m-k], x[m+1+k]): sinc((k + ½)) under a Blackman window.
    static let coefficients: [Float] = {
        let raw = (0..<taps).map { k -> Double in
            let t = Double(k) + 0.5
            let sinc = sin(Double.pi * t) / (Double.pi * t)
            let window = 0.42 + 0.5 * cos(Double.pi * t / Double(taps)) + 0.08 * cos(2 * Double.pi * t / Double(taps))
            return sinc * window
        }
        let dc = 2 * raw.reduce(0, +)  // normalise: a constant input interpolates to itself
        return raw.map { Float($0 / dc) }
    }()

    var latency: Int { Self.taps }

    /// The input not yet fully used: x[m - taps + 1 … ] where m is the next sample to emit.
    private var history: [Int16] = Array(repeating: 0, count: Upsampler.taps - 1)
    private var scratch: [Int16] = []

    /// Appends the upsampled form of `input` to `output` (2 samples per input sample, delayed by `latency`).
    mutating func process(_ input: UnsafeBufferPointer<Int16>, into output: inout [Int16]) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: history)
        scratch.append(contentsOf: input)
        let taps = Self.taps
        // Emit x[m] and the sample between x[m] and x[m+1] for every m with x[m+taps] available.
        let first = taps - 1, last = scratch.count - taps - 1
        if last >= first {
            output.reserveCapacity(output.count + 2 * (last - first + 1))
            scratch.withUnsafeBufferPointer { x in
                let c = Self.coefficients
                for m in first...last {
                    output.append(x[m])
                    var acc: Float = 0
                    for k in 0..<taps { acc += c[k] * (Float(x[m - k]) + Float(x[m + 1 + k])) }
                    output.append(Int16(clamping: Int(acc.rounded())))
                }
            }
            history = Array(scratch[(last + 1 - (taps - 1))...])
        } else {
            history = scratch
        }
    }

    /// Emits what is still held back (as if the stream went on in silence) and starts over.
    mutating func flush(into output: inout [Int16]) {
        let zeros = [Int16](repeating: 0, count: Self.taps)
        zeros.withUnsafeBufferPointer { process($0, into: &output) }
        history = Array(repeating: 0, count: Self.taps - 1)
    }
}
