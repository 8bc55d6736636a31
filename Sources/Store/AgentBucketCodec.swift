import SwitchboardCore

/// The compact encoding of many agents' samples in one BLOB: a closed bucket's agents, or a day's totals.
///
/// Layout (docs/store.md, "Encoding"):
///
///     version      1 byte, 1
///     count        varint
///     count × {
///         key      varint: the agent's dictionary id; the first entry's id itself, then the gap to the
///                  previous id (≥ 1: ids are strictly increasing)
///         handling zigzag varint, ms
///         productive zigzag varint, ms
///     }
///
/// Varints are LEB128 (7 bits a byte, low bits first, at most 10 bytes). A 15-minute bucket's figures
/// (≤ 900,000 ms) take 3 bytes each and consecutive ids 1 byte, so an agent-bucket is about 7 bytes.
///
/// Pure and total: decoding arbitrary bytes returns an error, never traps (fuzzed by
/// `AgentBucketCodecTests`).
public enum AgentBucketCodec {
    public static let formatVersion: UInt8 = 1

    /// The smallest encoded entry: three one-byte varints. Bounds `count` before anything is allocated.
    static let minimumEntryBytes = 3

    public struct DecodeError: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public let offset: Int
        public var description: String { "agent bucket blob: \(reason) at byte \(offset)" }
    }

    /// Encodes `samples` keyed by dictionary id (≥ 0), sorted by id.
    public static func encode(_ samples: [Int64: OccupancySample]) -> [UInt8] {
        encode(sorted: samples.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// Encodes entries already sorted by strictly increasing, non-negative key.
    public static func encode(sorted entries: [(key: Int64, sample: OccupancySample)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(2 + entries.count * 7)
        out.append(formatVersion)
        appendVarint(UInt64(entries.count), to: &out)
        var previous: Int64 = 0
        for (i, entry) in entries.enumerated() {
            precondition(entry.key >= 0 && (i == 0 || entry.key > previous), "agent keys must be non-negative and strictly increasing")
            appendVarint(UInt64(i == 0 ? entry.key : entry.key - previous), to: &out)
            appendVarint(zigzag(entry.sample.handlingMs), to: &out)
            appendVarint(zigzag(entry.sample.productiveMs), to: &out)
            previous = entry.key
        }
        return out
    }

    /// Every entry, sorted by key.
    public static func decode(_ bytes: some Collection<UInt8>) throws -> [(key: Int64, sample: OccupancySample)] {
        var reader = try Reader(Array(bytes))
        var entries: [(key: Int64, sample: OccupancySample)] = []
        entries.reserveCapacity(reader.count)
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    /// The entries as a dictionary by key.
    public static func decodeDictionary(_ bytes: some Collection<UInt8>) throws -> [Int64: OccupancySample] {
        var reader = try Reader(Array(bytes))
        var result: [Int64: OccupancySample] = [:]
        result.reserveCapacity(reader.count)
        while let entry = try reader.next() { result[entry.key] = entry.sample }
        return result
    }

    /// The sample of one key, nil when absent. Reads no further than the key; the rest of the blob is
    /// not validated (a full decode would throw for a damaged tail).
    public static func find(_ key: Int64, in bytes: some Collection<UInt8>) throws -> OccupancySample? {
        var reader = try Reader(Array(bytes))
        while let entry = try reader.next() {
            if entry.key == key { return entry.sample }
            if entry.key > key { return nil }
        }
        return nil
    }

    /// The number of entries, from the header alone.
    public static func count(_ bytes: some Collection<UInt8>) throws -> Int {
        try Reader(Array(bytes)).count
    }

    // MARK: Reading

    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        let count: Int
        var read = 0
        var previous: Int64 = 0

        init(_ bytes: [UInt8]) throws {
            self.bytes = bytes
            guard let version = bytes.first else { throw DecodeError(reason: "empty", offset: 0) }
            guard version == AgentBucketCodec.formatVersion else {
                throw DecodeError(reason: "unknown format version \(version)", offset: 0)
            }
            offset = 1
            let n = try Self.varint(bytes, &offset)
            guard n <= UInt64((bytes.count - offset) / AgentBucketCodec.minimumEntryBytes) else {
                throw DecodeError(reason: "count \(n) does not fit in \(bytes.count - offset) bytes", offset: 1)
            }
            count = Int(n)
        }

        mutating func next() throws -> (key: Int64, sample: OccupancySample)? {
            guard read < count else {
                guard offset == bytes.count else {
                    throw DecodeError(reason: "\(bytes.count - offset) trailing bytes", offset: offset)
                }
                return nil
            }
            let at = offset
            let delta = try Self.varint(bytes, &offset)
            guard delta <= UInt64(Int64.max) else { throw DecodeError(reason: "key out of range", offset: at) }
            let key: Int64
            if read == 0 {
                key = Int64(delta)
            } else {
                let (sum, overflow) = previous.addingReportingOverflow(Int64(delta))
                guard delta > 0, !overflow else {
                    throw DecodeError(reason: "keys not strictly increasing", offset: at)
                }
                key = sum
            }
            let handling = AgentBucketCodec.unzigzag(try Self.varint(bytes, &offset))
            let productive = AgentBucketCodec.unzigzag(try Self.varint(bytes, &offset))
            previous = key
            read += 1
            return (key, OccupancySample(handlingMs: handling, productiveMs: productive))
        }

        static func varint(_ bytes: [UInt8], _ offset: inout Int) throws -> UInt64 {
            let start = offset
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count else { throw DecodeError(reason: "truncated varint", offset: start) }
                let byte = bytes[offset]
                offset += 1
                // The tenth byte may carry only the 64th bit.
                if shift == 63 && byte > 1 { throw DecodeError(reason: "varint overflows 64 bits", offset: start) }
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
    }

    // MARK: Varints

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }
}
