import SwitchboardCore

/// A seed Audio Connector text message or discovery answer that cannot be read. The message names the field by
/// its path (`subscription.filters.direction[1]`) and never quotes more than 60 characters of the wire.
public struct SeedMessageError: CodedError, Equatable, Hashable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func malformedJSON(_ detail: String, what: String) -> SeedMessageError {
        SeedMessageError(code: "seed.malformed-json",
                         message: "Audio Connector \(what) is not a JSON object (\(detail)); the server must send one JSON object")
    }

    static func messageTooLarge(_ bytes: Int, limit: Int) -> SeedMessageError {
        SeedMessageError(code: "seed.message-too-large",
                         message: "Audio Connector text message of \(bytes) bytes is over the \(limit)-byte limit")
    }

    static func unknownType(_ type: String) -> SeedMessageError {
        SeedMessageError(code: "seed.unknown-type",
                         message: "Audio Connector message type '\(quote(type))' is unknown; known types are "
                             + SeedMessage.knownTypes.joined(separator: ", "))
    }

    static func missingField(_ path: String, in what: String) -> SeedMessageError {
        SeedMessageError(code: "seed.missing-field", message: "Audio Connector \(what) has no '\(path)'; the field is required")
    }

    static func invalidField(_ path: String, in what: String, expected: String) -> SeedMessageError {
        SeedMessageError(code: "seed.invalid-field", message: "Audio Connector \(what): '\(path)' must be \(expected)")
    }

    /// A wire value quoted in a message: at most 60 printable characters.
    static func quote(_ s: String) -> String {
        let clean = String(s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        return clean.count > 60 ? String(clean.prefix(60)) + "…" : clean
    }
}
