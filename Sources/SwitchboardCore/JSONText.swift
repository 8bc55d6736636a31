/// Small helpers for writing JSON by hand on hot paths, where a `JSONEncoder` per message would
/// allocate too much. Foundation's encoder remains the default everywhere else.
public enum JSONText {
    /// Appends `s` as a JSON string literal (with quotes) to `out`. Runs that need no escaping are
    /// copied whole (one `memcpy` for a typical id or name) rather than byte by byte.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { appendEscaped($0, to: &out) }
        if done == nil {
            for b in s.utf8 { appendEscaped(b, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends UTF-8 bytes as the inside of a JSON string literal (no quotes), escaping as needed.
    public static func appendEscaped(_ u: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var start = 0
        for i in 0..<u.count {
            let b = u[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i])) }
            appendEscaped(b, to: &out)
            start = i + 1
        }
        if start < u.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start...])) }
    }

    private static func appendEscaped(_ b: UInt8, to out: inout [UInt8]) {
        switch b {
        case UInt8(ascii: "\""): out.append(0x5C); out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C); out.append(0x5C)
        case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
        case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
        case 0..<0x20:
            out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigit(b >> 4), hexDigit(b & 0xF)])
        default: out.append(b)
        }
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    /// Appends an integer (decimal, `-` for negatives), without an intermediate `String`.
    public static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        var m = v.magnitude
        if m < 10 {
            if v < 0 { out.append(UInt8(ascii: "-")) }
            out.append(0x30 + UInt8(m))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var i = 20
            while m > 0 {
                i -= 1
                buf[i] = 0x30 + UInt8(m % 10)
                m /= 10
            }
            if v < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<20]))
        }
    }

    /// Appends a number with up to `decimals` decimals, or `null` for nil / non-finite.
    public static func appendDouble(_ v: Double?, decimals: Int = 4, to out: inout [UInt8]) {
        guard let v, v.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (v * scale).rounded() / scale
        if rounded == rounded.rounded() && abs(rounded) < 1e15 {
            appendInt(Int64(rounded), to: &out)
        } else {
            out.append(contentsOf: String(rounded).utf8)
        }
    }
}
