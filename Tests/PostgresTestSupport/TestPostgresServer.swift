import Foundation
import Logging
import PostgresNIO
import PostgresStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL server for the tests (PostgresStoreTests, ClusterPostgresTests): `initdb` into a temporary directory (superuser `switchboard`,
/// trusted over the socket; TCP asks for a SCRAM password, user `bridge`), `pg_ctl start -w` on a Unix socket in
/// that directory and a free loopback port,
/// one database per test, `pg_ctl stop -m immediate` and the directory removed when the test process exits.
///
/// One server per test process (started on first use: initdb takes seconds, a database tenths). The binaries
/// come from `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin` (Debian's `postgresql`
/// package, which `make test-deps` installs). initdb and postgres refuse to run as root: as root, they run as
/// the `postgres` user, which owns the directory.
public final class TestPostgresServer: Sendable {
    /// The superuser, trusted over the socket.
    public static let user = "switchboard"
    /// A user with a password, for TCP (SCRAM), owner of the databases made for TCP.
    public static let passwordUser = "bridge"
    public static let password = "bridge-Pa55word"

    public let directory: String
    public let port: Int
    let bin: String
    let runAs: String?

    public var dataDirectory: String { directory + "/data" }

    /// The process's server, started on first use; the error of the start otherwise (every test then fails
    /// with it, the reason in its message).
    public static let shared: Result<TestPostgresServer, TestServerError> = {
        do {
            let server = try TestPostgresServer.start()
            started.withLock { $0 = server }
            atexit { TestPostgresServer.started.withLock { $0?.stop() } }
            return .success(server)
        } catch let error as TestServerError {
            return .failure(error)
        } catch {
            return .failure(TestServerError(message: "\(error)"))
        }
    }()

    private static let started = Mutex<TestPostgresServer?>(nil)

    public struct TestServerError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "test PostgreSQL server: \(message)" }
    }

    private init(directory: String, port: Int, bin: String, runAs: String?) {
        self.directory = directory
        self.port = port
        self.bin = bin
        self.runAs = runAs
    }

    /// initdb, then start and wait until it accepts connections (pg_ctl -w polls, 60 s deadline).
    public static func start() throws -> TestPostgresServer {
        let bin = try findBinaries()
        var template = Array("/tmp/sbpg-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestServerError(message: "mkdtemp failed (errno \(errno))") }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var runAs: String?
        if geteuid() == 0 {
            guard let pw = getpwnam("postgres") else {
                throw TestServerError(message: "running as root and there is no postgres user to run initdb as (install postgresql)")
            }
            guard chown(directory, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                throw TestServerError(message: "chown \(directory) to postgres failed (errno \(errno))")
            }
            runAs = "postgres"
        }
        let server = TestPostgresServer(directory: directory, port: try freePort(), bin: bin, runAs: runAs)
        do {
            // The socket trusts; TCP asks for a SCRAM password, so the TCP tests use one for real.
            try server.run("initdb", ["-D", server.dataDirectory, "-U", user, "--auth-local=trust",
                                      "--auth-host=scram-sha-256", "--no-sync", "--encoding=UTF8", "--locale=C"])
            try server.resume()
            try server.run("psql", ["-h", directory, "-p", "\(server.port)", "-U", user, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                                    "-c", "CREATE ROLE \(passwordUser) LOGIN PASSWORD '\(password)'"])
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// Starts the server on its data directory (again, after ``pause()``), waiting until it accepts connections.
    public func resume() throws {
        let options = ["-k", directory, "-c", "listen_addresses=127.0.0.1", "-p", "\(port)",
                       "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                       "-c", "max_connections=120", "-c", "shared_buffers=32MB"].joined(separator: " ")
        try run("pg_ctl", ["start", "-w", "-t", "60", "-D", dataDirectory, "-l", directory + "/server.log", "-o", options])
    }

    /// Stops the server at once (every session ends), keeping its data for ``resume()``: a database outage.
    public func pause() throws {
        try run("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", dataDirectory])
    }

    /// Stops the server at once and removes its directory.
    public func stop() {
        if FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") {
            try? run("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", dataDirectory])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The URL of a database: over the socket as the trusted superuser, or over TCP as the password user.
    public func url(database: String = "postgres", tcp: Bool = false) -> PostgresURL {
        tcp ? PostgresURL(endpoint: .tcp(host: "127.0.0.1", port: port), user: Self.passwordUser, password: Self.password,
                          database: database, sslMode: .disable)
            : PostgresURL(endpoint: .unixSocket(directory: directory, port: port), user: Self.user, password: nil,
                          database: database, sslMode: .disable)
    }

    /// A new empty database (owned by the password user when for TCP); its URL.
    public func createDatabase(tcp: Bool = false) async throws -> PostgresURL {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await execute("CREATE DATABASE \(name)" + (tcp ? " OWNER \(Self.passwordUser)" : ""))
        return url(database: name, tcp: tcp)
    }

    /// Runs one statement on a connection of its own (`database`: the server's `postgres` by default).
    public func execute(_ sql: String, database: String = "postgres") async throws {
        let target = url(database: database)
        let connection = try await PostgresConnection.connect(
            configuration: .init(unixSocketPath: target.socketPath!, username: Self.user, password: nil, database: database),
            id: 1, logger: Logger(label: "test-postgres"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-postgres"))
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    // MARK: Processes

    /// Runs one of the server's binaries (as `runAs` when set) to its end; throws with its output on failure.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process: `pg_ctl start` leaves the server running as
    /// a grandchild, which inherits the descriptor Process watches for the child's end, so its
    /// waitUntilExit would wait for the server to stop.
    private func run(_ tool: String, _ arguments: [String]) throws {
        let log = directory + "/\(tool).out"
        var argv: [String]
        if let runAs {
            argv = [try Self.which("runuser", in: ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]), "-u", runAs, "--",
                    bin + "/" + tool] + arguments
        } else {
            argv = [bin + "/" + tool] + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        let status = try Self.spawnAndWait(argv, environment: environment.map { "\($0.key)=\($0.value)" }, output: log)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let serverLog = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw TestServerError(message: "\(tool) exited with \(status): \(text.suffix(2_000)) \(serverLog.suffix(2_000))")
        }
    }

    /// Runs `argv` with stdin from /dev/null and stdout and stderr to `output`; its exit status.
    private static func spawnAndWait(_ argv: [String], environment: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgv, cEnv)
        guard spawned == 0 else { throw TestServerError(message: "could not start \(argv[0]) (errno \(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TestServerError(message: "waitpid \(argv[0]) failed (errno \(errno))") }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    private static func findBinaries() throws -> String {
        let fm = FileManager.default
        if let pgConfig = try? which("pg_config", in: ["/usr/bin", "/usr/local/bin"]) {
            let process = Process()
            let pipe = Pipe()
            process.executableURL = URL(fileURLWithPath: pgConfig)
            process.arguments = ["--bindir"]
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let dir = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if process.terminationStatus == 0, fm.isExecutableFile(atPath: dir + "/initdb") { return dir }
            }
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where fm.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw TestServerError(message: "no PostgreSQL server binaries (initdb) under pg_config --bindir or \(root)/*/bin; install the postgresql package (make test-deps)")
    }

    private static func which(_ name: String, in directories: [String]) throws -> String {
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw TestServerError(message: "\(name) not found in \(directories.joined(separator: ", "))")
    }

    /// A loopback port free now (the kernel's pick for port 0).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError(message: "socket failed (errno \(errno))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestServerError(message: "bind failed (errno \(errno))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestServerError(message: "getsockname failed (errno \(errno))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
