import Testing
@testable import Store

@Suite struct DocumentCodecTests {
    static func json(intervals: Int) -> [UInt8] {
        let items = (0..<intervals).map { k in
            #"{"start":"2026-05-07T\#(8 + k / 2):\#(k % 2 == 0 ? "00" : "30"):00.000-04:00","handleMs":\#(812_345 + k * 7919),"handleCount":\#(k % 5),"open":false}"#
        }
        return Array(#"{"id":"us/0f3c","type":"agent","intervals":[\#(items.joined(separator: ","))]}"#.utf8)
    }

    @Test func smallDocumentsAreKeptAsTheyAre() throws {
        let small = Array(#"{"a":1}"#.utf8)
        let stored = DocumentCodec.encode(small)
        #expect(stored.encoding == .raw && stored.bytes == small)
        #expect(try DocumentCodec.decode(encoding: 0, stored.bytes) == small)
    }

    @Test func largeDocumentsAreDeflated() throws {
        let large = Self.json(intervals: 16)
        let stored = DocumentCodec.encode(large)
        #expect(stored.encoding == .zlib)
        #expect(stored.bytes.count * 3 < large.count, "\(large.count) → \(stored.bytes.count) bytes")
        #expect(try DocumentCodec.decode(encoding: 1, stored.bytes) == large)
    }

    @Test func incompressibleDocumentsStayRaw() throws {
        var g = SplitMix(state: 9)
        let noise = (0..<2_000).map { _ in UInt8.random(in: 0...255, using: &g) }
        let stored = DocumentCodec.encode(noise)
        #expect(stored.encoding == .raw && stored.bytes == noise)
    }

    /// Fuzz: arbitrary and damaged zlib blobs, and unknown encodings, are errors — never traps.
    @Test func damagedBlobsAreErrors() {
        var g = SplitMix(state: 11)
        let valid = DocumentCodec.encode(Self.json(intervals: 12)).bytes
        var refused = 0
        for i in 0..<5_000 {
            var bytes: [UInt8]
            switch i % 3 {
            case 0: bytes = (0..<Int.random(in: 0...60, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            case 1: bytes = Array(valid[..<Int.random(in: 0..<valid.count, using: &g)])
            default:
                bytes = valid
                bytes[Int.random(in: 0..<bytes.count, using: &g)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &g)
            }
            do {
                _ = try DocumentCodec.decode(encoding: 1, bytes)
            } catch is DocumentCodec.DecodeError {
                refused += 1
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(refused > 4_000, "refused \(refused)")
        #expect(throws: DocumentCodec.DecodeError.self) { try DocumentCodec.decode(encoding: 7, [1, 2]) }
        #expect(throws: DocumentCodec.DecodeError.self) { try DocumentCodec.decode(encoding: 1, [0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1]) }
    }
}
