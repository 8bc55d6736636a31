import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct MultipleMistakesTests {
    @Test func everyMistakeIsReportedInFileOrder() throws {
        let path = try ConfigTestSupport.fixture("many-mistakes.yaml")
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: path, environment: ["GENESYS_US_CLIENT_SECRET": "x"])
        }
        let expected = [
            "4:3: server: unknown key 'flushIntervall'; did you mean 'flushInterval'?",
            "5:18: server.historyMaxAge: '300' has no unit; add one of ms, s, m, h (e.g. 300s)",
            "9:22: clients[0].scopes[1]: scope 'org:apac' names no declared org; use one of org:us",
            "11:35: occupancy.productivePresences[1]: unknown presence 'Avialable'; did you mean 'Available'?",
            "17:15: orgs[0].timezone: unknown time zone 'America/New_Yrok'; did you mean 'America/New_York'?",
            "18:9: orgs[1].id: duplicate org id 'us' (first at line 13); give each org a unique id",
            "21:19: orgs[1].clientSecret: environment variable GENESYS_EMEA_CLIENT_SECRET is not set; "
                + "export it or change the reference",
            "24:25: orgs[1].tunables.heartbeatTimeout: '1 minute' is not a duration; write e.g. 250ms, 65s, 15m, 2h or 1h30m",
        ].map { "\(path):\($0)" }
        #expect(error.diagnostics.map(\.description) == expected)
        #expect(error.code == "config.invalid")
        #expect(error.description == expected.joined(separator: "\n"))
    }

    @Test func aSingleMistakeKeepsItsCode() throws {
        let yaml = "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n"
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: yaml, file: "o.yaml", environment: [:])
        }
        #expect(error.code == "config.env-unset")
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics[0].line == 6 && error.diagnostics[0].column == 19)
    }
}
