import PostgresStore
import Testing

/// The store URL parser: every form the docs show, every refusal naming its problem, never the password.
@Suite struct PostgresURLTests {
    @Test func tcpWithPasswordPortAndSSLMode() throws {
        let url = try PostgresURL(parsing: "postgres://bridge:s3cret@db.example.com:5433/switchboard?sslmode=disable")
        #expect(url.endpoint == .tcp(host: "db.example.com", port: 5433))
        #expect(url.user == "bridge" && url.password == "s3cret" && url.database == "switchboard")
        #expect(url.sslMode == .disable)
        #expect(url.socketPath == nil)
        #expect(url.redacted == "postgres://bridge:***@db.example.com:5433/switchboard?sslmode=disable")
        #expect(!"\(url)".contains("s3cret"))
    }

    @Test func defaultsArePort5432AndSSLPreferOverTCP() throws {
        let url = try PostgresURL(parsing: "postgresql://bridge@localhost/history")
        #expect(url.endpoint == .tcp(host: "localhost", port: 5432))
        #expect(url.password == nil && url.sslMode == .prefer)
        #expect(url.redacted == "postgres://bridge@localhost:5432/history?sslmode=prefer")
        #expect(try PostgresURL(parsing: "  postgres://u@h/d?sslmode=verify-full  ").sslMode == .verifyFull)
        #expect(try PostgresURL(parsing: "postgres://u@h/d?sslmode=require").sslMode == .require)
    }

    @Test func unixSocketDirectories() throws {
        let url = try PostgresURL(parsing: "postgres://bridge@/switchboard?host=/run/postgresql")
        #expect(url.endpoint == .unixSocket(directory: "/run/postgresql", port: 5432))
        #expect(url.socketPath == "/run/postgresql/.s.PGSQL.5432")
        #expect(url.sslMode == .disable)
        #expect(url.redacted == "postgres://bridge@/switchboard?host=/run/postgresql")
        let other = try PostgresURL(parsing: "postgres://bridge@:5433/switchboard?host=/tmp/pg/")
        #expect(other.socketPath == "/tmp/pg/.s.PGSQL.5433")
        #expect(try PostgresURL(parsing: "postgres://u@/d?port=6000&host=/tmp").socketPath == "/tmp/.s.PGSQL.6000")
        #expect(try PostgresURL(parsing: "postgres://u@/d?host=/tmp&sslmode=disable").sslMode == .disable)
        // A host parameter that is not a path is a host name.
        #expect(try PostgresURL(parsing: "postgres://u@/d?host=db1").endpoint == .tcp(host: "db1", port: 5432))
    }

    @Test func percentEncodingAndIPv6() throws {
        let url = try PostgresURL(parsing: "postgres://us%40er:p%40ss%2Fw%3Ard@[::1]:6543/my%20db")
        #expect(url.user == "us@er" && url.password == "p@ss/w:rd" && url.database == "my db")
        #expect(url.endpoint == .tcp(host: "::1", port: 6543))
        #expect(url.redacted == "postgres://us%40er:***@[::1]:6543/my%20db?sslmode=prefer")
        // An @ in the password needs no encoding: the last @ ends the credentials.
        #expect(try PostgresURL(parsing: "postgres://u:a@b@h/d").password == "a@b")
        #expect(try PostgresURL(parsing: "postgres://u:@h/d").password == "")
        // The redacted form parses back to the same URL, the password aside.
        var withoutPassword = url
        withoutPassword.password = nil
        let reparsed = try PostgresURL(parsing: url.redacted.replacingOccurrences(of: ":***", with: ""))
        #expect(reparsed == withoutPassword)
    }

    static let refusals: [(String, String)] = [
        ("", "is empty"),
        ("   ", "is empty"),
        ("mysql://u:p@h/d", "does not start with postgres://"),
        ("postgres:/u@h/d", "does not start with postgres://"),
        ("postgres://u@h", "names no database"),
        ("postgres://u@h/", "names no database"),
        ("postgres://u@h/a/b", "holds a /"),
        ("postgres://h/d", "names no user"),
        ("postgres://@h/d", "names no user"),
        ("postgres://:pw@h/d", "names no user"),
        ("postgres://u%zz@h/d", "user name that is not valid percent-encoding"),
        ("postgres://u@h:0/d", "the port '0'"),
        ("postgres://u@h:70000/d", "the port '70000'"),
        ("postgres://u@h:5x/d", "the port '5x'"),
        ("postgres://u@h:/d", "the port ''"),
        ("postgres://u@[::1/d", "without its closing ]"),
        ("postgres://u@[::1]x/d", "text after the IPv6 host"),
        ("postgres://u@h o/d", "characters a host name cannot hold"),
        ("postgres://u@/d", "names no host"),
        ("postgres://u@h/d?sslmode=allow", "sslmode 'allow'"),
        ("postgres://u@h/d?sslmode", "parameter 'sslmode' without a valid value"),
        ("postgres://u@h/d?timeout=5", "unknown parameter 'timeout'"),
        ("postgres://u@h/d?sslmode=disable&sslmode=require", "the parameter 'sslmode' twice"),
        ("postgres://u@h/d?host=/tmp", "names a host twice"),
        ("postgres://u@h:1/d?port=2", "names a port twice"),
        ("postgres://u@/d?host=", "empty host parameter"),
        ("postgres://u@/d?host=/tmp&port=x", "the port 'x'"),
        ("postgres://u@/d?host=/tmp&sslmode=require", "sslmode=require over a Unix socket"),
        ("postgres://u@h/d#frag", "has a fragment"),
    ]

    @Test(arguments: refusals)
    func badURLsAreRefusedNamingTheProblem(_ text: String, _ problem: String) {
        do {
            let url = try PostgresURL(parsing: text)
            Issue.record("parsed \(text) as \(url)")
        } catch let error as PostgresStoreError {
            #expect(error.code == "postgres.url")
            #expect(error.message.contains(problem), "\(error.message)")
            #expect(error.message.contains("expected postgres://"), "says what is expected")
        } catch {
            Issue.record("not a PostgresStoreError: \(error)")
        }
    }

    /// However the URL is broken, a message never shows the password (nor a piece of it).
    @Test(arguments: [
        "postgres://u:Pa55word!@h:99999/d",
        "postgres://u:Pa55word!@h/d?sslmode=nope",
        "postgres://u:Pa55word!@h/d?x=1",
        "postgres://u:Pa55%zzword!@h/d",
        "postgres://u:Pa55?word!@h/d",            // an unencoded ? puts the rest of the password in the query
        "postgres://u:Pa55word!?x@h/d",
        "postgres://u:Pa55/word!@h/d",            // an unencoded / puts it in the database name
        "postgres://u:Pa55word!#@h/d",
        "postgres://u:Pa55word!@h o/d",
        "postgres://u:Pa55word!@/d",
        "mysql://u:Pa55word!@h/d",
    ])
    func aRefusalNeverShowsThePassword(_ text: String) {
        do {
            let url = try PostgresURL(parsing: text)
            #expect(!url.redacted.contains("word!"), "\(url.redacted)")
        } catch let error as PostgresStoreError {
            for piece in ["Pa55", "word!", "Pa55word", "?word", "/word"] {
                #expect(!error.message.contains(piece), "\(error.message)")
            }
        } catch {
            Issue.record("not a PostgresStoreError: \(error)")
        }
    }
}
