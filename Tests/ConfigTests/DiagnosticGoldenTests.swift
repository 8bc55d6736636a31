import SwitchboardConfig
import SwitchboardCore
import Testing

/// Each mistake class yields exactly one `file:line:column: message` line.
@Suite struct DiagnosticGoldenTests {
    static let org = ConfigTestSupport.minimalOrg

    @Test func unknownKeyWithSuggestion() {
        let yaml = "auth: none\nserver:\n  listne: 127.0.0.1:9000\norgs:\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:3: server: unknown key 'listne'; did you mean 'listen'?",
        ])
    }

    @Test func unknownKeyWithoutSuggestionListsValidKeys() {
        let yaml = "auth: none\noccupancy:\n  colour: red\norgs:\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:3: occupancy: unknown key 'colour'; valid keys are productivePresences, bands, bandWindow, bandMinProductive",
        ])
    }

    @Test func unknownTopLevelKeyByPrefix() {
        let yaml = "auth: none\nocc:\n  bandWindow: today\norgs:\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:2:1: top level: unknown key 'occ'; did you mean 'occupancy'?",
        ])
    }

    @Test func wrongType() {
        let yaml = "auth: none\nserver:\n  historySize: lots\n  listen: [a, b]\norgs:\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:16: server.historySize: expected a whole number, found 'lots'; write e.g. 512",
            "orgs.yaml:4:11: server.listen: expected host:port, found a list; write e.g. 127.0.0.1:8080",
        ])
    }

    @Test func sectionOfWrongType() {
        let yaml = "auth: none\nserver: 8080\norgs:\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:2:9: server: expected a mapping, found '8080'; write indented 'key: value' lines under 'server'",
        ])
    }

    @Test func badDurations() {
        let yaml = """
        auth: none
        server:
          flushInterval: 250
          pingInterval: soon
          pongTimeout: 0s
        orgs:
        \(Self.org)
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:18: server.flushInterval: '250' has no unit; add one of ms, s, m, h (e.g. 250s)",
            "orgs.yaml:4:17: server.pingInterval: 'soon' is not a duration; write e.g. 250ms, 65s, 15m, 2h or 1h30m",
            "orgs.yaml:5:16: server.pongTimeout: must be longer than zero; write e.g. 10s",
        ])
    }

    @Test func badTimeZoneSuggestsTheClosest() {
        let yaml = "auth: none\norgs:\n\(Self.org.replacingOccurrences(of: "America/New_York", with: "Europe/Berln"))\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:7:15: orgs[0].timezone: unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'?",
        ])
    }

    @Test func duplicateOrgID() {
        let yaml = "auth: none\norgs:\n\(Self.org)\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:8:9: orgs[1].id: duplicate org id 'us' (first at line 3); give each org a unique id",
        ])
    }

    @Test func unknownRegion() {
        let yaml = "auth: none\norgs:\n\(Self.org.replacingOccurrences(of: "mypurecloud.com", with: "mypurecloud.fr"))\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:4:13: orgs[0].region: unknown region 'mypurecloud.fr'; did you mean 'mypurecloud.ie'?",
        ])
        let far = "auth: none\norgs:\n\(Self.org.replacingOccurrences(of: "mypurecloud.com", with: "mars"))\n"
        #expect(ConfigTestSupport.lines(far) == [
            "orgs.yaml:4:13: orgs[0].region: unknown region 'mars'; use a Genesys domain such as mypurecloud.com, "
                + "mypurecloud.de, mypurecloud.jp or an SDK key such as us_east_1 (see docs/configuration.md)",
        ])
    }

    @Test func unsetEnvironmentVariableIsNamedNotPrinted() {
        let yaml = "auth: none\norgs:\n\(Self.org)\n"
        let lines = ConfigTestSupport.lines(yaml, environment: [:])
        #expect(lines == [
            "orgs.yaml:6:19: orgs[0].clientSecret: environment variable US_SECRET is not set; export it or change the reference",
        ])
    }

    @Test func literalSecretIsRefusedWithoutEchoingIt() {
        let yaml = "auth: none\norgs:\n\(Self.org.replacingOccurrences(of: "${US_SECRET}", with: "hunter2-very-secret"))\n"
        let lines = ConfigTestSupport.lines(yaml)
        #expect(lines == [
            "orgs.yaml:6:19: orgs[0].clientSecret: secrets must not be written in the file; "
                + "export the secret as an environment variable and write '${GENESYS_US_CLIENT_SECRET}'",
        ])
        #expect(!lines.joined().contains("hunter2"))
    }

    @Test func scopeNamingAnUndeclaredOrg() {
        let yaml = """
        clients:
          - name: asia
            token: Zq3rVh8Kp2mXw7Ty5Nc4Lb9Fd6Gj1Se0
            scopes: [global, org:asia, org:uss, sudo]
        orgs:
        \(Self.org)
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:4:22: clients[0].scopes[1]: scope 'org:asia' names no declared org; use one of org:us",
            "orgs.yaml:4:32: clients[0].scopes[2]: scope 'org:uss' names no declared org; did you mean 'org:us'?",
            "orgs.yaml:4:41: clients[0].scopes[3]: unknown scope 'sudo'; use global, admin, metrics or org:<id>",
        ])
    }

    @Test func missingRequiredKeysPointAtTheMapping() {
        let yaml = "auth: none\norgs:\n  - id: eu\n    region: eu_west_1\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:5: orgs[0]: missing required key 'clientId'; add 'clientId: <OAuth client id>'",
            "orgs.yaml:3:5: orgs[0]: missing required key 'clientSecret'; add 'clientSecret: ${GENESYS_EU_CLIENT_SECRET}' "
                + "or 'clientSecretFile: /run/secrets/genesys-eu'",
            "orgs.yaml:3:5: orgs[0]: missing required key 'timezone'; add 'timezone: America/New_York'",
        ])
    }

    @Test func missingOrgsAndAuth() {
        #expect(ConfigTestSupport.lines("server:\n  listen: :8080\n") == [
            "orgs.yaml:1:1: top level: missing required key 'orgs'; add an 'orgs:' list with at least one org",
            "orgs.yaml:1:1: top level: no way for clients to authenticate; add 'clients:' with tokens, "
                + "'auth: {jwt: …}', or 'auth: none' (loopback demo only)",
        ])
        #expect(ConfigTestSupport.lines("") == [
            "orgs.yaml:1:1: top level: the file is empty; add an 'orgs:' list (see orgs.example.yaml)",
        ])
    }

    @Test func syntaxErrorIsOneDiagnosticWithPosition() {
        let yaml = "auth: none\norgs:\n  - id: us\n    region: [mypurecloud.com\n"
        let lines = ConfigTestSupport.lines(yaml)
        #expect(lines == [
            "orgs.yaml:5:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 4, "
                + "column 13); fix the YAML here (check indentation, quotes, and ': ' after keys)",
        ])
    }

    @Test func duplicateKeyInAMapping() {
        let yaml = "auth: none\nserver:\n  listen: :1\n  listen: :2\norgs:\n\(Self.org)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:3: key 'listen' appears more than once in the same mapping; keep one",
        ])
    }

    @Test func numbersOutOfRange() {
        let yaml = """
        auth: none
        server:
          listen: 0.0.0.0:70000
          historySize: 0
          clientQueueBytes: 1 furlong
        occupancy:
          bands: {under: 0.8, healthy: 0.6, elevated: 0.9}
        orgs:
        \(Self.org)
            tunables: {backoffJitter: 1.5, backoffInitial: 2m, backoffMax: 1m}
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:11: server.listen: port 70000 is out of range; use 0–65535 (0 picks a free port)",
            "orgs.yaml:4:16: server.historySize: 0 is out of range; use a number of at least 1",
            "orgs.yaml:5:21: server.clientQueueBytes: expected a size in bytes, found '1 furlong'; write a whole number "
                + "of bytes or use a unit: KiB, MiB, GiB, KB, MB, GB (e.g. 1MiB)",
            "orgs.yaml:7:10: occupancy.bands: thresholds must satisfy 0 < under < healthy < elevated < 1, found under 0.8, "
                + "healthy 0.6, elevated 0.9; reorder them (defaults 0.6, 0.8, 0.9)",
            "orgs.yaml:14:31: orgs[0].tunables.backoffJitter: 1.5 is out of range; use a number from 0 to 1 (0.1 means ±10 %)",
            "orgs.yaml:14:52: orgs[0].tunables.backoffInitial: 2m is longer than backoffMax 1m; make backoffInitial ≤ backoffMax",
        ])
    }

    @Test func badOrgIDAndURLs() {
        let yaml = """
        auth: none
        orgs:
          - id: US_East
            apiBase: ftp://api.example
            loginBase: http://127.0.0.1:9100
            clientId: x
            clientSecret: ${US_SECRET}
            timezone: UTC
            protocol: genesis
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:9: orgs[0].id: org id 'US_East' must be 1–63 lower-case letters, digits and '-' "
                + "(it names the topic org:<id>); write e.g. 'us-east'",
            "orgs.yaml:4:14: orgs[0].apiBase: 'ftp://api.example' is not an http(s) or ws(s) URL with a host; "
                + "write e.g. https://api.mypurecloud.com",
            "orgs.yaml:9:15: orgs[0].protocol: unknown value 'genesis'; did you mean 'genesys'?",
        ])
    }

    @Test func clientCredentialMistakes() {
        let yaml = """
        clients:
          - name: a
            tokenSha256: not-hex
            scopes: [global]
          - name: b
            scopes: [global]
          - name: c
            token: ${C_TOKEN}
            tokenSha256: 3afe05188f22e5e3c829f5bd8ca62dbe335cdea0397768c137eb75e0c3a4fc7b
            scopes: [global]
        orgs:
        \(Self.org)
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:18: clients[0].tokenSha256: expected 64 hex digits; write the output of "
                + "printf %s \"$TOKEN\" | sha256sum (without the trailing ' -')",
            "orgs.yaml:5:5: clients[1]: missing required key 'tokenSha256' or 'token'; add 'tokenSha256: <hex>' "
                + "(make one with 'switchboard token new'), 'token: ${VAR}' or 'tokenFile: <path>'",
            "orgs.yaml:9:5: clients[2]: both 'token' and 'tokenSha256' are given; keep one",
        ])
    }

    @Test func aMistypedRequiredKeyIsReportedOnce() {
        let yaml = """
        auth: none
        org:
          - id: us
        """
        #expect(ConfigTestSupport.lines(yaml) == ["orgs.yaml:2:1: top level: unknown key 'org'; did you mean 'orgs'?"])
        let org = ConfigTestSupport.minimalOrg
            .replacingOccurrences(of: "region:", with: "regoin:")
            .replacingOccurrences(of: "timezone:", with: "timeZone:")
        #expect(ConfigTestSupport.lines("clients:\n  - name: a\n    token: Zq3rVh8Kp2mXw7Ty5Nc4Lb9Fd6Gj1Se0\n    scope: [global]\norgs:\n\(org)\n") == [
            "orgs.yaml:4:5: clients[0]: unknown key 'scope'; did you mean 'scopes'?",
            "orgs.yaml:7:5: orgs[0]: unknown key 'regoin'; did you mean 'region'?",
            "orgs.yaml:10:5: orgs[0]: unknown key 'timeZone'; did you mean 'timezone'?",
        ])
    }

    @Test func qualityPassScoreAndUtilizationMediaTypes() {
        let yaml = """
        auth: none
        orgs:
        \(Self.org)
            tunables:
              qualityPassScore: 120
              utilizationMediaTypes: [voice, Voice, chatt]
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:9:25: orgs[0].tunables.qualityPassScore: 120 is out of range; use a number from 0 to 100 "
                + "(a total score in percent)",
            "orgs.yaml:10:38: orgs[0].tunables.utilizationMediaTypes[1]: 'voice' is listed twice; keep one",
            "orgs.yaml:10:45: orgs[0].tunables.utilizationMediaTypes[2]: unknown media type 'chatt'; did you mean 'chat'?",
        ])
        let empty = "auth: none\norgs:\n\(Self.org)\n    tunables:\n      utilizationMediaTypes: []\n"
        #expect(ConfigTestSupport.lines(empty) == [
            "orgs.yaml:9:30: orgs[0].tunables.utilizationMediaTypes: the list is empty, so nothing would be counted; "
                + "write 'all' or list media types",
        ])
        let valid = "auth: none\norgs:\n\(Self.org)\n    tunables:\n      qualityPassScore: 75.5\n"
            + "      utilizationMediaTypes: [Voice, callback]\n"
        let config = ConfigTestSupport.load(valid)
        #expect(config?.orgs.first?.tunables.qualityPassScore == 75.5)
        #expect(config?.orgs.first?.tunables.utilizationMediaTypes == ["voice", "callback"])
        let all = ConfigTestSupport.load("auth: none\norgs:\n\(Self.org)\n    tunables:\n      utilizationMediaTypes: all\n")
        #expect(all?.orgs.first?.tunables.utilizationMediaTypes == nil)
        #expect(OrgTunables().qualityPassScore == 80 && OrgTunables().utilizationMediaTypes == nil)
    }

    @Test func speechTextKeywords() {
        let yaml = """
        auth: none
        orgs:
        \(Self.org)
            speechText:
              keywords:
                - {phrase: "...", label: noise}
                - {phrase: supervisor, label: escalation, channel: agnet, threshold: -1}
                - {phrase: Supervisor!, label: manager}
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:10:20: orgs[0].speechText.keywords[0].phrase: '...' has no letter or digit, so it could never "
                + "match (punctuation is a word break); write the words to listen for, e.g. cancel my account",
            "orgs.yaml:11:60: orgs[0].speechText.keywords[1].channel: unknown value 'agnet'; did you mean 'agent'?",
            "orgs.yaml:11:78: orgs[0].speechText.keywords[1].threshold: '-1' is not a positive number; write a "
                + "PocketSphinx keyword threshold such as 1e-20 (smaller hears more, with more false alarms), or leave "
                + "it out for the default",
        ])
        let clash = """
        auth: none
        orgs:
        \(Self.org)
            speechText:
              keywords:
                - {phrase: supervisor, label: escalation}
                - {phrase: Supervisor!, label: manager}
        """
        #expect(ConfigTestSupport.lines(clash) == [
            "orgs.yaml:11:20: orgs[0].speechText.keywords[1].phrase: 'Supervisor!' is the same phrase as 'supervisor' "
                + "(line 10), which has label 'escalation'; a phrase has one label: remove one entry or change its words",
        ])
    }
}
