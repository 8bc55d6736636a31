import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct ExampleConfigTests {
    @Test func exampleLoadsWithExactlyTheThreeVariables() throws {
        let config = try ConfigLoader.load(path: ConfigTestSupport.examplePath,
                                           environment: ConfigTestSupport.exampleEnvironment)
        #expect(config.sourcePath == ConfigTestSupport.examplePath)
        #expect(config.server == ServerConfig())
        #expect(config.occupancy == OccupancyConfig())
        #expect(config.orgs.map(\.id) == ["us", "emea", "apac"])
        #expect(config.auth.disabled == false)
        #expect(config.auth.clients.map(\.name) == ["master-dashboard", "ops-admin", "prometheus", "us-team", "emea-team",
                                                   "apac-team"])
        #expect(config.auth.clients[1].scopes == [.admin, .global])
        #expect(config.auth.clients[2].scopes == [.metrics])
        #expect(config.auth.clients[3].scopes == [.org("us")])
        #expect(config.auth.clients[0].credential
            == .sha256("3afe05188f22e5e3c829f5bd8ca62dbe335cdea0397768c137eb75e0c3a4fc7b"))
        #expect(config.auth.clients[0].token.isEmpty)
    }

    @Test func exampleOrgs() throws {
        let config = try ConfigLoader.load(path: ConfigTestSupport.examplePath,
                                           environment: ConfigTestSupport.exampleEnvironment)
        let us = try #require(config.org("us"))
        #expect(us.name == "US")
        #expect(us.region == "mypurecloud.com")
        #expect(us.apiBase == "https://api.mypurecloud.com")
        #expect(us.loginBase == "https://login.mypurecloud.com")
        #expect(us.clientSecret.reveal() == "us-secret-value")
        #expect(us.timezone.identifier == "America/New_York")
        #expect(us.queues == .all && us.users == .all)
        #expect(us.upstreamProtocol == .genesys)
        #expect(us.tunables == OrgTunables())
        #expect(us.speechText == SpeechTextConfig(keywords: [
            KeywordPhrase(phrase: "cancel my account", label: "churn-risk", channel: .customer),
            KeywordPhrase(phrase: "supervisor", label: "escalation"),
        ]))
        #expect(us.journeys == OrgJourneysConfig())

        let emea = try #require(config.org("emea"))
        #expect(emea.region == "mypurecloud.de")
        #expect(emea.timezone.identifier == "Europe/Berlin")
        #expect(emea.queues == .ids(["6c1e2a4b-0f3d-4e5a-8b7c-9d0e1f2a3b4c", "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a"]))
        #expect(emea.tunables.heartbeatTimeout == .seconds(90))
        #expect(emea.tunables.pingAfterQuiet == .seconds(8))
        #expect(emea.tunables.pingTimeout == .seconds(3))

        let apac = try #require(config.org("apac"))
        #expect(apac.region == "mypurecloud.jp")
        #expect(apac.apiBase == "https://api.mypurecloud.jp")
        #expect(apac.timezone.identifier == "Asia/Tokyo")
        #expect(apac.clientSecret.reveal() == "apac-secret-value")
    }

    @Test func exampleWithoutVariablesNamesEachOneAndNoValue() throws {
        var env = ConfigTestSupport.exampleEnvironment
        env["GENESYS_EMEA_CLIENT_SECRET"] = nil
        env["GENESYS_APAC_CLIENT_SECRET"] = nil
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: ConfigTestSupport.examplePath, environment: env)
        }
        let messages = error.diagnostics.map(\.message)
        #expect(messages == [
            "orgs[1].clientSecret: environment variable GENESYS_EMEA_CLIENT_SECRET is not set; export it or change the reference",
            "orgs[2].clientSecret: environment variable GENESYS_APAC_CLIENT_SECRET is not set; export it or change the reference",
        ])
        #expect(!error.message.contains("us-secret-value"))
        #expect(error.diagnostics.allSatisfy { $0.file == ConfigTestSupport.examplePath && $0.code == "config.env-unset" })
    }

    @Test func missingFileIsOneDiagnostic() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: "/nonexistent/orgs.yaml", environment: [:])
        }
        #expect(error.description == "/nonexistent/orgs.yaml:1:1: no such file; check the path and permissions "
            + "(see orgs.example.yaml for a template)")
    }
}
