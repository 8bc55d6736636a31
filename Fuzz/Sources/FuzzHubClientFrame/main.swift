import Foundation
import FuzzDriver
import SwitchboardCore
@testable import Hub

// What a downstream client sends on the stream (docs/protocol.md): the op frame, the topic name, the
// resume point, the ping id echoed in the pong (which must stay valid JSON), and the token carried in
// `Authorization` or `?access_token=`.
runFuzzer { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    if let op = try? JSONDecoder().decode(ClientOp.self, from: Data(text.utf8)) {
        if let topic = op.topic, let parsed = HubTopic(parsing: topic) { _ = parsed }
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
