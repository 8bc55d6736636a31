import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The rules that used to live only in the startup path now live in the loader, which `check-config`,
/// `run` and every reload share; plus secrets from files, `--no-env`, id syntax and the `metrics` scope.
@Suite struct ValidationPathTests {
    static let org = ConfigTestSupport.minimalOrg

    // MARK: auth: none only on loopback

    @Test func authNoneOnANonLoopbackListenerIsRefusedByTheLoader() {
        let yaml = "server:\n  listen: 0.0.0.0:8080\nauth: none\norgs:\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:7: auth: 'none' is allowed only on a loopback listen address, but server.listen is "
                + "0.0.0.0:8080; declare clients with tokens (make one with 'switchboard token new') or listen on 127.0.0.1",
        ])
        #expect(ConfigTestSupport.lines("server:\n  listen: :9000\nauth: none\norgs:\n\(Self.org)\n").count == 1)
        #expect(ConfigTestSupport.lines("server:\n  listen: 127.0.0.2:8080\nauth: none\norgs:\n\(Self.org)\n").isEmpty)
        #expect(ConfigTestSupport.lines("server:\n  listen: '[::1]:8080'\nauth: none\norgs:\n\(Self.org)\n").isEmpty)
    }

    @Test func theCommandLineListenAddressCountsForTheRule() throws {
        let loopbackFile = "auth: none\norgs:\n\(Self.org)\n"
        let wide = ConfigLoadOptions(listen: ListenAddress(host: "0.0.0.0", port: 8080))
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: loopbackFile, file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment,
                                  options: wide)
        }
        #expect(error.diagnostics.map(\.code) == ["config.auth-none-not-loopback"])
        #expect(error.message.contains("--listen on the command line is 0.0.0.0:8080"))

        // The other way round: the file's wide address is replaced by a loopback one.
        let wideFile = "server:\n  listen: 0.0.0.0:8080\nauth: none\norgs:\n\(Self.org)\n"
        let config = try ConfigLoader.load(yaml: wideFile, file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment,
                                           options: ConfigLoadOptions(listen: ListenAddress(host: "127.0.0.1", port: 0)))
        #expect(config.server.listen == ListenAddress(host: "127.0.0.1", port: 0))
    }

    @Test func aReloadIsCheckedAgainstTheAddressTheListenerIsBoundTo() throws {
        // Running on every interface; the new file names loopback and switches authentication off. The
        // listener would stay where it is until a restart, so the edit is refused.
        let yaml = "auth: none\norgs:\n\(Self.org)\n"
        let reload = ConfigLoadOptions(runningListen: ListenAddress(host: "0.0.0.0", port: 8080))
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment,
                                  options: reload)
        }
        #expect(error.message.contains("but the running listener is 0.0.0.0:8080"))
        let loopback = ConfigLoadOptions(runningListen: ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(throws: Never.self) {
            try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment,
                                  options: loopback)
        }
    }

    @Test func theBridgeAppliesTheSameRuleToConfigurationsBuiltInCode() {
        var config = SwitchboardConfiguration()
        config.auth.disabled = true
        #expect(ConfigPolicy.problems(config).isEmpty)
        config.server.listen = ListenAddress(host: "10.0.0.5", port: 8080)
        #expect(ConfigPolicy.problems(config).count == 1)
    }

    @Test func anRS256KeyTheHubCouldNotUseIsRefused() {
        let yaml = """
        auth:
          jwt:
            rs256PublicKey: |
              -----BEGIN PUBLIC KEY-----
              AAAA
              -----END PUBLIC KEY-----
        orgs:
        \(Self.org)
        """
        let lines = ConfigTestSupport.lines(yaml)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("orgs.yaml:3:21: auth.jwt.rs256PublicKey: the PEM is not an RSA public key") == true)
    }

    // MARK: secrets from files

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func secretsComeFromFilesRelativeToTheConfigFile() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("secrets"), withIntermediateDirectories: true)
        try "us-secret-from-file\n".write(to: dir.appendingPathComponent("secrets/us"), atomically: true, encoding: .utf8)
        try "hs-secret\n".write(to: dir.appendingPathComponent("jwt"), atomically: true, encoding: .utf8)
        let token = "q83vEjS0yA7Zl2mXn9pRkT1uWc5bHdGf6aJxLoVwNeI"
        try token.write(to: dir.appendingPathComponent("dash.token"), atomically: true, encoding: .utf8)
        let yaml = """
        auth:
          jwt:
            hs256SecretFile: \(dir.path)/jwt
        clients:
          - name: dash
            tokenFile: dash.token
            scopes: [global]
        orgs:
          - id: us
            region: mypurecloud.com
            clientId: abc
            clientSecretFile: secrets/us
            timezone: America/New_York
        """
        let config = try ConfigLoader.load(yaml: yaml, file: dir.appendingPathComponent("orgs.yaml").path, environment: [:])
        #expect(config.org("us")?.clientSecret.reveal() == "us-secret-from-file")
        #expect(config.auth.jwtHS256Secret?.reveal() == "hs-secret")
        #expect(config.auth.clients.first?.credential.matches(token) == true)
        #expect(Set(config.readFiles) == [dir.appendingPathComponent("secrets/us").path, dir.path + "/jwt",
                                         dir.appendingPathComponent("dash.token").path])
    }

    @Test func secretFileMistakesAreReportedWithoutTheSecret() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "\n".write(to: dir.appendingPathComponent("empty"), atomically: true, encoding: .utf8)
        try "weak-secret-value".write(to: dir.appendingPathComponent("weak"), atomically: true, encoding: .utf8)
        let yaml = """
        clients:
          - name: dash
            tokenFile: weak
            scopes: [global]
        orgs:
          - id: us
            region: mypurecloud.com
            clientId: abc
            clientSecretFile: missing
            timezone: America/New_York
          - id: eu
            region: mypurecloud.de
            clientId: abc
            clientSecret: ${EU}
            clientSecretFile: empty
            timezone: Europe/Berlin
          - id: jp
            region: mypurecloud.jp
            clientId: abc
            clientSecretFile: empty
            timezone: Asia/Tokyo
          - id: au
            region: mypurecloud.com.au
            clientId: abc
            timezone: Australia/Sydney
        """
        let file = dir.appendingPathComponent("orgs.yaml").path
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: yaml, file: file, environment: ["EU": "x"])
        }
        let lines = error.diagnostics.map { "\($0.line):\($0.column): \($0.message)" }
        #expect(lines == [
            "3:16: clients[0].tokenFile: the token is too easy to guess (17 base64 characters, about 102 bits; at least "
                + "128 are required); make one with 'switchboard token new' (or 'openssl rand -base64 32'), or give "
                + "'tokenSha256' of such a token",
            "9:23: orgs[0].clientSecretFile: no such file '\(dir.path)/missing'; check the path (relative paths start "
                + "at the config file's directory) and that the bridge's user may read the file",
            "15:5: orgs[1]: both 'clientSecret' and 'clientSecretFile' are given; keep one",
            "20:23: orgs[2].clientSecretFile: '\(dir.path)/empty' is empty; write the secret into it",
            "22:5: orgs[3]: missing required key 'clientSecret'; add 'clientSecret: ${GENESYS_AU_CLIENT_SECRET}' "
                + "or 'clientSecretFile: /run/secrets/genesys-au'",
        ])
        #expect(!error.message.contains("weak-secret-value"))
    }

    // MARK: --no-env

    @Test func withoutSecretsRequiredUnsetVariablesAndMissingFilesAreListedNotRefused() throws {
        let yaml = """
        server:
          historySize: ${HISTORY}
        clients:
          - name: dash
            token: ${DASH_TOKEN}
            scopes: [global]
        orgs:
          - id: us
            region: mypurecloud.com
            clientId: abc
            clientSecret: ${GENESYS_US_CLIENT_SECRET}
            timezone: America/New_York
          - id: eu
            region: mypurecloud.de
            clientId: abc
            clientSecretFile: /nonexistent/eu
            timezone: Europe/Berlin
        """
        let noEnv = ConfigLoadOptions(requireSecrets: false)
        let config = try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: [:], options: noEnv)
        #expect(config.orgs.map(\.id) == ["us", "eu"])
        #expect(config.unchecked == ["${HISTORY}", "${GENESYS_US_CLIENT_SECRET}", "/nonexistent/eu", "${DASH_TOKEN}"])
        // Every other rule still applies.
        let broken = yaml.replacingOccurrences(of: "America/New_York", with: "America/Nowhere")
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: broken, file: "orgs.yaml", environment: [:], options: noEnv)
        }
        #expect(error.diagnostics.map(\.code) == ["config.timezone"])
        // And without the option the same file is refused for its variables.
        #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: [:]) }
    }

    // MARK: users and queues

    @Test func userAndQueueIdsMustBeUUIDs() {
        let yaml = """
        auth: none
        orgs:
        \(Self.org)
            users: [bob, 3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41, 3F6F0C2E-9D1B-4C8E-A7A5-2B6F1E0D9C41]
            queues: [6c1e2a4b-0f3d-4e5a-8b7c-9d0e1f2a3b4]
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:8:13: orgs[0].users[0]: 'bob' is not a user id; user ids are UUIDs such as "
                + "3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41 — copy it from the user's page in Genesys Cloud admin or the API",
            "orgs.yaml:8:56: orgs[0].users[2]: '3F6F0C2E-9D1B-4C8E-A7A5-2B6F1E0D9C41' is listed twice (first at line 8); keep one",
            "orgs.yaml:9:14: orgs[0].queues[0]: '6c1e2a4b-0f3d-4e5a-8b7c-9d0e1f2a3b4' is not a queue id; queue ids are "
                + "UUIDs such as 3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41 — copy it from the queue's page in Genesys Cloud "
                + "admin or the API",
        ])
    }

    // MARK: scopes and restart-only settings

    @Test func theMetricsScopeIsAScope() throws {
        #expect(Scope(parsing: "metrics") == .metrics)
        #expect(Scope.metrics.description == "metrics")
        let yaml = """
        clients:
          - name: prometheus
            tokenSha256: 3afe05188f22e5e3c829f5bd8ca62dbe335cdea0397768c137eb75e0c3a4fc7b
            scopes: [metrics]
          - name: typo
            tokenSha256: 0c9df51612fe8d6b5d1f3967b3cbb1b7c81ec16d227f8a0ca448b05280a6bb04
            scopes: [metric]
        orgs:
        \(Self.org)
        """
        #expect(ConfigTestSupport.lines(yaml) == ["orgs.yaml:7:14: clients[1].scopes[0]: unknown scope 'metric'; did you mean 'metrics'?"])
    }

    @Test func listenerSettingsThatWaitForARestartAreNamed() {
        let running = ServerConfig()
        var next = running
        #expect(next.restartOnlyChanges(from: running).isEmpty)
        next.flushInterval = .milliseconds(100)
        next.maxConnections = 10
        #expect(next.restartOnlyChanges(from: running).isEmpty)
        next.listen = ListenAddress(host: "0.0.0.0", port: 9000)
        next.maxInboundFrameBytes = 128 << 10
        next.idleTimeout = .seconds(90)
        #expect(next.restartOnlyChanges(from: running) == [
            "server.listen: 127.0.0.1:8080 → 0.0.0.0:9000",
            "server.maxInboundFrameBytes: 65536 bytes → 131072 bytes",
            "server.idleTimeout: 1m → 1m30s",
        ])
    }
}
