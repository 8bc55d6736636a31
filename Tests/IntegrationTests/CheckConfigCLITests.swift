import Foundation
import Testing

/// `switchboard check-config` through the built executable: exit codes and `file:line:column:` lines.
@Suite struct CheckConfigCLITests {
    let secrets = [
        "GENESYS_US_CLIENT_SECRET": "x", "GENESYS_EMEA_CLIENT_SECRET": "y", "GENESYS_APAC_CLIENT_SECRET": "z",
    ]

    func example() throws -> String {
        try String(contentsOf: ExecutableLocator.packageRoot().appendingPathComponent("orgs.example.yaml"), encoding: .utf8)
    }

    @Test func exampleIsValidWithTheThreeSecretsSet() async throws {
        let exe = try ExecutableLocator.switchboard()
        let path = ExecutableLocator.packageRoot().appendingPathComponent("orgs.example.yaml").path
        let result = try await ProcessResult.run(exe, ["check-config", path], environment: secrets)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("ok"))
        #expect(result.stderr.isEmpty)
    }

    @Test func missingSecretIsNamedButNeverPrinted() async throws {
        let exe = try ExecutableLocator.switchboard()
        let path = ExecutableLocator.packageRoot().appendingPathComponent("orgs.example.yaml").path
        var env = secrets
        env["GENESYS_EMEA_CLIENT_SECRET"] = nil
        env["GENESYS_US_CLIENT_SECRET"] = "super-secret-value"
        let result = try await ProcessResult.run(exe, ["check-config", path], environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("GENESYS_EMEA_CLIENT_SECRET"))
        #expect(!result.stderr.contains("super-secret-value"))
        #expect(!result.stdout.contains("super-secret-value"))
    }

    @Test func brokenCopyPrintsFileLineColumnLinesAndExitsOne() async throws {
        let exe = try ExecutableLocator.switchboard()
        var text = try example()
        // Two independent mistakes: a bad time zone and a typo'd key.
        let zone = try #require(text.range(of: "America/New_York"))
        text.replaceSubrange(zone, with: "America/Nowhere")
        let name = try #require(text.range(of: "\n    name:"))
        text.replaceSubrange(name, with: "\n    nmae:")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("broken.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)

        let result = try await ProcessResult.run(exe, ["check-config", file.path], environment: secrets)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count >= 2, "expected both mistakes, got: \(result.stderr)")
        for line in lines {
            #expect(line.hasPrefix(file.path + ":"), "\(line)")
            let rest = line.dropFirst(file.path.count + 1).split(separator: ":", maxSplits: 2)
            #expect(rest.count == 3 && Int(rest[0]) != nil && Int(rest[1]) != nil, "no line:column in \(line)")
        }
        #expect(result.stderr.contains("America/Nowhere"))
        #expect(result.stderr.contains("nmae"))
    }

    @Test func missingFileIsAClearError() async throws {
        let exe = try ExecutableLocator.switchboard()
        let result = try await ProcessResult.run(exe, ["check-config", "/nonexistent/orgs.yaml"], environment: secrets)
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/orgs.yaml"))
    }
}
