import NIOCore
import NIOWebSocket

/// The stream's inbound WebSocket frames after swift-nio's frame decoder (sizes of single frames, control
/// frames over 125 bytes or fragmented: its checks, failed by its `WebSocketProtocolErrorHandler`), the
/// masking check (``UnmaskedFrameGuard``) and, when negotiated, ``PerMessageDeflate/Inflater``: assembles
/// messages and decides what each frame asks for (RFC 6455 §5.4–5.5, §7.4, §8.1). A pure state machine — the
/// channel handler (``StreamChannelHandler``) carries out the actions.
///
/// Why our own: the stream is served from a channel handler with no task per connection (the task stacks of
/// the async WebSocket layers were most of an idle connection's memory, docs/performance.md "Connections"),
/// so WSCore's message iterator, which enforces these rules for async readers, is not in the path. The rules
/// and close codes are WSCore's (swift-websocket 1.6): reserved bits and opcodes `1002`, broken fragmentation
/// `1002`, a message over the bound `1009`, text that is not UTF-8 `1007`, a close frame answered with `1000`,
/// or `1002` for a 1-byte payload, a code outside 1000–1003, 1007–1011 and 3000–4999, or a reason that is not
/// UTF-8.
struct StreamFrameStateMachine {
    enum Action: Equatable {
        /// Nothing to do (a pong, a fragment, anything after the close).
        case none
        /// A complete text message.
        case text(String)
        /// A complete binary message (the protocol is JSON text).
        case binary
        /// Answer a ping with this payload.
        case pong(ByteBuffer)
        /// The peer closed: answer with this code, then close the connection.
        case closeReceived(WebSocketErrorCode)
        /// Fail the connection: send a close with this code and reason, then close it.
        case fail(WebSocketErrorCode, String)
    }

    enum State {
        case open
        /// A fragmented message is being assembled.
        case assembling(text: Bool, data: ByteBuffer)
        /// A close was received or the connection failed: nothing more is read.
        case closed
    }

    private(set) var state = State.open
    /// The largest message, assembled (`server.maxInboundFrameBytes`).
    let maxMessageBytes: Int

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    mutating func received(_ frame: WebSocketFrame) -> Action {
        if case .closed = state { return .none }
        guard frame.reservedBits.isEmpty else { return fail(.protocolError, "reserved bits set") }
        switch frame.opcode {
        case .text, .binary:
            if case .assembling = state { return fail(.protocolError, "a new message inside a fragmented one") }
            let data = frame.unmaskedData
            guard data.readableBytes <= maxMessageBytes else { return fail(.messageTooLarge, "message too large") }
            if frame.fin { return deliver(text: frame.opcode == .text, data) }
            state = .assembling(text: frame.opcode == .text, data: data)
            return .none
        case .continuation:
            guard case .assembling(let text, var data) = state else {
                return fail(.protocolError, "a continuation frame without a message")
            }
            var part = frame.unmaskedData
            guard data.readableBytes + part.readableBytes <= maxMessageBytes else {
                return fail(.messageTooLarge, "message too large")
            }
            state = .open  // no copy-on-write of `data` while it grows
            data.writeBuffer(&part)
            if frame.fin { return deliver(text: text, data) }
            state = .assembling(text: text, data: data)
            return .none
        case .ping:
            return .pong(frame.unmaskedData)
        case .pong:
            return .none
        case .connectionClose:
            state = .closed
            return .closeReceived(Self.answer(toClose: frame.unmaskedData))
        default:
            return fail(.protocolError, "reserved opcode")
        }
    }

    private mutating func deliver(text: Bool, _ data: ByteBuffer) -> Action {
        state = .open
        guard text else { return .binary }
        guard let s = String(validating: data.readableBytesView, as: UTF8.self) else {
            return fail(.dataInconsistentWithMessage, "text is not UTF-8")
        }
        return .text(s)
    }

    private mutating func fail(_ code: WebSocketErrorCode, _ reason: String) -> Action {
        state = .closed
        return .fail(code, reason)
    }

    /// The code a close frame's payload is answered with (WSCore's `WebSocketStateMachine.receivedClose`).
    static func answer(toClose payload: ByteBuffer) -> WebSocketErrorCode {
        var payload = payload
        if payload.readableBytes == 0 { return .normalClosure }
        guard let code = payload.readWebSocketErrorCode() else { return .protocolError }
        if payload.readableBytes > 0, String(validating: payload.readableBytesView, as: UTF8.self) == nil {
            return .protocolError
        }
        if case .unknown(let n) = code, n < 3000 || n > 4999 { return .protocolError }
        return .normalClosure
    }
}
