/// Where the PostgreSQL store lives, parsed from a URL (docs/store.md, "PostgreSQL backend"):
///
///     postgres://user:password@host:port/database?sslmode=disable
///     postgres://user@/database?host=/run/postgresql          (Unix socket directory, port 5432)
///     postgres://user@:5433/database?host=/run/postgresql     (its socket .s.PGSQL.5433)
///
/// `postgresql://` is accepted too. User, password and database may be percent-encoded. Parameters:
/// `sslmode` (`disable`, `prefer` — the default over TCP —, `require`, `verify-full`), `host` (a socket
/// directory when it starts with `/`, else a host name) and `port`. Anything else is refused.
///
/// Parsing is total: every input gives a URL or a ``PostgresStoreError`` naming the part at fault. No
/// error text and no ``description`` contains the password.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The server's socket is `<directory>/.s.PGSQL.<port>`.
        case unixSocket(directory: String, port: Int)
    }

    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable
        case prefer
        case require
        /// TLS with the server's certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    public static let defaultPort = 5432

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public init(endpoint: Endpoint, user: String, password: String?, database: String, sslMode: SSLMode) {
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// The socket file of a ``Endpoint/unixSocket(directory:port:)`` endpoint.
    public var socketPath: String? {
        guard case .unixSocket(let directory, let port) = endpoint else { return nil }
        return (directory.hasSuffix("/") ? directory : directory + "/") + ".s.PGSQL.\(port)"
    }

    /// The URL with the password replaced by `***`: what logs and error messages show.
    public var redacted: String {
        let credentials = Self.encode(user) + (password == nil ? "" : ":***")
        switch endpoint {
        case .tcp(let host, let port):
            let h = host.contains(":") ? "[\(host)]" : host
            return "postgres://\(credentials)@\(h):\(port)/\(Self.encode(database))?sslmode=\(sslMode.rawValue)"
        case .unixSocket(let directory, let port):
            let p = port == Self.defaultPort ? "" : ":\(port)"
            return "postgres://\(credentials)@\(p)/\(Self.encode(database))?host=\(directory)"
        }
    }

    public var description: String { redacted }

    /// Parses `text`.
    /// - Throws: ``PostgresStoreError`` (`postgres.url`) naming what is wrong; never the password.
    public init(parsing text: String) throws {
        func refuse(_ what: String) -> PostgresStoreError {
            PostgresStoreError(code: "postgres.url", message: "the store URL \(what); expected postgres://user:password@host:port/database?sslmode=disable or postgres://user@/database?host=/socket/directory")
        }
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { throw refuse("is empty") }
        // Where a password may be, however malformed the rest: from the first ':' after the scheme to the last
        // '@'. A part of the input overlapping it is never shown in a message.
        let secret: Range<String.Index>? = {
            guard let scheme = text.range(of: "://"), let at = text.lastIndex(of: "@"),
                  let colon = text[scheme.upperBound...].firstIndex(of: ":"), colon < at else { return nil }
            return colon..<at
        }()
        func show(_ part: Substring) -> String {
            if let secret, part.startIndex < secret.upperBound && secret.lowerBound < part.endIndex {
                return "(hidden: it overlaps the password)"
            }
            return part.count > 40 ? String(part.prefix(40)) + "…" : String(part)
        }
        if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else {
            throw refuse("does not start with postgres:// or postgresql://")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard !rest.contains("#") else { throw refuse("has a fragment (#); percent-encode a # in the password as %23") }
        guard let slash = rest.firstIndex(of: "/") else { throw refuse("names no database (/database after the host)") }
        let authority = rest[..<slash]
        let path = rest[rest.index(after: slash)...]
        guard let database = Self.decode(path), !database.isEmpty, !database.contains("/") else {
            throw refuse(path.isEmpty ? "names no database (/database after the host)" : "has a database name that is not valid percent-encoding or holds a /")
        }

        // user[:password]@host[:port]; the last @ ends the credentials (a password may hold an @).
        guard let at = authority.lastIndex(of: "@") else { throw refuse("names no user (user@ before the host)") }
        let credentials = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        let userPart = credentials.firstIndex(of: ":").map { credentials[..<$0] } ?? credentials
        guard let user = Self.decode(userPart), !user.isEmpty else {
            throw refuse(userPart.isEmpty ? "names no user (user@ before the host)" : "has a user name that is not valid percent-encoding")
        }
        var password: String?
        if let colon = credentials.firstIndex(of: ":") {
            guard let p = Self.decode(credentials[credentials.index(after: colon)...]) else {
                throw refuse("has a password that is not valid percent-encoding")
            }
            password = p
        }

        var host: String?
        var port: Int?
        if !hostPort.isEmpty {
            let (h, p) = try Self.splitHostPort(hostPort, refuse, show)
            host = h
            port = p
        }

        // Parameters.
        var seen: Set<String> = []
        var sslMode: SSLMode?
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard parts.count == 2, let value = Self.decode(parts[1]) else {
                throw refuse("has a parameter '\(show(parts[0]))' without a valid value")
            }
            guard seen.insert(name).inserted else { throw refuse("has the parameter '\(show(parts[0]))' twice") }
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw refuse("has sslmode '\(show(parts[1]))' (known: \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                sslMode = mode
            case "host":
                guard !value.isEmpty else { throw refuse("has an empty host parameter") }
                guard host == nil else { throw refuse("names a host twice (in the authority and as ?host=)") }
                host = value
            case "port":
                guard port == nil else { throw refuse("names a port twice (in the authority and as ?port=)") }
                guard let p = Int(value), (1...65_535).contains(p) else {
                    throw refuse("has the port '\(show(parts[1]))', not a number in 1…65535")
                }
                port = p
            default:
                throw refuse("has the unknown parameter '\(show(parts[0]))' (known: sslmode, host, port)")
            }
        }

        guard let host else { throw refuse("names no host (host:port, or ?host=/socket/directory)") }
        if host.hasPrefix("/") {
            guard sslMode == nil || sslMode == .disable else {
                throw refuse("asks for sslmode=\(sslMode!.rawValue) over a Unix socket (TLS is for TCP; drop sslmode)")
            }
            endpoint = .unixSocket(directory: host, port: port ?? Self.defaultPort)
            self.sslMode = .disable
        } else {
            endpoint = .tcp(host: host, port: port ?? Self.defaultPort)
            self.sslMode = sslMode ?? .prefer
        }
        self.user = user
        self.password = password
        self.database = database
    }

    // MARK: Parts

    /// `host`, `host:port`, `[v6]`, `[v6]:port`, `:port` (host from ?host=).
    private static func splitHostPort(_ text: Substring, _ refuse: (String) -> PostgresStoreError,
                                      _ show: (Substring) -> String) throws -> (String?, Int?) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw refuse("has an IPv6 host without its closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("has text after the IPv6 host's ]") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65_535).contains(p) else {
                throw refuse("has the port '\(show(portText))', not a number in 1…65535")
            }
            port = p
        }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:%".contains($0) }) else {
            throw refuse("has the host '\(show(host))' with characters a host name cannot hold")
        }
        return (host.isEmpty ? nil : String(host), port)
    }

    /// Percent-decoding; nil for a bad escape or bytes that are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Percent-encodes what a URL's user, password or path cannot hold as is.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80 && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return s
    }

    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
