/// G.711 μ-law (PCMU): 8-bit companded samples, 14-bit linear range, decoded to `Int16`.
///
/// Decoding is one table lookup; the table is built once from the ITU-T G.711 expansion rule
/// (bias 0x84, bits inverted on the wire), so `0x00` is −32124, `0x80` is 32124 and both zeros
/// (`0xFF`, `0x7F`) are 0.
public enum PCMU {
    /// The linear value of every μ-law byte.
    public static let table: [Int16] = (0...255).map { expand(UInt8($0)) }

    @inline(__always)
    public static func decode(_ byte: UInt8) -> Int16 {
        table.withUnsafeBufferPointer { $0[Int(byte)] }
    }

    /// Decodes `bytes` into `out` (appended).
    public static func decode(_ bytes: some Sequence<UInt8>, into out: inout [Int16]) {
        table.withUnsafeBufferPointer { t in
            for b in bytes { out.append(t[Int(b)]) }
        }
    }

    /// The G.711 expansion of one byte.
    static func expand(_ byte: UInt8) -> Int16 {
        let x = ~byte
        let exponent = Int((x >> 4) & 0x07)
        let mantissa = Int(x & 0x0F)
        let magnitude = ((mantissa << 3) + 0x84) << exponent
        return Int16(x & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    /// Compresses a linear sample (clipped at ±32635), as a G.711 encoder does — for tests and for
    /// generating audio (the simulator's side).
    public static func encode(_ sample: Int16) -> UInt8 {
        let s = Int(sample)
        let (biased, top) = s < 0 ? (min(-s, 32635) + 0x84, 0x7F) : (min(s, 32635) + 0x84, 0xFF)
        let high = biased >> 8
        let exponent = high == 0 ? 0 : Int.bitWidth - high.leadingZeroBitCount
        return UInt8(top - ((exponent << 4) | ((biased >> (exponent + 3)) & 0x0F)))
    }
}
