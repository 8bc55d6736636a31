import SwitchboardCore
import Testing

@testable import Normalizer

/// `JSONScanner.skipString` passes plain bytes eight at a time (`hasSpecialByte`); these hold it to the byte rules.
@Suite("JSON scanner: skipping strings")
struct JSONScannerSkipTests {
    static func naive(_ w: UInt64) -> Bool {
        (0..<8).contains { k in
            let c = UInt8(truncatingIfNeeded: w >> (8 * UInt64(k)))
            return c == 0x22 || c == 0x5C || c < 0x20 || c >= 0x80
        }
    }

    @Test func aWordWithASpecialByteIsAlwaysFound() {
        var rng = SplitMix64(seed: 19)
        // Every special value at every position of an otherwise plain word, and plain words near the edges.
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x1F, 0x80, 0xC3, 0xFF]
        for _ in 0..<2_000 {
            let plain = (0..<8).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }.filter { $0 != 0x22 && $0 != 0x5C }
            guard plain.count == 8 else { continue }
            let word = plain.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            #expect(!JSONScanner.hasSpecialByte(word), "plain bytes \(plain) flagged")
            for k in 0..<8 {
                for s in specials {
                    let w = word & ~(UInt64(0xFF) << (8 * UInt64(k))) | UInt64(s) << (8 * UInt64(k))
                    #expect(JSONScanner.hasSpecialByte(w), "byte \(s) at \(k) of \(String(w, radix: 16)) missed")
                }
            }
        }
        // Random words: never a miss (a false alarm only costs the byte loop).
        for _ in 0..<100_000 {
            let w = rng.next()
            if Self.naive(w) { #expect(JSONScanner.hasSpecialByte(w), "\(String(w, radix: 16)) missed") }
        }
    }

    @Test func skipStringEndsAtTheClosingQuoteWhereverTheSpecialBytesFall() throws {
        // Strings of every length 0...40 with an escape, a non-ASCII letter or a quote at every position.
        for n in 0...40 {
            for k in 0...n {
                for insert in [#"\""#, #"\\"#, #"\u00e9"#, "é", "€", #"\n"#] {
                    var body = String(repeating: "a", count: n)
                    body.insert(contentsOf: insert, at: body.index(body.startIndex, offsetBy: k))
                    let json = Array(("\"" + body + "\",1").utf8)
                    let range = try json.withUnsafeBufferPointer { b -> Range<Int> in
                        var s = JSONScanner(b)
                        let r = try s.skipString()
                        #expect(s.i == json.count - 2, "\(body): stopped at \(s.i)")
                        return r
                    }
                    #expect(range == 1..<(json.count - 3), "\(body)")
                }
            }
            // Unterminated, or a raw control byte: the scanner gives up (the decoder decides).
            for bad in ["\"" + String(repeating: "a", count: n), "\"" + String(repeating: "a", count: n) + "\u{01}\""] {
                let bytes = Array(bad.utf8)
                #expect(throws: JSONScanner.Fallback.self) {
                    try bytes.withUnsafeBufferPointer { b in
                        var s = JSONScanner(b)
                        _ = try s.skipString()
                    }
                }
            }
        }
    }
}
