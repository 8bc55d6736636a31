import Foundation

extension AudioHookMessage {
    /// The largest text message accepted (the reference server's limit).
    public static let maxTextBytes = 65_535

    /// Decodes one text frame. Tolerant of what the protocol leaves open (unknown fields, field
    /// order, unknown media formats and channels in an offer), strict on what it fixes (version 2,
    /// the message type, required fields, UUIDs, `PT…S` durations). Never traps.
    ///
    /// - Throws: ``AudioHookError`` — `audiohook.malformed-json`, `audiohook.message-too-large`,
    ///   `audiohook.unknown-type`, `audiohook.missing-field`, `audiohook.invalid-field`,
    ///   `audiohook.unsupported-version`.
    public static func decode(_ text: String) throws(AudioHookError) -> AudioHookMessage {
        try decode(Data(text.utf8))
    }

    /// ``decode(_:)-(String)`` over the frame's bytes.
    public static func decode(_ bytes: some Collection<UInt8>) throws(AudioHookError) -> AudioHookMessage {
        guard bytes.count <= maxTextBytes else { throw .messageTooLarge(bytes.count, limit: maxTextBytes) }
        do {
            return try JSONDecoder().decode(AudioHookMessage.self, from: bytes as? Data ?? Data(bytes))
        } catch let error as AudioHookError {
            throw error
        } catch let error as DecodingError {
            throw AudioHookError(error, type: nil)
        } catch {
            throw .malformedJSON("not valid JSON")
        }
    }

    /// The message as one line of JSON, for a text frame.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding plain structs, strings and numbers cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension AudioHookError {
    /// A `DecodingError` as the typed error, naming the field by its path (`parameters.media[0].rate`).
    init(_ error: DecodingError, type: String?) {
        switch error {
        case .keyNotFound(let key, let context):
            self = .missingField(Self.path(context.codingPath + [key]), in: type)
        case .typeMismatch(let expected, let context):
            if context.codingPath.isEmpty {
                self = .malformedJSON("the text is not a JSON object")
            } else {
                self = .invalidField(Self.path(context.codingPath), in: type, expected: Self.describe(expected))
            }
        case .valueNotFound(let expected, let context):
            self = .invalidField(Self.path(context.codingPath), in: type, expected: Self.describe(expected) + ", not null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self = .malformedJSON("not valid JSON")
            } else {
                let expected = context.debugDescription.hasPrefix("an ") ? context.debugDescription : "a valid value"
                self = .invalidField(Self.path(context.codingPath), in: type, expected: expected)
            }
        @unknown default:
            self = .malformedJSON("not valid JSON")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let i = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(i)" {
                out += "[\(i)]"
            } else {
                out += out.isEmpty ? quote(key.stringValue) : "." + quote(key.stringValue)
            }
        }
        return out.isEmpty ? "(message)" : out
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "a list"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
