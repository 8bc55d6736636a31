import Foundation
import Hub
import NIOCore
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite("Slow consumers")
struct SlowConsumerTests {
    /// A client that never reads, with large deltas flowing: it is evicted (merge first, then
    /// `slow-consumer`), while a second client keeps receiving every delta up to the latest.
    @Test func aClientThatStopsReadingIsEvictedWhileAnotherKeepsReceiving() async throws {
        let server = HubHarness.config { $0.clientQueueBytes = 256 << 10 }
        let auth = HubHarness.auth([("dash", "t-global", [.global])])
        try await HubHarness.run(server: server, auth: auth) { h in
            let healthy = WSProbe(), stuck = WSProbe(reads: false)
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await healthy.run(port: h.port, token: "t-global") }
                tg.addTask { await stuck.run(port: h.port, token: "t-global") }
                healthy.send(#"{"op":"subscribe","topic":"org:us"}"#)
                stuck.send(#"{"op":"subscribe","topic":"org:us"}"#)
                _ = try await healthy.next(type: "snapshot")
                #expect(try await eventually { h.hub.connectionCount == 2 })

                // ~50 KB of new entities per round until the stuck client is gone (bounded).
                var round = 0
                let deadline = ContinuousClock.now + .seconds(60)
                while h.hub.connectionCount == 2, ContinuousClock.now < deadline {
                    h.hub.publish((0..<50).map { HubHarness.agent("us", "r\(round)-\($0)", padding: 1000) })
                    h.hub.flush()
                    round += 1
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(healthy.closed == nil, "the reading client was not evicted")
                #expect(h.hub.connectionCount == 1, "the stuck client was evicted")

                // The healthy client is still served, up to and including a marker published now.
                h.hub.publish([HubHarness.agent("us", "marker")])
                h.hub.flush()
                let marker = try await healthy.next { ($0["changes"] as? [[String: Any]])?.contains { $0["id"] as? String == "us/marker" } == true }
                #expect(marker["type"] as? String == "delta")
                #expect(healthy.closed == nil)

                let metrics = String(decoding: h.hub.metrics.render(), as: UTF8.self)
                #expect(metrics.contains(#"switchboard_hub_evictions_total{reason="slow-consumer"}"#))
                #expect(metrics.contains("switchboard_hub_queue_merges_total"))
                healthy.stop()
                stuck.stop()
                tg.cancelAll()
            }
        }
    }
}
