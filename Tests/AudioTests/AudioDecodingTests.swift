@testable import Audio
import Testing

@Suite("PCMU and L16 decoding")
struct AudioDecodingTests {
    /// Values of the G.711 μ-law expansion (ITU-T G.711 table 2a; the same as the reference
    /// implementation's lookup table and Sun's `ulaw2linear`).
    @Test(arguments: [
        (UInt8(0x00), Int16(-32124)), (0x01, -31100), (0x0F, -16764), (0x10, -15996), (0x1F, -8316),
        (0x20, -7932), (0x3F, -1980), (0x40, -1884), (0x5F, -396), (0x6F, -132), (0x70, -120), (0x7E, -8), (0x7F, 0),
        (0x80, 32124), (0x81, 31100), (0x8F, 16764), (0xA0, 7932), (0xC0, 1884), (0xE0, 372), (0xEF, 132),
        (0xF0, 120), (0xFE, 8), (0xFF, 0),
    ])
    func muLawDecodesToKnownValues(_ byte: UInt8, _ linear: Int16) {
        #expect(PCMU.decode(byte) == linear)
        #expect(PCMU.table[Int(byte)] == linear)
    }

    @Test func theTableIsSymmetricAndMonotonic() {
        for b in 0..<128 {
            // 0x00–0x7F negative, 0x80–0xFF positive mirror images (0x7F/0xFF both zero).
            #expect(PCMU.table[b] == -PCMU.table[b + 128])
        }
        for b in 0..<127 { #expect(PCMU.table[b] < PCMU.table[b + 1]) }
        for b in 128..<255 { #expect(PCMU.table[b] > PCMU.table[b + 1]) }
    }

    @Test func encodingThenDecodingStaysWithinOneQuantisationStep() {
        #expect(PCMU.encode(0) == 0xFF)
        #expect(PCMU.encode(-32768) == 0x00)
        #expect(PCMU.encode(32767) == 0x80)
        for b in 0...255 { #expect(PCMU.encode(PCMU.table[b]) == UInt8(b) || PCMU.table[b] == 0) }
        var s = Int16.min
        while s < Int16.max - 97 {
            let back = Int(PCMU.decode(PCMU.encode(s)))
            let step = max(8, abs(Int(s)) / 16)  // 4 mantissa bits: the step grows with the segment
            #expect(abs(back - Int(max(-32635, min(32635, s)))) <= step, "\(s)")
            s += 97
        }
    }

    @Test func l16IsLittleEndian() {
        #expect(L16.sample(0x34, 0x12) == 0x1234)
        #expect(L16.sample(0xFF, 0xFF) == -1)
        #expect(L16.sample(0x00, 0x80) == Int16.min)
        let samples: [Int16] = [0, 1, -1, 1000, -32768, 32767]
        var out: [Int16] = []
        L16.decode(L16.encode(samples), into: &out)
        #expect(out == samples)
    }

    @Test func deinterleavesByChannelOrder() throws {
        // ext0 int0 ext1 int1 …
        let bytes: [UInt8] = [0x80, 0x00, 0xFF, 0x7E, 0xFE, 0x7F]
        let channels = try AudioDecoder.decode(bytes, media: .pcmuStereo)
        #expect(channels == [[32124, 0, 8], [-32124, -8, 0]])
        let mono = try AudioDecoder.decode(bytes, media: AudioMedia(format: .pcmu, channels: [.external]))
        #expect(mono == [[32124, -32124, 0, -8, 8, 0]])
        let l16 = try AudioDecoder.decode(L16.encode([1, -1, 2, -2]), media: .l16Stereo)
        #expect(l16 == [[1, 2], [-1, -2]])
    }

    @Test func partialSamplesAreATypedError() {
        #expect(throws: AudioHookError.self) { try AudioDecoder.decode([1, 2, 3], media: .pcmuStereo) }
        do {
            _ = try AudioDecoder.decode([1, 2, 3, 4, 5, 6], media: .l16Stereo)
            Issue.record("accepted")
        } catch {
            #expect(error.code == "audiohook.partial-sample")
        }
    }
}
