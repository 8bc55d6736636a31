import Foundation
import SwitchboardConfig
import Testing

/// The operator's side of the `switchboard` executable: tokens, version, `--no-env`, the one validation
/// path, help text, listener errors, quiet stops and JSON logs.
@Suite(.serialized) struct OperatorCLITests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// An orgs file with one org on an address nothing answers, and `head` on top.
    static func orgsFile(in dir: URL, head: String) throws -> String {
        let path = dir.appendingPathComponent("orgs.yaml").path
        try """
        \(head)
        orgs:
          - id: us
            apiBase: http://127.0.0.1:9
            loginBase: http://127.0.0.1:9
            clientId: us-client
            clientSecret: ${US_SECRET}
            timezone: UTC
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: token new

    @Test func tokenNewPrintsAStrongTokenOnceAndAClientEntryWithItsHash() async throws {
        let exe = try ExecutableLocator.switchboard()
        let result = try await ProcessResult.run(exe, ["token", "new", "--name", "ops", "--scopes", "admin, global"],
                                                 environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let token = try #require(lines.first { $0.count == 43 && !$0.contains(" ") })
        #expect(TokenStrength(token).isStrong)
        #expect(result.stdout.components(separatedBy: token).count == 2, "the token is printed once")
        #expect(lines.contains("- name: ops"))
        #expect(lines.contains("tokenSha256: \(ClientCredential.sha256Hex(token))"))
        #expect(lines.contains("scopes: [admin, global]"))

        // The entry, pasted into a file, is accepted and authenticates the token.
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let entry = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.contains(token) }
            .joined(separator: "\n")
        let path = try Self.orgsFile(in: dir, head: "clients:\n" + entry)
        let config = try ConfigLoader.load(path: path, environment: ["US_SECRET": "s"])
        #expect(config.auth.clients.first?.credential.matches(token) == true)
        #expect(config.auth.clients.first?.scopes == [.admin, .global])

        let other = try await ProcessResult.run(exe, ["token", "new", "--name", "ops", "--scopes", "global"], environment: [:])
        #expect(!other.stdout.contains(token), "each token is fresh")
        let bad = try await ProcessResult.run(exe, ["token", "new", "--name", "ops", "--scopes", "root"], environment: [:])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown scope 'root'"))
    }

    @Test func versionIsPrinted() async throws {
        let result = try await ProcessResult.run(try ExecutableLocator.switchboard(), ["--version"], environment: [:])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).first?.isNumber == true, "\(result.stdout)")
    }

    @Test func anUnknownFaultKindIsRefusedWithTheKnownOnes() async throws {
        let result = try await ProcessResult.run(try ExecutableLocator.switchboard(),
                                                 ["simulate", "--faults", "random", "--fault-kinds", "ghost,gost"],
                                                 environment: [:])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--fault-kinds: unknown kind(s) gost; use a comma-separated list of ghost, close"),
                "\(result.stderr)")
    }

    // MARK: check-config

    @Test func checkConfigWithoutEnvironmentChecksEverythingElse() async throws {
        let exe = try ExecutableLocator.switchboard()
        let example = ExecutableLocator.packageRoot().appendingPathComponent("orgs.example.yaml").path
        let result = try await ProcessResult.run(exe, ["check-config", "--no-env", example], environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok — 3 org(s)"))
        #expect(result.stdout.contains("not checked (--no-env): ${GENESYS_US_CLIENT_SECRET}, ${GENESYS_EMEA_CLIENT_SECRET}, "
            + "${GENESYS_APAC_CLIENT_SECRET}"))
        let plain = try await ProcessResult.run(exe, ["check-config", example], environment: [:])
        #expect(plain.status == 1)
    }

    @Test func checkConfigAndRunRefuseAuthNoneOnAWideListenerAlike() async throws {
        let exe = try ExecutableLocator.switchboard()
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["US_SECRET": "s"]
        let wide = try Self.orgsFile(in: dir, head: "server:\n  listen: 0.0.0.0:0\nauth: none")
        let check = try await ProcessResult.run(exe, ["check-config", wide], environment: env)
        #expect(check.status == 1)
        #expect(check.stderr.contains("\(wide):3:7: auth: 'none' is allowed only on a loopback listen address"))
        let run = try await ProcessResult.run(exe, ["run", "--config", wide], environment: env)
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(wide):3:7: auth: 'none' is allowed only on a loopback listen address"))

        // --listen on the command line counts, for run and for check-config.
        let loopback = try Self.orgsFile(in: dir, head: "auth: none")
        let checkListen = try await ProcessResult.run(exe, ["check-config", "--listen", "0.0.0.0:0", loopback], environment: env)
        #expect(checkListen.status == 1)
        #expect(checkListen.stderr.contains("--listen on the command line is 0.0.0.0:0"))
        let runListen = try await ProcessResult.run(exe, ["run", "--config", loopback, "--listen", "0.0.0.0:0"], environment: env)
        #expect(runListen.status == 1)
        #expect(runListen.stderr.contains("--listen on the command line is 0.0.0.0:0"))
        #expect(!runListen.stdout.contains("listening on"))
    }

    // MARK: help

    /// Paragraphs of the help text are wrapped once, by the parser, at the terminal's width: no line of
    /// the overview and discussion ends early while the next line's first word would still have fitted.
    @Test func helpTextIsWrappedOnceAtTheTerminalWidth() async throws {
        let exe = try ExecutableLocator.switchboard()
        for command in [[], ["run"], ["demo"], ["simulate"], ["check-config"], ["token", "new"]] {
            for width in [80, 200] {
                let result = try await ProcessResult.run(exe, command + ["--help"], environment: ["COLUMNS": "\(width)"])
                #expect(result.status == 0)
                let text = result.stdout
                let end = text.range(of: "\nUSAGE:")?.lowerBound ?? text.endIndex
                let lines = text[..<end].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                for (line, next) in zip(lines, lines.dropFirst()) where !line.isEmpty && !next.isEmpty {
                    let word = next.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? ""
                    // The parser fills a line up to width - 1 columns.
                    #expect(line.count + 1 + word.count >= width,
                            "`switchboard \(command.joined(separator: " ")) --help` at \(width) columns breaks early:\n\(line)\n\(next)")
                }
            }
        }
    }

    // MARK: listeners, stops, logs

    @Test func aTakenPortIsNamedNotReportedAsPortMinusOne() async throws {
        let exe = try ExecutableLocator.switchboard()
        let taken = try OccupiedPort()
        let sim = try RunningProcess(exe, ["simulate", "--orgs", "1", "--agents", "10", "--listen", "127.0.0.1:\(taken.port)"])
        let status = await sim.waitForExit(seconds: 60)
        #expect(status == 1)
        #expect(sim.stderr.contains("cannot listen on 127.0.0.1:\(taken.port): the address is already in use"), "\(sim.stderr)")
        #expect(!sim.stdout.contains("-1"), "\(sim.stdout)")

        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.orgsFile(in: dir, head: "auth: none")
        let run = try RunningProcess(exe, ["run", "--config", path, "--listen", "127.0.0.1:\(taken.port)"],
                                     environment: ["US_SECRET": "s"])
        #expect(await run.waitForExit(seconds: 60) == 1)
        #expect(run.stderr.contains("cannot listen on 127.0.0.1:\(taken.port): the address is already in use"), "\(run.stderr)")
    }

    @Test func aGracefulStopLogsNoWarnings() async throws {
        let exe = try ExecutableLocator.switchboard()
        let demo = try RunningProcess(exe, ["demo", "--listen", "127.0.0.1:0", "--agents", "10", "--log-level", "info"])
        let line = await demo.waitForLine(containing: "stop with Ctrl-C")
        #expect(line != nil, "stdout: \(demo.stdout)\nstderr: \(demo.stderr)")
        // Let the connectors open their sockets and the views refresh once before stopping.
        let base = try #require(await demo.waitForLine(containing: "listening on http://")).replacingOccurrences(of: "listening on ", with: "")
        #expect(await eventually("all orgs open") { await DemoFixture.allOpen(base) })
        let before = demo.stderr.count
        #expect(await demo.terminate() == 0)
        let stopping = String(demo.stderr.dropFirst(before))
        let noisy = stopping.split(separator: "\n").filter { $0.contains("warning") || $0.contains("error") || $0.contains("critical") }
        #expect(noisy.isEmpty, "logged while stopping:\n\(noisy.joined(separator: "\n"))")
    }

    @Test func jsonLogsAndAReplayThatShowsProgress() async throws {
        let exe = try ExecutableLocator.switchboard()
        let sim = try RunningProcess(exe, ["simulate", "--orgs", "1", "--agents", "10", "--listen", "127.0.0.1:0",
                                           "--start-at", "08:00", "--log-format", "json"])
        #expect(await sim.waitForLine(containing: "simulator on http://") != nil, "\(sim.stderr)")
        #expect(await sim.terminate() == 0)
        let lines = sim.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        var messages: [String] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] is String && object?["time"] is String, "not a JSON log line: \(line)")
            if let m = object?["message"] as? String { messages.append(m) }
        }
        #expect(messages.contains { $0.hasPrefix("replaying the simulated day's history (--start-at): 8h0m") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("history replayed in ") }, "\(messages)")
    }
}
