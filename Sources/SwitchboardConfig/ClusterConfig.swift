import SwitchboardCore

/// The optional `cluster:` section (docs/scale-out.md, docs/configuration.md): several replicas share one
/// PostgreSQL database, and each org's connector runs on exactly one of them. Absent (nil in
/// ``SwitchboardConfiguration/cluster``), the bridge runs alone and nothing changes.
///
/// Read once at start: a reload that changes it is reported as waiting for a restart
/// (``restartOnlyChanges(from:to:)``).
public struct ClusterConfig: Sendable, Equatable {
    /// The shared PostgreSQL database; its password comes only from the environment.
    public var database: ClusterDatabase
    /// This replica's name in `cluster_replicas`: 1–63 characters of `a-z`, `0-9` and `-`. Default: the
    /// host name (``defaultReplicaName(hostname:)``). Two replicas must never share one.
    public var replica: String
    /// How often leadership is re-checked (heartbeat, replicas read, locks tried). Default 2 s, 500 ms to 30 s.
    public var leaseCheck: Duration = Self.defaultLeaseCheck
    /// A replica whose heartbeat is older than this counts as gone. Default 10 s, 3 s to 120 s, and longer
    /// than twice ``leaseCheck``.
    public var replicaTimeout: Duration = Self.defaultReplicaTimeout

    public static let defaultLeaseCheck: Duration = .seconds(2)
    public static let defaultReplicaTimeout: Duration = .seconds(10)
    public static let leaseCheckBounds: ClosedRange<Duration> = .milliseconds(500) ... .seconds(30)
    public static let replicaTimeoutBounds: ClosedRange<Duration> = .seconds(3) ... .seconds(120)

    public init(database: ClusterDatabase, replica: String, leaseCheck: Duration = Self.defaultLeaseCheck,
                replicaTimeout: Duration = Self.defaultReplicaTimeout) {
        self.database = database
        self.replica = replica
        self.leaseCheck = leaseCheck
        self.replicaTimeout = replicaTimeout
    }

    /// True when `name` is a valid replica name: 1–63 characters of `a-z`, `0-9` and `-`.
    public static func isValidReplicaName(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        return (1...63).contains(scalars.count)
            && scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// The replica name a host name gives: its first label, lower-cased, every other character turned into `-`,
    /// cut to 63 characters (`Web-1.example.com` → `web-1`). Nil when nothing is left.
    public static func defaultReplicaName(hostname: String) -> String? {
        let label = hostname.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false).first ?? ""
        var out = String.UnicodeScalarView()
        for scalar in label.lowercased().unicodeScalars.prefix(63) {
            let ok = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
            out.append(ok ? scalar : "-")
        }
        let name = String(out)
        return isValidReplicaName(name) ? name : nil
    }

    /// One line per setting that differs between `running` (what the process started with) and `next`:
    /// `cluster.replica: web-1 → web-2`. The whole section is read once at start, so every change waits for a
    /// restart. Empty when nothing differs. The database line never shows the password.
    public static func restartOnlyChanges(from running: ClusterConfig?, to next: ClusterConfig?) -> [String] {
        switch (running, next) {
        case (nil, nil):
            return []
        case (nil, let next?):
            return ["cluster: none → replica \(next.replica) on \(next.database)"]
        case (let running?, nil):
            return ["cluster: replica \(running.replica) on \(running.database) → none"]
        case (let old?, let new?):
            var out: [String] = []
            if old.database != new.database {
                // Same shown text when only the password changed: say so without showing either.
                let shownOld = old.database.description, shownNew = new.database.description
                out.append(shownOld == shownNew ? "cluster.database: password changed"
                                                : "cluster.database: \(shownOld) → \(shownNew)")
            }
            if old.replica != new.replica { out.append("cluster.replica: \(old.replica) → \(new.replica)") }
            if old.leaseCheck != new.leaseCheck {
                out.append("cluster.leaseCheck: \(ConfigDuration.format(old.leaseCheck)) → \(ConfigDuration.format(new.leaseCheck))")
            }
            if old.replicaTimeout != new.replicaTimeout {
                out.append("cluster.replicaTimeout: \(ConfigDuration.format(old.replicaTimeout)) → "
                    + ConfigDuration.format(new.replicaTimeout))
            }
            return out
        }
    }
}

/// `cluster.database`: a PostgreSQL URL, `postgres://user:${PG_PASSWORD}@host:5432/switchboard`. The password is
/// only ever a `${NAME}` reference in the file; resolved, it is a ``Secret``. `description` shows the URL with
/// `***` for the password, so the value can be logged.
public struct ClusterDatabase: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS (`?sslmode=` in the URL).
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it (the default, as libpq's).
        case prefer
        /// TLS or no connection; the server's certificate is verified.
        case require
    }

    public var host: String
    /// Default 5432.
    public var port: Int
    public var user: String
    /// The password; nil when the URL has none (trust, peer or certificate authentication).
    public var password: Secret?
    /// The environment variable the password came from (for messages), nil without a password.
    public var passwordVariable: String?
    /// The database name.
    public var name: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, user: String, password: Secret? = nil, passwordVariable: String? = nil,
                name: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.passwordVariable = passwordVariable
        self.name = name
        self.tls = tls
    }

    /// The whole URL with the password in it (percent-encoded), for the driver. Never log it.
    public var url: Secret {
        Secret(render(password: password.map { Self.encode($0.reveal()) }))
    }

    /// The URL with `***` for the password.
    public var description: String { render(password: password.map { _ in "***" }) }

    private func render(password: String?) -> String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        let userInfo = Self.encode(user) + (password.map { ":" + $0 } ?? "")
        let query = tls == .prefer ? "" : "?sslmode=\(tls.rawValue)"
        return "postgres://\(userInfo)@\(hostText):\(port)/\(Self.encode(name))\(query)"
    }

    /// Percent-encodes everything but the unreserved characters (RFC 3986).
    static func encode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Decodes `%XX` escapes; nil when one is malformed or the bytes are not UTF-8.
    static func decode(_ s: String) -> String? {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        var utf8 = Array(s.utf8)[...]
        while let b = utf8.popFirst() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard utf8.count >= 2, let v = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(v)
            utf8 = utf8.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
