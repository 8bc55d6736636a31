import SwitchboardCore

/// One problem found in a configuration file, pinned to a position.
///
/// `description` is the line `switchboard check-config` prints: `file:line:column: message`,
/// where the message says what is wrong and, after a `;`, what to do. Messages never contain a
/// secret's value (they name environment variables, never print them).
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// The file as the caller named it (a path or a display name).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int
    /// Stable machine-readable kind, e.g. `config.unknown-key`, `config.env-unset`.
    public var code: String
    /// `what is wrong; what to do`.
    public var message: String

    public init(file: String, line: Int, column: Int, code: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.code = code
        self.message = message
    }

    /// `file:line:column: message`.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A configuration that could not be loaded: every problem found in one pass, in file order.
public struct ConfigError: CodedError, Equatable {
    /// All problems, sorted by line then column. Never empty.
    public let diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// The diagnostic's code when there is one problem, else `config.invalid`.
    public var code: String { diagnostics.count == 1 ? diagnostics[0].code : "config.invalid" }

    /// One `file:line:column: message` line per problem, joined by newlines.
    public var message: String { diagnostics.map(\.description).joined(separator: "\n") }

    /// Same as ``message``: the lines an admin needs, with no prefix.
    public var description: String { message }
}
