import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct EnvironmentSubstitutionTests {
    @Test func substitutesInAnyScalar() throws {
        let yaml = """
        auth: none
        server:
          listen: ${HOST}:${PORT}
          historySize: ${HISTORY}
        orgs:
          - id: us
            name: ${ORG_NAME} (prod)
            apiBase: ${SIM_URL}/
            loginBase: ${SIM_URL}
            clientId: ${CLIENT_ID}
            clientSecret: ${US_SECRET}
            timezone: ${TZ_NAME}
        """
        let env = ["HOST": "127.0.0.2", "PORT": "9001", "HISTORY": "100", "ORG_NAME": "United States",
                   "SIM_URL": "http://127.0.0.1:9100", "CLIENT_ID": "us-client", "US_SECRET": "us-secret",
                   "TZ_NAME": "America/Chicago"]
        let config = try #require(ConfigTestSupport.load(yaml, environment: env))
        #expect(config.server.listen == ListenAddress(host: "127.0.0.2", port: 9001))
        #expect(config.server.historySize == 100)
        let us = try #require(config.org("us"))
        #expect(us.name == "United States (prod)")
        #expect(us.region == nil)
        #expect(us.apiBase == "http://127.0.0.1:9100")
        #expect(us.loginBase == "http://127.0.0.1:9100")
        #expect(us.clientId == "us-client")
        #expect(us.clientSecret.reveal() == "us-secret")
        #expect(us.timezone.identifier == "America/Chicago")
    }

    @Test func everyUnsetVariableInOneScalarIsNamed() {
        let yaml = "auth: none\nserver:\n  listen: ${HOST}:${PORT}\norgs:\n\(ConfigTestSupport.minimalOrg)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:11: server.listen: environment variable HOST is not set; export it or change the reference",
            "orgs.yaml:3:11: server.listen: environment variable PORT is not set; export it or change the reference",
        ])
    }

    @Test func malformedReference() {
        let yaml = "auth: none\nserver:\n  listen: ${HOST:-0.0.0.0}:80\norgs:\n\(ConfigTestSupport.minimalOrg)\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:11: server.listen: malformed environment variable reference; "
                + "write ${NAME} with letters, digits and underscores",
        ])
    }

    @Test func emptySecretVariable() {
        let yaml = "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n"
        #expect(ConfigTestSupport.lines(yaml, environment: ["US_SECRET": ""]) == [
            "orgs.yaml:6:19: orgs[0].clientSecret: environment variable US_SECRET is empty; export the secret in it",
        ])
    }

    @Test func secretValuesNeverAppearInDiagnostics() {
        // A secret that parses as something else must not be echoed by any later check.
        let yaml = "auth: none\nserver:\n  historySize: ${SECRET_N}\norgs:\n\(ConfigTestSupport.minimalOrg)\n"
        let lines = ConfigTestSupport.lines(yaml, environment: ["US_SECRET": "s", "SECRET_N": "pa55word"])
        #expect(lines == [
            "orgs.yaml:3:16: server.historySize: expected a whole number, found '${SECRET_N}'; write e.g. 512",
        ])
    }

    @Test func substitutedValuesAreShownAsWritten() {
        let yaml = """
        auth: none
        server:
          pingInterval: ${PING}
          listen: ${LISTEN}
        orgs:
        \(ConfigTestSupport.minimalOrg.replacingOccurrences(of: "America/New_York", with: "${ZONE}"))
        """
        let env = ["US_SECRET": "s", "PING": "hunter2", "LISTEN": "hunter3", "ZONE": "hunter4"]
        #expect(ConfigTestSupport.lines(yaml, environment: env) == [
            "orgs.yaml:3:17: server.pingInterval: '${PING}' is not a duration; write e.g. 250ms, 65s, 15m, 2h or 1h30m",
            "orgs.yaml:4:11: server.listen: '${LISTEN}' is not host:port; write e.g. 127.0.0.1:8080, [::1]:8080 or :8080",
            "orgs.yaml:10:15: orgs[0].timezone: unknown time zone '${ZONE}'; "
                + "use an IANA name such as America/New_York, Europe/Berlin or Asia/Tokyo",
        ])
    }
}
