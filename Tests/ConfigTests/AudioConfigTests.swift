import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `orgs[].audio`: the AudioHook Monitor integration of an org.
@Suite struct AudioConfigTests {
    static let secret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU="
    static let environment = ["US_SECRET": "s3cret", "US_AUDIOHOOK_API_KEY": "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh",
                              "US_AUDIOHOOK_CLIENT_SECRET": secret]

    static func yaml(_ audio: String) -> String {
        "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n" + audio
    }

    @Test func anOrgWithoutAudioHasNone() throws {
        let config = try #require(ConfigTestSupport.load(Self.yaml("")))
        #expect(config.org("us")?.audio == nil)
    }

    @Test func theSectionLoadsFromEnvironmentReferences() throws {
        let yaml = Self.yaml("""
            audio:
              organizationId: D7934305-0972-4844-938E-9060EEF73D05
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecret: ${US_AUDIOHOOK_CLIENT_SECRET}
        """)
        let config = try #require(ConfigTestSupport.load(yaml, environment: Self.environment))
        let audio = try #require(config.org("us")?.audio)
        #expect(audio.organizationId == "d7934305-0972-4844-938e-9060eef73d05")
        #expect(audio.apiKey.reveal() == "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh")
        #expect(audio.clientSecret.reveal() == Self.secret)
        #expect("\(audio.clientSecret)" == "***")
    }

