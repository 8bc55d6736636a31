import SwitchboardCore

/// The simulator's deterministic generator (``SplitMix64``): the same seed gives the same workload on every
/// platform; the helpers below draw the workload's shapes from it.
struct SimRandom {
    private var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { rng.next() }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next() % span)
    }

    /// Uniform milliseconds in [lo, hi] seconds.
    mutating func millis(_ lo: Double, _ hi: Double) -> Int64 {
        Int64((lo + (hi - lo) * unit()) * 1000)
    }

    /// Exponential with the given mean in seconds, as milliseconds (at least 1).
    mutating func exponentialMillis(meanSeconds: Double) -> Int64 {
        let u = max(unit(), 1e-12)
        return max(1, Int64(-meanSeconds * 1000 * log(u)))
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A lower-case version-4 UUID.
    mutating func uuid() -> String {
        var a = next()
        var b = next()
        a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for i in 0..<16 {
            let byte = i < 8 ? UInt8(truncatingIfNeeded: a >> (56 - 8 * i)) : UInt8(truncatingIfNeeded: b >> (56 - 8 * (i - 8)))
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
