import CompressNIO
import NIOCore
import NIOPosix
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
///
/// Compression happens in the writers (``deflated(then:)``), never under the hub's lock: the first writer that
/// needs the compressed form computes it — a large one (a snapshot of thousands of agents is megabytes, tens to
/// hundreds of milliseconds) on NIO's blocking thread pool rather than on an event loop — and the others wait
/// for that result instead of compressing again. What a delta costs a compressed client's queue before it
/// is compressed is estimated from its topic's last compressions (``DeflateRatio``).
final class SharedFrame: Sendable {
    let buffer: ByteBuffer
    private let deflated = Mutex<DeflateState>(.none)
    /// Told the ratio of this message's compression (its topic's, for the next messages' estimates).
    private let ratio: DeflateRatio?
    /// This message as the clients that selected kinds and fields get it (``StreamSelection``), per selection.
    let selections = SelectionCache()

    private enum DeflateState {
        case none
        /// A writer is compressing; these wait for its result.
        case running([@Sendable (ByteBuffer) -> Void])
        case done(ByteBuffer)
    }

    /// Messages at least this large are compressed on the blocking thread pool; smaller ones (≈ 0.3 ms of zlib at
    /// most) where they are needed first — a client's event loop, whose other sockets wait meanwhile.
    static let offloadBytes = 32 * 1024

    init(_ buffer: ByteBuffer, ratio: DeflateRatio? = nil) {
        self.buffer = buffer
        self.ratio = ratio
    }

    /// The compressed form when it is at hand: computed before, or small enough to compute now on the
    /// caller's thread (under ``offloadBytes``); nil when a large one must be computed or is being computed
    /// (``deflated(then:)``). The writers' fast path.
    var deflatedIfCheap: ByteBuffer? {
        switch deflated.withLock({ $0 }) {
        case .done(let b): return b
        case .running: return nil
        case .none: return buffer.readableBytes < Self.offloadBytes ? deflatedBuffer : nil
        }
    }

    /// Calls `done` with the message as a permessage-deflate payload (raw DEFLATE, sync-flushed, without the
    /// final `00 00 ff ff`), compressed by the first caller and shared afterwards — on NIO's blocking thread pool
    /// when large; callers that come while it is being compressed get the same result. `done` runs on the
    /// thread that finished the compression, or on the caller's when it was done before.
    func deflated(then done: @escaping @Sendable (ByteBuffer) -> Void) {
        enum Next { case have(ByteBuffer), compress, queued }
        let next = deflated.withLock { state -> Next in
            switch state {
            case .done(let b): return .have(b)
            case .running(var waiting):
                waiting.append(done)
                state = .running(waiting)
                return .queued
            case .none:
                state = .running([done])
                return .compress
            }
        }
        switch next {
        case .have(let b): done(b)
        case .queued: break
        case .compress:
            let message = buffer
            guard message.readableBytes >= Self.offloadBytes else { return finish(MessageDeflater.deflate(message)) }
            // Whatever the work item's state (`.cancelled` while the pool shuts down), it compresses: no waiter is
            // left hanging.
            NIOThreadPool.singleton.submit { _ in self.finish(MessageDeflater.deflate(message)) }
        }
    }

    /// The same, awaited (tools, tests).
    func deflated() async -> ByteBuffer {
        await withCheckedContinuation { (c: CheckedContinuation<ByteBuffer, Never>) in
            deflated { c.resume(returning: $0) }
        }
    }

    /// The compressed form, computed now on the caller's thread when no writer has computed it yet (tests,
    /// tools; the writers use ``deflated()``).
    var deflatedBuffer: ByteBuffer {
        if case .done(let b) = deflated.withLock({ $0 }) { return b }
        let out = MessageDeflater.deflate(buffer)
        let computing = deflated.withLock { state -> Bool in
            if case .none = state {
                state = .done(out)
                return false
            }
            return true
        }
        // A writer is compressing it meanwhile: its result is the one kept (the same bytes).
        if !computing { ratio?.observe(plain: buffer.readableBytes, compressed: out.readableBytes) }
        return out
    }

    private func finish(_ out: ByteBuffer) {
        let waiting = deflated.withLock { state -> [@Sendable (ByteBuffer) -> Void] in
            defer { state = .done(out) }
            if case .running(let w) = state { return w }
            return []
        }
        ratio?.observe(plain: buffer.readableBytes, compressed: out.readableBytes)
        for w in waiting { w(out) }
    }

    /// Whether the compressed form has been computed (tests, metrics).
    var isDeflated: Bool {
        if case .done = deflated.withLock({ $0 }) { return true }
        return false
    }
}

/// A topic's compression ratio as last observed (compressed ÷ plain bytes of its recent messages, smoothed), for
/// what a delta will cost a compressed client before anyone has compressed it: the budget must not wait for
/// zlib, and the hub's lock must never be held while it runs. A topic's deltas look alike (the same kinds of
/// fragment), so its last ratio predicts the next one well; until one is seen, 1:4 (the hub's JSON compresses
/// about 6:1 at level 6, docs/performance.md "Bytes on the wire").
final class DeflateRatio: Sendable {
    /// Compressed bytes per 1,000 plain bytes; 0 until the first compression is seen.
    private let permille = Atomic<Int>(0)
    static let initialPermille = 250

    init() {}

    /// The compressed size `plain` bytes are expected to take (at least 1).
    func estimate(plain: Int) -> Int { Self.estimate(plain: plain, permille: currentPermille) }

    /// The same for a message of no topic (nothing observed): the initial ratio.
    static func estimate(plain: Int, permille: Int = initialPermille) -> Int { max(1, plain * permille / 1000) }

    /// One compression seen: the first sets the ratio, each later one moves it a quarter of the way (messages
    /// under 1 KiB, mostly header, are not representative and are ignored). Writers of one topic may race here;
    /// a lost update only delays the estimate by one message.
    func observe(plain: Int, compressed: Int) {
        guard plain >= 1024 else { return }
        let sample = min(1000, max(1, compressed * 1000 / plain))
        let old = permille.load(ordering: .relaxed)
        permille.store(old == 0 ? sample : old + (sample - old) / 4, ordering: .relaxed)
    }

    var currentPermille: Int {
        let p = permille.load(ordering: .relaxed)
        return p == 0 ? Self.initialPermille : p
    }
}
