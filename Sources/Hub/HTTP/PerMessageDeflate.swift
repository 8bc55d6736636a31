import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// The stream's `permessage-deflate` (RFC 7692): which offer of a client's `Sec-WebSocket-Extensions` the
/// bridge accepts, and the inbound half — a handler that inflates compressed client messages before the
/// WebSocket library reads them. The outbound half is ``SharedFrame``: each message compressed once per
/// topic, sent to every client that negotiated the extension.
///
/// Accepted: the first `permessage-deflate` offer whose parameters the bridge can honour. The answer is
/// always `permessage-deflate; server_no_context_takeover; client_no_context_takeover`: the server's
/// messages stand alone (so one compressed copy serves every client), and so do the client's (so no inflate
/// state is kept per connection). An offer asking for `server_max_window_bits` below 15 is declined (the
/// shared copy is compressed with a 32 KiB window); unknown parameters decline their offer (RFC 7692 §5.1).
enum PerMessageDeflate {
    static let response = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

    /// The response header value for a request's `Sec-WebSocket-Extensions` values, or nil (no compression).
    static func negotiate(_ headerValues: [String]) -> String? {
        for value in headerValues {
            for offer in value.split(separator: ",") {
                let params = offer.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard params.first?.lowercased() == "permessage-deflate" else { continue }
                if params.dropFirst().allSatisfy(acceptable) { return response }
            }
        }
        return nil
    }

    /// Whether an upgrade of `path` (with its query) offering `offers` gets the extension, given it is on.
    static func applies(path: String, streamPath: String, offers: [String]) -> Bool {
        let pathPart = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return pathPart == streamPath && negotiate(offers) != nil
    }

    private static func acceptable(_ param: String) -> Bool {
        let parts = param.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let name = parts[0].lowercased()
        let value = parts.count > 1 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : nil
        switch name {
        case "server_no_context_takeover", "client_no_context_takeover":
            return value == nil
        case "client_max_window_bits":
            // The client may use any window it likes; our inflater takes up to 15 bits.
            guard let value else { return true }
            return Int(value).map { (8...15).contains($0) } ?? false
        case "server_max_window_bits":
            return value.flatMap(Int.init) == 15
        default:
            return false
        }
    }

    /// Inflates compressed client messages (RSV1 set on their first frame) into plain frames for the
    /// WebSocket library, which knows no extension. Placed right after ``UnmaskedFrameGuard`` when the upgrade
    /// negotiated the extension. A fragmented compressed message is assembled (at most `maxBytes` compressed)
    /// and passed on as one frame. Fails the connection — `1002` for RSV1 where RFC 7692 forbids it, `1007`
    /// for data that does not inflate, `1009` past `maxBytes` — and reads nothing more.
    final class Inflater: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = WebSocketFrame
        typealias InboundOut = WebSocketFrame
        typealias OutboundOut = WebSocketFrame

        private let maxBytes: Int
        private let logger: Logger
        private var assembling: (opcode: WebSocketOpcode, data: ByteBuffer)?
        private var failed = false

        init(maxBytes: Int, logger: Logger) {
            self.maxBytes = maxBytes
            self.logger = logger
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !failed else { return }
            let frame = unwrapInboundIn(data)
            switch frame.opcode {
            case .text, .binary:
                guard frame.rsv1 else { return context.fireChannelRead(data) }
                if frame.fin {
                    deliver(context: context, opcode: frame.opcode, payload: frame.unmaskedData)
                } else {
                    assembling = (frame.opcode, frame.unmaskedData)
                    if frame.unmaskedData.readableBytes > maxBytes { fail(context: context, code: .messageTooLarge, "compressed message too large") }
                }
            case .continuation:
                guard var message = assembling else { return context.fireChannelRead(data) }
                guard !frame.rsv1 else { return fail(context: context, code: .protocolError, "RSV1 on a continuation frame") }
                assembling = nil
                var part = frame.unmaskedData
                guard message.data.readableBytes + part.readableBytes <= maxBytes else {
                    return fail(context: context, code: .messageTooLarge, "compressed message too large")
                }
                message.data.writeBuffer(&part)
                if frame.fin {
                    deliver(context: context, opcode: message.opcode, payload: message.data)
                } else {
                    assembling = message
                }
            default:
                guard !frame.rsv1 else { return fail(context: context, code: .protocolError, "RSV1 on a control frame") }
                context.fireChannelRead(data)
            }
        }

        private func deliver(context: ChannelHandlerContext, opcode: WebSocketOpcode, payload: ByteBuffer) {
            do {
                let plain = try MessageDeflater.inflate(payload, maxSize: maxBytes)
                context.fireChannelRead(wrapInboundOut(WebSocketFrame(fin: true, opcode: opcode, data: plain)))
            } catch MessageDeflater.InflateError.tooLarge {
                fail(context: context, code: .messageTooLarge, "message too large once inflated")
            } catch {
                fail(context: context, code: .dataInconsistentWithMessage, "compressed data does not inflate")
            }
        }

        private func fail(context: ChannelHandlerContext, code: WebSocketErrorCode, _ reason: String) {
            failed = true
            assembling = nil
            logger.debug("stream failed: \(reason)", metadata: [
                "remote": "\(context.channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-")"])
            var payload = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
            payload.write(webSocketErrorCode: code)
            payload.writeString(reason)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
            context.writeAndFlush(wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
