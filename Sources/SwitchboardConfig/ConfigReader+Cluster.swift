import Foundation
import SwitchboardCore
import Yams

extension ConfigReader {
    static let clusterKeys = ["database", "replica", "leaseCheck", "replicaTimeout"]
    static let databaseExample = "postgres://switchboard:${PG_PASSWORD}@db.internal:5432/switchboard"

    /// `cluster:` (docs/scale-out.md): the shared database, this replica's name and the leadership timings.
    /// Nil after a reported problem.
    func cluster(_ node: Node) -> ClusterConfig? {
        guard let f = fields(node, path: "cluster", allowed: Self.clusterKeys) else { return nil }
        let before = diagnostics.count
        let database = require(f, "database", example: Self.databaseExample).flatMap {
            clusterDatabase($0, path: f.path("database"))
        }
        let replica = clusterReplica(f)
        let leaseCheck = boundedDuration(f, "leaseCheck", bounds: ClusterConfig.leaseCheckBounds, example: "2s")
        let replicaTimeout = boundedDuration(f, "replicaTimeout", bounds: ClusterConfig.replicaTimeoutBounds,
                                             example: "10s")
        guard let database, let replica, diagnostics.count == before else { return nil }
        var c = ClusterConfig(database: database, replica: replica)
        if let leaseCheck { c.leaseCheck = leaseCheck }
        if let replicaTimeout { c.replicaTimeout = replicaTimeout }
        guard c.replicaTimeout > c.leaseCheck * 2 else {
            // At the timeout when it is written, else at the lease check that made the default too short.
            let at = f["replicaTimeout"]?.mark ?? f["leaseCheck"]?.mark ?? f.mark
            report("range", at: at, "cluster.replicaTimeout: \(ConfigDuration.format(c.replicaTimeout)) is not longer "
                + "than twice cluster.leaseCheck (\(ConfigDuration.format(c.leaseCheck))); a live replica would be "
                + "taken for gone between two heartbeats; raise replicaTimeout above "
                + ConfigDuration.format(c.leaseCheck * 2) + " or shorten leaseCheck")
            return nil
        }
        return c
    }

    /// `replica:`, or the host name (`HOSTNAME` in the environment, else the system's) made into a name.
    private func clusterReplica(_ f: Fields) -> String? {
        guard let node = f["replica"] else {
            let hostname = environment["HOSTNAME"] ?? ProcessInfo.processInfo.hostName
            if let name = ClusterConfig.defaultReplicaName(hostname: hostname) { return name }
            report("missing-key", at: f.mark, "cluster: the host name gives no replica name; add 'replica: "
                + "switchboard-1' (1–63 characters of a-z, 0-9 and -)")
            return nil
        }
        let path = f.path("replica")
        guard let value = nonEmptyString(node, path: path, example: "switchboard-1") else { return nil }
        guard ClusterConfig.isValidReplicaName(value) else {
            report("value", at: node.mark, "cluster.replica: '\(shown(node, value))' is not a replica name; use 1–63 "
                + "characters of a-z, 0-9 and - (e.g. switchboard-1)")
            return nil
        }
        return value
    }

    /// A duration within `bounds` (inclusive).
    private func boundedDuration(_ f: Fields, _ key: String, bounds: ClosedRange<Duration>, example: String) -> Duration? {
        guard let value = duration(f, key, example: example) else { return nil }
        guard bounds.contains(value) else {
            report("range", at: f[key]?.mark, "\(f.path(key)): \(ConfigDuration.format(value)) is out of range; use "
                + "\(ConfigDuration.format(bounds.lowerBound)) to \(ConfigDuration.format(bounds.upperBound))")
            return nil
        }
        return value
    }

