import Foundation
import SwitchboardCore

/// A JSON value that keeps booleans, integers and other numbers apart.
indirect enum JSONValue: Sendable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    struct ParseError: Error, CustomStringConvertible {
        let offset: Int
        var description: String { "invalid JSON at byte \(offset)" }
    }

    /// A small strict parser (JSONSerialization would blur booleans and numbers, JSONDecoder is slow here).
    static func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        var p = Parser(bytes: Array(bytes))
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw ParseError(offset: p.i) }
        return v
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func expect(_ literal: String) throws {
            for b in literal.utf8 {
                guard i < bytes.count, bytes[i] == b else { throw ParseError(offset: i) }
                i += 1
            }
        }

        mutating func value() throws -> JSONValue {
            skipSpace()
            guard i < bytes.count else { throw ParseError(offset: i) }
            switch bytes[i] {
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard i < bytes.count else { throw ParseError(offset: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    try expect("]")
                    return .array(items)
                }
            case UInt8(ascii: "{"):
                i += 1
                var members: [String: JSONValue] = [:]
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw ParseError(offset: i) }
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    guard members.updateValue(try value(), forKey: key) == nil else { throw ParseError(offset: i) }
                    skipSpace()
                    guard i < bytes.count else { throw ParseError(offset: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    try expect("}")
                    return .object(members)
                }
            default:
                let start = i
                var fraction = false
                while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) {
                    if "eE.".utf8.contains(bytes[i]) { fraction = true }
                    i += 1
                }
                let text = String(decoding: bytes[start..<i], as: UTF8.self)
                if !fraction, let n = Int64(text) { return .integer(n) }
                guard let d = Double(text) else { throw ParseError(offset: start) }
                return .number(d)
            }
        }

        mutating func string() throws -> String {
            try expect("\"")
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard b == UInt8(ascii: "\\") else {
                    guard b >= 0x20 else { throw ParseError(offset: i - 1) }
                    out.append(b)
                    continue
                }
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
                    else { throw ParseError(offset: i) }
                    i += 4
                    // Surrogate pairs are kept as U+FFFD: only the shape matters here.
                    out += Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8)
                default: out.append(e)
                }
            }
            throw ParseError(offset: i)
        }
    }
}

extension JSONValue {
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// The field names and JSON types of the Genesys SDK models in `Fixtures/sdk-models.json` (see the
/// README there), and a walker that reports every field of a served body the model does not have,
/// every value of the wrong JSON type and every value outside an enum.
struct SdkSchema: Sendable {
    indirect enum FieldType: Sendable {
        case string, integer, number, boolean, datetime, date, any
        case array(FieldType)
        case map(FieldType)
        case model(String)

        init(_ s: String) {
            if s.hasPrefix("["), s.hasSuffix("]") {
                self = .array(FieldType(String(s.dropFirst().dropLast())))
            } else if s.hasPrefix("{"), s.hasSuffix("}") {
                self = .map(FieldType(String(s.dropFirst().dropLast())))
            } else {
                switch s {
                case "string": self = .string
                case "integer": self = .integer
                case "number": self = .number
                case "boolean": self = .boolean
                case "datetime": self = .datetime
                case "date": self = .date
                case "any": self = .any
                default: self = .model(s)
                }
            }
        }
    }

    struct Field: Sendable {
        var type: FieldType
        /// Allowed values, lower-cased (the SDK compares them case-insensitively).
        var allowed: Set<String>?
    }

    let source: String
    let models: [String: [String: Field]]

    /// Id fields whose values are not UUIDs on the platform either: channel ids (`streaming-0-…`), topic
    /// names, an HR system's employee number, and the simulator's readable OAuth client ids (`us-client`).
    static let nonUUIDIDs: Set<String> = [
        "Channel.id", "ChannelTopic.id", "SystemMessageSystemMessage.channelId",
        "SystemMessageSystemMessage.oauthClientId", "EmployerInfo.employeeId",
    ]

