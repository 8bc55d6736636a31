import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct ClusterConfigTests {
    typealias S = ConfigTestSupport

    static let environment = S.minimalEnvironment.merging(["PG_PASSWORD": "pg-pass-w0rd/@:", "HOSTNAME": "Web-1.example.com"],
                                                          uniquingKeysWith: { $1 })

    /// `cluster:` with `body` under it (two-space indented lines), then a minimal org.
    static func yaml(_ body: String) -> String {
        "auth: none\ncluster:\n" + body + "\norgs:\n" + S.minimalOrg
    }

    static func lines(_ body: String, environment: [String: String] = Self.environment) -> [String] {
        S.lines(yaml(body), environment: environment)
    }

    @Test func absentMeansAlone() throws {
        let c = try #require(S.load("auth: none\norgs:\n" + S.minimalOrg))
        #expect(c.cluster == nil)
    }

    @Test func aGoodSection() throws {
        let c = try #require(S.load(Self.yaml("""
          database: postgres://switchboard:${PG_PASSWORD}@db.internal:6432/sb?sslmode=require
          replica: switchboard-2
          leaseCheck: 1s
          replicaTimeout: 15s
        """), environment: Self.environment))
        let cluster = try #require(c.cluster)
        #expect(cluster.replica == "switchboard-2")
        #expect(cluster.leaseCheck == .seconds(1))
        #expect(cluster.replicaTimeout == .seconds(15))
        let db = cluster.database
        #expect(db.host == "db.internal" && db.port == 6432 && db.user == "switchboard" && db.name == "sb")
        #expect(db.tls == .require)
        #expect(db.password?.reveal() == "pg-pass-w0rd/@:")
        #expect(db.passwordVariable == "PG_PASSWORD")
        // The driver's URL carries the password percent-encoded; the printed one never does.
        #expect(db.url.reveal() == "postgres://switchboard:pg-pass-w0rd%2F%40%3A@db.internal:6432/sb?sslmode=require")
        #expect(db.description == "postgres://switchboard:***@db.internal:6432/sb?sslmode=require")
        #expect("\(db.url)" == "***")
    }

    @Test func defaults() throws {
        let c = try #require(S.load(Self.yaml("  database: postgres://sb:${PG_PASSWORD}@db/switchboard"),
                                    environment: Self.environment))
        let cluster = try #require(c.cluster)
        #expect(cluster.replica == "web-1")  // HOSTNAME's first label, lower-cased
        #expect(cluster.leaseCheck == .seconds(2))
        #expect(cluster.replicaTimeout == .seconds(10))
        #expect(cluster.database.port == 5432)
        #expect(cluster.database.tls == .prefer)
    }

    @Test func aURLWithoutPasswordAndWithIPv6() throws {
        let c = try #require(S.load(Self.yaml("""
          database: postgresql://sb@[fd00::5]:5433/switchboard
          replica: r1
        """), environment: Self.environment))
        let db = try #require(c.cluster?.database)
        #expect(db.password == nil && db.host == "fd00::5" && db.port == 5433)
        #expect(db.description == "postgres://sb@[fd00::5]:5433/switchboard")
    }

    @Test func hostNamesBecomeReplicaNames() {
        #expect(ClusterConfig.defaultReplicaName(hostname: "switchboard-7f9c") == "switchboard-7f9c")
        #expect(ClusterConfig.defaultReplicaName(hostname: "Web_1.example.com") == "web-1")
        #expect(ClusterConfig.defaultReplicaName(hostname: String(repeating: "a", count: 80))?.count == 63)
        #expect(ClusterConfig.defaultReplicaName(hostname: "") == nil)
        #expect(ClusterConfig.isValidReplicaName("a") && !ClusterConfig.isValidReplicaName("A"))
        #expect(!ClusterConfig.isValidReplicaName(String(repeating: "a", count: 64)))
    }

    // MARK: - Mistakes, each at its position

    @Test func aLiteralPasswordIsRefusedWithoutBeingShown() {
        let out = Self.lines("""
          database: postgres://sb:hunter2-literal@db/switchboard
          replica: r1
        """)
        #expect(out.count == 1)
        #expect(out[0].hasPrefix("orgs.yaml:3:13: cluster.database: the password must not be written in the file"))
        #expect(out[0].contains("${PG_PASSWORD}"))
        #expect(!out[0].contains("hunter2"))
    }

    @Test func unknownKeysSuggestTheRightOne() {
        let out = Self.lines("""
          database: postgres://sb:${PG_PASSWORD}@db/switchboard
          replicaTimout: 20s
          leasecheck: 1s
        """)
        #expect(out == [
            "orgs.yaml:4:3: cluster: unknown key 'replicaTimout'; did you mean 'replicaTimeout'?",
            "orgs.yaml:5:3: cluster: unknown key 'leasecheck'; did you mean 'leaseCheck'?",
        ])
    }

    @Test func aMissingDatabase() {
        let out = Self.lines("  replica: r1")
        #expect(out.count == 1)
        #expect(out[0].hasPrefix("orgs.yaml:3:3: cluster: missing required key 'database'"))
    }

    @Test func badReplicaNames() {
        for bad in ["Web_1", "''", String(repeating: "x", count: 64)] {
            let out = Self.lines("  database: postgres://sb:${PG_PASSWORD}@db/switchboard\n  replica: \(bad)")
            #expect(out.count == 1, "\(bad)")
            #expect(out.first?.hasPrefix("orgs.yaml:4:12: cluster.replica:") == true, "\(out)")
        }
        let out = Self.lines("  database: postgres://sb:${PG_PASSWORD}@db/switchboard\n  replica: Web_1")
        #expect(out.first?.contains("1–63 characters of a-z, 0-9 and -") == true)
    }

    @Test func anUnusableHostNameAsksForAReplica() {
        var env = Self.environment
        env["HOSTNAME"] = "."
        let out = Self.lines("  database: postgres://sb:${PG_PASSWORD}@db/switchboard", environment: env)
        #expect(out.count == 1)
        #expect(out.first?.hasPrefix("orgs.yaml:3:3: cluster: the host name gives no replica name; add 'replica:") == true)
    }

    @Test func durationsOutOfBounds() {
        let out = Self.lines("""
          database: postgres://sb:${PG_PASSWORD}@db/switchboard
          replica: r1
          leaseCheck: 100ms
          replicaTimeout: 5m
        """)
        #expect(out == [
            "orgs.yaml:5:15: cluster.leaseCheck: 100ms is out of range; use 500ms to 30s",
            "orgs.yaml:6:19: cluster.replicaTimeout: 5m is out of range; use 3s to 2m",
        ])
        let unit = Self.lines("  database: postgres://sb:${PG_PASSWORD}@db/switchboard\n  replica: r1\n  leaseCheck: 2")
        #expect(unit == ["orgs.yaml:5:15: cluster.leaseCheck: '2' has no unit; add one of ms, s, m, h (e.g. 2s)"])
    }

    @Test func theTimeoutMustExceedTwoLeaseChecks() {
        let written = Self.lines("""
          database: postgres://sb:${PG_PASSWORD}@db/switchboard
          replica: r1
          leaseCheck: 3s
          replicaTimeout: 6s
        """)
        #expect(written.count == 1)
        #expect(written.first?.hasPrefix("orgs.yaml:6:19: cluster.replicaTimeout: 6s is not longer than twice "
            + "cluster.leaseCheck (3s)") == true)
        // The default timeout (10s) against a long lease check: reported at the lease check.
        let defaulted = Self.lines("""
          database: postgres://sb:${PG_PASSWORD}@db/switchboard
          replica: r1
          leaseCheck: 6s
        """)
        #expect(defaulted.count == 1)
        #expect(defaulted.first?.hasPrefix("orgs.yaml:5:15: cluster.replicaTimeout: 10s is not longer") == true)
    }

    @Test func badURLs() {
        let cases: [(String, String)] = [
            ("mysql://sb:${PG_PASSWORD}@db/switchboard", "not a PostgreSQL URL"),
            ("postgres://sb:${PG_PASSWORD}@db", "names no database"),
            ("postgres://db/switchboard", "names no user"),
            ("postgres://sb:${PG_PASSWORD}@db:99999/switchboard", "port 99999 is out of range"),
            ("postgres://sb:${PG_PASSWORD}@db:abc/switchboard", "the port must be a number"),
            ("postgres://sb:${PG_PASSWORD}@db/switchboard?sslmod=require", "unknown URL parameter 'sslmod'; did you mean 'sslmode'?"),
            ("postgres://sb:${PG_PASSWORD}@db/switchboard?sslmode=requir", "unknown sslmode 'requir'; did you mean 'require'?"),
            ("${DATABASE_URL}", "only its password as an environment variable"),
            ("postgres://sb:${NOT_SET}@db/switchboard", "environment variable NOT_SET is not set"),
            ("postgres://sb:${PG_PASSWORD@db/switchboard", "the password must not be written in the file"),
        ]
        for (url, expected) in cases {
            let out = Self.lines("  database: \(url)\n  replica: r1")
            #expect(out.count == 1, "\(url): \(out)")
            #expect(out.first?.hasPrefix("orgs.yaml:3:13: cluster.database: ") == true, "\(url): \(out)")
            #expect(out.first?.contains(expected) == true, "\(url): \(out)")
        }
        let notText = Self.lines("  database:\n    host: db\n  replica: r1")
        #expect(notText.first?.hasPrefix("orgs.yaml:4:5: cluster.database: expected a PostgreSQL URL") == true, "\(notText)")
    }

    @Test func everyMistakeInOneRun() {
        let out = Self.lines("""
          database: postgres://sb:literal@db/switchboard
          replica: NO
          leaseCheck: 1h
          color: blue
        """)
        #expect(out.map { $0.prefix(16) } == ["orgs.yaml:3:13: ", "orgs.yaml:4:12: ", "orgs.yaml:5:15: ", "orgs.yaml:6:3: c"])
    }

    @Test func theSecretNeverShows() throws {
        let secret = Self.environment["PG_PASSWORD"]!
        // In every diagnostic of a broken section whose password resolves…
        let out = Self.lines("""
          database: postgres://sb:${PG_PASSWORD}@db:0/switchboard?sslmode=nope
          replica: bad_name
          replicaTimeout: 1s
        """)
        #expect(!out.isEmpty)
        #expect(out.allSatisfy { !$0.contains(secret) && !$0.contains("pg-pass") })
        // …and in every description of a good one.
        let c = try #require(S.load(Self.yaml("  database: postgres://sb:${PG_PASSWORD}@db/switchboard"),
                                    environment: Self.environment))
        let cluster = try #require(c.cluster)
        for text in ["\(cluster)", String(describing: cluster), String(reflecting: cluster), "\(cluster.database)",
                     "\(String(describing: c))"] {
            #expect(!text.contains(secret) && !text.contains("pg-pass"), "\(text)")
        }
        var other = cluster
        other.database.password = Secret("rotated-pass")
        let changes = ClusterConfig.restartOnlyChanges(from: cluster, to: other)
        #expect(changes == ["cluster.database: password changed"])
    }

    @Test func noEnvLeavesThePasswordUncheckedAndTheRestChecked() throws {
        let yaml = Self.yaml("  database: postgres://sb:${PG_PASSWORD}@db/switchboard\n  replica: r1")
        let c = try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: [:],
                                      options: ConfigLoadOptions(requireSecrets: false))
        #expect(c.unchecked.contains("${PG_PASSWORD}"))
        #expect(c.cluster?.database.passwordVariable == "PG_PASSWORD")
        // Everything else is still checked.
        do {
            _ = try ConfigLoader.load(yaml: Self.yaml("  database: postgres://sb:${PG_PASSWORD}@db/switchboard\n  replica: R1"),
                                      file: "orgs.yaml", environment: [:], options: ConfigLoadOptions(requireSecrets: false))
            Issue.record("a bad replica name passed --no-env")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["config.value"])
        }
    }

    @Test func aChangedClusterWaitsForARestart() throws {
        let alone = try #require(S.load("auth: none\norgs:\n" + S.minimalOrg, environment: Self.environment))
        let a = try #require(S.load(Self.yaml("  database: postgres://sb:${PG_PASSWORD}@db/switchboard\n  replica: r1"),
                                    environment: Self.environment))
        let b = try #require(S.load(Self.yaml("  database: postgres://sb:${PG_PASSWORD}@db2/switchboard\n  replica: r2\n"
                                        + "  leaseCheck: 1s"), environment: Self.environment))
        #expect(ClusterConfig.restartOnlyChanges(from: a.cluster, to: b.cluster) == [
            "cluster.database: postgres://sb:***@db:5432/switchboard → postgres://sb:***@db2:5432/switchboard",
            "cluster.replica: r1 → r2",
            "cluster.leaseCheck: 2s → 1s",
        ])
        #expect(ClusterConfig.restartOnlyChanges(from: nil, to: a.cluster)
            == ["cluster: none → replica r1 on postgres://sb:***@db:5432/switchboard"])
        #expect(ClusterConfig.restartOnlyChanges(from: a.cluster, to: nil).count == 1)
        #expect(ClusterConfig.restartOnlyChanges(from: a.cluster, to: a.cluster).isEmpty)
        let diff = ConfigDiff(old: alone, new: a)
        #expect(diff.clusterChanged && !diff.isEmpty)
        #expect(diff.summary == "cluster (after a restart)")
        #expect(ConfigDiff(old: a, new: a).isEmpty)
    }
}