    /// `postgres://user:${PG_PASSWORD}@host:5432/name[?sslmode=disable|prefer|require]`. The password must be one
    /// `${NAME}` reference; other parts may hold references too. No message ever repeats the URL (it may hold a
    /// literal password).
    func clusterDatabase(_ node: Node, path: String) -> ClusterDatabase? {
        guard let raw = rawText(node, path: path, expected: "a PostgreSQL URL", example: Self.databaseExample) else {
            return nil
        }
        let text = raw.trimmingWhitespace()
        let mark = node.mark
        func bad(_ what: String) -> ClusterDatabase? {
            report("value", at: mark, "\(path): \(what); write e.g. \(Self.databaseExample)")
            return nil
        }
        if Self.wholeReference(text) != nil {
            return bad("the URL must be written in the file, with only its password as an environment variable")
        }
        let lower = text.lowercased()
        guard let scheme = ["postgres://", "postgresql://"].first(where: { lower.hasPrefix($0) }) else {
            return bad("not a PostgreSQL URL (it must start with postgres://)")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        guard let slash = rest.firstIndex(of: "/") else { return bad("the URL names no database (add /switchboard)") }
        let authority = rest[..<slash]
        let rawName = rest[rest.index(after: slash)...]
        guard let at = authority.lastIndex(of: "@") else {
            return bad("the URL names no user (write user:${PG_PASSWORD}@ before the host)")
        }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        // The password first: a literal one is the mistake that matters most.
        var rawUser = userInfo
        var password: Secret?
        var passwordVariable: String?
        if let colon = userInfo.firstIndex(of: ":") {
            rawUser = userInfo[..<colon]
            let rawPassword = String(userInfo[userInfo.index(after: colon)...])
            guard let name = Self.wholeReference(rawPassword) else {
                report("literal-secret", at: mark, "\(path): the password must not be written in the file; export it "
                    + "as an environment variable and write it as ${PG_PASSWORD} (\(Self.databaseExample))")
                return nil
            }
            passwordVariable = name
            if let value = environment[name] {
                guard !value.isEmpty else {
                    report("env-empty", at: mark, "\(path): environment variable \(name) is empty; export the password in it")
                    return nil
                }
                password = Secret(value)
            } else if !options.requireSecrets {
                skip("${\(name)}")
                password = Secret("")  // unchecked: a placeholder keeps the rest of the section checked
            } else {
                report("env-unset", at: mark, "\(path): environment variable \(name) is not set; export it or change the reference")
                return nil
            }
        }
        guard let user = part(rawUser, mark: mark, path: path) else { return nil }
        guard !user.isEmpty else { return bad("the URL names no user (write user:${PG_PASSWORD}@ before the host)") }

        guard let hostText = part(hostPort, mark: mark, path: path) else { return nil }
        var host = hostText
        var port = 5432
        if hostText.hasPrefix("[") {
            guard let close = hostText.firstIndex(of: "]") else { return bad("an IPv6 host must be written [::1]") }
            host = String(hostText[hostText.index(after: hostText.startIndex)..<close])
            let after = hostText[hostText.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { return bad("the port must be a number") }
                port = p
            }
        } else if let colon = hostText.lastIndex(of: ":") {
            host = String(hostText[..<colon])
            guard let p = Int(hostText[hostText.index(after: colon)...]) else { return bad("the port must be a number") }
            port = p
        }
        guard !host.isEmpty else { return bad("the URL names no host") }
        guard (1...65535).contains(port) else {
            report("range", at: mark, "\(path): port \(port) is out of range; use 1–65535 (PostgreSQL's is 5432)")
            return nil
        }
        guard let name = part(rawName, mark: mark, path: path) else { return nil }
        guard !name.isEmpty, !name.contains("/") else { return bad("the URL names no database (add /switchboard)") }

        var tls = ClusterDatabase.TLSMode.prefer
        for item in query.split(separator: "&") where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(pair[0])
            guard key == "sslmode" else {
                let guess = DidYouMean.suggest(key, from: ["sslmode"]).map { "did you mean '\($0)'?" }
                report("unknown-key", at: mark, "\(path): unknown URL parameter '\(key)'; "
                    + (guess ?? "the only one read is sslmode"))
                return nil
            }
            let value = pair.count > 1 ? String(pair[1]) : ""
            guard let mode = ClusterDatabase.TLSMode(rawValue: value) else {
                let modes = ClusterDatabase.TLSMode.allCases.map(\.rawValue)
                let guess = DidYouMean.suggest(value, from: modes).map { "did you mean '\($0)'?" }
                report("value", at: mark, "\(path): unknown sslmode '\(value)'; "
                    + (guess ?? "use \(modes.joined(separator: ", "))"))
                return nil
            }
            tls = mode
        }
        return ClusterDatabase(host: host, port: port, user: user, password: password,
                               passwordVariable: passwordVariable, name: name, tls: tls)
    }

    /// One part of the URL with `${NAME}` replaced and `%XX` decoded; nil after a reported problem.
    private func part(_ raw: Substring, mark: Mark?, path: String) -> String? {
        guard let substituted = substitute(String(raw), at: mark, path: path) else { return nil }
        guard let decoded = ClusterDatabase.decode(substituted) else {
            report("value", at: mark, "\(path): a %-escape in the URL is malformed; write % as %25")
            return nil
        }
        return decoded
    }
}
