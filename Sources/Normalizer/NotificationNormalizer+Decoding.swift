import Foundation
import SwitchboardCore

extension NotificationNormalizer {
    /// Decodes the envelope, confirms the sniffed topic, and maps the body. `fast` reads the body
    /// straight from the frame (``FastBodies``); when it cannot (nil result: anything unusual), or
    /// without a fast reader, `JSONDecoder` decodes `Wire` and `slow` turns it into the same `Body`.
    func decode<Wire: Decodable, Body>(
        _ wire: Wire.Type, topic: TopicPath, kind: String, frame: UnsafeBufferPointer<UInt8>, receivedAt: EpochMillis?,
        rerouted: Bool, fast: ((inout JSONScanner) throws -> Body)?, slow: (Wire) -> Body,
        _ map: (Body?) -> NotificationFrame
    ) -> NotificationFrame {
        if fastPath, let fast, let env = FastBodies.envelope(frame, fast) {
            guard let actual = env.topic else { return .malformed(kind: "no-topic", detail: "no topicName") }
            if !rerouted && !Self.equal(UnsafeBufferPointer(rebasing: frame[actual]), topic.bytes) {
                let actualTopic = String(decoding: UnsafeBufferPointer(rebasing: frame[actual]), as: UTF8.self)
                if actualTopic != topic.string {
                    return route(topic: actualTopic, frame: frame, receivedAt: receivedAt, rerouted: true)
                }
            }
            return map(env.body)
        }
        let env: GenesysWire.Envelope<Wire>
        do {
            env = try decoder.decode(GenesysWire.Envelope<Wire>.self, from: Data(frame))
        } catch {
            if !rerouted, let actual = try? decoder.decode(GenesysWire.TopicOnly.self, from: Data(frame)),
                let actualTopic = actual.topicName, actualTopic != topic.string
            {
                return route(topic: actualTopic, frame: frame, receivedAt: receivedAt, rerouted: true)
            }
            return Self.malformed(error, kind: kind)
        }
        if let actual = env.topicName, !rerouted, actual != topic.string {
            return route(topic: actual, frame: frame, receivedAt: receivedAt, rerouted: true)
        }
        guard env.topicName != nil else { return .malformed(kind: "no-topic", detail: "no topicName") }
        return map(env.eventBody.map(slow))
    }

    /// ``decode(_:topic:kind:frame:receivedAt:rerouted:fast:slow:_:)`` for bodies used as decoded.
    func decode<Body: Decodable>(
        _ type: Body.Type, topic: TopicPath, kind: String, frame: UnsafeBufferPointer<UInt8>, receivedAt: EpochMillis?,
        rerouted: Bool, fast: ((inout JSONScanner) throws -> Body)?, _ map: (Body?) -> NotificationFrame
    ) -> NotificationFrame {
        decode(type, topic: topic, kind: kind, frame: frame, receivedAt: receivedAt, rerouted: rerouted, fast: fast,
               slow: { $0 }, map)
    }

    /// Validates the JSON and the topic for topics whose body is not read.
    func validated(topic: TopicPath, frame: UnsafeBufferPointer<UInt8>, rerouted: Bool,
                   _ map: () -> NotificationFrame) -> NotificationFrame {
        do {
            let env = try decoder.decode(GenesysWire.TopicOnly.self, from: Data(frame))
            guard let actual = env.topicName else { return .malformed(kind: "no-topic", detail: "no topicName") }
            if !rerouted && actual != topic.string {
                return route(topic: actual, frame: frame, receivedAt: nil, rerouted: true)
            }
            return map()
        } catch {
            return Self.malformed(error, kind: "envelope")
        }
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where a[k] != b[k] { return false }
        return true
    }

    static func malformed(_ error: any Error, kind: String) -> NotificationFrame {
        if case DecodingError.dataCorrupted(let ctx) = error, ctx.codingPath.isEmpty {
            return .malformed(kind: "not-json", detail: ctx.debugDescription)
        }
        return .malformed(kind: "bad-body:\(kind)", detail: describe(error))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx),
            DecodingError.keyNotFound(_, let ctx), DecodingError.dataCorrupted(let ctx):
            let path = ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return "\(path): \(ctx.debugDescription)"
        default:
            return "\(error)"
        }
    }

    static func noTime(_ kind: TopicKind) -> NotificationFrame {
        .malformed(kind: "no-time:\(kind.rawValue)", detail: "the body has no event time and no receive time was given")
    }
}
