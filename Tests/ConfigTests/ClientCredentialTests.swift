import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct ClientCredentialTests {
    /// A token the loader accepts (32 random base64 characters).
    static let strong = "Q7mX2vLp9sT4wZ8kR3nB6yH1cF5jD0gA"

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
        ("dashboard-global-7Qm2xV9pL4sT8wZ3", "3afe05188f22e5e3c829f5bd8ca62dbe335cdea0397768c137eb75e0c3a4fc7b"),
    ])
    func sha256KnownVectors(input: String, hex: String) {
        #expect(ClientCredential.sha256Hex(input) == hex)
    }

    @Test func matching() {
        let hashed = ClientCredential.sha256("3afe05188f22e5e3c829f5bd8ca62dbe335cdea0397768c137eb75e0c3a4fc7b")
        #expect(hashed.matches("dashboard-global-7Qm2xV9pL4sT8wZ3"))
        #expect(!hashed.matches("dashboard-global-7Qm2xV9pL4sT8wZ4"))
        #expect(!hashed.matches(""))
        let plain = ClientCredential.token(Secret("demo-global"))
        #expect(plain.matches("demo-global"))
        #expect(!plain.matches("demo-globa"))
        #expect(!plain.matches(""))
        #expect(!ClientCredential.token(Secret("")).matches(""))
    }

    @Test func clientConfigKeepsTokenCompatibility() {
        let plain = ClientConfig(name: "a", token: Secret("t"), scopes: [.global])
        #expect(plain.credential == .token(Secret("t")))
        let hashed = ClientConfig(name: "b", credential: .sha256("ab"), scopes: [.admin])
        #expect(hashed.token.isEmpty)
        #expect(hashed.credential == .sha256("ab"))
    }

    @Test func tokensFromTheFile() throws {
        let yaml = """
        clients:
          - name: plain
            token: ${DASH_TOKEN}
            scopes: [global]
          - name: hashed
            tokenSha256: 3AFE05188F22E5E3C829F5BD8CA62DBE335CDEA0397768C137EB75E0C3A4FC7B
            scopes: [admin, org:us]
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
        let config = try #require(ConfigTestSupport.load(yaml, environment: ["US_SECRET": "s", "DASH_TOKEN": Self.strong]))
        #expect(config.auth.clients.count == 2)
        #expect(config.auth.clients[0].token.reveal() == Self.strong)
        #expect(config.auth.clients[0].credential.matches(Self.strong))
        #expect(config.auth.clients[1].credential.matches("dashboard-global-7Qm2xV9pL4sT8wZ3"))
        #expect(config.auth.clients[1].scopes == [.admin, .org("us")])
    }

    @Test func duplicateClientsAreReported() {
        let yaml = """
        clients:
          - name: a
            token: \(Self.strong)
            scopes: [global]
          - name: a
            token: \(Self.strong)
            scopes: [global]
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:5:11: clients[1].name: duplicate client name 'a' (first at line 2); give each client its own name",
            "orgs.yaml:6:12: clients[1]: same token as clients[0]; give each client its own token",
        ])
    }
}

/// Static tokens must resist guessing: about 128 bits, estimated from length and alphabet.
@Suite struct TokenStrengthTests {
    @Test func estimates() {
        #expect(TokenStrength("x").bits == 6)
        #expect(!TokenStrength("demo-global").isStrong)
        #expect(TokenStrength(String(repeating: "ab12", count: 8)).alphabet == "hex digits")
        #expect(TokenStrength("0123456789abcdef0123456789abcdef").isStrong)          // openssl rand -hex 16
        #expect(!TokenStrength("0123456789abcdef0123456789abcde").isStrong)           // 31 hex digits
        #expect(TokenStrength("AbCdEfGhIjKlMnOpQrStUv").isStrong)                     // 22 base64url
        #expect(!TokenStrength("AbCdEfGhIjKlMnOpQrStU").isStrong)                     // 21
        #expect(TokenStrength("q83vEjS0yA7Zl2mXn9pRkT1uWc5bHdGf6aJxLoVwNeI=").isStrong) // openssl rand -base64 32
        #expect(TokenStrength("3f2504e0-4f89-11d3-9a0c-0305e82c3301").isStrong)       // a UUID: 32 hex digits
        #expect(!TokenStrength(String(repeating: "a", count: 64)).isStrong)           // long but one character
        #expect(TokenStrength("314159265358979323846264338327950288419").isStrong)     // 39 decimal digits
    }

    @Test func aWeakTokenIsRefusedWithWhereAndWhatToDoButNotTheToken() {
        let yaml = """
        clients:
          - name: short
            token: hunter2
            scopes: [global]
          - name: from-env
            token: ${WEAK_TOKEN}
            scopes: [global]
          - name: hashed
            tokenSha256: 3afe05188f22e5e3c829f5bd8ca62dbe335cdea0397768c137eb75e0c3a4fc7b
            scopes: [global]
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
        let lines = ConfigTestSupport.lines(yaml, environment: ["US_SECRET": "s", "WEAK_TOKEN": "letmein-please"])
        let advice = "make one with 'switchboard token new' (or 'openssl rand -base64 32'), or give 'tokenSha256' of such a token"
        #expect(lines == [
            "orgs.yaml:3:12: clients[0].token: the token is too easy to guess (7 base64 characters, about 42 bits; "
                + "at least 128 are required); " + advice,
            "orgs.yaml:6:12: clients[1].token: the token is too easy to guess (14 base64 characters, about 84 bits; "
                + "at least 128 are required); " + advice,
        ])
        #expect(!lines.joined().contains("hunter2"))
        #expect(!lines.joined().contains("letmein"))
    }

    @Test func aStrongTokenLoads() throws {
        let yaml = """
        clients:
          - name: dash
            token: ${DASH_TOKEN}
            scopes: [global]
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
        let config = try #require(ConfigTestSupport.load(yaml, environment: ["US_SECRET": "s",
                                                                             "DASH_TOKEN": ClientCredentialTests.strong]))
        #expect(config.auth.clients.map(\.name) == ["dash"])
    }
}
