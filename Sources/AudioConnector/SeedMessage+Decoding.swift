import Foundation
import SwitchboardConfig
import SwitchboardCore

extension SeedMessage {
    /// The largest text message accepted.
    public static let maxTextBytes = 65_535
    /// Every `type` the decoder knows.
    public static let knownTypes = ["subscribe", "unsubscribe", "subscribed", "unsubscribed", "error", "interaction",
                                    "interactionEnded"]

    /// Decodes one text frame. Tolerant of extra fields and field order, strict on the fields each type needs
    /// (their JSON types, ISO-8601 times, known directions). Never traps.
    ///
    /// - Throws: ``SeedMessageError`` — `seed.malformed-json`, `seed.message-too-large`, `seed.unknown-type`,
    ///   `seed.missing-field`, `seed.invalid-field` (both naming the field's path).
    public static func decode(_ text: String) throws(SeedMessageError) -> SeedMessage {
        try decode(Data(text.utf8))
    }

    /// ``decode(_:)-(String)`` over the frame's bytes.
    public static func decode(_ bytes: some Collection<UInt8>) throws(SeedMessageError) -> SeedMessage {
        guard bytes.count <= maxTextBytes else { throw .messageTooLarge(bytes.count, limit: maxTextBytes) }
        let o = try SeedJSONObject(bytes, what: "message")
        let type = try o.string("type")
        let what = "'\(SeedMessageError.quote(type))' message"
        let m = SeedJSONObject(o.dictionary, path: "", what: what)
        switch type {
        case "subscribe":
            let s = try m.object("subscription")
            let f = try s.object("filters")
            let directions = try f.strings("direction").enumerated().map { i, d throws(SeedMessageError) in
                guard let dir = SeedAudioDirection(rawValue: d) else {
                    throw .invalidField(f.path("direction") + "[\(i)]", in: what, expected: "inbound or outbound")
                }
                return dir
            }
            return .subscribe(SeedSubscription(interactionTypes: try f.strings("interactionTypes"),
                                               queueIds: try f.optionalStrings("queueIds"), directions: directions,
                                               format: try s.string("format"), sampleRate: try s.int("sampleRate")))
        case "unsubscribe":
            return .unsubscribe(subscriptionId: try m.string("subscriptionId"))
        case "subscribed":
            return .subscribed(subscriptionId: try m.string("subscriptionId"), status: try m.optionalString("status"))
        case "unsubscribed":
            return .unsubscribed(subscriptionId: try m.optionalString("subscriptionId"))
        case "error":
            return .error(SeedServerError(code: try m.string("code"), message: try m.optionalString("message")))
        case "interaction":
            var direction: SeedAudioDirection?
            if let d = try m.optionalString("direction") {
                guard let dir = SeedAudioDirection(rawValue: d) else {
                    throw .invalidField("direction", in: what, expected: "inbound or outbound")
                }
                direction = dir
            }
            return .interaction(SeedInteraction(
                interactionId: try m.string("interactionId"), direction: direction,
                agentId: try m.optionalString("agentId"), queueId: try m.optionalString("queueId"),
                startTime: try m.optionalTime("startTime"), channels: try m.optionalStrings("channels")))
        case "interactionEnded":
            return .interactionEnded(interactionId: try m.string("interactionId"), endTime: try m.optionalTime("endTime"))
        default:
            throw .unknownType(type)
        }
    }
}

extension SeedDiscovery {
    /// Decodes the body of `GET /api/v2/audioconnector/connections`: `uri` (ws or wss), `connectionId` and
    /// `region` required, `expiresIn` optional; extra fields ignored.
    public static func decode(_ bytes: some Collection<UInt8>) throws(SeedMessageError) -> SeedDiscovery {
        let o = try SeedJSONObject(bytes, what: "discovery answer")
        let uri = try o.string("uri")
        let lower = uri.lowercased()
        guard lower.hasPrefix("ws://") || lower.hasPrefix("wss://") else {
            throw .invalidField("uri", in: "discovery answer", expected: "a ws:// or wss:// URI")
        }
        return SeedDiscovery(uri: uri, connectionId: try o.string("connectionId"), region: try o.string("region"),
                             expiresIn: try o.optionalInt("expiresIn"))
    }

    public static func decode(_ text: String) throws(SeedMessageError) -> SeedDiscovery {
        try decode(Data(text.utf8))
    }
}

/// A JSON object read field by field, each error naming the field's path.
struct SeedJSONObject {
    let dictionary: [String: Any]
    let path: String
    let what: String

    init(_ dictionary: [String: Any], path: String, what: String) {
        self.dictionary = dictionary
        self.path = path
        self.what = what
    }

    init(_ bytes: some Collection<UInt8>, what: String) throws(SeedMessageError) {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: bytes as? Data ?? Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw .malformedJSON("not valid JSON", what: what)
        }
        guard let d = value as? [String: Any] else { throw .malformedJSON("the text is not a JSON object", what: what) }
        self.init(d, path: "", what: what)
    }

    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func value(_ key: String) throws(SeedMessageError) -> Any {
        guard let v = dictionary[key], !(v is NSNull) else { throw .missingField(path(key), in: what) }
        return v
    }

    private func present(_ key: String) -> Bool {
        guard let v = dictionary[key] else { return false }
        return !(v is NSNull)
    }

    func string(_ key: String) throws(SeedMessageError) -> String {
        guard let s = try value(key) as? String else { throw .invalidField(path(key), in: what, expected: "a string") }
        guard !s.isEmpty else { throw .invalidField(path(key), in: what, expected: "a non-empty string") }
        return s
    }

    func optionalString(_ key: String) throws(SeedMessageError) -> String? {
        present(key) ? try string(key) : nil
    }

    func int(_ key: String) throws(SeedMessageError) -> Int {
        let v = try value(key)
        // JSONSerialization gives NSNumber for numbers and booleans alike: refuse booleans and fractions.
        guard let n = v as? NSNumber, !Self.isBool(v), let i = Int(exactly: n.doubleValue) else {
            throw .invalidField(path(key), in: what, expected: "a whole number")
        }
        return i
    }

    static func isBool(_ v: Any) -> Bool {
        if type(of: v) == Bool.self { return true }
        guard let n = v as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    func optionalInt(_ key: String) throws(SeedMessageError) -> Int? {
        present(key) ? try int(key) : nil
    }

    func object(_ key: String) throws(SeedMessageError) -> SeedJSONObject {
        guard let d = try value(key) as? [String: Any] else {
            throw .invalidField(path(key), in: what, expected: "an object")
        }
        return SeedJSONObject(d, path: path(key), what: what)
    }

    func strings(_ key: String) throws(SeedMessageError) -> [String] {
        guard let items = try value(key) as? [Any] else { throw .invalidField(path(key), in: what, expected: "a list") }
        return try items.enumerated().map { i, item throws(SeedMessageError) in
            guard let s = item as? String else { throw .invalidField(path(key) + "[\(i)]", in: what, expected: "a string") }
            return s
        }
    }

    func optionalStrings(_ key: String) throws(SeedMessageError) -> [String]? {
        present(key) ? try strings(key) : nil
    }

    func optionalTime(_ key: String) throws(SeedMessageError) -> EpochMillis? {
        guard let s = try optionalString(key) else { return nil }
        guard let t = Timestamp.parse(s) else {
            throw .invalidField(path(key), in: what, expected: "an ISO-8601 UTC time such as 2026-05-07T10:00:00Z")
        }
        return t
    }
}
