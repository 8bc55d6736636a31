import CZlib

/// Inflates permessage-deflate payloads in the load clients (the bench's clients offer the extension, as
/// browsers do). zlib directly rather than CompressNIO: a client classifies every message by its first
/// bytes, and only zlib's raw API stops after `limit` output bytes without inflating the rest.
enum DeflatePeek {
    /// Up to `limit` bytes of the inflated message (`payload` without the `00 00 ff ff` tail; it is added).
    static func inflate(_ payload: [UInt8], limit: Int = .max) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { inflateEnd(&stream) }
        var input = payload + [0, 0, 0xff, 0xff]
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 64 << 10))
        return input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = UInt32(inp.count)
            while out.count < limit {
                let want = min(chunk.count, limit - out.count)
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { o -> (Int32, Int) in
                    stream.next_out = o.baseAddress
                    stream.avail_out = UInt32(want)
                    let rc = CZlib.inflate(&stream, Z_SYNC_FLUSH)
                    return (rc, want - Int(stream.avail_out))
                }
                out.append(contentsOf: chunk[0..<produced])
                if rc != Z_OK || produced == 0 || stream.avail_in == 0 && produced < want { break }
            }
            return out
        }
    }

    /// Total bytes of `messages` plain, each deflated on its own (what the bridge sends: no context takeover,
    /// one copy per topic), and deflated as one stream flushed after each message (context takeover: a zlib
    /// stream per client), both at level 6 without the `00 00 ff ff` tails.
    static func compressedSizes(_ messages: [[UInt8]]) -> (plain: Int, alone: Int, takeover: Int) {
        let plain = messages.reduce(0) { $0 + $1.count }
        let alone = messages.reduce(0) { total, m in total + deflate([m]) }
        return (plain, alone, deflate(messages))
    }

    /// Bytes of `messages` deflated through one stream, sync-flushed after each, tails removed.
    private static func deflate(_ messages: [[UInt8]]) -> Int {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return 0 }
        defer { deflateEnd(&stream) }
        var total = 0
        var out = [UInt8](repeating: 0, count: 1 << 16)
        for m in messages {
            var input = m
            input.withUnsafeMutableBufferPointer { inp in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                repeat {
                    out.withUnsafeMutableBufferPointer { o in
                        stream.next_out = o.baseAddress
                        stream.avail_out = UInt32(o.count)
                        _ = CZlib.deflate(&stream, Z_SYNC_FLUSH)
                        total += o.count - Int(stream.avail_out)
                    }
                } while stream.avail_out == 0
            }
            total -= 4
        }
        return total
    }
}
