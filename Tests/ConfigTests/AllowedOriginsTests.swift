import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `server.allowedOrigins` and the origin type behind it.
@Suite struct AllowedOriginsTests {
    static func yaml(_ origins: String) -> String {
        """
        auth: none
        server:
          allowedOrigins: \(origins)
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
    }

    @Test func theDefaultIsNoOtherOrigin() {
        #expect(ServerConfig().allowedOrigins.isEmpty)
    }

    @Test func originsAreReadAndNormalised() throws {
        let config = try #require(ConfigTestSupport.load(Self.yaml(
            "[HTTPS://Wallboard.Example.com, 'http://10.0.0.5:8080', 'https://ops.example.com:443', '*']")))
        #expect(config.server.allowedOrigins.map(\.description) == [
            "https://wallboard.example.com", "http://10.0.0.5:8080", "https://ops.example.com", "*",
        ])
        let empty = try #require(ConfigTestSupport.load(Self.yaml("[]")))
        #expect(empty.server.allowedOrigins.isEmpty)
    }

    @Test func badEntriesArePointedAtWithWhatToWrite() {
        let yaml = """
        auth: none
        server:
          allowedOrigins:
            - https://wallboard.example.com/
            - wss://bridge.example.com
            - wallboard.example.com
            - 'null'
            - http://host:99999
            - https://wallboard.example.com
            - https://WALLBOARD.example.com:443
          allowedOrigin: []
        orgs:
        \(ConfigTestSupport.minimalOrg)
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:4:7: server.allowedOrigins[0]: 'https://wallboard.example.com/' is not an origin; "
                + "an origin has no path, query or trailing '/'; write 'https://wallboard.example.com'",
            "orgs.yaml:5:7: server.allowedOrigins[1]: 'wss://bridge.example.com' is not an origin; an origin is the "
                + "address of the page that opens the stream, not the stream's URL; write e.g. 'https://bridge.example.com'",
            "orgs.yaml:6:7: server.allowedOrigins[2]: 'wallboard.example.com' is not an origin; "
                + "write scheme://host[:port], e.g. 'https://wallboard.example.com'",
            "orgs.yaml:7:7: server.allowedOrigins[3]: 'null' is not an origin; pages with an opaque origin (files, "
                + "sandboxed frames) send 'null'; serve the page over http(s) instead, or allow every origin with '*'",
            "orgs.yaml:8:7: server.allowedOrigins[4]: 'http://host:99999' is not an origin; write scheme://host[:port] "
                + "with scheme http or https and a port from 1 to 65535, e.g. 'https://wallboard.example.com' or 'http://10.0.0.5:8080'",
            "orgs.yaml:10:7: server.allowedOrigins[6]: duplicate origin 'https://wallboard.example.com' (first at line 9); keep one",
            "orgs.yaml:11:3: server: unknown key 'allowedOrigin'; did you mean 'allowedOrigins'?",
        ])
    }

    @Test func aScalarInsteadOfAListIsAMismatch() {
        #expect(ConfigTestSupport.lines(Self.yaml("https://wallboard.example.com")) == [
            "orgs.yaml:3:19: server.allowedOrigins: expected a list, found 'https://wallboard.example.com'; "
                + "write [https://wallboard.example.com]",
        ])
    }

    @Test func originsParseLikeBrowsersSendThem() throws {
        let o = try #require(WebOrigin(parsing: "http://[::1]:8080"))
        #expect(o.host == "[::1]" && o.port == 8080 && o.description == "http://[::1]:8080")
        #expect(WebOrigin(parsing: "https://a.example")?.port == 443)
        for bad in ["", "null", "https://", "ftp://a.example", "https://user@a.example", "https://a.example/",
                    "https://a.example?x", "https://a.example:0", "https://a.example:http", "https://[::1"] {
            #expect(WebOrigin(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func sameServerComparesHostAndEffectivePort() throws {
        let https = try #require(WebOrigin(parsing: "https://bridge.example.com"))
        #expect(https.isSameServer(asHost: "bridge.example.com"))       // TLS terminated in front
        #expect(https.isSameServer(asHost: "Bridge.Example.com:443"))
        #expect(!https.isSameServer(asHost: "bridge.example.com:8080"))
        #expect(!https.isSameServer(asHost: "evil.example.com"))
        let local = try #require(WebOrigin(parsing: "http://127.0.0.1:8080"))
        #expect(local.isSameServer(asHost: "127.0.0.1:8080"))
        #expect(!local.isSameServer(asHost: "127.0.0.1"))
        #expect(!local.isSameServer(asHost: "localhost:8080"))
        let v6 = try #require(WebOrigin(parsing: "http://[::1]:8080"))
        #expect(v6.isSameServer(asHost: "[::1]:8080"))
        #expect(!v6.isSameServer(asHost: "[::1]:80"))
    }
}
