import Foundation
import SwitchboardCore
import Yams

/// Reads and validates the orgs YAML (schema: `orgs.example.yaml`, docs/configuration.md).
///
/// Every problem in the file is reported in one run, each as one `file:line:column: message`
/// line (``ConfigDiagnostic``), in file order. `${NAME}` in any scalar is replaced from
/// `environment`; secrets (`clientSecret`, `jwt.hs256Secret`) must be such references.
public enum ConfigLoader {
    /// Loads the file at `path`. Relative paths inside it (`rs256PublicKey`, `…File`) start at its directory.
    ///
    /// This is the one validation path: `check-config`, `run` and every reload call it, so a rule that
    /// refuses a start also refuses a reload and fails `check-config`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            options: ConfigLoadOptions = .init())
        throws(ConfigError) -> SwitchboardConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ConfigError(diagnostics: [ConfigDiagnostic(
                file: path, line: 1, column: 1, code: "config.file",
                message: "\(reason); check the path and permissions (see orgs.example.yaml for a template)")])
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(diagnostics: [ConfigDiagnostic(
                file: path, line: 1, column: 1, code: "config.encoding",
                message: "the file is not UTF-8 text; save it as UTF-8")])
        }
        return try load(yaml: yaml, file: path, environment: environment, options: options)
    }

    /// Loads YAML text; `file` names it in diagnostics and is the base for relative paths inside.
    public static func load(yaml: String, file: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            options: ConfigLoadOptions = .init())
        throws(ConfigError) -> SwitchboardConfiguration
    {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(diagnostics: [syntaxDiagnostic(error, file: file)])
        }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let reader = ConfigReader(file: file, environment: environment, baseDirectory: base, options: options)
        var config = reader.configuration(from: root)
        let diagnostics = reader.sortedDiagnostics
        guard diagnostics.isEmpty else { throw ConfigError(diagnostics: diagnostics) }
        config.sourcePath = file
        config.readFiles = reader.readFiles
        config.unchecked = reader.unchecked
        return config
    }

    /// One diagnostic for an error from `Yams.compose`: syntax, or a key repeated in a mapping.
    static func syntaxDiagnostic(_ error: any Error, file: String) -> ConfigDiagnostic {
        func make(_ mark: Mark?, _ code: String, _ message: String) -> ConfigDiagnostic {
            at(mark.map { ($0.line, $0.column) }, code, message)
        }
        func at(_ position: (Int, Int)?, _ code: String, _ message: String) -> ConfigDiagnostic {
            ConfigDiagnostic(file: file, line: position?.0 ?? 1, column: position?.1 ?? 1,
                             code: "config.\(code)", message: message)
        }
        func explain(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        let fix = "fix the YAML here (check indentation, quotes, and ': ' after keys)"
        guard let yamlError = error as? YamlError else {
            return make(nil, "syntax", "YAML syntax error: \(error); \(fix)")
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return make(mark, "syntax", "YAML syntax error: \(explain(problem, context)); \(fix)")
        case let .reader(problem, offset, _, yaml):
            return at(offset.map { position(ofOffset: $0, in: yaml) }, "syntax", "cannot read the text: \(problem); save the file as UTF-8")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return make(context.mark, "duplicate-key",
                        "key \(keys) appears more than once in the same mapping; keep one")
        default:
            return make(nil, "syntax", "YAML error: \(yamlError); \(fix)")
        }
    }

    /// 1-based line and column (in Unicode scalars) of a UTF-8 byte offset.
    private static func position(ofOffset offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1, consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += String(scalar).utf8.count
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}
