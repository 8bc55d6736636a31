import Foundation
@testable import Hub
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `server.allowedOrigins`: which pages may open a stream, decided before the upgrade.
@Suite("Origin allow-list on the stream upgrade")
struct OriginCheckTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global])])

    /// Sends an upgrade with `headers` and waits for the answer's head.
    static func upgrade(_ port: Int, token: String?, _ headers: [(String, String)]) async throws -> RawConnection {
        let c = try await RawConnection.open(port: port)
        try await c.send(RawConnection.upgradeRequest(port: port, token: token, headers: headers))
        _ = try await c.waitHead()
        return c
    }

    @Test func aForeignOriginGets403BeforeTheTokenIsLookedAt() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            for token in ["t-global", nil, "wrong"] {
                let c = try await Self.upgrade(h.port, token: token, [("Origin", "https://evil.example")])
                #expect(c.status == 403, "token \(token ?? "none")")
                #expect(c.text.contains(#""code":"forbidden-origin""#))
                #expect(c.header("www-authenticate") == nil)
                #expect(try await c.waitClosed())
            }
            #expect(h.hub.connectionCount == 0)
            #expect(h.metric("switchboard_http_origin_refused_total") == 3)
        }
    }

    @Test func theBridgesOwnOriginAndClientsWithoutOriginAreAllowed() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let same = try await RawConnection.openStream(port: h.port, token: "t-global",
                                                          headers: [("Origin", "http://127.0.0.1:\(h.port)")])
            let none = try await RawConnection.openStream(port: h.port, token: "t-global")
            #expect(try await eventually { h.hub.connectionCount == 2 })
            await same.close()
            await none.close()
            // Same host, another port: another origin.
            let other = try await Self.upgrade(h.port, token: "t-global", [("Origin", "http://127.0.0.1:1")])
            #expect(other.status == 403)
            // `null` (a file or sandboxed page) and two Origin headers are refused.
            let opaque = try await Self.upgrade(h.port, token: "t-global", [("Origin", "null")])
            #expect(opaque.status == 403)
            let two = try await Self.upgrade(h.port, token: "t-global",
                                             [("Origin", "http://127.0.0.1:\(h.port)"), ("Origin", "https://evil.example")])
            #expect(two.status == 403)
        }
    }

    @Test func listedOriginsAreAllowedAndOthersStillRefused() async throws {
        let server = HubHarness.config {
            $0.allowedOrigins = [.origin(WebOrigin(parsing: "https://wallboard.example.com")!)]
        }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            let listed = try await RawConnection.openStream(port: h.port, token: "t-global",
                                                            headers: [("Origin", "https://Wallboard.Example.com")])
            await listed.close()
            let same = try await RawConnection.openStream(port: h.port, token: "t-global",
                                                          headers: [("Origin", "http://127.0.0.1:\(h.port)")])
            await same.close()
            let other = try await Self.upgrade(h.port, token: "t-global", [("Origin", "http://wallboard.example.com")])
            #expect(other.status == 403, "http is another origin than https")
        }
    }

    @Test func aStarAllowsEveryOrigin() async throws {
        let server = HubHarness.config { $0.allowedOrigins = [.any] }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            let c = try await RawConnection.openStream(port: h.port, token: "t-global", headers: [("Origin", "null")])
            await c.close()
            // The token is still required.
            let anonymous = try await Self.upgrade(h.port, token: nil, [("Origin", "https://evil.example")])
            #expect(anonymous.status == 401)
        }
    }

    @Test func theVerdictIsPure() {
        let list: [AllowedOrigin] = [.origin(WebOrigin(parsing: "https://a.example")!)]
        #expect(OriginCheck.verdict(origins: [], host: "x", allowed: list) == .allowed)
        #expect(OriginCheck.verdict(origins: ["https://a.example"], host: nil, allowed: list) == .allowed)
        #expect(OriginCheck.verdict(origins: ["https://b.example"], host: "b.example", allowed: []) == .allowed)
        #expect(OriginCheck.verdict(origins: ["https://b.example"], host: nil, allowed: []) == .refused("https://b.example"))
        #expect(OriginCheck.verdict(origins: ["not an origin"], host: "b.example", allowed: list) == .refused("not an origin"))
        #expect(OriginCheck.verdict(origins: ["null"], host: nil, allowed: [.any]) == .allowed)
        // swift-websocket's client sends its own URL as the origin; no browser sends ws: or wss:.
        #expect(OriginCheck.verdict(origins: ["ws://127.0.0.1"], host: "127.0.0.1:8080", allowed: []) == .allowed)
        #expect(OriginCheck.verdict(origins: ["WSS://bridge.example.com"], host: nil, allowed: []) == .allowed)
        #expect(OriginCheck.verdict(origins: ["chrome-extension://abcdef"], host: nil, allowed: []) == .refused("chrome-extension://abcdef"))
    }
}
