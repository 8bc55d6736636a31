import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Fails a stream whose client sends an unmasked frame: close `1002` (protocol error), then the
/// connection closes (RFC 6455 §5.1: "a server MUST close the connection upon receiving a frame that
/// is not masked"). It sits right after swift-nio's `WebSocketFrameDecoder`, drops the offending frame
/// and everything after it, and passes masked frames through untouched.
///
/// Why a handler of our own: neither swift-nio's frame decoder (which unmasks when a key is present and
/// accepts frames without one) nor hummingbird-websocket / WSCore (whose data frames no longer say
/// whether they were masked, and which answer pings themselves) checks masking, and no configuration
/// option asks for it. UTF-8, reserved bits, opcodes, fragmentation and sizes are the library's
/// (`validateUTF8`, docs/security.md).
final class UnmaskedFrameGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var failed = false
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let frame = unwrapInboundIn(data)
        guard frame.maskKey == nil else {
            context.fireChannelRead(data)
            return
        }
        failed = true
        logger.debug("stream failed: unmasked client frame", metadata: [
            "remote": "\(context.channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-")"])
        var payload = context.channel.allocator.buffer(capacity: 2 + Self.reason.utf8.count)
        payload.write(webSocketErrorCode: .protocolError)
        payload.writeString(Self.reason)
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        context.writeAndFlush(wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    static let reason = "client frames must be masked"

    /// Placed last in a new connection's pipeline, behind the HTTP upgrade handler. When the upgrade to
    /// WebSocket completes — after swift-nio added the frame decoder, before it replays any bytes that
    /// arrived meanwhile — it puts an ``UnmaskedFrameGuard`` right after the decoder, so no frame is
    /// read unchecked, and leaves. A connection that is not upgraded passes its first request through
    /// and the installer leaves then.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart

        /// Where `permessage-deflate` may be negotiated (the stream's path) and its inbound message bound;
        /// nil when it is switched off.
        struct Deflate {
            let streamPath: String
            let maxBytes: Int
        }

        private let logger: Logger
        private let deflate: Deflate?

        init(logger: Logger, deflate: Deflate? = nil) {
            self.logger = logger
            self.deflate = deflate
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case HTTPServerUpgradeEvents.upgradeComplete(_, let request) = event {
                let pipeline = context.pipeline.syncOperations
                do {
                    let decoder = try pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
                    let guardHandler = UnmaskedFrameGuard(logger: logger)
                    try pipeline.addHandler(guardHandler, position: .after(decoder))
                    // The same decision the stream's upgrade answered with (`StreamUpgrade.negotiatedDeflate`).
                    if let deflate, PerMessageDeflate.applies(path: request.uri, streamPath: deflate.streamPath,
                                                              offers: request.headers[canonicalForm: "sec-websocket-extensions"].map(String.init)) {
                        try pipeline.addHandler(PerMessageDeflate.Inflater(maxBytes: deflate.maxBytes, logger: logger),
                                                position: .after(guardHandler))
                    }
                } catch {
                    // No decoder means no WebSocket: nothing to guard. Never expected; logged to be seen.
                    logger.error("could not install the masking check", metadata: ["error": "\(error)"])
                    context.close(promise: nil)
                }
                context.fireUserInboundEventTriggered(event)
                pipeline.removeHandler(context: context, promise: nil)
                return
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            // Only a connection that was not upgraded reads through here: its requests are plain HTTP.
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
