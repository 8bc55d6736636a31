import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `server.headerReadTimeout`, `idleTimeout`, `maxHeaderBytes`, `maxUnauthenticatedConnections`.
@Suite struct ListenerKeysTests {
    @Test func defaults() {
        let s = ServerConfig()
        #expect(s.headerReadTimeout == .seconds(10))
        #expect(s.idleTimeout == .seconds(60))
        #expect(s.maxHeaderBytes == 16 << 10)
        #expect(s.maxUnauthenticatedConnections == 1024)
    }

    @Test func theKeysAreRead() throws {
        let yaml = """
        auth: none
        server:
          headerReadTimeout: 5s
          idleTimeout: 2m
          maxHeaderBytes: 32KiB
          maxUnauthenticatedConnections: 4_096
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
        let config = try #require(ConfigTestSupport.load(yaml))
        #expect(config.server.headerReadTimeout == .seconds(5))
        #expect(config.server.idleTimeout == .seconds(120))
        #expect(config.server.maxHeaderBytes == 32 << 10)
        #expect(config.server.maxUnauthenticatedConnections == 4096)
    }

    @Test func badValuesArePointedAt() {
        let yaml = """
        auth: none
        server:
          headerReadTimeout: 10
          idleTimeout: 0s
          maxHeaderBytes: 512
          maxUnauthenticatedConnections: 0
          maxHeaderByte: 1KiB
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:22: server.headerReadTimeout: '10' has no unit; add one of ms, s, m, h (e.g. 10s)",
            "orgs.yaml:4:16: server.idleTimeout: must be longer than zero; write e.g. 60s",
            "orgs.yaml:5:19: server.maxHeaderBytes: 512 is out of range; use a number of at least 1024",
            "orgs.yaml:6:34: server.maxUnauthenticatedConnections: 0 is out of range; use a number of at least 1",
            "orgs.yaml:7:3: server: unknown key 'maxHeaderByte'; did you mean 'maxHeaderBytes'?",
        ])
    }
}
