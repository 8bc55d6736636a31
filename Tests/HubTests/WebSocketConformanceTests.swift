import Foundation
import Hub
import SwitchboardConfig
import SwitchboardCore
import Testing

/// RFC 6455 cases that matter for the stream, over a real socket on loopback with frames written
/// byte by byte: what the server must refuse (and with which close code) and what it must answer.
/// The table in docs/security.md ("WebSocket conformance") lists the same cases.
@Suite("WebSocket conformance (RFC 6455)")
struct WebSocketConformanceTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global])])
    /// Small, so the oversized cases stay small.
    static let server = HubHarness.config { $0.maxInboundFrameBytes = 1024 }

    /// Opens a stream, sends `frames`, and returns the server's close frame (nil: none came).
    static func closeAfter(_ port: Int, _ frames: [[UInt8]]) async throws -> (RawFrame.Received?, RawConnection) {
        let c = try await RawConnection.openStream(port: port, token: "t-global")
        for f in frames { try await c.send(bytes: f) }
        return (try await c.closeFrame(), c)
    }

    static func expectFailed(_ port: Int, _ frames: [[UInt8]], code: UInt16, _ comment: Comment,
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (close, c) = try await closeAfter(port, frames)
        #expect(close?.closeCode == code, "\(comment): got \(close.map(String.init(describing:)) ?? "no close frame")",
                sourceLocation: sourceLocation)
        #expect(try await c.waitClosed(), "\(comment): the connection stays open", sourceLocation: sourceLocation)
        await c.close()
    }

    /// A valid masked op gets its answer: the harness itself works (the failures below are not an
    /// artefact of how frames are written).
    @Test func aMaskedTextFrameIsServed() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            let c = try await RawConnection.openStream(port: h.port, token: "t-global")
            try await c.send(bytes: RawFrame.text(#"{"op":"ping","id":7}"#))
            let reply = try #require(try await c.frame(RawFrame.text))
            #expect(reply.text == #"{"type":"pong","id":7}"#)
            await c.close()
        }
    }

    @Test func anUnmaskedClientFrameFailsTheConnectionWith1002() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            let (close, c) = try await Self.closeAfter(h.port, [RawFrame.text(#"{"op":"ping","id":7}"#, mask: nil)])
            #expect(close?.closeCode == 1002)
            #expect(close?.text.contains("masked") == true)
            #expect(!c.frames.contains { $0.opcode == RawFrame.text }, "the unmasked op was served")
            #expect(try await c.waitClosed())
            // An unmasked control frame too (WSCore answers pings itself, so this is checked before it).
            try await Self.expectFailed(h.port, [RawFrame.encode(opcode: RawFrame.ping, payload: [1, 2], mask: nil)],
                                        code: 1002, "unmasked ping")
            #expect(try await eventually { h.hub.connectionCount == 0 })
        }
    }

    @Test func textThatIsNotUTF8FailsWith1007() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            let invalid: [UInt8] = Array(#"{"op":"ping","id":""#.utf8) + [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xED, 0xA0, 0x80] + Array(#""}"#.utf8)
            try await Self.expectFailed(h.port, [RawFrame.encode(opcode: RawFrame.text, payload: invalid)],
                                        code: 1007, "invalid UTF-8 (a surrogate) in one frame")
            // Valid halves of a multi-byte character split across fragments are fine …
            let split = Array("{\"op\":\"ping\",\"id\":\"κ".utf8)
            let c = try await RawConnection.openStream(port: h.port, token: "t-global")
            try await c.send(bytes: RawFrame.encode(fin: false, opcode: RawFrame.text, payload: Array(split.dropLast())))
            try await c.send(bytes: RawFrame.encode(opcode: RawFrame.continuation, payload: [split.last!] + Array("\"}".utf8)))
            #expect(try await c.frame(RawFrame.text)?.text == #"{"type":"pong","id":"κ"}"#)
            await c.close()
            // … but invalid UTF-8 across fragments is not.
            try await Self.expectFailed(h.port, [
                RawFrame.encode(fin: false, opcode: RawFrame.text, payload: Array(#"{"op":"ping","id":""#.utf8) + [0xF4]),
                RawFrame.encode(opcode: RawFrame.continuation, payload: [0x90, 0x80, 0x80] + Array(#""}"#.utf8)),
            ], code: 1007, "invalid UTF-8 (above U+10FFFF) across fragments")
        }
    }

    @Test func controlFrameViolationsFailWith1002() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            try await Self.expectFailed(h.port, [RawFrame.encode(opcode: RawFrame.ping, payload: Array(repeating: 0x61, count: 126))],
                                        code: 1002, "ping with 126 bytes")
            try await Self.expectFailed(h.port, [RawFrame.encode(fin: false, opcode: RawFrame.ping, payload: [1])],
                                        code: 1002, "fragmented ping")
        }
    }

    @Test func reservedOpcodesAndBitsFailWith1002() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            for opcode: UInt8 in [0x3, 0x7, 0xB, 0xF] {
                try await Self.expectFailed(h.port, [RawFrame.encode(opcode: opcode, payload: [])], code: 1002,
                                            "reserved opcode \(opcode)")
            }
            for rsv: UInt8 in [1, 2, 4] {
                try await Self.expectFailed(h.port, [RawFrame.encode(rsv: rsv, opcode: RawFrame.text, payload: Array(#"{"op":"ping"}"#.utf8))],
                                            code: 1002, "RSV bits \(rsv) without an extension")
            }
        }
    }

    @Test func fragmentationErrorsFailWith1002() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            try await Self.expectFailed(h.port, [RawFrame.encode(opcode: RawFrame.continuation, payload: Array("x".utf8))],
                                        code: 1002, "continuation without a start")
            try await Self.expectFailed(h.port, [RawFrame.text("{", fin: false), RawFrame.text("}")],
                                        code: 1002, "a new text frame inside a fragmented message")
        }
    }

    @Test func aPingGetsAPongWithTheSamePayload() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            let c = try await RawConnection.openStream(port: h.port, token: "t-global")
            let payload = Array("switchboard-ping-0123456789".utf8)
            try await c.send(bytes: RawFrame.encode(opcode: RawFrame.ping, payload: payload))
            let pong = try #require(try await c.frame(RawFrame.pong))
            #expect(pong.payload == payload)
            #expect(pong.fin)
            await c.close()
        }
    }

    @Test func aCloseFrameIsEchoedAndTheServerCloses() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            let (close, c) = try await Self.closeAfter(h.port, [RawFrame.close(code: 1000, reason: "bye")])
            #expect(close?.closeCode == 1000)
            #expect(try await c.waitClosed())
            #expect(try await eventually { h.hub.connectionCount == 0 })
        }
    }

    @Test func messagesAboveMaxInboundFrameBytesFailWith1009() async throws {
        try await HubHarness.run(server: Self.server, auth: Self.auth) { h in
            try await Self.expectFailed(h.port, [RawFrame.encode(opcode: RawFrame.text, payload: Array(repeating: 0x20, count: 1025))],
                                        code: 1009, "one frame of 1025 bytes")
            try await Self.expectFailed(h.port, [
                RawFrame.encode(fin: false, opcode: RawFrame.text, payload: Array(repeating: 0x20, count: 1000)),
                RawFrame.encode(opcode: RawFrame.continuation, payload: Array(repeating: 0x20, count: 1000)),
            ], code: 1009, "two fragments of 1000 bytes")
        }
    }
}
