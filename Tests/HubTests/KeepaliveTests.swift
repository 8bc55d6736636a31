import Foundation
import Hub
import SwitchboardConfig
import Testing

@Suite("Keepalive")
struct KeepaliveTests {
    /// The hub pings every connection each `pingInterval` from its own loop (no task per connection);
    /// the client's automatic pongs keep it open and it is still served afterwards.
    @Test func theHubPingsEveryConnectionAndTheyStayOpen() async throws {
        let server = HubHarness.config { $0.pingInterval = .milliseconds(50) }
        let auth = HubHarness.auth([("dash", "t-global", [.global])])
        try await HubHarness.run(server: server, auth: auth) { h in
            let a = WSProbe(), b = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await a.run(port: h.port, token: "t-global") }
                tg.addTask { await b.run(port: h.port, token: "t-global") }
                a.send(#"{"op":"subscribe","topic":"global"}"#)
                b.send(#"{"op":"subscribe","topic":"global"}"#)
                _ = try await a.next(type: "snapshot")
                _ = try await b.next(type: "snapshot")
                // Both connections have had several pings: at least 3 rounds of 2.
                #expect(try await eventually { Self.pings(h.hub.metrics.render()) >= 6 })
                #expect(a.closed == nil && b.closed == nil, "pinged clients stay open")
                h.hub.publish([HubHarness.agent("us", "after-pings")])
                h.hub.flush()
                _ = try await a.next { ($0["changes"] as? [[String: Any]])?.contains { $0["id"] as? String == "us/after-pings" } == true }
                a.stop()
                b.stop()
                tg.cancelAll()
            }
        }
    }

    static func pings(_ metrics: [UInt8]) -> Int {
        let text = String(decoding: metrics, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("switchboard_hub_messages_out_total{type=\"ping\"}") }),
            let value = line.split(separator: " ").last.flatMap({ Double($0) })
        else { return 0 }
        return Int(value)
    }
}
