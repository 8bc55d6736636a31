/// 16-bit linear PCM as AudioHook sends it: two bytes per sample, little-endian (the reference
/// implementation reads the frame as host-order `Int16` on little-endian hosts).
public enum L16 {
    @inline(__always)
    public static func sample(_ low: UInt8, _ high: UInt8) -> Int16 {
        Int16(bitPattern: UInt16(low) | UInt16(high) << 8)
    }

    /// Decodes `bytes` (an even count; a trailing odd byte is ignored) into `out` (appended).
    public static func decode(_ bytes: [UInt8], into out: inout [Int16]) {
        out.reserveCapacity(out.count + bytes.count / 2)
        var i = 0
        while i + 1 < bytes.count {
            out.append(sample(bytes[i], bytes[i + 1]))
            i += 2
        }
    }

    /// Little-endian bytes of `samples` (for tests and for generating audio).
    public static func encode(_ samples: [Int16]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 2)
        for s in samples {
            let u = UInt16(bitPattern: s)
            out.append(UInt8(u & 0xFF))
            out.append(UInt8(u >> 8))
        }
        return out
    }
}
