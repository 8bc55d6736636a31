import CompressNIO
import NIOCore
import Synchronization

/// Compresses and inflates whole WebSocket messages as permessage-deflate payloads without context
/// takeover (each message stands alone), with CompressNIO's zlib wrapper.
enum MessageDeflater {
    /// zlib level 6 (its default): on the hub's JSON deltas about 6× smaller at a few milliseconds per
    /// megabyte, paid once per topic per flush (docs/performance.md "Bytes on the wire").
    static let level: Int32 = 6
    /// Messages of ``largeBytes`` or more (a snapshot, a delta of every agent of an org: megabytes) use zlib level 1:
    /// about three times faster than level 6 on the hub's JSON for about a fifth more bytes — on a 5 MB delta,
    /// tens of milliseconds less before any client gets it (the `cluster` benchmark's crossing-age tail).
    static let largeLevel: Int32 = 1
    static let largeBytes = 256 * 1024

    /// The level a message of `bytes` is compressed at.
    static func level(forBytes bytes: Int) -> Int32 { bytes >= largeBytes ? largeLevel : level }

    /// Idle compressors per level, each reset after every message: deflate state is ≈ 256 KiB, so they are reused
    /// rather than made per message, and there are several so that one long compression (a snapshot of megabytes)
    /// never holds up another topic's (a delta of kilobytes). At most ``maxIdle`` per level are kept; more run at
    /// once only while that many compressions do.
    private static let idle = Mutex<[Int32: [CompressorBox]]>([:])
    static let maxIdle = 4

    final class CompressorBox: @unchecked Sendable {
        // Used by one caller at a time: taken out of `idle`, put back after.
        let zlib: ZlibCompressor
        init(level: Int32) throws {
            zlib = try ZlibCompressor(algorithm: .deflate, configuration: .init(windowSize: 15, compressionLevel: level, memoryLevel: 8))
        }
    }

    /// `message` as a permessage-deflate payload, at the level its size calls for (``level(forBytes:)``).
    static func deflate(_ message: ByteBuffer) -> ByteBuffer {
        deflate(message, level: level(forBytes: message.readableBytes))
    }

    static func deflate(_ message: ByteBuffer, level: Int32) -> ByteBuffer {
        let taken = idle.withLock { $0[level]?.popLast() }
        do {
            let box = try taken ?? CompressorBox(level: level)
            var input = message
            var out = try input.compressStream(with: box.zlib, flush: .sync, allocator: ByteBufferAllocator())
            try box.zlib.reset()
            idle.withLock { if $0[level, default: []].count < maxIdle { $0[level, default: []].append(box) } }
            // RFC 7692 §7.2.1: a sync-flushed message ends in 00 00 ff ff, which the sender removes.
            if out.readableBytes >= 4, out.getBytes(at: out.writerIndex - 4, length: 4) == [0, 0, 0xff, 0xff] {
                out.moveWriterIndex(to: out.writerIndex - 4)
            }
            // The compressor allocates for the worst case (about the input's size); the copy kept in the
            // delta history and the snapshot cache is a fraction of that, so keep only what is used.
            var exact = ByteBufferAllocator().buffer(capacity: out.readableBytes)
            exact.writeBuffer(&out)
            return exact
        } catch {
            // zlib fails only when out of memory or misused; the compressor is not put back (a fresh one next time).
            return stored(message)
        }
    }

    /// The message as DEFLATE "stored" blocks (no compression): valid permessage-deflate payload when zlib
    /// cannot be used.
    static func stored(_ message: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        var rest = message
        repeat {
            let n = min(rest.readableBytes, 65_535)
            let chunk = rest.readSlice(length: n)!
            out.writeInteger(UInt8(0))  // BFINAL 0, BTYPE 00
            out.writeInteger(UInt16(n), endianness: .little)
            out.writeInteger(~UInt16(n), endianness: .little)
            out.writeImmutableBuffer(chunk)
        } while rest.readableBytes > 0
        return out
    }

    enum InflateError: Error { case tooLarge, corrupt }

    /// Inflates one permessage-deflate message payload (the `00 00 ff ff` tail put back), at most `maxSize`
    /// bytes out. A fresh decompressor per message: clients are told `client_no_context_takeover`, and a
    /// stream's inbound messages are a few small commands, so no inflate state is kept per connection.
    static func inflate(_ payload: ByteBuffer, maxSize: Int) throws -> ByteBuffer {
        var input = payload
        input.writeBytes([0, 0, 0xff, 0xff])
        let decompressor: ZlibDecompressor
        do { decompressor = try ZlibDecompressor(algorithm: .deflate, windowSize: 15) } catch { throw InflateError.corrupt }
        do {
            return try input.decompressStream(with: decompressor, maxSize: maxSize, allocator: ByteBufferAllocator())
        } catch let e as CompressNIOError where e == .bufferOverflow {
            throw InflateError.tooLarge
        } catch {
            throw InflateError.corrupt
        }
    }
}
