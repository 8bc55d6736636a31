import Foundation

/// The part of RFC 8941 (Structured Field Values for HTTP) that HTTP Message Signatures need:
/// parsing and serialising Dictionaries whose members are Items or Inner Lists with Parameters.
///
/// `Signature-Input: sig1=("@request-target" "x-api-key");keyid="…";created=1641013200`
/// `Signature: sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:`
///
/// The signature base re-serialises the parsed `Signature-Input` member (as the reference
/// implementation does), so a sloppy but parseable header cannot change what was signed.
enum StructuredField {
    enum BareItem: Sendable, Equatable {
        case integer(Int64)
        case decimal(Double)
        case string(String)
        case token(String)
        case bytes([UInt8])
        case boolean(Bool)
    }

    struct Parameter: Sendable, Equatable {
        var key: String
        var value: BareItem
    }

    struct Item: Sendable, Equatable {
        var value: BareItem
        var parameters: [Parameter] = []
    }

    struct InnerList: Sendable, Equatable {
        var items: [Item]
        var parameters: [Parameter] = []
    }

    enum Member: Sendable, Equatable {
        case item(Item)
        case innerList(InnerList)
    }

    struct ParseError: Error, Equatable {
        var reason: String
    }

    // MARK: Parsing

    /// Parses a Dictionary field value (members in order; a repeated key keeps its last value in the
    /// first key's place, per RFC 8941 §4.2.2).
    static func parseDictionary(_ text: String) throws(ParseError) -> [(key: String, value: Member)] {
        var p = Parser(Array(text.utf8))
        p.skipSP()
        var out: [(key: String, value: Member)] = []
        if p.atEnd { return out }
        while true {
            let key = try p.key()
            let member: Member
            if p.peek == UInt8(ascii: "=") {
                p.advance()
                member = try p.itemOrInnerList()
            } else {
                member = .item(Item(value: .boolean(true), parameters: try p.parameters()))
            }
            if let i = out.firstIndex(where: { $0.key == key }) { out[i].value = member } else { out.append((key, member)) }
            p.skipOWS()
            if p.atEnd { return out }
            guard p.peek == UInt8(ascii: ",") else { throw ParseError(reason: "expected ',' between dictionary members") }
            p.advance()
            p.skipOWS()
            guard !p.atEnd else { throw ParseError(reason: "trailing ','") }
        }
    }

    private struct Parser {
        let u: [UInt8]
        var i = 0
        init(_ u: [UInt8]) { self.u = u }

        var atEnd: Bool { i >= u.count }
        var peek: UInt8? { i < u.count ? u[i] : nil }
        mutating func advance() { i += 1 }
        mutating func skipSP() { while peek == 0x20 { i += 1 } }
        mutating func skipOWS() { while peek == 0x20 || peek == 0x09 { i += 1 } }

