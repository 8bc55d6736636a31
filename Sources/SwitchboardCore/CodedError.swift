/// The error style used across Switchboard.
///
/// Every layer defines its own `struct XError: CodedError` with a stable machine-readable `code`
/// (dotted, lower-case: `config.unknown-key`, `genesys.rate-limited`) and a human `message` that
/// says what went wrong, where, and what to do. Messages never contain a secret's value: secrets
/// are ``Secret`` values whose description is `***`.
public protocol CodedError: Error, CustomStringConvertible, Sendable {
    /// Stable identifier, safe to match on and to use as a metric label.
    var code: String { get }
    /// One sentence for a human: what is wrong, where, and what to do.
    var message: String { get }
}

extension CodedError {
    public var description: String { "\(code): \(message)" }
}

/// A general-purpose coded error for places that need no richer type.
public struct SwitchboardError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
