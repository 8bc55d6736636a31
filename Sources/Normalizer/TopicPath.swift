/// A topic's UTF-8 bytes and the byte ranges of its dot-separated parts, for routing a frame without
/// making strings or arrays (`split` per frame was ≈ 7 % of the activity profile).
///
/// Parts are what `topic.split(separator: ".", omittingEmptySubsequences: false)` gives: for an ASCII
/// topic, the runs between `.` bytes; otherwise (a dot can join a following combining mark into one
/// `Character`) the `Character` split of `string`, whose UTF-8 `bytes` must be.
struct TopicPath {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The number of parts (dots + 1).
    private(set) var count = 0
    /// The first five parts (routing never looks further).
    private var parts: (Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0)

    /// `string` is required when `bytes` is not all ASCII (see ``isASCII(_:)``).
    init(_ bytes: UnsafeBufferPointer<UInt8>, string: String?) {
        self.bytes = bytes
        if let string, !Self.isASCII(bytes) {
            for sub in string.split(separator: ".", omittingEmptySubsequences: false) {
                let lower = string.utf8.distance(from: string.startIndex, to: sub.startIndex)
                append(lower..<(lower + sub.utf8.count))
            }
        } else {
            var start = 0
            for j in 0..<bytes.count where bytes[j] == 0x2E {
                append(start..<j)
                start = j + 1
            }
            append(start..<bytes.count)
        }
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in bytes where c >= 0x80 { return false }
        return true
    }

    private mutating func append(_ r: Range<Int>) {
        switch count {
        case 0: parts.0 = r
        case 1: parts.1 = r
        case 2: parts.2 = r
        case 3: parts.3 = r
        case 4: parts.4 = r
        default: break
        }
        count += 1
    }

    /// The byte range of part `n` (`n` < 5 and < ``count``).
    func range(_ n: Int) -> Range<Int> {
        switch n {
        case 0: parts.0
        case 1: parts.1
        case 2: parts.2
        case 3: parts.3
        default: parts.4
        }
    }

    /// Part `n` spells `literal` (an ASCII literal without `K`, `;` or `` ` ``, the only ASCII
    /// characters a different Unicode sequence is canonically equivalent to; so this is `==`).
    func part(_ n: Int, is literal: StaticString) -> Bool {
        n < count && Self.equal(UnsafeBufferPointer(rebasing: bytes[range(n)]), literal)
    }

    /// The whole topic spells `literal` (same condition as ``part(_:is:)``).
    func `is`(_ literal: StaticString) -> Bool {
        Self.equal(bytes, literal)
    }

    func string(part n: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range(n)]), as: UTF8.self)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    private static func equal(_ b: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard b.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for k in 0..<b.count where b[k] != p[k] { return false }
        return true
    }
}
