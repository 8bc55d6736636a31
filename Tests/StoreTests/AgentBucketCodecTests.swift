import SwitchboardCore
import Testing
@testable import Store

@Suite struct AgentBucketCodecTests {
    @Test func roundTripsEdgeValues() throws {
        let cases: [[Int64: OccupancySample]] = [
            [:],
            [0: sample(0, 0)],
            [1: sample(900_000, 900_000), 2: sample(0, 1), 300: sample(123_456, 899_999)],
            [Int64.max: sample(.max, .min), 0: sample(-1, 1), 1 << 40: sample(86_400_000, 86_400_000)],
        ]
        for input in cases {
            let bytes = AgentBucketCodec.encode(input)
            #expect(try AgentBucketCodec.decodeDictionary(bytes) == input)
            #expect(try AgentBucketCodec.count(bytes) == input.count)
            for (key, value) in input { #expect(try AgentBucketCodec.find(key, in: bytes) == value) }
            #expect(try AgentBucketCodec.find(5, in: bytes) == input[5])
        }
    }

    /// The layout docs/store.md describes, byte for byte.
    @Test func layoutIsTheDocumentedOne() {
        let bytes = AgentBucketCodec.encode([3: sample(1, 64), 5: sample(900_000, 900_000)])
        #expect(bytes == [1, 2,  3, 2, 0x80, 0x01,  2, 0xC0, 0xEE, 0x6D, 0xC0, 0xEE, 0x6D])
    }

    @Test func typicalBucketIsAboutSevenBytesPerAgent() {
        var g = SplitMix(state: 3)
        var agents: [Int64: OccupancySample] = [:]
        for id in Int64(1)...5_000 where Int.random(in: 0..<10, using: &g) < 7 {
            let p = Int64.random(in: 1...900_000, using: &g)
            agents[id] = sample(Int64.random(in: 0...p, using: &g), p)
        }
        let perAgent = Double(AgentBucketCodec.encode(agents).count) / Double(agents.count)
        #expect(perAgent < 8, "\(perAgent) bytes per agent")
    }

    static let malformed: [([UInt8], String)] = [
        ([UInt8](), "empty"),
        ([2, 0], "unknown format version 2"),
        ([1, 5, 1, 1, 1], "does not fit"),
        ([1, 1, 1, 1, 0x80], "truncated varint"),
        ([1, 1, 1, 1, 1, 9], "trailing bytes"),
        ([1, 2, 1, 1, 1, 0, 1, 1], "not strictly increasing"),
        ([1, 1] + [UInt8](repeating: 0xFF, count: 9) + [2, 1, 1], "overflows 64 bits"),
        ([1, 1] + [UInt8](repeating: 0xFF, count: 9) + [1, 1, 1], "key out of range"),
    ]

    @Test(arguments: malformed)
    func malformedInputsAreErrors(_ bytes: [UInt8], _ reason: String) {
        do {
            _ = try AgentBucketCodec.decode(bytes)
            Issue.record("\(bytes) decoded")
        } catch let error as AgentBucketCodec.DecodeError {
            #expect(error.reason.contains(reason), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func keyOverflowIsAnError() {
        // First key Int64.max, then a gap of 1.
        var bytes: [UInt8] = [1, 2]
        AgentBucketCodec.appendVarint(UInt64(Int64.max), to: &bytes)
        bytes += [0, 0, 1, 0, 0]
        #expect(throws: AgentBucketCodec.DecodeError.self) { try AgentBucketCodec.decode(bytes) }
    }

    /// Fuzz: arbitrary bytes, and valid blobs truncated, bit-flipped and spliced, decode to a value or a
    /// DecodeError — never a trap, never a huge allocation. Seeded: a failure names its seed.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func arbitraryBytesNeverTrap(_ seed: UInt64) {
        var g = SplitMix(state: seed)
        var decoded = 0
        var refused = 0
        func attempt(_ bytes: [UInt8]) {
            do {
                let entries = try AgentBucketCodec.decode(bytes)
                #expect(entries.count <= bytes.count / 3)
                _ = try AgentBucketCodec.decodeDictionary(bytes)
                decoded += 1
            } catch is AgentBucketCodec.DecodeError {
                refused += 1
            } catch {
                Issue.record("seed \(seed): unexpected \(error) for \(bytes)")
            }
            _ = try? AgentBucketCodec.find(Int64.random(in: 0...300, using: &g), in: bytes)
            _ = try? AgentBucketCodec.count(bytes)
        }
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...40, using: &g)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            if !bytes.isEmpty && Bool.random(using: &g) { bytes[0] = 1 }
            attempt(bytes)
        }
        for _ in 0..<2_000 {
            var agents: [Int64: OccupancySample] = [:]
            for _ in 0..<Int.random(in: 0...20, using: &g) {
                agents[Int64.random(in: 0...400, using: &g)] = sample(Int64.random(in: -5...1_000_000, using: &g),
                                                                      Int64.random(in: 0...1_000_000, using: &g))
            }
            let valid = AgentBucketCodec.encode(agents)
            attempt(Array(valid[..<Int.random(in: 0...valid.count, using: &g)]))
            var flipped = valid
            let at = Int.random(in: 0..<flipped.count, using: &g)
            flipped[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &g)
            attempt(flipped)
            var spliced = valid
            spliced.insert(UInt8.random(in: 0...255, using: &g), at: Int.random(in: 0...spliced.count, using: &g))
            attempt(spliced)
        }
        #expect(decoded > 100 && refused > 1_000, "decoded \(decoded), refused \(refused)")
    }
}
