import Foundation
@testable import KeywordSpotting
import Testing

@Suite("8 → 16 kHz upsampler")
struct UpsamplerTests {
    func upsample(_ input: [Int16], chunk: Int) -> [Int16] {
        var up = Upsampler()
        var out: [Int16] = []
        var i = 0
        while i < input.count {
            let end = min(input.count, i + chunk)
            input[i..<end].withUnsafeBufferPointer { up.process($0, into: &out) }
            i = end
        }
        up.flush(into: &out)
        return out
    }

    @Test func doublesTheSamplesWhateverTheChunking() {
        let input = (0..<1000).map { Int16(truncatingIfNeeded: $0 &* 37) }
        let whole = upsample(input, chunk: 1000)
        #expect(whole.count == 2000)
        for chunk in [1, 3, 7, 160] { #expect(upsample(input, chunk: chunk) == whole) }
        #expect(upsample([5], chunk: 1).count == 2)
        #expect(upsample([], chunk: 1).isEmpty)
    }

    @Test func keepsEachInputSampleAndInterpolatesBetween() {
        let constant = [Int16](repeating: 1000, count: 200)
        let out = upsample(constant, chunk: 50)
        // Away from the edges a constant stays constant (the filter's gain at 0 Hz is 1).
        #expect(out[40..<360].allSatisfy { abs(Int($0) - 1000) <= 2 })
        let ramp = (0..<200).map { Int16($0 * 10) }
        let r = upsample(ramp, chunk: 50)
        #expect(r[100] == 500 && r[102] == 510)      // input samples kept, in place
        #expect(abs(Int(r[101]) - 505) <= 2)         // halfway between
    }

    @Test func passes1kHzAndCreatesNothingAbove4kHz() {
        // A 1 kHz tone at 8 kHz upsampled: the in-between samples follow the same sine.
        let tone = (0..<800).map { Int16(10000 * sin(2 * Double.pi * 1000 * Double($0) / 8000)) }
        let out = upsample(tone, chunk: 160)
        for n in stride(from: 100, to: 1500, by: 1) {
            let expected = 10000 * sin(2 * Double.pi * 1000 * Double(n) / 16000)
            #expect(abs(Double(out[n]) - expected) < 150, "sample \(n)")
        }
    }
}
