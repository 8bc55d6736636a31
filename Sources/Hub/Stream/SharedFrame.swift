import CompressNIO
import NIOCore
import Synchronization

/// One outgoing message (a snapshot or a delta) shared by every subscriber of its topic: the JSON bytes as
/// encoded once, and — computed once, on first demand — the same message compressed for the clients that
/// negotiated `permessage-deflate` (RFC 7692).
///
/// Why compression lives here and not in the WebSocket layer: the library's permessage-deflate extension
/// (swift-websocket `WSCompression`) compresses every frame once *per connection* with a zlib stream of that
/// connection's own (≈ 256 KiB of deflate state each, and one compression of the same delta per client).
/// The hub sends the same bytes to thousands of clients, so it compresses each message once, with no
/// context carried from one message to the next (`server_no_context_takeover`), and every client on the
/// topic gets the same compressed bytes. docs/protocol.md "Compression".
final class SharedFrame: Sendable {
    let buffer: ByteBuffer
    private let deflated = Mutex<ByteBuffer?>(nil)

    init(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// The message as a permessage-deflate payload (raw DEFLATE, sync-flushed, without the final
    /// `00 00 ff ff`), compressed by the first caller and shared afterwards.
    var deflatedBuffer: ByteBuffer {
        deflated.withLock { cached in
            if let cached { return cached }
            let out = MessageDeflater.deflate(buffer)
            cached = out
            return out
        }
    }

    /// Whether the compressed form has been computed (tests, metrics).
    var isDeflated: Bool { deflated.withLock { $0 != nil } }
}

/// Compresses and inflates whole WebSocket messages as permessage-deflate payloads without context
/// takeover (each message stands alone), with CompressNIO's zlib wrapper.
enum MessageDeflater {
    /// zlib level 6 (its default): on the hub's JSON deltas about 6× smaller at a few milliseconds per
    /// megabyte, paid once per topic per flush (docs/performance.md "Bytes on the wire").
    static let level: Int32 = 6

    /// One compressor, reset after every message, shared by every topic: deflate state is ≈ 256 KiB, and
    /// compressions are a handful per flush interval.
    private static let compressor = Mutex<CompressorBox?>(nil)

    final class CompressorBox: @unchecked Sendable {
        // Only used under `compressor`'s lock.
        let zlib: ZlibCompressor
        init() throws {
            zlib = try ZlibCompressor(algorithm: .deflate, configuration: .init(windowSize: 15, compressionLevel: level, memoryLevel: 8))
        }
    }

    static func deflate(_ message: ByteBuffer) -> ByteBuffer {
        compressor.withLock { box in
            do {
                if box == nil { box = try CompressorBox() }
                var input = message
                var out = try input.compressStream(with: box!.zlib, flush: .sync, allocator: ByteBufferAllocator())
                try box!.zlib.reset()
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
                // zlib fails only when out of memory or misused; a fresh compressor next time.
                box = nil
                return stored(message)
            }
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
