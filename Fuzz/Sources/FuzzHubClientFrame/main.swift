import Foundation
import FuzzDriver
import NIOCore
import NIOWebSocket
import SwitchboardCore
@testable import Hub

// What a downstream client sends on the stream (docs/protocol.md): the op frame, the topic name, the
// resume point, the ping id echoed in the pong (which must stay valid JSON), and the token carried in
// `Authorization` or `?access_token=`; and the same bytes read as a sequence of WebSocket frames through the
// stream's frame rules (`StreamFrameStateMachine`): a message handed on is valid UTF-8 text within the bound,
// and nothing is handed on after a close or a failure.
runFuzzer { bytes in
    frames(bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    if let op = try? JSONDecoder().decode(ClientOp.self, from: Data(text.utf8)) {
        if let topic = op.topic, let parsed = HubTopic(parsing: topic) { _ = parsed }
        // A `select` (docs/protocol.md "Selecting kinds and fields"): refused with a message, or a selection whose
        // projections of a delta and a snapshot stay valid JSON.
        if let spec = op.select, case .success(let selection) = StreamSelection.make(spec) {
            for out in [selection.delta(Sample.delta), selection.snapshot(Sample.snapshot)] {
                if (try? JSONSerialization.jsonObject(with: Data(out.readableBytesView))) == nil {
                    fuzzFailure("the projection for \(selection.key) is not JSON: \(String(buffer: out))")
                }
            }
        }
        if let id = op.id {
            var pong = HubFrame.pong(idJSON: id.json)
            let out = pong.readBytes(length: pong.readableBytes) ?? []
            if (try? JSONSerialization.jsonObject(with: Data(out))) == nil {
                fuzzFailure("the pong for \(id) is not JSON: \(String(decoding: out, as: UTF8.self))")
            }
        }
    }
    _ = HubTopic(parsing: text)
    let half = text.index(text.startIndex, offsetBy: text.count / 2)
    _ = HubAuthenticator.token(authorization: String(text[..<half]), query: String(text[half...]))
    _ = HubAuthenticator.token(authorization: nil, query: text)
}

/// What a selection is applied to (static, so they exist before `runFuzzer` runs: top-level code after it never does).
enum Sample {
    static let agent = EncodedJSON(#"{"id":"us/a1","org":"us","presence":"AWAY","state":"idle","occupancy":{"today":0.5},"asOf":"t"}"#)
    static let delta = DeltaPayload(topic: "global", epoch: "e", fromSeq: 1, seq: 1, at: 0, changes: [
        ChangeRecord(kind: .agents, id: "us/a1", json: agent, patch: Array(#","patch":{"state":"idle","asOf":"t"},"unset":["note"]"#.utf8)),
        ChangeRecord(kind: .agents, id: "us/a2", json: agent),
        ChangeRecord(kind: .agents, id: "us/a3", json: nil),
        ChangeRecord(kind: .occupancy, id: "global", json: EncodedJSON(#"{"today":0.5}"#)),
    ], publishedAt: .now, flushedAt: .now, patches: true)
    static let snapshot = HubFrame.snapshot(topic: "global", epoch: "e", seq: 1, at: 0, data: Array(
        #"{"orgs":[{"id":"us","status":"open"}],"occupancy":null,"agents":[\#(String(decoding: agent.bytes, as: UTF8.self))],"queues":[]}"#.utf8))
}

/// Each frame: a header byte (FIN 0x80, RSV 0x70, opcode 0x0F), a length byte (payload up to 255 bytes), the payload.
func frames(_ bytes: [UInt8]) {
    var machine = StreamFrameStateMachine(maxMessageBytes: 64)
    var ended = false
    var i = 0
    while i + 2 <= bytes.count {
        let head = bytes[i], length = Int(bytes[i + 1])
        let payload = Array(bytes[(i + 2)..<min(bytes.count, i + 2 + length)])
        i += 2 + length
        guard let opcode = WebSocketOpcode(encodedWebSocketOpcode: head & 0x0F) else { continue }
        let frame = WebSocketFrame(fin: head & 0x80 != 0, rsv1: head & 0x40 != 0, rsv2: head & 0x20 != 0,
                                   rsv3: head & 0x10 != 0, opcode: opcode, data: ByteBuffer(bytes: payload))
        let action = machine.received(frame)
        if ended, action != .none { fuzzFailure("\(action) after the connection ended") }
        switch action {
        case .text(let text):
            if text.utf8.count > 64 { fuzzFailure("a message of \(text.utf8.count) bytes passed a bound of 64") }
        case .closeReceived, .fail:
            ended = true
        case .none, .binary, .pong:
            break
        }
    }
}
