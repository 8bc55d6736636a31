@testable import Hub
import NIOCore
import NIOWebSocket
import Testing

/// The stream's inbound frame rules (RFC 6455), as the channel handler applies them.
@Suite("Stream frame state machine")
struct StreamFrameStateMachineTests {
    typealias Action = StreamFrameStateMachine.Action

    static func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, rsv2: Bool = false) -> WebSocketFrame {
        WebSocketFrame(fin: fin, rsv2: rsv2, opcode: opcode, data: ByteBuffer(bytes: bytes))
    }

    static func text(_ s: String, fin: Bool = true) -> WebSocketFrame { frame(.text, Array(s.utf8), fin: fin) }
    static func more(_ s: String, fin: Bool) -> WebSocketFrame { frame(.continuation, Array(s.utf8), fin: fin) }

    static func close(_ code: UInt16?, _ reason: [UInt8] = []) -> WebSocketFrame {
        var bytes: [UInt8] = []
        if let code { bytes = [UInt8(code >> 8), UInt8(code & 0xff)] }
        return frame(.connectionClose, bytes + reason)
    }

    @Test func aWholeTextMessageIsDelivered() {
        var m = StreamFrameStateMachine(maxMessageBytes: 100)
        #expect(m.received(Self.text(#"{"op":"ping"}"#)) == .text(#"{"op":"ping"}"#))
        #expect(m.received(Self.frame(.binary, [1, 2])) == .binary)
    }

    @Test func fragmentsAreAssembledAndPingsAnsweredBetweenThem() {
        var m = StreamFrameStateMachine(maxMessageBytes: 100)
        #expect(m.received(Self.text("{\"op\":", fin: false)) == .none)
        #expect(m.received(Self.frame(.ping, [7])) == .pong(ByteBuffer(bytes: [7])))
        #expect(m.received(Self.more("\"ping\"", fin: false)) == .none)
        #expect(m.received(Self.more("}", fin: true)) == .text(#"{"op":"ping"}"#))
        #expect(m.received(Self.frame(.pong, [])) == .none)
    }

    @Test func brokenFragmentationFailsWith1002() {
        var a = StreamFrameStateMachine(maxMessageBytes: 100)
        #expect(a.received(Self.more("x", fin: true)) == .fail(.protocolError, "a continuation frame without a message"))
        #expect(a.received(Self.text("ignored")) == .none, "nothing is read after a failure")
        var b = StreamFrameStateMachine(maxMessageBytes: 100)
        _ = b.received(Self.text("a", fin: false))
        #expect(b.received(Self.text("b")) == .fail(.protocolError, "a new message inside a fragmented one"))
    }

    @Test func reservedBitsAndOpcodesFailWith1002() {
        var a = StreamFrameStateMachine(maxMessageBytes: 100)
        #expect(a.received(Self.frame(.text, Array("x".utf8), rsv2: true)) == .fail(.protocolError, "reserved bits set"))
        var b = StreamFrameStateMachine(maxMessageBytes: 100)
        let reserved = WebSocketOpcode(encodedWebSocketOpcode: 0x3)!
        #expect(b.received(Self.frame(reserved, [])) == .fail(.protocolError, "reserved opcode"))
    }

    @Test func aMessageOverTheBoundFailsWith1009EvenInFragments() {
        var a = StreamFrameStateMachine(maxMessageBytes: 4)
        #expect(a.received(Self.text("12345")) == .fail(.messageTooLarge, "message too large"))
        var b = StreamFrameStateMachine(maxMessageBytes: 4)
        #expect(b.received(Self.text("123", fin: false)) == .none)
        #expect(b.received(Self.more("45", fin: true)) == .fail(.messageTooLarge, "message too large"))
        var c = StreamFrameStateMachine(maxMessageBytes: 4)
        _ = c.received(Self.text("12", fin: false))
        #expect(c.received(Self.more("34", fin: true)) == .text("1234"), "exactly the bound is accepted")
    }

    @Test func textThatIsNotUTF8FailsWith1007AlsoAcrossFragments() {
        var a = StreamFrameStateMachine(maxMessageBytes: 100)
        #expect(a.received(Self.frame(.text, [0xED, 0xA0, 0x80])) == .fail(.dataInconsistentWithMessage, "text is not UTF-8"))
        var b = StreamFrameStateMachine(maxMessageBytes: 100)
        #expect(b.received(Self.frame(.text, [0xF0, 0x9F], fin: false)) == .none, "a character split across frames")
        #expect(b.received(Self.frame(.continuation, [0x98, 0x80])) == .text("😀"))
        var c = StreamFrameStateMachine(maxMessageBytes: 100)
        _ = c.received(Self.frame(.text, [0xF4], fin: false))
        #expect(c.received(Self.frame(.continuation, [0x90, 0x80, 0x80])) == .fail(.dataInconsistentWithMessage, "text is not UTF-8"))
    }

    @Test func closeFramesAreAnsweredAsWSCoreAnswersThem() {
        func answer(_ f: WebSocketFrame) -> Action {
            var m = StreamFrameStateMachine(maxMessageBytes: 100)
            return m.received(f)
        }
        #expect(answer(Self.close(nil)) == .closeReceived(.normalClosure))
        #expect(answer(Self.close(1000)) == .closeReceived(.normalClosure))
        #expect(answer(Self.close(1001, Array("bye".utf8))) == .closeReceived(.normalClosure))
        #expect(answer(Self.close(3000)) == .closeReceived(.normalClosure))
        #expect(answer(Self.close(4999)) == .closeReceived(.normalClosure))
        #expect(answer(Self.frame(.connectionClose, [0x03])) == .closeReceived(.protocolError), "a 1-byte payload")
        for bad: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 2999, 5000] {
            #expect(answer(Self.close(bad)) == .closeReceived(.protocolError), "code \(bad)")
        }
        #expect(answer(Self.close(1000, [0xCE, 0xBA, 0xE1, 0xBD])) == .closeReceived(.protocolError), "a reason that is not UTF-8")
        var m = StreamFrameStateMachine(maxMessageBytes: 100)
        _ = m.received(Self.close(1000))
        #expect(m.received(Self.text("late")) == .none, "nothing after the close")
    }
}
