import Foundation
import Hub
import NIOCore
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The listener's own limits over raw sockets: header-read and idle timeouts, the header size limit
/// (431) and the cap on connections that are not an authenticated stream. Timeouts are set short and
/// the waits bounded generously; no test asserts how long anything took.
@Suite("Listener limits over raw sockets")
struct ListenerLimitsTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global])])

    static func unauthenticated(_ h: HubHarness) -> Int? {
        let text = String(decoding: h.hub.metrics.render(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("switchboard_http_unauthenticated_connections ") {
            return Double(line.split(separator: " ").last ?? "").map { Int($0) }
        }
        return nil
    }

    @Test func aSilentConnectionIsClosedAfterTheHeaderReadTimeout() async throws {
        let server = HubHarness.config { $0.headerReadTimeout = .milliseconds(200) }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            let c = try await RawConnection.open(port: h.port)
            #expect(try await c.waitClosed())
            #expect(c.text.isEmpty)
            await c.close()
        }
    }

    /// A slow-loris head: header lines keep coming, the head never completes.
    @Test func aHeadThatNeverCompletesIsClosedAlthoughBytesKeepArriving() async throws {
        let server = HubHarness.config { $0.headerReadTimeout = .milliseconds(300) }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            let c = try await RawConnection.open(port: h.port)
            try await c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let deadline = ContinuousClock.now + .seconds(20)
            while !c.isClosed, ContinuousClock.now < deadline {
                try? await c.send("X-Slow: 1\r\n")
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(c.isClosed)
            #expect(c.status == nil)
            await c.close()
        }
    }

    @Test func aKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = HubHarness.config {
            $0.headerReadTimeout = .seconds(60)
            $0.idleTimeout = .milliseconds(300)
        }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            let c = try await RawConnection.open(port: h.port)
            try await c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await c.waitHead())
            #expect(c.status == 200)
            #expect(try await c.waitClosed())
            await c.close()
        }
    }

    @Test func anOversizedHeadGets431AndTheConnectionCloses() async throws {
        let server = HubHarness.config { $0.maxHeaderBytes = 4096 }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            let c = try await RawConnection.open(port: h.port)
            try await c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "a", count: 8192))\r\n\r\n")
            #expect(try await c.waitClosed())
            #expect(c.status == 431)
            #expect(c.text.contains(#""code":"header-too-large""#))
            #expect(c.header("x-content-type-options") == "nosniff")

            // The same on a later request of a kept-alive connection.
            let k = try await RawConnection.open(port: h.port)
            try await k.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await eventually { k.text.contains("ok\n") })
            try await k.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "b", count: 8192))\r\n\r\n")
            #expect(try await k.waitClosed())
            #expect(k.text.contains("HTTP/1.1 431"))
            await c.close()
            await k.close()
        }
    }

    /// The case from the report: a 100 KB header under the default limit.
    @Test func aHundredKilobyteHeaderGets431WithDefaults() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let c = try await RawConnection.open(port: h.port)
            try await c.send(RawConnection.upgradeRequest(token: "t-global")
                .replacingOccurrences(of: "\r\n\r\n", with: "\r\nCookie: \(String(repeating: "c", count: 100_000))\r\n\r\n"))
            #expect(try await c.waitClosed())
            #expect(c.status == 431)
            #expect(h.hub.connectionCount == 0)
            await c.close()
        }
    }

    @Test func connectionsThatAreNotAnAuthenticatedStreamAreCapped() async throws {
        let server = HubHarness.config {
            $0.maxUnauthenticatedConnections = 2
            $0.headerReadTimeout = .seconds(60)
        }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            let a = try await RawConnection.open(port: h.port)
            let b = try await RawConnection.open(port: h.port)
            #expect(try await eventually { Self.unauthenticated(h) == 2 })

            // Over the cap: closed at once, without an answer.
            let c = try await RawConnection.open(port: h.port)
            #expect(try await c.waitClosed())
            #expect(c.text.isEmpty)

            // A slot frees when a connection closes.
            await a.close()
            #expect(try await eventually { Self.unauthenticated(h) == 1 })
            let d = try await RawConnection.open(port: h.port)
            try await d.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(try await d.waitClosed())
            #expect(d.status == 200)
            #expect(try await eventually { Self.unauthenticated(h) == 1 })

            // An authenticated stream leaves the count: with a stream open and b counted, one more
            // connection fits and the next is refused.
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"ping","id":1}"#)
                #expect(try await probe.next()["type"] as? String == "pong")
                #expect(try await eventually { Self.unauthenticated(h) == 1 })
                let e = try await RawConnection.open(port: h.port)
                #expect(try await eventually { Self.unauthenticated(h) == 2 })
                let f = try await RawConnection.open(port: h.port)
                #expect(try await f.waitClosed())
                #expect(!e.isClosed)
                await e.close()
                await f.close()
                probe.stop()
                tg.cancelAll()
            }
            for conn in [b, c, d] { await conn.close() }
        }
    }
}
