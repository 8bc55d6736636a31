import AsyncHTTPClient
import Foundation
import Hub
import NIOCore
import NIOFoundationCompat
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite("Stream auth and scopes over real sockets")
struct StreamAuthTests {
    static let auth = HubHarness.auth(
        [("dash", "t-global", [.global]), ("emea", "t-emea", [.org("emea")])],
        hs256: TestKeys.hsSecret, rs256PEM: TestKeys.rsaPublicPEM)

    @Test func anEmeaTokenIsDeniedGlobalAndUSButGetsEmea() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            h.hub.publish([HubHarness.agent("us", "secret-agent")])
            h.hub.flush()
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-emea") }
                for topic in ["global", "org:us", "org:nowhere"] {
                    probe.send(#"{"op":"subscribe","topic":"\#(topic)"}"#)
                    let err = try await probe.next()
                    #expect(err["type"] as? String == "error")
                    #expect(err["code"] as? String == "forbidden", "for \(topic)")
                }
                probe.send(#"{"op":"subscribe","topic":"org:emea"}"#)
                let snap = try await probe.next()
                #expect(snap["type"] as? String == "snapshot")
                #expect(snap["topic"] as? String == "org:emea")
                // Later US changes never reach this client.
                h.hub.publish([HubHarness.agent("us", "secret-agent", "AWAY"), HubHarness.agent("emea", "e1")])
                let delta = try await probe.next(type: "delta")
                #expect(delta["topic"] as? String == "org:emea")
                #expect(!probe.all.contains { $0.contains("secret-agent") })
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func jwtsHS256AndRS256CarryTheirScopes() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let hs = try await TestKeys.hs256(scope: "org:us admin", expiresIn: 600)
            let rs = try await TestKeys.rs256(scopes: ["org:emea"], expiresIn: 600)
            let a = WSProbe(), b = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await a.run(port: h.port, token: hs) }
                tg.addTask { await b.run(port: h.port, token: rs) }
                a.send(#"{"op":"subscribe","topic":"org:us"}"#)
                let first = try await a.next()
                #expect(first["type"] as? String == "snapshot")
                a.send(#"{"op":"subscribe","topic":"org:emea"}"#)
                #expect(try await a.next()["code"] as? String == "forbidden")
                b.send(#"{"op":"subscribe","topic":"org:emea"}"#)
                #expect(try await b.next()["type"] as? String == "snapshot")
                b.send(#"{"op":"subscribe","topic":"global"}"#)
                #expect(try await b.next()["code"] as? String == "forbidden")
                a.stop()
                b.stop()
                tg.cancelAll()
            }
        }
    }

    /// Two connections share a token that expires in 2 s; one refreshes in-band. The one that did
    /// not is closed with `token-expired`; after that (so the first token has expired) the refreshed
    /// one still answers pings.
    @Test func expiryClosesTheConnectionUnlessRefreshedInBand() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let short = try await TestKeys.hs256(scopes: ["global"], expiresIn: 2)
            let fresh = try await TestKeys.hs256(scopes: ["global"], expiresIn: 600)
            let plain = WSProbe(), refreshed = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await plain.run(port: h.port, token: short) }
                tg.addTask { await refreshed.run(port: h.port, token: short) }
                refreshed.send(#"{"op":"auth","token":"not-a-token"}"#)
                #expect(try await refreshed.next()["code"] as? String == "unauthorized")
                refreshed.send(#"{"op":"auth","token":"\#(fresh)"}"#)
                let ack = try await refreshed.next()
                #expect(ack["type"] as? String == "authenticated")
                #expect(ack["scopes"] as? [String] == ["global"])

                let err = try await plain.next(type: "error")
                #expect(err["code"] as? String == "token-expired")
                let closed = try await plain.waitClosed()
                #expect(closed.code == 1008)

                refreshed.send(#"{"op":"ping","id":1}"#)
                #expect(try await refreshed.next()["type"] as? String == "pong")
                #expect(refreshed.closed == nil)
                refreshed.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func aConfigReloadThatRemovesAScopeEndsThoseSubscriptions() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"global"}"#)
                _ = try await probe.next(type: "snapshot")
                probe.send(#"{"op":"subscribe","topic":"org:us"}"#)
                _ = try await probe.next(type: "snapshot")

                var reduced = Self.auth
                reduced.clients = [ClientConfig(name: "dash", token: Secret("t-global"), scopes: [.org("us")])]
                try await h.hub.updateAuth(reduced)
                let err = try await probe.next(type: "error")
                #expect(err["code"] as? String == "forbidden")
                #expect(err["topic"] as? String == "global")
                let unsub = try await probe.next(type: "unsubscribed")
                #expect(unsub["topic"] as? String == "global")

                // org:us lives on; global is gone.
                h.hub.publish([HubHarness.agent("us", "a1")])
                let delta = try await probe.next(type: "delta")
                #expect(delta["topic"] as? String == "org:us")
                let afterReload = probe.all.suffix(1)
                #expect(!afterReload.contains { $0.contains(#""topic":"global""#) })

                // A reload that removes the token altogether closes the connection.
                reduced.clients = []
                try await h.hub.updateAuth(reduced)
                #expect(try await probe.next(type: "error")["code"] as? String == "unauthorized")
                #expect(try await probe.waitClosed().code == 1008)
                tg.cancelAll()
            }
        }
    }
}
