import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import SwitchboardCore

/// Serves one `/v1/stream` WebSocket from the channel pipeline: no task per connection. Inbound frames go
/// through ``StreamFrameStateMachine`` (pings answered, closes answered, protocol errors failed with their
/// codes) and complete text messages to the connection's ``StreamCommandQueue``; outbound, the connection's
/// queue is drained on the socket's event loop whenever the hub pushes, while the socket is writable.
///
/// Why a channel handler rather than hummingbird-websocket's async handler: an idle connection there holds
/// two tasks (the connection's, which runs the WebSocket layers and our reader, and our writer), and their
/// stacks were ≈ 25 KiB of an idle connection's ≈ 35 KiB (docs/performance.md, "Connections"); each delta also
/// cost every client a task wake-up and an async write hop. Here a delta is one `execute` on the client's event
/// loop (coalesced while one is pending) and direct writes.
///
/// A write the socket cannot take now (the peer stopped reading: the channel is not writable) leaves the rest
/// in the connection's bounded queue (merge on overflow, then `slow-consumer`), and the hub's watchdog ends a
/// connection not writable for `writeTimeout` (``ClientConnection/writeBlocked()``).
final class StreamChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Where a complete client message goes: the connection's ``StreamSession`` (the conformance harness puts an
    /// echo here, `AutobahnFuzzingTests`).
    typealias MessageHandler = @Sendable (Message) async -> Void
    enum Message: Sendable {
        case text(String)
        case binary
    }

    private let hub: StreamHub
    private let conn: ClientConnection
    private let onMessage: MessageHandler
    private let commands = StreamCommandQueue()
    private let logger: Logger
    /// Outgoing messages larger than this go out as fragmented messages (continuation frames).
    private let maxFrameBytes: Int
    /// The client negotiated `permessage-deflate`: snapshots and deltas go out in their shared compressed form.
    private let deflate: Bool
    private let opened = ContinuousClock.now
    /// The peer's `ip:port`, for the log lines.
    private var remote = "-"
    private var frames: StreamFrameStateMachine
    private var context: ChannelHandlerContext?
    /// A large message is being compressed (off the event loop); the drain resumes when it is done.
    private var compressing = false
    private var closeSent = false
    private var closeReceived = false

    init(hub: StreamHub, conn: ClientConnection, logger: Logger, maxFrameBytes: Int, maxInboundBytes: Int, deflate: Bool,
         onMessage: MessageHandler? = nil) {
        self.hub = hub
        self.conn = conn
        let session = StreamSession(hub: hub, conn: conn, logger: logger)
        self.onMessage = onMessage ?? { message in
            switch message {
            case .text(let text): await session.handle(text)
            case .binary: session.conn.push(.control(HubFrame.error("bad-request", "frames are JSON text")))
            }
        }
        self.logger = logger
        self.maxFrameBytes = maxFrameBytes
        self.deflate = deflate
        frames = StreamFrameStateMachine(maxMessageBytes: maxInboundBytes)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loop = context.eventLoop
        conn.setWaker(Waker(loop: loop, handler: NIOLoopBound(self, eventLoop: loop)))
        remote = context.channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-"
        logger.info("stream opened", metadata: ["client": "\(conn.principal.name)", "remote": "\(remote)"])
        if !context.channel.isActive { ended() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended()
        context.fireChannelInactive()
    }

    /// The server is shutting down gracefully (Hummingbird's quiescing helper waits for every connection to
    /// close): a close frame with `1000` (docs/protocol.md, "Close codes"), then the peer's answer or the hub's
    /// `closeGrace`.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            conn.close(code: 1000, reason: "shutdown")
        } else if case ChannelEvent.inputClosed = event {
            // The peer half-closed (the listener allows it): nothing more can come; end the connection.
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        ended()
        self.context = nil
    }

    private var isEnded = false

    private func ended() {
        guard !isEnded else { return }
        isEnded = true
        commands.close()
        hub.disconnect(conn)
        logger.info("stream closed", metadata: ["client": "\(conn.principal.name)", "remote": "\(remote)",
                                                "seconds": "\((ContinuousClock.now - opened).components.seconds)"])
    }

    /// Hops a wake-up to the event loop, at most one pending at a time.
    private final class Waker: ConnectionWaker {
        let loop: any EventLoop
        let handler: NIOLoopBound<StreamChannelHandler>
        let pending = Atomic<Bool>(false)

        init(loop: any EventLoop, handler: NIOLoopBound<StreamChannelHandler>) {
            self.loop = loop
            self.handler = handler
        }

        func wake() {
            guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
            loop.execute {
                self.pending.store(false, ordering: .releasing)
                self.handler.value.drain()
            }
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch frames.received(unwrapInboundIn(data)) {
        case .none:
            break
        case .text(let text):
            enqueue(.text(text), context: context)
        case .binary:
            enqueue(.binary, context: context)
        case .pong(let payload):
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
        case .closeReceived(let code):
            closeReceived = true
            end(context: context, code: code, reason: nil)
        case .fail(let code, let reason):
            logger.debug("stream failed: \(reason)", metadata: ["client": "\(conn.principal.name)"])
            commands.close()
            end(context: context, code: code, reason: reason)
        }
    }

    /// Closes the connection now, after our close frame when none was sent yet.
    private func end(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String?) {
        guard !closeSent else { return context.close(promise: nil) }
        closeSent = true
        sendClose(context: context, code: code, reason: reason, thenClose: true)
    }

    private func enqueue(_ message: Message, context: ChannelHandlerContext) {
        let appended = commands.append(message)
        if appended.pause { try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false) }
        if appended.startPump { startPump(channel: context.channel) }
    }

    /// Runs the connection's waiting messages on the hub's task group, one at a time, in order.
    private func startPump(channel: any Channel) {
        let commands = self.commands, onMessage = self.onMessage
        hub.perform {
            while let (message, resume) = commands.next() {
                await onMessage(message)
                if resume { _ = channel.setOption(ChannelOptions.autoRead, value: true) }
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            conn.endWrite()
            drain()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Outbound

    /// Writes what the connection's queue holds while the socket takes it.
    fileprivate func drain() {
        guard let context, !compressing, !closeSent else { return }
        var wrote = false
        while context.channel.isWritable, let item = conn.beginWrite() {
            wrote = true
            switch item {
            case .close(let code, let reason):
                closeSent = true
                sendClose(context: context, code: .init(codeNumber: Int(code)), reason: reason, thenClose: closeReceived)
                return
            case .ping:
                context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
                hub.metrics.messageOut(type: "ping", bytes: 0)
            case .snapshot(_, let frame):
                if !write(frame, type: "snapshot", context: context) { return }
            case .delta(let delta):
                let form = conn.deltaForm(delta.topic)
                let out = form.selection.map { delta.selected($0) }
                    ?? delta.patchFrame.flatMap { form.patches ? $0 : nil } ?? delta.frame
                if !write(out, type: "delta", publishedAt: delta.publishedAt, context: context) { return }
            case .control(let buffer):
                writeText(buffer, compressed: false, context: context)
                hub.metrics.messageOut(type: "control", bytes: buffer.readableBytes)
            }
        }
        if wrote { context.flush() }
        if !context.channel.isWritable { conn.writeBlocked() }
    }

    /// Writes a shared message, compressed when the client negotiated `permessage-deflate` (RSV1 on the first
    /// frame, RFC 7692 §6). False when its compressed form is being computed: the drain stops and resumes with
    /// it written, so messages keep their order.
    private func write(_ frame: SharedFrame, type: String, publishedAt: ContinuousClock.Instant? = nil,
                       context: ChannelHandlerContext) -> Bool {
        guard deflate else {
            writeText(frame.buffer, compressed: false, context: context)
            sent(type: type, bytes: frame.buffer.readableBytes, publishedAt: publishedAt)
            return true
        }
        if let compressed = frame.deflatedIfCheap {
            writeText(compressed, compressed: true, context: context)
            sent(type: type, bytes: compressed.readableBytes, publishedAt: publishedAt)
            return true
        }
        compressing = true
        context.flush()
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        frame.deflated { compressed in
            loop.execute {
                let me = handler.value
                me.compressing = false
                guard let context = me.context, !me.closeSent else { return }
                me.writeText(compressed, compressed: true, context: context)
                me.sent(type: type, bytes: compressed.readableBytes, publishedAt: publishedAt)
                context.flush()
                me.drain()
            }
        }
        return false
    }

    private func sent(type: String, bytes: Int, publishedAt: ContinuousClock.Instant?) {
        hub.metrics.messageOut(type: type, bytes: bytes)
        if let publishedAt { hub.metrics.latency.record(.now - publishedAt) }
    }

    /// Writes one text message, fragmented at `maxFrameBytes` (not flushed).
    private func writeText(_ buffer: ByteBuffer, compressed: Bool, context: ChannelHandlerContext) {
        var rest = buffer
        var opcode = WebSocketOpcode.text
        var rsv1 = compressed
        repeat {
            let slice = rest.readSlice(length: min(maxFrameBytes, rest.readableBytes))!
            context.write(wrapOutboundOut(WebSocketFrame(fin: rest.readableBytes == 0, rsv1: rsv1, opcode: opcode, data: slice)),
                          promise: nil)
            opcode = .continuation
            rsv1 = false
        } while rest.readableBytes > 0
    }

    /// Sends a close frame; closes the connection once it is written when the peer's close is in (or the
    /// connection failed), else waits for the peer's answer (the hub's watchdog closes it after `closeGrace`).
    private func sendClose(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String?, thenClose: Bool) {
        var payload = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        payload.write(webSocketErrorCode: code)
        if let reason { payload.writeString(reason) }
        let written = context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)))
        guard thenClose else { return }
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
