import AsyncHTTPClient
import Foundation
import Hub
import NIOCore
import NIOFoundationCompat
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Every refusal of the stream upgrade and of the REST endpoints, over real sockets: the status, the
/// RFC 6750 challenge, the house-style JSON body, and that nothing is served.
@Suite("Refusals: 401, 403 and 503 with their headers")
struct RefusalStatusTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global]), ("emea", "t-emea", [.org("emea")])],
                                      hs256: TestKeys.hsSecret)
    static let bareChallenge = #"Bearer realm="switchboard""#

    /// Sends a stream upgrade request and waits for the answer's head.
    static func upgrade(_ port: Int, token: String?) async throws -> RawConnection {
        let c = try await RawConnection.open(port: port)
        try await c.send(RawConnection.upgradeRequest(token: token))
        _ = try await c.waitHead()
        return c
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func get(_ port: Int, _ path: String, token: String? = nil) async throws -> Answer {
        var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
        let body = try await res.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for h in res.headers { headers[h.name.lowercased()] = h.value }
        return Answer(status: Int(res.status.code), headers: headers, body: String(buffer: body))
    }

    // MARK: Stream upgrade

    @Test func anUpgradeWithoutATokenGets401AndABareChallenge() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let c = try await Self.upgrade(h.port, token: nil)
            #expect(c.status == 401)
            #expect(c.header("www-authenticate") == Self.bareChallenge)
            #expect(c.text.contains(#""code":"unauthorized""#))
            #expect(c.header("connection")?.lowercased() == "close")
            #expect(try await c.waitClosed())
            #expect(h.hub.connectionCount == 0)
        }
    }

    @Test func anUpgradeWithAWrongExpiredOrNotYetValidTokenGets401InvalidToken() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let expired = try await TestKeys.hs256(scopes: ["global"], expiresIn: -60)
            let early = try await TestKeys.hs256(scopes: ["global"], expiresIn: 7200, notBeforeIn: 3600, issuedIn: nil)
            let forged = try await TestKeys.rs256(scopes: ["global"], expiresIn: 600)  // no RS256 key configured
            for (token, code, description) in [("wrong", "unauthorized", "unknown token"),
                                               (forged, "unauthorized", "unknown token"),
                                               (expired, "token-expired", "the token expired"),
                                               (early, "unauthorized", "not valid yet")] {
                let c = try await Self.upgrade(h.port, token: token)
                #expect(c.status == 401, "for \(description)")
                let challenge = c.header("www-authenticate") ?? ""
                #expect(challenge.hasPrefix(#"Bearer realm="switchboard", error="invalid_token""#))
                #expect(challenge.contains(description))
                #expect(c.text.contains(#""code":"\#(code)""#))
                #expect(try await c.waitClosed())
            }
            #expect(h.hub.connectionCount == 0)
        }
    }

    @Test func anUpgradeWithATokenThatHoldsNoScopeGets403() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let scopeless = try await TestKeys.hs256(scopes: ["sudo", "org"], expiresIn: 600)
            let c = try await Self.upgrade(h.port, token: scopeless)
            #expect(c.status == 403)
            #expect(c.header("www-authenticate") == #"Bearer realm="switchboard", error="insufficient_scope""#)
            #expect(c.text.contains(#""code":"forbidden""#))
            #expect(try await c.waitClosed())
        }
    }

    @Test func pastMaxConnectionsAnUpgradeGets503WithRetryAfter() async throws {
        try await HubHarness.run(server: HubHarness.config { $0.maxConnections = 1 }, auth: Self.auth) { h in
            let first = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await first.run(port: h.port, token: "t-global") }
                first.send(#"{"op":"ping","id":1}"#)
                #expect(try await first.next()["type"] as? String == "pong")

                let c = try await Self.upgrade(h.port, token: "t-global")
                #expect(c.status == 503)
                #expect(c.header("retry-after") == "5")
                #expect(c.text.contains(#""code":"limit""#))
                #expect(try await c.waitClosed())
                // A bad token is still told so first, full or not.
                #expect(try await Self.upgrade(h.port, token: "wrong").status == 401)

                first.stop()
                tg.cancelAll()
            }
            #expect(try await eventually { h.hub.connectionCount == 0 })
            let again = try await Self.upgrade(h.port, token: "t-global")
            #expect(again.status == 101)
            await again.close()
        }
    }

    @Test func anAdmittedUpgradeSwitchesProtocols() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let c = try await Self.upgrade(h.port, token: "t-emea")
            #expect(c.status == 101)
            #expect(try await eventually { h.hub.connectionCount == 1 })
            await c.close()
        }
    }

    /// A WebSocket client library sees a refusal as a failed connect, never as an open stream.
    @Test func aWebSocketClientSeesARefusalAsAFailedConnect() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let probe = WSProbe()
            await probe.run(port: h.port, token: "wrong")
            #expect(probe.all.isEmpty)
            #expect(probe.closed?.code == nil)
            #expect(h.hub.connectionCount == 0)
        }
    }

    /// A plain GET on the stream path (no upgrade asked) is answered like a REST endpoint.
    @Test func aPlainGetOnTheStreamPath() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let none = try await Self.get(h.port, "/v1/stream")
            #expect(none.status == 401)
            #expect(none.headers["www-authenticate"] == Self.bareChallenge)
            let ok = try await Self.get(h.port, "/v1/stream", token: "t-global")
            #expect(ok.status == 426)
            #expect(ok.headers["upgrade"] == "websocket")
        }
    }

    // MARK: REST

    @Test func viewsRefuseWith401Or403AndTheirChallenges() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let none = try await Self.get(h.port, "/v1/views/org:emea")
            #expect(none.status == 401)
            #expect(none.headers["www-authenticate"] == Self.bareChallenge)
            #expect(none.body.contains(#""code":"unauthorized""#))

            let wrong = try await Self.get(h.port, "/v1/views/org:emea", token: "nope")
            #expect(wrong.status == 401)
            #expect(wrong.headers["www-authenticate"]?.contains(#"error="invalid_token""#) == true)

            let expired = try await Self.get(h.port, "/v1/views/org:emea",
                                             token: try await TestKeys.hs256(scopes: ["org:emea"], expiresIn: -5))
            #expect(expired.status == 401)
            #expect(expired.headers["www-authenticate"]?.contains(#"error="invalid_token""#) == true)
            #expect(expired.body.contains(#""code":"token-expired""#))

            let outside = try await Self.get(h.port, "/v1/views/global", token: "t-emea")
            #expect(outside.status == 403)
            #expect(outside.headers["www-authenticate"]
                == #"Bearer realm="switchboard", error="insufficient_scope", scope="global""#)
            #expect(outside.body.contains(#""code":"forbidden""#))
            #expect(!outside.body.contains("agents"))

            #expect(try await Self.get(h.port, "/v1/views/org:emea", token: "t-emea").status == 200)
        }
    }

    /// The token is checked before anything else the request asks, on every `/v1/` path.
    @Test func exportsAuthenticateBeforeCheckingParameters() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            for path in ["/v1/utilization?format=xml", "/v1/quality?by=team", "/v1/utilization/details",
                         "/v1/no-such-endpoint"] {
                let a = try await Self.get(h.port, path)
                #expect(a.status == 401, "for \(path)")
                #expect(a.headers["www-authenticate"] == Self.bareChallenge, "for \(path)")
            }
            #expect(try await Self.get(h.port, "/v1/utilization?format=xml", token: "t-global").status == 400)
            for path in ["/v1/utilization?org=us", "/v1/quality?org=us",
                         "/v1/utilization/details?org=us&agent=us/a1&interval=2026-01-01T10:00:00Z"] {
                let a = try await Self.get(h.port, path, token: "t-emea")
                #expect(a.status == 403, "for \(path)")
                #expect(a.headers["www-authenticate"]?.contains(#"error="insufficient_scope", scope="org:us""#) == true,
                        "for \(path)")
            }
        }
    }
}
