import Foundation
import SwitchboardCore

/// A platform error response: status plus an `ErrorBody` (genesys-reference.md §1).
struct APIError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var headers: [(String, String)] = []

    static func badRequest(_ message: String) -> APIError {
        APIError(status: 400, code: "bad.request", message: message)
    }
    static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "not.found", message: message)
    }
    static let badCredentials = APIError(
        status: 401, code: "bad.credentials", message: "Invalid login credentials.")

    /// The `ErrorBody` JSON.
    func body(contextID: String) -> [UInt8] {
        var w = JSONWriter()
        w.object { w in
            w.field("message", message)
            w.field("code", code)
            w.field("status", status)
            w.field("messageWithParams", message)
            w.object("messageParams") { _ in }
            w.field("contextId", contextID)
            w.array("details") { _ in }
            w.array("errors") { _ in }
        }
        return w.bytes
    }
}

/// The `v2.system.*` body (SystemMessageSystemMessage).
func systemMessageBody(channelID: String, type: String, reason: String?, message: String, organizationID: String,
                       clientID: String, correlationID: String) -> [UInt8] {
    var w = JSONWriter()
    w.object { w in
        w.field("channelId", channelID)
        w.field("systemTopicType", type)
        w.field("correlationId", correlationID)
        w.field("organizationId", organizationID)
        w.field("oauthClientId", clientID)
        if let reason { w.field("reason", reason) }
        w.field("message", message)
        w.object("data") { _ in }
    }
    return w.bytes
}

/// Wraps an `eventBody` in the notification envelope `{topicName, version:"2", eventBody, metadata:{CorrelationId}}`.
func envelope(topic: String, body: [UInt8], correlationID: String) -> String {
    var out = [UInt8]()
    out.reserveCapacity(body.count + topic.utf8.count + 96)
    out.append(contentsOf: #"{"topicName":"#.utf8)
    JSONText.appendString(topic, to: &out)
    out.append(contentsOf: #","version":"2","eventBody":"#.utf8)
    out.append(contentsOf: body)
    out.append(contentsOf: #","metadata":{"CorrelationId":"#.utf8)
    JSONText.appendString(correlationID, to: &out)
    out.append(contentsOf: "}}".utf8)
    return String(decoding: out, as: UTF8.self)
}

enum ChannelMessages {
    static let heartbeat = #"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#
    static let pong = #"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#
    static let malformed = #"{"topicName":"v2.users.00000000-0000-0000-0000-000000000000.activity","eventBody":{"id":"#
}
