/// A minimal, validating JSON reader for the notification bodies (presence, routingStatus, activity,
/// channel metadata, conversation snapshots, queue observations). It reads only the fields the
/// normalizer needs and skips the rest.
///
/// Hand-written because Foundation's `JSONDecoder` is the ingest bottleneck: decoding a conversation
/// snapshot or an observation body with it costs 30–50 µs and ≈ 80–120 allocations per frame
/// (docs/performance.md), against a budget of 4 µs per frame. No JSON library in the dependency
/// graph reads into caller-chosen fields straight from the frame bytes.
///
/// It is deliberately conservative: anything unusual (escapes or non-ASCII bytes in a wanted string
/// or in a key of a decoded object, invalid UTF-8, a wanted field of an unexpected type, a number that
/// is not a plain integer, a repeated wanted key, invalid JSON) throws ``JSONScanner/Fallback`` and
/// the caller falls back to Foundation's `JSONDecoder`, so results never differ from the decoder's.
struct JSONScanner {
    struct Fallback: Error {}

    /// The frame; `i` is the read position (the typed readers in `JSONScanner+Values.swift` use both).
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    private var depth = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) { b = buffer }

    mutating func ws() {
        while i < b.count {
            let c = b[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// Only whitespace may remain.
    mutating func end() throws {
        ws()
        guard i == b.count else { throw Fallback() }
    }

    /// Consumes `null` if it comes next.
    mutating func null() -> Bool {
        ws()
        guard i + 4 <= b.count, b[i] == 0x6E, b[i + 1] == 0x75, b[i + 2] == 0x6C, b[i + 3] == 0x6C else { return false }
        i += 4
        return true
    }

    /// A string without escapes (ASCII only), or null.
    mutating func optString() throws -> String? {
        guard let r = try optStringRange() else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    /// After a member or element: consumes `,` (true: another follows) or `close` (false: the end).
    mutating func next(close: UInt8) throws -> Bool {
        ws()
        guard i < b.count else { throw Fallback() }
        if b[i] == 0x2C {
            i += 1
            return true
        }
        guard b[i] == close else { throw Fallback() }
        i += 1
        return false
    }

    /// Walks an object (not null), giving each key's byte range; `body` must consume the value.
    /// Keys must be plain ASCII without escapes (the decoder would unescape `"user\u0049d"` into a
    /// field name the byte comparison misses), except in `skipValue`'s objects, whose keys are unread.
    mutating func object(_ body: (inout JSONScanner, Range<Int>) throws -> Void) throws {
        try object(plainKeys: true, body)
    }

    private mutating func object(plainKeys: Bool, _ body: (inout JSONScanner, Range<Int>) throws -> Void) throws {
        ws()
        guard i < b.count, b[i] == 0x7B else { throw Fallback() }
        i += 1
        depth += 1
        guard depth < 64 else { throw Fallback() }
        ws()
        if i < b.count, b[i] == 0x7D {
            i += 1
            depth -= 1
            return
        }
        while true {
            ws()
            let key = try skipString()
            if plainKeys {
                for j in key where b[j] == 0x5C || b[j] >= 0x80 { throw Fallback() }
            }
            ws()
            guard i < b.count, b[i] == 0x3A else { throw Fallback() }
            i += 1
            try body(&self, key)
            if try next(close: 0x7D) { continue }
            depth -= 1
            return
        }
    }

    /// An array of strings (no nulls inside), or null.
    mutating func optStringArray() throws -> [String]? {
        if null() { return nil }
        guard i < b.count, b[i] == 0x5B else { throw Fallback() }
        i += 1
        var out: [String] = []
        ws()
        if i < b.count, b[i] == 0x5D {
            i += 1
            return out
        }
        while true {
            ws()
            guard let s = try optString() else { throw Fallback() }
            out.append(s)
            if try next(close: 0x5D) { continue }
            return out
        }
    }

    func key(_ r: Range<Int>, is literal: StaticString) -> Bool {
        guard r.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        var k = 0
        for j in r {
            if b[j] != p[k] { return false }
            k += 1
        }
        return true
    }

    /// Skips any value, validating it.
    mutating func skipValue() throws {
        ws()
        guard i < b.count else { throw Fallback() }
        switch b[i] {
        case 0x22: _ = try skipString()
        case 0x7B: try object(plainKeys: false) { s, _ in try s.skipValue() }
        case 0x5B:
            i += 1
            depth += 1
            guard depth < 64 else { throw Fallback() }
            ws()
            if i < b.count, b[i] == 0x5D {
                i += 1
            } else {
                repeat { try skipValue() } while try next(close: 0x5D)
            }
            depth -= 1
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        default: try skipNumber()
        }
    }

    private mutating func literal(_ s: StaticString) throws {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { throw Fallback() }
        for k in 0..<n where b[i + k] != s.utf8Start[k] { throw Fallback() }
        i += n
    }

    /// Skips a string (escapes and valid UTF-8 allowed), returning the range of its contents.
    mutating func skipString() throws -> Range<Int> {
        guard i < b.count, b[i] == 0x22 else { throw Fallback() }
        i += 1
        let start = i
        while i < b.count {
            let c = b[i]
            if c == 0x22 {
                i += 1
                return start..<(i - 1)
            }
            guard c >= 0x20 else { throw Fallback() }
            if c >= 0x80 {
                i += try utf8Sequence(at: i)
            } else if c == 0x5C {
                guard i + 1 < b.count else { throw Fallback() }
                switch b[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard i + 6 <= b.count else { throw Fallback() }
                    for k in 2..<6 where !Self.isHex(b[i + k]) { throw Fallback() }
                    i += 6
                default: throw Fallback()
                }
            } else {
                i += 1
            }
        }
        throw Fallback()
    }

    /// The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, surrogates or values
    /// above U+10FFFF) starting with the non-ASCII byte at `p`.
    private func utf8Sequence(at p: Int) throws -> Int {
        let c = b[p]
        let n: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF  // bounds of the second byte
        switch c {
        case 0xC2...0xDF: n = 2
        case 0xE0: n = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 3
        case 0xED: n = 3; hi = 0x9F
        case 0xF0: n = 4; lo = 0x90
        case 0xF1...0xF3: n = 4
        case 0xF4: n = 4; hi = 0x8F
        default: throw Fallback()
        }
        guard p + n <= b.count, b[p + 1] >= lo, b[p + 1] <= hi else { throw Fallback() }
        for k in 2..<n where b[p + k] < 0x80 || b[p + k] > 0xBF { throw Fallback() }
        return n
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func skipNumber() throws {
        func digits(_ s: inout JSONScanner) -> Int {
            let from = s.i
            while s.i < s.b.count, s.b[s.i] >= 0x30, s.b[s.i] <= 0x39 { s.i += 1 }
            return s.i - from
        }
        if i < b.count, b[i] == 0x2D { i += 1 }
        guard i < b.count else { throw Fallback() }
        if b[i] == 0x30 {
            i += 1
        } else {
            guard digits(&self) > 0 else { throw Fallback() }
        }
        if i < b.count, b[i] == 0x2E {
            i += 1
            guard digits(&self) > 0 else { throw Fallback() }
        }
        if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            guard digits(&self) > 0 else { throw Fallback() }
        }
    }
}
