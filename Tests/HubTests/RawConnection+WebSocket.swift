import Foundation
import Testing

/// WebSocket frames written and read byte by byte (RFC 6455 §5.2), so a test can send what no
/// WebSocket library will: unmasked frames, reserved bits and opcodes, broken fragmentation.
enum RawFrame {
    static let continuation: UInt8 = 0x0, text: UInt8 = 0x1, binary: UInt8 = 0x2
    static let close: UInt8 = 0x8, ping: UInt8 = 0x9, pong: UInt8 = 0xA

    /// One client frame; `mask` nil sends it unmasked.
    static func encode(fin: Bool = true, rsv: UInt8 = 0, opcode: UInt8, payload: [UInt8],
                       mask: [UInt8]? = [0x37, 0xFA, 0x21, 0x3D]) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0xF)]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        switch payload.count {
        case ..<126: out.append(maskBit | UInt8(payload.count))
        case ..<65536: out += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            out.append(maskBit | 127)
            out += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (8 * UInt64($0))) & 0xFF) }
        }
        guard let mask else { return out + payload }
        return out + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    static func text(_ s: String, fin: Bool = true, mask: [UInt8]? = [0x37, 0xFA, 0x21, 0x3D]) -> [UInt8] {
        encode(fin: fin, opcode: text, payload: Array(s.utf8), mask: mask)
    }

    static func close(code: UInt16, reason: String = "") -> [UInt8] {
        encode(opcode: close, payload: [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
    }

    /// A frame the server sent (servers never mask).
    struct Received: Equatable, CustomStringConvertible {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]
        /// RSV1: a compressed message's first frame (permessage-deflate).
        var rsv1 = false

        /// The status code of a close frame.
        var closeCode: UInt16? {
            guard opcode == RawFrame.close, payload.count >= 2 else { return nil }
            return UInt16(payload[0]) << 8 | UInt16(payload[1])
        }
        var text: String { String(decoding: payload, as: UTF8.self) }
        var description: String {
            opcode == RawFrame.close ? "close \(closeCode.map(String.init) ?? "-") \(text.dropFirst(2))"
                : "opcode \(opcode) fin \(fin) \(payload.count) bytes"
        }
    }

    /// The complete frames in `bytes` (a trailing partial frame is left out).
    static func parse(_ bytes: [UInt8]) -> [Received] {
        var frames: [Received] = []
        var i = 0
        while i + 2 <= bytes.count {
            let b0 = bytes[i], b1 = bytes[i + 1]
            var length = Int(b1 & 0x7F)
            var at = i + 2
            if length == 126 {
                guard at + 2 <= bytes.count else { break }
                length = Int(bytes[at]) << 8 | Int(bytes[at + 1])
                at += 2
            } else if length == 127 {
                guard at + 8 <= bytes.count else { break }
                length = bytes[at..<at + 8].reduce(0) { $0 << 8 | Int($1) }
                at += 8
            }
            if b1 & 0x80 != 0 { at += 4 }
            guard at + length <= bytes.count else { break }
            frames.append(Received(fin: b0 & 0x80 != 0, opcode: b0 & 0xF, payload: Array(bytes[at..<at + length]),
                                   rsv1: b0 & 0x40 != 0))
            i = at + length
        }
        return frames
    }
}

extension RawConnection {
    /// Opens a stream: the upgrade request, then waits for `101`. `headers` are added to the request.
    static func openStream(port: Int, token: String?, headers: [(String, String)] = []) async throws -> RawConnection {
        let c = try await open(port: port)
        try await c.send(upgradeRequest(port: port, token: token, headers: headers))
        _ = try await c.waitHead()
        try #require(c.status == 101, "upgrade answered \(c.text.prefix(200))")
        return c
    }

    static func upgradeRequest(port: Int, token: String?, headers: [(String, String)]) -> String {
        "GET /v1/stream\(token.map { "?access_token=\($0)" } ?? "") HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
    }

    /// The frames received after the `101` head.
    var frames: [RawFrame.Received] {
        let all = bytes
        let marker: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = (0...(max(0, all.count - 4))).first(where: { all.count >= 4 && Array(all[$0..<$0 + 4]) == marker })
        else { return [] }
        return RawFrame.parse(Array(all[(end + 4)...]))
    }

    /// Waits for the server's close frame; nil when none came (the connection closed without one, or
    /// nothing within the bound).
    func closeFrame(timeout: Duration = .seconds(20)) async throws -> RawFrame.Received? {
        _ = try await eventually(timeout: timeout) { self.frames.contains { $0.opcode == RawFrame.close } || self.isClosed }
        return frames.first { $0.opcode == RawFrame.close }
    }

    /// Waits for the first frame with `opcode`.
    func frame(_ opcode: UInt8, timeout: Duration = .seconds(20)) async throws -> RawFrame.Received? {
        _ = try await eventually(timeout: timeout) { self.frames.contains { $0.opcode == opcode } || self.isClosed }
        return frames.first { $0.opcode == opcode }
    }
}
