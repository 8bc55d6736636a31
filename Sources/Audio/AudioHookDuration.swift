/// A stream position or length on the AudioHook wire: an ISO-8601 duration in seconds, `PT12.34S`.
///
/// The protocol allows only this form (`^PT(\d*\.)?\d+S$`): no minutes or hours, no sign. Held in
/// nanoseconds, so `PT0.000125S` (one sample at 8 kHz) is exact.
public struct AudioHookDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = max(0, nanoseconds) }
    public init(milliseconds: Int64) { self.init(nanoseconds: milliseconds.multipliedReportingOverflow(by: 1_000_000).partialValue) }
    /// `samples` at `rate` samples per second.
    public init(samples: Int64, rate: Int) {
        precondition(rate > 0)
        let (q, r) = samples.quotientAndRemainder(dividingBy: Int64(rate))
        self.init(nanoseconds: q * 1_000_000_000 + r * 1_000_000_000 / Int64(rate))
    }

    public static let zero = AudioHookDuration(nanoseconds: 0)

    /// Parses `PT1.2S`, `PT0S`, `PT.5S`; nil for anything else or over 10⁹ seconds.
    public init?(_ text: String) {
        var s = text
        guard let ns = s.withUTF8({ Self.parse($0) }) else { return nil }
        nanoseconds = ns
    }

    private static func parse(_ u: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard u.count >= 4, u[0] == UInt8(ascii: "P"), u[1] == UInt8(ascii: "T"), u[u.count - 1] == UInt8(ascii: "S") else {
            return nil
        }
        var whole: Int64 = 0
        var wholeDigits = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var sawDot = false
        for i in 2..<(u.count - 1) {
            let b = u[i]
            if b == UInt8(ascii: ".") {
                guard !sawDot else { return nil }
                sawDot = true
                continue
            }
            guard b >= 0x30, b <= 0x39 else { return nil }
            let d = Int64(b - 0x30)
            if sawDot {
                // Digits past nanoseconds are dropped (truncated), not refused.
                if fractionDigits < 9 { fraction = fraction * 10 + d }
                fractionDigits += 1
            } else {
                guard wholeDigits < 10 else { return nil }
                whole = whole * 10 + d
                wholeDigits += 1
            }
        }
        // `\d+` must end the number: "PT1.S" and "PTS" are not durations, "PT.5S" is.
        if sawDot { guard fractionDigits > 0 else { return nil } } else { guard wholeDigits > 0 else { return nil } }
        for _ in min(fractionDigits, 9)..<9 { fraction *= 10 }
        return whole * 1_000_000_000 + fraction
    }

    /// `PT0S`, `PT1.2S`, `PT0.000125S`: seconds with the fraction's trailing zeros dropped.
    public var text: String {
        let (s, ns) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        guard ns != 0 else { return "PT\(s)S" }
        var digits = String(ns)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return "PT\(s).\(digits)S"
    }

    public var description: String { text }

    /// Whole milliseconds (truncated).
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    /// Whole samples at `rate` (rounded to the nearest).
    public func samples(rate: Int) -> Int64 {
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return q * Int64(rate) + (r * Int64(rate) + 500_000_000) / 1_000_000_000
    }

    public static func < (a: AudioHookDuration, b: AudioHookDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: AudioHookDuration, b: AudioHookDuration) -> AudioHookDuration {
        AudioHookDuration(nanoseconds: a.nanoseconds &+ b.nanoseconds)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let d = AudioHookDuration(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "an ISO-8601 duration in seconds such as PT1.2S")
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
