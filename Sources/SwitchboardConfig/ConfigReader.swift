import Foundation
import SwitchboardCore
import Yams

/// Walks a composed YAML tree (`Yams.compose`), whose nodes carry marks, and builds a
/// ``SwitchboardConfiguration`` while collecting every problem as a ``ConfigDiagnostic``.
///
/// Each reading function reports what it finds wrong and returns nil, so the caller keeps the
/// default and carries on: one run reports every mistake.
final class ConfigReader {
    let file: String
    let environment: [String: String]
    /// Directory relative paths in the file (e.g. `rs256PublicKey`) are resolved against.
    let baseDirectory: URL
    let options: ConfigLoadOptions
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Every org id written in `orgs:`, valid org or not, so scopes naming a broken org are not
    /// reported a second time.
    var declaredOrgIDs: [OrgID] = []
    /// Each org's `thresholds:` (kept out of ``OrgConfig`` so an edit never restarts a connector).
    var orgThresholds: [OrgID: (ThresholdLevel, [(QueueThresholds, ThresholdLevel)])] = [:]
    /// Files read besides the configuration itself (secret files, PEM keys): a change re-reads the config.
    var readFiles: [String] = []
    /// Environment variables and secret files left unchecked (``ConfigLoadOptions/requireSecrets`` false).
    var unchecked: [String] = []

    init(file: String, environment: [String: String], baseDirectory: URL, options: ConfigLoadOptions = .init()) {
        self.file = file
        self.environment = environment
        self.baseDirectory = baseDirectory
        self.options = options
    }

    /// Notes a reference that `--no-env` leaves unchecked (once each).
    func skip(_ what: String) {
        if !unchecked.contains(what) { unchecked.append(what) }
    }

    func report(_ code: String, at mark: Mark?, _ message: String) {
        diagnostics.append(ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                            code: "config.\(code)", message: message))
    }

    /// Reports a problem whose code comes from elsewhere (the on-box spotter's `kws.unknown-word`, …).
    func report(code: String, at mark: Mark?, _ message: String) {
        diagnostics.append(ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                            code: code, message: message))
    }

    /// Diagnostics in file order (stable for equal positions).
    var sortedDiagnostics: [ConfigDiagnostic] {
        diagnostics.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element)
    }
}

/// A mapping whose keys have been checked against the allowed set.
struct Fields {
    /// Dotted path of the mapping (`server`, `orgs[1].tunables`); empty at the top level.
    let path: String
    /// Where the mapping starts (for "missing key" messages).
    let mark: Mark?
    private(set) var entries: [String: (key: Node, value: Node)] = [:]
    /// Valid keys suggested for unknown keys here: a typo'd required key is reported once, as the
    /// unknown key, not again as missing.
    private(set) var suggested: Set<String> = []

    init(path: String, mark: Mark?) {
        self.path = path
        self.mark = mark
    }

    subscript(key: String) -> Node? { entries[key]?.value }
    func has(_ key: String) -> Bool { entries[key] != nil }
    func keyMark(_ key: String) -> Mark? { entries[key]?.key.mark }
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    /// How messages name this mapping.
    var label: String { path.isEmpty ? "top level" : path }

    /// True when the key is present, or was suggested for a mistyped key (so "missing" would repeat it).
    func hasOrSuggests(_ key: String) -> Bool { entries[key] != nil || suggested.contains(key) }

    fileprivate mutating func set(_ key: String, _ pair: (key: Node, value: Node)) { entries[key] = pair }
    fileprivate mutating func suggest(_ key: String) { suggested.insert(key) }
}

// MARK: - Structure