    @Test func theOrganizationIdIsOptionalAndSecretsMayComeFromFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-audio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "key-from-file\n".write(to: dir.appendingPathComponent("api-key"), atomically: true, encoding: .utf8)
        try "\(Self.secret)\n".write(to: dir.appendingPathComponent("client-secret"), atomically: true, encoding: .utf8)
        let yaml = Self.yaml("""
            audio:
              apiKeyFile: api-key
              clientSecretFile: client-secret
        """)
        let config = try ConfigLoader.load(yaml: yaml, file: dir.appendingPathComponent("orgs.yaml").path,
                                           environment: ConfigTestSupport.minimalEnvironment)
        let audio = try #require(config.org("us")?.audio)
        #expect(audio.organizationId == nil)
        #expect(audio.apiKey.reveal() == "key-from-file")
        #expect(audio.clientSecret.reveal() == Self.secret)
        #expect(Set(config.readFiles) == [dir.appendingPathComponent("api-key").path, dir.appendingPathComponent("client-secret").path])
    }

    @Test func bothSecretsAreRequired() {
        #expect(ConfigTestSupport.lines(Self.yaml("    audio:\n      organizationId: d7934305-0972-4844-938e-9060eef73d05\n"))
            == [
                "orgs.yaml:9:7: orgs[0].audio: missing required key 'apiKey'; add 'apiKey: ${US_AUDIOHOOK_API_KEY}' or "
                    + "'apiKeyFile: /run/secrets/audiohook-us-api-key'",
                "orgs.yaml:9:7: orgs[0].audio: missing required key 'clientSecret'; add 'clientSecret: "
                    + "${US_AUDIOHOOK_CLIENT_SECRET}' or 'clientSecretFile: /run/secrets/audiohook-us-client-secret'",
            ])
        // An empty section is a section with both keys missing.
        #expect(ConfigTestSupport.lines(Self.yaml("    audio:\n")).count == 2)
    }

    @Test func secretsAreNeverWrittenInTheFileNorEchoed() {
        let yaml = Self.yaml("""
            audio:
              apiKey: literal-api-key-value
              clientSecret: \(Self.secret)
        """)
        let lines = ConfigTestSupport.lines(yaml, environment: Self.environment)
        #expect(lines == [
            "orgs.yaml:9:15: orgs[0].audio.apiKey: secrets must not be written in the file; export the secret as an "
                + "environment variable and write '${US_AUDIOHOOK_API_KEY}'",
            "orgs.yaml:10:21: orgs[0].audio.clientSecret: secrets must not be written in the file; export the secret as an "
                + "environment variable and write '${US_AUDIOHOOK_CLIENT_SECRET}'",
        ])
        #expect(!lines.joined().contains("literal-api-key-value"))
        #expect(!lines.joined().contains(Self.secret))
    }

    @Test func theClientSecretMustBeBase64() {
        let yaml = Self.yaml("""
            audio:
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecret: ${US_AUDIOHOOK_CLIENT_SECRET}
        """)
        var env = Self.environment
        env["US_AUDIOHOOK_CLIENT_SECRET"] = "not base64: pa55word!"
        let lines = ConfigTestSupport.lines(yaml, environment: env)
        #expect(lines == [
            "orgs.yaml:10:21: orgs[0].audio.clientSecret: the client secret is not base64; copy it exactly as the Genesys "
                + "Cloud AudioHook integration shows it (its value is not printed here)",
        ])
        #expect(!lines.joined().contains("pa55word"))
        env["US_AUDIOHOOK_API_KEY"] = nil
        #expect(ConfigTestSupport.lines(yaml, environment: env).first
            == "orgs.yaml:9:15: orgs[0].audio.apiKey: environment variable US_AUDIOHOOK_API_KEY is not set; export it or change the reference")
    }

    @Test func theOrganizationIdMustBeAUUIDAndUnique() {
        let bad = Self.yaml("""
            audio:
              organizationId: my-org
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecret: ${US_AUDIOHOOK_CLIENT_SECRET}
        """)
        #expect(ConfigTestSupport.lines(bad, environment: Self.environment) == [
            "orgs.yaml:9:23: orgs[0].audio.organizationId: 'my-org' is not a Genesys organization id; organization ids are "
                + "UUIDs such as 3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41 (Admin > Organization Settings), or leave the key out "
                + "to learn it from /api/v2/organizations/me",
        ])
        let section = """
            audio:
              organizationId: d7934305-0972-4844-938e-9060eef73d05
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecret: ${US_AUDIOHOOK_CLIENT_SECRET}
        """
        let twice = Self.yaml(section) + "\n" + ConfigTestSupport.minimalOrg.replacingOccurrences(of: "id: us", with: "id: eu")
            + "\n" + section.replacingOccurrences(of: "D7934305", with: "d7934305")
        #expect(ConfigTestSupport.lines(twice, environment: Self.environment) == [
            "orgs.yaml:18:23: orgs[1].audio.organizationId: 'd7934305-0972-4844-938e-9060eef73d05' is already the organization "
                + "of org 'us' (line 9); each Genesys organization streams to one org",
        ])
    }

    @Test func unknownKeysAreSuggested() {
        let yaml = Self.yaml("""
            audio:
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecret: ${US_AUDIOHOOK_CLIENT_SECRET}
              organisationId: d7934305-0972-4844-938e-9060eef73d05
        """)
        #expect(ConfigTestSupport.lines(yaml, environment: Self.environment) == [
            "orgs.yaml:11:7: orgs[0].audio: unknown key 'organisationId'; did you mean 'organizationId'?",
        ])
    }

    @Test func withoutSecretsRequiredTheyAreListedNotRefused() throws {
        let yaml = Self.yaml("""
            audio:
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecretFile: /nonexistent/audiohook-secret
        """)
        let config = try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment,
                                           options: ConfigLoadOptions(requireSecrets: false))
        #expect(config.unchecked == ["${US_AUDIOHOOK_API_KEY}", "/nonexistent/audiohook-secret"])
        #expect(config.org("us")?.audio != nil)
    }

    @Test func changingTheAudioSectionChangesTheOrg() throws {
        let a = try #require(ConfigTestSupport.load(Self.yaml("""
            audio:
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecret: ${US_AUDIOHOOK_CLIENT_SECRET}
        """), environment: Self.environment))
        let b = try #require(ConfigTestSupport.load(Self.yaml(""), environment: Self.environment))
        #expect(ConfigDiff(old: b, new: a).changedOrgs == ["us"])
    }
}
