/// A minimal, validating JSON reader for the hot notification bodies (presence, routingStatus,
/// activity, channel metadata). It reads only the fields the normalizer needs and skips the rest.
///
/// It is deliberately conservative: anything unusual (non-ASCII bytes, escapes in a wanted string,
/// a wanted field of an unexpected type, invalid JSON) throws ``JSONScanner/Fallback`` and the caller
/// falls back to Foundation's `JSONDecoder`, so results never differ from the decoder's.
struct JSONScanner {
    struct Fallback: Error {}

    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) { b = buffer }

    private mutating func ws() {
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
        return String(decoding: UnsafeBufferPointer(rebasing: b[start..<p]), as: UTF8.self)
    }

    /// Walks an object (not null), giving each key's byte range; `body` must consume the value.
    mutating func object(_ body: (inout JSONScanner, Range<Int>) throws -> Void) throws {
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
            ws()
            guard i < b.count, b[i] == 0x3A else { throw Fallback() }
            i += 1
            try body(&self, key)
            ws()
            guard i < b.count else { throw Fallback() }
            if b[i] == 0x2C {
                i += 1
                continue
            }
            guard b[i] == 0x7D else { throw Fallback() }
            i += 1
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
            ws()
            guard i < b.count else { throw Fallback() }
            if b[i] == 0x2C {
                i += 1
                continue
            }
            guard b[i] == 0x5D else { throw Fallback() }
            i += 1
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
        case 0x7B: try object { s, _ in try s.skipValue() }
        case 0x5B:
            i += 1
            depth += 1
            guard depth < 64 else { throw Fallback() }
            ws()
            if i < b.count, b[i] == 0x5D {
                i += 1
            } else {
                while true {
                    try skipValue()
                    ws()
                    guard i < b.count else { throw Fallback() }
                    if b[i] == 0x2C {
                        i += 1
                        continue
                    }
                    guard b[i] == 0x5D else { throw Fallback() }
                    i += 1
                    break
                }
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

    /// Skips a string (escapes allowed), returning the range of its contents.
    private mutating func skipString() throws -> Range<Int> {
        guard i < b.count, b[i] == 0x22 else { throw Fallback() }
        i += 1
        let start = i
        while i < b.count {
            let c = b[i]
            if c == 0x22 {
                i += 1
                return start..<(i - 1)
            }
            guard c >= 0x20, c < 0x80 else { throw Fallback() }
            if c == 0x5C {
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