extension ConfigReader {
    /// A short human description of what a node is, for "found …" (scalars are quoted, truncated).
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if Self.isNull(node) { return "no value" }
            let text = s.string.count > 40 ? String(s.string.prefix(40)) + "…" : s.string
            return "'\(text)'"
        }
    }

    /// A value for a message: the text as written when it holds a `${NAME}` reference (so a
    /// variable's value, possibly secret, is never printed), else the value itself.
    func shown(_ node: Node, _ value: String) -> String {
        if case .scalar(let s) = node, s.string.contains("${") { return s.string.trimmingWhitespace() }
        let v = value.trimmingWhitespace()
        return v.count > 60 ? String(v.prefix(60)) + "…" : v
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// Reports `path: expected X, found Y; hint`.
    func typeMismatch(_ node: Node, path: String, expected: String, hint: String) {
        report("type", at: node.mark, "\(path): expected \(expected), found \(describe(node)); \(hint)")
    }

    /// Reads a mapping, reporting unknown keys (with a suggestion) and non-string keys. A null node
    /// (`server:` with nothing under it) is an empty mapping. Nil when the node is not a mapping.
    func fields(_ node: Node, path: String, allowed: [String]) -> Fields? {
        if Self.isNull(node) { return Fields(path: path, mark: node.mark) }
        guard case .mapping(let mapping) = node else {
            let name = path.isEmpty ? "the file" : "'\(path)'"
            typeMismatch(node, path: path.isEmpty ? "top level" : path, expected: "a mapping",
                         hint: "write indented 'key: value' lines under \(name)")
            return nil
        }
        var fields = Fields(path: path, mark: mapping.mark)
        for (key, value) in mapping {
            guard case .scalar(let k) = key else {
                report("type", at: key.mark, "\(fields.label): a key must be a plain name, found \(describe(key)); "
                    + "use one of \(allowed.joined(separator: ", "))")
                continue
            }
            guard allowed.contains(k.string) else {
                if let guess = unknownKey(k.string, at: key.mark, in: fields.label, allowed: allowed) {
                    fields.suggest(guess)
                }
                continue
            }
            fields.set(k.string, (key, value))
        }
        return fields
    }

    /// Reports an unknown key; returns the suggested key, if any.
    @discardableResult
    func unknownKey(_ key: String, at mark: Mark?, in label: String, allowed: [String]) -> String? {
        if let guess = DidYouMean.suggest(key, from: allowed) {
            report("unknown-key", at: mark, "\(label): unknown key '\(key)'; did you mean '\(guess)'?")
            return guess
        }
        report("unknown-key", at: mark, "\(label): unknown key '\(key)'; valid keys are \(allowed.joined(separator: ", "))")
        return nil
    }

    /// The value of a required key, or a `missing-key` diagnostic at the start of the mapping.
    func require(_ fields: Fields, _ key: String, example: String) -> Node? {
        if let node = fields[key] { return node }
        guard !fields.hasOrSuggests(key) else { return nil }
        report("missing-key", at: fields.mark, "\(fields.label): missing required key '\(key)'; add '\(key): \(example)'")
        return nil
    }

    /// The items of a list, or a type diagnostic.
    func list(_ node: Node, path: String, example: String) -> [Node]? {
        guard case .sequence(let seq) = node else {
            typeMismatch(node, path: path, expected: "a list", hint: "write \(example)")
            return nil
        }
        return Array(seq)
    }
}

// MARK: - Scalars and environment variables

extension ConfigReader {
    /// The scalar's text as written (no substitution), or a type diagnostic.
    func rawText(_ node: Node, path: String, expected: String, example: String) -> String? {
        guard case .scalar(let s) = node, !Self.isNull(node) else {
            typeMismatch(node, path: path, expected: expected, hint: "write e.g. \(example)")
            return nil
        }
        return s.string
    }

    /// The scalar's text with every `${NAME}` replaced from the environment, or nil after reporting
    /// a type problem, a malformed reference, or each variable that is not set.
    func text(_ node: Node, path: String, expected: String, example: String) -> String? {
        guard let raw = rawText(node, path: path, expected: expected, example: example) else { return nil }
        return substitute(raw, at: node.mark, path: path)
    }

    /// Replaces `${NAME}` references. Reports (never printing any value) malformed references and
    /// unset variables; nil when any was found.
    func substitute(_ raw: String, at mark: Mark?, path: String) -> String? {
        guard raw.contains("${") else { return raw }
        var out = ""
        var ok = true
        var rest = Substring(raw)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            let afterOpen = rest[start.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}"), Self.isVariableName(afterOpen[..<close]) else {
                report("env-syntax", at: mark, "\(path): malformed environment variable reference; "
                    + "write ${NAME} with letters, digits and underscores")
                return nil
            }
            let name = String(afterOpen[..<close])
            if let value = environment[name] {
                out += value
            } else if !options.requireSecrets {
                skip("${\(name)}")
                ok = false
            } else {
                report("env-unset", at: mark,
                       "\(path): environment variable \(name) is not set; export it or change the reference")
                ok = false
            }
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        out += rest
        return ok ? out : nil
    }

    static func isVariableName(_ s: Substring) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// If `raw` is exactly one `${NAME}` reference, its name.
    static func wholeReference(_ raw: String) -> String? {
        let t = raw.trimmingWhitespace()
        guard t.hasPrefix("${"), t.hasSuffix("}"), t.count > 3 else { return nil }
        let name = t.dropFirst(2).dropLast()
        return isVariableName(name) ? String(name) : nil
    }

    /// A secret that must come from the environment: the scalar must be exactly `${NAME}`. A literal
    /// is reported (without its value) with the suggested variable name.
    func secretReference(_ node: Node, path: String, suggestedVariable: String) -> Secret? {
        guard let raw = rawText(node, path: path, expected: "an environment variable reference",
                                example: "${\(suggestedVariable)}") else { return nil }
        guard let name = Self.wholeReference(raw) else {
            report("literal-secret", at: node.mark, "\(path): secrets must not be written in the file; "
                + "export the secret as an environment variable and write '${\(suggestedVariable)}'")
            return nil
        }
        guard let value = environment[name] else {
            if !options.requireSecrets {
                skip("${\(name)}")
                return Secret("")  // unchecked: a placeholder keeps the rest of the section checked
            }
            report("env-unset", at: node.mark,
                   "\(path): environment variable \(name) is not set; export it or change the reference")
            return nil
        }
        guard !value.isEmpty else {
            report("env-empty", at: node.mark, "\(path): environment variable \(name) is empty; export the secret in it")
            return nil
        }
        return Secret(value)
    }
}
