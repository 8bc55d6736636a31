import Foundation
import Journeys
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `journeys:` (the deployment's salt) and `orgs[].journeys` (docs/journeys.md "Configuration").
@Suite struct JourneysConfigTests {
    /// The minimal org (lines 3–7) with `section` from line 8; `top` goes before `orgs:` (line 2 onwards).
    static func yaml(_ section: String, top: String = "") -> String {
        "auth: none\n" + top + "orgs:\n\(ConfigTestSupport.minimalOrg)\n" + section + (section.hasSuffix("\n") ? "" : "\n")
    }

    static let environment = ConfigTestSupport.minimalEnvironment.merging([
        "US_EB_KEY": "eventbridge-key-0123456789", "SALT": "a-long-random-salt-value", "SHORT": "short",
    ]) { a, _ in a }

    @Test func theFullSectionLoads() throws {
        let yaml = Self.yaml("""
            journeys:
              identity: [phone, externalContact, email]
              defaultCountry: gb
              sessionTimeout: 10m
              idleGrace: 2m
              reorderWindow: 250ms
              retention: 7d
              maxClosed: 1000
              showCustomer: masked
              eventBridge:
                apiKey: ${US_EB_KEY}
        """, top: "journeys:\n  salt: ${SALT}\n")
        let config = try #require(ConfigTestSupport.load(yaml, environment: Self.environment))
        #expect(config.journeys.salt == Secret("a-long-random-salt-value"))
        let j = try #require(config.org("us")?.journeys)
        #expect(j.identity == [.phone, .externalContact, .email])
        #expect(j.defaultCountry == "GB")
        #expect(j.sessionTimeout == .seconds(600) && j.idleGrace == .seconds(120))
        #expect(j.reorderWindow == .milliseconds(250) && j.retention == .seconds(7 * 86_400))
        #expect(j.maxClosed == 1000 && j.showCustomer == .masked)
        #expect(j.eventBridge?.apiKey == Secret("eventbridge-key-0123456789"))
        #expect(j.eventBridge?.accepts("eventbridge-key-0123456789") == true)
        #expect(j.eventBridge?.accepts("eventbridge-key-012345678") == false)
        #expect(j.eventBridge?.accepts(nil) == false)
        #expect(j.eventBridge?.accepts("") == false)
    }

    @Test func everyKeyHasADefault() throws {
        let config = try #require(ConfigTestSupport.load(Self.yaml("    journeys:\n")))
        #expect(config.org("us")?.journeys == OrgJourneysConfig())
        let j = OrgJourneysConfig()
        #expect(j.identity == [.externalContact, .phone, .email, .messaging] && j.defaultCountry == "US")
        #expect(j.sessionTimeout == .seconds(300) && j.idleGrace == .seconds(300) && j.reorderWindow == .milliseconds(100))
        #expect(j.retention == .seconds(30 * 86_400) && j.maxClosed == 50_000 && j.showCustomer == .hashed)
        #expect(j.eventBridge == nil)
        #expect(config.journeys.salt == nil)
        // No section, no journeys.
        #expect(ConfigTestSupport.load(Self.yaml(""))?.org("us")?.journeys == nil)
    }

    @Test func everyMistakeIsReportedWhereItIs() {
        let lines = ConfigTestSupport.lines(Self.yaml("""
            journeys:
              identity: [phone, phne, phone]
              defaultCountry: UK
              sessionTimeout: 2d
              idleGrace: 5
              reorderWindow: 30s
              retention: soon
              maxClosed: 0
              showCustomer: hashd
              sesionTimeout: 5m
        """), environment: Self.environment)
        #expect(lines == [
            "orgs.yaml:9:25: orgs[0].journeys.identity[1]: unknown identity source 'phne'; did you mean 'phone'?",
            "orgs.yaml:9:31: orgs[0].journeys.identity[2]: 'phone' is listed twice; keep one",
            "orgs.yaml:10:23: orgs[0].journeys.defaultCountry: unknown country 'UK' (its national phone numbers could "
                + "not be read); did you mean 'GB' (the ISO code of the United Kingdom)?",
            "orgs.yaml:11:23: orgs[0].journeys.sessionTimeout: 2d is out of range; the session timeout must be more "
                + "than 0s and at most 1d",
            "orgs.yaml:12:18: orgs[0].journeys.idleGrace: '5' has no unit; add one of ms, s, m, h (e.g. 5s)",
            "orgs.yaml:13:22: orgs[0].journeys.reorderWindow: 30s is out of range; the reorder window (every update "
                + "waits this long) must be at most 10s",
            "orgs.yaml:14:18: orgs[0].journeys.retention: 'soon' is not a duration; write e.g. 250ms, 65s, 15m, 2h or 1h30m",
            "orgs.yaml:15:18: orgs[0].journeys.maxClosed: 0 is out of range; use a number from 1 to 10000000",
            "orgs.yaml:16:21: orgs[0].journeys.showCustomer: unknown value 'hashd'; did you mean 'hashed'?",
            "orgs.yaml:17:7: orgs[0].journeys: unknown key 'sesionTimeout'; did you mean 'sessionTimeout'?",
        ])
    }

    @Test func anEmptyIdentityListAndAnUnknownCountryAreRefused() {
        let lines = ConfigTestSupport.lines(Self.yaml("""
            journeys:
              identity: []
              defaultCountry: XX
        """))
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("orgs.yaml:9:17: orgs[0].journeys.identity: the list is empty") == true)
        #expect(lines.last?.hasPrefix("orgs.yaml:10:23: orgs[0].journeys.defaultCountry: unknown country 'XX'") == true)
        #expect(lines.last?.contains("GB") == true && lines.last?.contains("US") == true)
        // A zero duration is refused like everywhere in the file.
        #expect(ConfigTestSupport.lines(Self.yaml("    journeys:\n      reorderWindow: 0ms\n")) == [
            "orgs.yaml:9:22: orgs[0].journeys.reorderWindow: must be longer than zero; write e.g. 100ms",
        ])
    }

    /// `eventStream:` is the seed's (invented) API: accepted on `protocol: seed` orgs (1…100), refused where it is on
    /// a `protocol: genesys` org.
    @Test func theEventStreamIsForSeedOrgsOnly() throws {
        let seed = try #require(ConfigTestSupport.load(Self.yaml("""
                protocol: seed
                journeys:
                  eventStream:
                    maxEventsPerSecond: 5
            """)))
        #expect(seed.org("us")?.journeys?.eventStream == EventStreamConfig(maxEventsPerSecond: 5))
        let genesys = ConfigTestSupport.lines(Self.yaml("""
            journeys:
              eventStream:
                maxEventsPerSecond: 5
        """))
        #expect(genesys.count == 1)
        #expect(genesys.first?.hasPrefix("orgs.yaml:10:9: ") == true, "\(genesys)")
        #expect(genesys.first?.contains(": orgs[0].journeys.eventStream: the Genesys Cloud platform has no event stream") == true)
        #expect(ConfigTestSupport.lines(Self.yaml("""
                protocol: seed
                journeys:
                  eventStream:
                    maxEventsPerSecond: 101
            """)).first?.contains("orgs[0].journeys.eventStream.maxEventsPerSecond: 101 is out of range") == true)
    }

    @Test func theEventBridgeKeyMustBeAnEnvironmentReferenceOrAFileAndLong() {
        let literal = ConfigTestSupport.lines(Self.yaml("""
            journeys:
              eventBridge:
                apiKey: eventbridge-key-0123456789
        """), environment: Self.environment)
        #expect(literal == [
            "orgs.yaml:10:17: orgs[0].journeys.eventBridge.apiKey: secrets must not be written in the file; export the "
                + "secret as an environment variable and write '${GENESYS_US_EVENTBRIDGE_KEY}'",
        ])
        // Never the key itself in a message.
        #expect(!literal.joined().contains("0123456789"))
        let short = ConfigTestSupport.lines(Self.yaml("""
            journeys:
              eventBridge:
                apiKey: ${SHORT}
        """), environment: Self.environment)
        #expect(short == [
            "orgs.yaml:10:17: orgs[0].journeys.eventBridge.apiKey: the key has fewer than 16 characters, so it could "
                + "be guessed; use a long random value (e.g. openssl rand -hex 32) and give the same to the EventBridge "
                + "connection's API key",
        ])
        let missing = ConfigTestSupport.lines(Self.yaml("    journeys:\n      eventBridge:\n"), environment: Self.environment)
        #expect(missing == [
            "orgs.yaml:9:19: orgs[0].journeys.eventBridge: missing required key 'apiKey'; add 'apiKey: "
                + "${GENESYS_US_EVENTBRIDGE_KEY}' or 'apiKeyFile: /run/secrets/eventbridge-us'",
        ])
        let unset = ConfigTestSupport.lines(Self.yaml("""
            journeys:
              eventBridge:
                apiKey: ${NOT_SET_ANYWHERE}
        """), environment: Self.environment)
        #expect(unset == [
            "orgs.yaml:10:17: orgs[0].journeys.eventBridge.apiKey: environment variable NOT_SET_ANYWHERE is not set; "
                + "export it or change the reference",
        ])
    }

    @Test func theKeyMayComeFromAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jcfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("eb-key")
        try "file-key-0123456789abcdef\n".write(to: file, atomically: true, encoding: .utf8)
        let yaml = Self.yaml("    journeys:\n      eventBridge:\n        apiKeyFile: \(file.path)\n")
        let config = try #require(ConfigTestSupport.load(yaml, environment: Self.environment))
        #expect(config.org("us")?.journeys?.eventBridge?.accepts("file-key-0123456789abcdef") == true)
        #expect(config.readFiles.contains(file.path))
    }

    @Test func theSaltMustBeLongAndSecret() {
        let short = ConfigTestSupport.lines(Self.yaml("", top: "journeys:\n  salt: ${SHORT}\n"), environment: Self.environment)
        #expect(short == [
            "orgs.yaml:3:9: journeys.salt: the salt has fewer than 16 characters, so hashed customer keys could be "
                + "guessed; use a long random value (e.g. openssl rand -hex 32), the same on every replica",
        ])
        let literal = ConfigTestSupport.lines(Self.yaml("", top: "journeys:\n  salt: not-a-reference-at-all\n"),
                                              environment: Self.environment)
        #expect(literal == [
            "orgs.yaml:3:9: journeys.salt: secrets must not be written in the file; export the secret as an environment "
                + "variable and write '${SWITCHBOARD_JOURNEY_SALT}'",
        ])
        let unknown = ConfigTestSupport.lines(Self.yaml("", top: "journeys:\n  slat: ${SALT}\n"), environment: Self.environment)
        #expect(unknown == ["orgs.yaml:3:3: journeys: unknown key 'slat'; did you mean 'salt'?"])
    }

    @Test func aMistakeInTheSectionDropsOnlyThatOrg() {
        // The org is refused (it has a problem), the file with it: one line, nothing else reported.
        let lines = ConfigTestSupport.lines(Self.yaml("    journeys:\n      showCustomer: everything\n"))
        #expect(lines == ["orgs.yaml:9:21: orgs[0].journeys.showCustomer: unknown value 'everything'; use hashed or "
            + "masked or clear"])
    }

    // MARK: Diff

    static func config(_ journeys: OrgJourneysConfig?, salt: Secret? = nil) -> SwitchboardConfiguration {
        var c = SwitchboardConfiguration(orgs: [
            OrgConfig(id: "us", name: "US", apiBase: "https://api.example", loginBase: "https://login.example",
                      clientId: "c", clientSecret: Secret("s"), timezone: TimeZone(identifier: "UTC")!, journeys: journeys),
        ])
        c.journeys.salt = salt
        return c
    }

    @Test func aChangeInTheSectionIsLiveButAddingOrRemovingItRestartsTheConnector() {
        let base = OrgJourneysConfig()
        var tuned = base
        tuned.sessionTimeout = .seconds(60)
        tuned.showCustomer = .clear
        let live = ConfigDiff(old: Self.config(base), new: Self.config(tuned))
        #expect(live.journeysChangedOrgs == ["us"] && live.changedOrgs.isEmpty && !live.isEmpty)
        #expect(live.summary == "journeys: us")
        let added = ConfigDiff(old: Self.config(nil), new: Self.config(base))
        #expect(added.changedOrgs == ["us"] && added.journeysChangedOrgs.isEmpty)
        let removed = ConfigDiff(old: Self.config(base), new: Self.config(nil))
        #expect(removed.changedOrgs == ["us"] && removed.journeysChangedOrgs.isEmpty)
        let same = ConfigDiff(old: Self.config(base), new: Self.config(base))
        #expect(same.isEmpty)
        let salted = ConfigDiff(old: Self.config(base), new: Self.config(base, salt: Secret("0123456789abcdef0")))
        #expect(salted.journeysChanged && !salted.isEmpty && salted.changedOrgs.isEmpty)
        #expect(salted.summary == "journeys salt")
    }
}