    static func load() throws -> SdkSchema {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sdk-models.json")
        let root = try JSONValue.parse(Array(try Data(contentsOf: url)))
        guard case .object(let top) = root, case .string(let source)? = top["source"],
            case .object(let raw)? = top["models"]
        else { throw CocoaError(.fileReadCorruptFile) }
        var models: [String: [String: Field]] = [:]
        for (name, value) in raw {
            guard case .object(let fields) = value else { continue }
            var out: [String: Field] = [:]
            for (field, spec) in fields {
                switch spec {
                case .string(let t):
                    out[field] = Field(type: FieldType(t))
                case .object(let o):
                    guard case .string(let t)? = o["type"] else { continue }
                    var allowed: Set<String>?
                    if case .array(let values)? = o["enum"] {
                        allowed = Set(values.compactMap { if case .string(let s) = $0 { s.lowercased() } else { nil } })
                    }
                    out[field] = Field(type: FieldType(t), allowed: allowed)
                default:
                    continue
                }
            }
            models[name] = out
        }
        return SdkSchema(source: source, models: models)
    }

    /// Every problem of `value` read as model `model`, as `path: what is wrong` lines.
    func check(_ value: JSONValue, as model: String, path: String = "$") -> [String] {
        var problems: [String] = []
        check(value, .model(model), allowed: nil, owner: nil, path: path, into: &problems)
        return problems
    }

    static func isUUID(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return s.allSatisfy { $0 == "-" || $0.isHexDigit }
    }

    private func check(_ value: JSONValue, _ type: FieldType, allowed: Set<String>?, owner: String?, path: String,
                       into problems: inout [String]) {
        if case .null = value { return }  // optional fields may be null
        func wrong(_ want: String) { problems.append("\(path): \(value.kind) where the model has \(want)") }
        switch (type, value) {
        case (.any, _):
            return
        case (.string, .string(let s)):
            if let allowed, !allowed.contains(s.lowercased()) {
                problems.append("\(path): \"\(s)\" is not one of the model's values \(allowed.sorted())")
            }
            let field = path.split(separator: ".").last.map(String.init) ?? ""
            if let owner, field == "id" || field.hasSuffix("Id"), !Self.nonUUIDIDs.contains("\(owner).\(field)"),
                !Self.isUUID(s)
            {
                problems.append("\(path): \"\(s)\" is not a UUID")
            }
        case (.datetime, .string(let s)):
            if Timestamp.parse(s) == nil { problems.append("\(path): \"\(s)\" is not an ISO-8601 date-time") }
        case (.date, .string):
            return
        case (.integer, .integer), (.number, .integer), (.number, .number), (.boolean, .bool):
            return
        case (.array(let element), .array(let items)):
            for (i, item) in items.enumerated() {
                check(item, element, allowed: allowed, owner: owner, path: "\(path)[\(i)]", into: &problems)
            }
        case (.map(let element), .object(let members)):
            for (k, v) in members.sorted(by: { $0.key < $1.key }) {
                check(v, element, allowed: nil, owner: nil, path: "\(path)[\"\(k)\"]", into: &problems)
            }
        case (.model(let name), .object(let members)):
            guard let fields = models[name] else {
                problems.append("\(path): model \(name) is not in the extract; add it to MODELS in Fixtures/extract-sdk-models.py")
                return
            }
            for (k, v) in members.sorted(by: { $0.key < $1.key }) {
                guard let f = fields[k] else {
                    problems.append("\(path).\(k): \(name) has no field \(k)")
                    continue
                }
                check(v, f.type, allowed: f.allowed, owner: name, path: "\(path).\(k)", into: &problems)
            }
        case (.model(let name), _):
            wrong("an object (\(name))")
        case (.array, _):
            wrong("an array")
        case (.map, _):
            wrong("an object")
        case (.string, _), (.datetime, _), (.date, _):
            wrong("a string")
        case (.integer, _):
            wrong("an integer")
        case (.number, _):
            wrong("a number")
        case (.boolean, _):
            wrong("a boolean")
        }
    }
}
