import CZlib

/// How a stored document's bytes are kept (docs/store.md, "Documents"): JSON of a few hundred bytes as is,
/// larger JSON deflated with zlib (a day of one agent's utilization intervals, ~3.5 KB, becomes ~0.8 KB).
///
/// The `document.encoding` column says which: 0 raw, 1 zlib. A zlib blob is `varint rawLength` followed by
/// a zlib stream. Decoding arbitrary bytes returns an error, never traps (fuzzed by `DocumentCodecTests`).
public enum DocumentCodec {
    public enum Encoding: Int, Sendable {
        case raw = 0
        case zlib = 1
    }

    /// Smaller documents are stored as they are (compression gains little and costs a header).
    public static let compressFrom = 256
    /// A document larger than this is refused at decoding (a damaged length must not allocate gigabytes).
    public static let maximumBytes = 64 << 20

    public struct DecodeError: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "stored document: \(reason)" }
    }

    public static func encode(_ json: [UInt8]) -> (encoding: Encoding, bytes: [UInt8]) {
        guard json.count >= compressFrom, json.count <= maximumBytes else { return (.raw, json) }
        var out: [UInt8] = []
        AgentBucketCodec.appendVarint(UInt64(json.count), to: &out)
        let header = out.count
        var capacity = compressBound(uLong(json.count))
        out.append(contentsOf: repeatElement(0, count: Int(capacity)))
        let status = out.withUnsafeMutableBufferPointer { dst in
            json.withUnsafeBufferPointer { src in
                compress2(dst.baseAddress! + header, &capacity, src.baseAddress, uLong(src.count), 6)
            }
        }
        guard status == Z_OK, header + Int(capacity) < json.count else { return (.raw, json) }
        out.removeLast(out.count - header - Int(capacity))
        return (.zlib, out)
    }

    public static func decode(encoding: Int, _ bytes: [UInt8]) throws -> [UInt8] {
        switch Encoding(rawValue: encoding) {
        case .raw:
            return bytes
        case .zlib:
            var offset = 0
            let length: UInt64
            do {
                length = try AgentBucketCodec.Reader.varint(bytes, &offset)
            } catch {
                throw DecodeError(reason: "truncated length")
            }
            guard length > 0, length <= UInt64(maximumBytes) else { throw DecodeError(reason: "length \(length) out of range") }
            guard offset < bytes.count else { throw DecodeError(reason: "no compressed data") }
            var out = [UInt8](repeating: 0, count: Int(length))
            var produced = uLong(length)
            let status = out.withUnsafeMutableBufferPointer { dst in
                bytes.withUnsafeBufferPointer { src in
                    uncompress(dst.baseAddress, &produced, src.baseAddress! + offset, uLong(src.count - offset))
                }
            }
            guard status == Z_OK, produced == uLong(length) else {
                throw DecodeError(reason: "zlib data does not inflate to \(length) bytes (zlib status \(status))")
            }
            return out
        case nil:
            throw DecodeError(reason: "unknown encoding \(encoding)")
        }
    }
}
