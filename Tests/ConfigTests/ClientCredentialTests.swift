import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct ClientCredentialTests {
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
        let config = try #require(ConfigTestSupport.load(yaml, environment: ["US_SECRET": "s", "DASH_TOKEN": "tok-123"]))
        #expect(config.auth.clients.count == 2)
        #expect(config.auth.clients[0].token.reveal() == "tok-123")
        #expect(config.auth.clients[0].credential.matches("tok-123"))
        #expect(config.auth.clients[1].credential.matches("dashboard-global-7Qm2xV9pL4sT8wZ3"))
        #expect(config.auth.clients[1].scopes == [.admin, .org("us")])
    }

    @Test func duplicateClientsAreReported() {
        let yaml = """
        clients:
          - name: a
            token: same-token
            scopes: [global]
          - name: a
            token: same-token
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
