/// A secret value (client secret, downstream token, JWT key).
///
/// Redacted by construction: `description`, `debugDescription` and string interpolation print `***`,
/// so a secret cannot leak into a log line or an error message by accident. Read the value only
/// where it is sent on the wire, through ``reveal()``.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The secret itself. Call only where it goes on the wire or is compared.
    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "***" }
    public var debugDescription: String { "Secret(***)" }
}
