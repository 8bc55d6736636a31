/// A web origin (RFC 6454) as a browser sends it in the `Origin` header: scheme, host and port.
///
/// ```swift
/// WebOrigin(parsing: "https://Wallboard.example.com")   // https://wallboard.example.com (port 443)
/// WebOrigin(parsing: "http://127.0.0.1:8080")           // http://127.0.0.1:8080
/// WebOrigin(parsing: "https://example.com/path")        // nil: an origin has no path
/// ```
public struct WebOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// Lower-case; an IPv6 address keeps its brackets (`[::1]`).
    public let host: String
    /// The explicit port, or the scheme's default (80, 443).
    public let port: Int

    /// Parses a serialised origin: `http(s)://host[:port]`, nothing after it (no path, not even `/`,
    /// no query, no user info). Scheme and host are case-insensitive. Nil for anything else,
    /// including the opaque origin `null`.
    public init?(parsing text: String) {
        guard let sep = text.range(of: "://") else { return nil }
        let scheme = text[..<sep.lowerBound].lowercased()
        guard let defaultPort = Self.defaultPorts[scheme] else { return nil }
        let authority = text[sep.upperBound...]
        guard !authority.isEmpty, !authority.contains(where: { "/?#@ \t\\".contains($0) }) else { return nil }
        var host = Substring(authority)
        var port = defaultPort
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Self.port(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            guard let p = Self.port(authority[authority.index(after: colon)...]) else { return nil }
            port = p
        }
        guard !host.isEmpty, host != "[]" else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
    }

    /// `scheme://host[:port]`, the port left out when it is the scheme's default (as browsers send it).
    public var description: String {
        port == Self.defaultPorts[scheme] ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }

    /// Whether this origin names the server a `Host` header value (`host[:port]`) names. A `Host`
    /// without a port is taken to use this origin's scheme's default port: behind a TLS terminator the
    /// page is `https://bridge.example.com` while the bridge sees `Host: bridge.example.com`.
    public func isSameServer(asHost hostHeader: String) -> Bool {
        let value = hostHeader.trimmingWhitespace().lowercased()
        var host = Substring(value)
        var port = Self.defaultPorts[scheme] ?? 80
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return false }
            host = value[...close]
            let rest = value[value.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Self.port(rest.dropFirst()) else { return false }
                port = p
            }
        } else if let colon = value.firstIndex(of: ":") {
            host = value[..<colon]
            guard let p = Self.port(value[value.index(after: colon)...]) else { return false }
            port = p
        }
        return host == self.host && port == self.port
    }

    static let defaultPorts = ["http": 80, "https": 443]

    private static func port(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCIIDigit), let p = Int(digits),
              (1...65535).contains(p) else { return nil }
        return p
    }
}

/// One entry of `server.allowedOrigins`: an origin, or `*` (any origin).
public enum AllowedOrigin: Sendable, Hashable, CustomStringConvertible {
    case any
    case origin(WebOrigin)

    public var description: String {
        switch self {
        case .any: "*"
        case .origin(let o): o.description
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
