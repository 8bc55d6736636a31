import SwitchboardCore

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