        static func isLCAlpha(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
        static func isAlpha(_ b: UInt8) -> Bool { isLCAlpha(b) || (b >= 0x41 && b <= 0x5A) }
        static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        /// tchar (RFC 9110) plus ':' and '/'.
        static func isTokenChar(_ b: UInt8) -> Bool {
            isAlpha(b) || isDigit(b) || Array("!#$%&'*+-.^_`|~:/".utf8).contains(b)
        }

        mutating func key() throws(ParseError) -> String {
            guard let first = peek, Self.isLCAlpha(first) || first == UInt8(ascii: "*") else {
                throw ParseError(reason: "expected a key")
            }
            let start = i
            while let b = peek, Self.isLCAlpha(b) || Self.isDigit(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "*") {
                i += 1
            }
            return String(decoding: u[start..<i], as: UTF8.self)
        }

        mutating func itemOrInnerList() throws(ParseError) -> Member {
            peek == UInt8(ascii: "(") ? .innerList(try innerList()) : .item(try item())
        }

        mutating func innerList() throws(ParseError) -> InnerList {
            advance()  // "("
            var items: [Item] = []
            while true {
                skipSP()
                guard let b = peek else { throw ParseError(reason: "inner list not closed") }
                if b == UInt8(ascii: ")") {
                    advance()
                    return InnerList(items: items, parameters: try parameters())
                }
                items.append(try item())
                guard peek == 0x20 || peek == UInt8(ascii: ")") else {
                    throw ParseError(reason: "expected ' ' or ')' in inner list")
                }
            }
        }

        mutating func item() throws(ParseError) -> Item {
            let value = try bareItem()
            return Item(value: value, parameters: try parameters())
        }

        mutating func parameters() throws(ParseError) -> [Parameter] {
            var out: [Parameter] = []
            while peek == UInt8(ascii: ";") {
                advance()
                skipSP()
                let k = try key()
                var v = BareItem.boolean(true)
                if peek == UInt8(ascii: "=") {
                    advance()
                    v = try bareItem()
                }
                if let j = out.firstIndex(where: { $0.key == k }) { out[j].value = v } else { out.append(Parameter(key: k, value: v)) }
            }
            return out
        }

        mutating func bareItem() throws(ParseError) -> BareItem {
            guard let b = peek else { throw ParseError(reason: "expected a value") }
            if b == UInt8(ascii: "-") || Self.isDigit(b) { return try number() }
            if b == UInt8(ascii: "\"") { return try string() }
            if b == UInt8(ascii: ":") { return try byteSequence() }
            if b == UInt8(ascii: "?") {
                advance()
                guard let v = peek, v == UInt8(ascii: "0") || v == UInt8(ascii: "1") else {
                    throw ParseError(reason: "expected ?0 or ?1")
                }
                advance()
                return .boolean(v == UInt8(ascii: "1"))
            }
            if Self.isAlpha(b) || b == UInt8(ascii: "*") {
                let start = i
                advance()
                while let c = peek, Self.isTokenChar(c) { advance() }
                return .token(String(decoding: u[start..<i], as: UTF8.self))
            }
            throw ParseError(reason: "unexpected character in a value")
        }

        mutating func number() throws(ParseError) -> BareItem {
            var negative = false
            if peek == UInt8(ascii: "-") {
                negative = true
                advance()
            }
            let start = i
            var dot: Int?
            while let b = peek {
                if Self.isDigit(b) {
                    advance()
                } else if b == UInt8(ascii: "."), dot == nil {
                    dot = i
                    advance()
                } else {
                    break
                }
            }
            let text = String(decoding: u[start..<i], as: UTF8.self)
            if let dot {
                let whole = dot - start
                let fraction = i - dot - 1
                guard whole >= 1, whole <= 12, fraction >= 1, fraction <= 3, let v = Double(text) else {
                    throw ParseError(reason: "invalid decimal")
                }
                return .decimal(negative ? -v : v)
            }
            guard !text.isEmpty, text.count <= 15, let v = Int64(text) else { throw ParseError(reason: "invalid integer") }
            return .integer(negative ? -v : v)
        }

        mutating func string() throws(ParseError) -> BareItem {
            advance()  // opening quote
            var out: [UInt8] = []
            while let b = peek {
                advance()
                if b == UInt8(ascii: "\\") {
                    guard let e = peek, e == UInt8(ascii: "\\") || e == UInt8(ascii: "\"") else {
                        throw ParseError(reason: "invalid escape in a string")
                    }
                    out.append(e)
                    advance()
                } else if b == UInt8(ascii: "\"") {
                    return .string(String(decoding: out, as: UTF8.self))
                } else if b < 0x20 || b > 0x7E {
                    throw ParseError(reason: "invalid character in a string")
                } else {
                    out.append(b)
                }
            }
            throw ParseError(reason: "string not closed")
        }

        mutating func byteSequence() throws(ParseError) -> BareItem {
            advance()  // ":"
            let start = i
            while let b = peek, b != UInt8(ascii: ":") {
                guard Self.isAlpha(b) || Self.isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "/")
                    || b == UInt8(ascii: "=") else {
                    throw ParseError(reason: "invalid character in a byte sequence")
                }
                advance()
            }
            guard peek == UInt8(ascii: ":") else { throw ParseError(reason: "byte sequence not closed") }
            let text = String(decoding: u[start..<i], as: UTF8.self)
            advance()
            guard let data = Data(base64Encoded: text) else { throw ParseError(reason: "byte sequence is not base64") }
            return .bytes(Array(data))
        }
    }

    // MARK: Serialising

    static func serialize(_ item: BareItem) -> String {
        switch item {
        case .integer(let v): return String(v)
        case .decimal(let v):
            // At most three fractional digits, trailing zeros dropped (RFC 8941 §4.1.5).
            var s = String(format: "%.3f", v)
            while s.hasSuffix("0") && !s.hasSuffix(".0") { s.removeLast() }
            return s
        case .string(let s):
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .token(let t): return t
        case .bytes(let b): return ":" + Data(b).base64EncodedString() + ":"
        case .boolean(let b): return b ? "?1" : "?0"
        }
    }

    static func serialize(_ parameters: [Parameter]) -> String {
        parameters.map { p in p.value == .boolean(true) ? ";\(p.key)" : ";\(p.key)=\(serialize(p.value))" }.joined()
    }

    static func serialize(_ item: Item) -> String { serialize(item.value) + serialize(item.parameters) }

    static func serialize(_ list: InnerList) -> String {
        "(" + list.items.map(serialize).joined(separator: " ") + ")" + serialize(list.parameters)
    }
}
