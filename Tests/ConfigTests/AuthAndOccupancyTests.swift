import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct AuthAndOccupancyTests {
    static let org = ConfigTestSupport.minimalOrg

    @Test func authNone() throws {
        let config = try #require(ConfigTestSupport.load("auth: none\norgs:\n\(Self.org)\n"))
        #expect(config.auth.disabled)
        #expect(config.auth.clients.isEmpty)
    }

    @Test func jwtWithHS256AndInlinePEM() throws {
        let pem = try String(contentsOfFile: ConfigTestSupport.fixture("jwt-public.pem"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let indented = pem.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
        let yaml = """
        auth:
          jwt:
            hs256Secret: ${JWT_SECRET}
            rs256PublicKey: |
        \(indented)
            issuer: https://idp.example.com/
            audience: switchboard
        orgs:
        \(Self.org)
        """
        let config = try #require(ConfigTestSupport.load(yaml, environment: ["US_SECRET": "s", "JWT_SECRET": "k"]))
        #expect(config.auth.jwtHS256Secret?.reveal() == "k")
        #expect(config.auth.jwtRS256PublicKeyPEM == pem)
        #expect(config.auth.jwtIssuer == "https://idp.example.com/")
        #expect(config.auth.jwtAudience == "switchboard")
        #expect(!config.auth.disabled)
    }

    @Test func rs256PublicKeyFileIsRelativeToTheConfigFile() throws {
        let pem = try ConfigTestSupport.fixture("jwt-public.pem")
        let dir = URL(fileURLWithPath: pem).deletingLastPathComponent().path
        let yaml = "auth:\n  jwt:\n    rs256PublicKey: jwt-public.pem\norgs:\n\(Self.org)\n"
        let config = try ConfigLoader.load(yaml: yaml, file: dir + "/orgs.yaml", environment: ["US_SECRET": "s"])
        let key = try #require(config.auth.jwtRS256PublicKeyPEM)
        #expect(key.hasPrefix("-----BEGIN PUBLIC KEY-----") && key.hasSuffix("-----END PUBLIC KEY-----"))
        let missing = "auth:\n  jwt:\n    rs256PublicKey: nope.pem\norgs:\n\(Self.org)\n"
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: missing, file: dir + "/orgs.yaml", environment: ["US_SECRET": "s"])
        }
        #expect(error.diagnostics.map(\.description) == [
            "\(dir)/orgs.yaml:3:21: auth.jwt.rs256PublicKey: cannot read '\(dir)/nope.pem'; check the path "
                + "(relative paths start at the config file's directory) or paste the PEM inline",
        ])
    }

    @Test func authMistakes() {
        #expect(ConfigTestSupport.lines("auth: off\norgs:\n\(Self.org)\n") == [
            "orgs.yaml:1:1: top level: no way for clients to authenticate; add 'clients:' with tokens, "
                + "'auth: {jwt: …}', or 'auth: none' (loopback demo only)",
            "orgs.yaml:1:7: auth: unknown value 'off'; write 'none' or a mapping with 'jwt:'",
        ])
        #expect(ConfigTestSupport.lines("auth:\n  jwt:\n    hs256Secret: plain-text\n    audiance: x\norgs:\n\(Self.org)\n") == [
            "orgs.yaml:3:18: auth.jwt.hs256Secret: secrets must not be written in the file; "
                + "export the secret as an environment variable and write '${SWITCHBOARD_JWT_SECRET}'",
            "orgs.yaml:4:5: auth.jwt: unknown key 'audiance'; did you mean 'audience'?",
        ])
        #expect(ConfigTestSupport.lines("auth:\n  jwt:\n    issuer: me\norgs:\n\(Self.org)\n") == [
            "orgs.yaml:3:5: auth.jwt: missing 'hs256Secret' or 'rs256PublicKey'; add one to verify JWT signatures",
        ])
    }

    @Test func occupancySettings() throws {
        let yaml = """
        auth: none
        occupancy:
          productivePresences: [ON_QUEUE, On Queue, Available, idle]
          bands: {under: 0.5, healthy: 0.75, elevated: 0.95}
          bandWindow: rolling15m
        orgs:
        \(Self.org)
        """
        let config = try #require(ConfigTestSupport.load(yaml))
        #expect(config.occupancy.productivePresences == [.onQueue, .available, .idle])
        #expect(config.occupancy.bands == BandThresholds(under: 0.5, healthy: 0.75, elevated: 0.95))
        #expect(config.occupancy.bandWindow == .rolling15m)
    }

    @Test func occupancyMistakes() {
        let yaml = """
        auth: none
        occupancy:
          productivePresences: On Queue
          bands: {under: 60%}
          bandWindow: rolling30m
        orgs:
        \(Self.org)
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:24: occupancy.productivePresences: expected a list, found 'On Queue'; write [On Queue, Available]",
            "orgs.yaml:4:18: occupancy.bands.under: expected a number, found '60%'; write e.g. 0.6",
            "orgs.yaml:5:15: occupancy.bandWindow: unknown value 'rolling30m'; did you mean 'rolling60m'?",
        ])
    }

    @Test func queueAndUserSelections() throws {
        let q1 = "6c1e2a4b-0f3d-4e5a-8b7c-9d0e1f2a3b4c", q2 = "0D9C8B7A-6F5E-4D3C-2B1A-0F9E8D7C6B5A"
        let yaml = "auth: none\norgs:\n\(Self.org)\n    queues: [\(q1), \(q2)]\n    users: all\n    protocol: seed\n"
        let org = try #require(ConfigTestSupport.load(yaml)?.orgs.first)
        #expect(org.queues == .ids([q1, q2.lowercased()]))
        #expect(org.users == .all)
        #expect(org.upstreamProtocol == .seed)
        let bad = "auth: none\norgs:\n\(Self.org)\n    queues: some\n    users: []\n"
        #expect(ConfigTestSupport.lines(bad) == [
            "orgs.yaml:8:13: orgs[0].queues: unknown value 'some'; write 'all' or a list of ids",
            "orgs.yaml:9:12: orgs[0].users: the list is empty, so nothing would be watched; write 'all' or list ids",
        ])
    }
}
