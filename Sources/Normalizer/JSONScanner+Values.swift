import SwitchboardCore

/// Typed readers for the fields the fast bodies decode. Each one accepts exactly what the field's
/// `Decodable` type accepts from `JSONDecoder` (or less, throwing ``JSONScanner/Fallback``), so a
/// type mismatch still ends up as the decoder's `bad-body` error.
extension JSONScanner {
    /// The byte range of a string without escapes (ASCII only), or nil for null.
    mutating func optStringRange() throws -> Range<Int>? {
        if null() { return nil }
        guard i < b.count, b[i] == 0x22 else { throw Fallback() }
        let start = i + 1
        var p = start
        while p < b.count {
            let c = b[p]
            if c == 0x22 { break }
            guard c >= 0x20, c < 0x80, c != 0x5C else { throw Fallback() }
            p += 1
        }
        guard p < b.count else { throw Fallback() }
        i = p + 1
        return start..<p
    }

    /// A `String?` field that is not used: only its type is checked (any valid string, or null).
    mutating func skipOptString() throws {
        if null() { return }
        guard i < b.count, b[i] == 0x22 else { throw Fallback() }
        _ = try skipString()
    }

    /// An ISO-8601 time field: nil for null and for strings that are not a time (as
    /// ``NotificationNormalizer/time(_:)`` gives for the decoded string).
    mutating func optTime() throws -> EpochMillis? {
        guard let r = try optStringRange() else { return nil }
        return Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: b[r]))
    }

    /// `true`, `false` or null.
    mutating func optBool() throws -> Bool? {
        ws()
        guard i < b.count else { throw Fallback() }
        switch b[i] {
        case 0x74 where i + 4 <= b.count && b[i + 1] == 0x72 && b[i + 2] == 0x75 && b[i + 3] == 0x65:
            i += 4
            return true
        case 0x66 where i + 5 <= b.count && b[i + 1] == 0x61 && b[i + 2] == 0x6C && b[i + 3] == 0x73 && b[i + 4] == 0x65:
            i += 5
            return false
        default:
            if null() { return nil }
            throw Fallback()
        }
    }

    /// A `Double?` field holding a number without exponent (at most 15 digits before and 15 after
    /// the point, so always in range), or null. Integers are converted exactly; fractions by the
    /// standard library's correctly rounded parser, as the decoder does. Exponents fall back.
    mutating func optNumber() throws -> Double? {
        if null() { return nil }
        guard i < b.count else { throw Fallback() }
        let start = i
        var p = i
        let negative = b[p] == 0x2D
        if negative { p += 1 }
        let first = p
        var v: Int64 = 0
        while p < b.count, b[p] >= 0x30, b[p] <= 0x39 {
            v = v * 10 + Int64(b[p] - 0x30)
            p += 1
            guard p - first <= 15 else { throw Fallback() }
        }
        let digits = p - first
        guard digits > 0, digits == 1 || b[first] != 0x30 else { throw Fallback() }
        var fraction = false
        if p < b.count, b[p] == 0x2E {
            p += 1
            let f = p
            while p < b.count, b[p] >= 0x30, b[p] <= 0x39 { p += 1 }
            guard p > f, p - f <= 15 else { throw Fallback() }
            fraction = true
        }
        if p < b.count, b[p] == 0x65 || b[p] == 0x45 { throw Fallback() }
        i = p
        if fraction {
            guard let d = Double(string(start..<p)) else { throw Fallback() }
            return d
        }
        let d = Double(v)
        return negative ? -d : d
    }

    /// An optional array (nil for null); `element` reads one element (and throws on null ones where
    /// the decoder's element type is not optional).
    mutating func optArray(_ element: (inout JSONScanner) throws -> Void) throws -> Bool {
        if null() { return false }
        guard i < b.count, b[i] == 0x5B else { throw Fallback() }
        i += 1
        ws()
        if i < b.count, b[i] == 0x5D {
            i += 1
            return true
        }
        repeat { try element(&self) } while try next(close: 0x5D)
        return true
    }

    /// Marks a wanted key as seen; a second occurrence falls back (the decoder decides duplicates).
    @inline(__always)
    func once(_ seen: inout UInt32, _ bit: UInt32) throws {
        guard seen & bit == 0 else { throw Fallback() }
        seen |= bit
    }

    /// The string at `r` (from ``optStringRange()``).
    func string(_ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    /// `candidate` when the bytes at `r` spell it (sharing its storage), else a new string.
    func string(_ r: Range<Int>, reusing candidate: String) -> String {
        bytes(r, equal: candidate) ? candidate : string(r)
    }

    func bytes(_ r: Range<Int>, equal s: String) -> Bool {
        var s = s
        return s.withUTF8 { u in
            u.count == r.count && (u.count == 0 || memcmpEqual(u.baseAddress!, b.baseAddress! + r.lowerBound, u.count))
        }
    }

    /// True when the bytes at `r`, ASCII-lowercased, are `lower` (an all-lowercase ASCII literal):
    /// `s.lowercased() == lower` for the ASCII strings ``optStringRange()`` returns.
    func lowercased(_ r: Range<Int>, is lower: StaticString) -> Bool {
        guard r.count == lower.utf8CodeUnitCount else { return false }
        let p = lower.utf8Start
        var k = 0
        for j in r {
            var c = b[j]
            if c >= 0x41 && c <= 0x5A { c += 0x20 }
            if c != p[k] { return false }
            k += 1
        }
        return true
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for k in 0..<n where a[k] != b[k] { return false }
    return true
}
