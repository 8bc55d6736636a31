import CHeapStats
import Foundation
@testable import Hub
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Connect → subscribe → close, many times: nothing a closed stream leaves behind may stay. The
/// figures (RSS, live heap) are `make bench`'s `churn` scenario; this checks the counts, which do not
/// depend on timing: open connections, subscribers per topic, gauges, the number of metric series,
/// the unauthenticated-connection count, and that every `ClientConnection` is freed.
@Suite("Connection churn leaves nothing behind")
struct ConnectionChurnTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global]), ("emea", "t-emea", [.org("emea")])])

    final class Weak: @unchecked Sendable {
        weak var connection: ClientConnection?
        init(_ c: ClientConnection) { connection = c }
    }

    /// One cycle: open, subscribe to `topic`, wait for the snapshot, then a clean close (close frame)
    /// or an abrupt one (TCP close without a close frame). Returns a weak reference to the hub's side.
    static func cycle(_ h: HubHarness, token: String, topic: String, clean: Bool) async throws -> Weak {
        let c = try await RawConnection.openStream(port: h.port, token: token)
        try await c.send(bytes: RawFrame.text(#"{"op":"subscribe","topic":"\#(topic)"}"#))
        let snapshot = try #require(try await c.frame(RawFrame.text))
        #expect(snapshot.text.hasPrefix(#"{"type":"snapshot""#))
        let conn = try #require(h.hub.state.withLock { $0.connections.values.max { $0.id < $1.id } })
        let weak = Weak(conn)
        if clean {
            try await c.send(bytes: RawFrame.close(code: 1000))
            #expect(try await c.closeFrame()?.closeCode == 1000)
            #expect(try await c.waitClosed())
        } else {
            await c.close()
        }
        return weak
    }

    static func seriesCount(_ h: HubHarness) -> Int {
        h.hub.metrics.registry.emitToString().split(separator: "\n").filter { !$0.hasPrefix("#") }.count
    }

    static func subscribers(_ h: HubHarness) -> Int {
        h.hub.state.withLock { $0.topics.values.reduce(0) { $0 + $1.subscribers.count } }
    }

    @Test func cyclesLeaveNoConnectionSubscriptionOrSeriesBehind() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            h.hub.publish((0..<50).map { HubHarness.agent($0 % 2 == 0 ? "us" : "emea", "a\($0)") })
            h.hub.flush()
            var weak: [Weak] = []
            var seriesAfterFirstRound = 0
            for i in 0..<40 {
                let (token, topic) = i % 3 == 0 ? ("t-emea", "org:emea") : ("t-global", "global")
                weak.append(try await Self.cycle(h, token: token, topic: topic, clean: i % 2 == 0))
                if i == 9 {
                    #expect(try await eventually { h.hub.connectionCount == 0 })
                    seriesAfterFirstRound = Self.seriesCount(h)
                }
            }
            #expect(try await eventually { h.hub.connectionCount == 0 })
            #expect(Self.subscribers(h) == 0)
            #expect(h.metric("switchboard_hub_connections") == 0)
            #expect(h.metric(#"switchboard_hub_subscriptions{topic="global"}"#) == 0)
            #expect(h.metric(#"switchboard_hub_subscriptions{topic="org:emea"}"#) == 0)
            #expect(try await eventually { h.metric("switchboard_http_unauthenticated_connections") == 0 })
            #expect(h.metric("switchboard_hub_queue_bytes") == 0)
            // Series are per topic, type, reason — never per connection.
            #expect(Self.seriesCount(h) == seriesAfterFirstRound)
            // Nothing holds on to a closed connection (its queue, token, channel).
            #expect(try await eventually { weak.allSatisfy { $0.connection == nil } },
                    "\(weak.filter { $0.connection != nil }.count) of \(weak.count) connections are still referenced")
        }
    }
}

extension ConnectionChurnTests {
    /// The live heap (glibc `mallinfo2`: bytes in use, not what the allocator keeps) after 200 cycles is
    /// what it was before them, within 1 KiB per cycle. A closed stream used to leave ≈ 5 KiB behind:
    /// its channel, kept by a request context that referenced itself (``StreamUpgrade``).
    @Test func closedStreamsLeaveNoLiveHeapBehind() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            h.hub.publish((0..<50).map { HubHarness.agent($0 % 2 == 0 ? "us" : "emea", "a\($0)") })
            h.hub.flush()
            // Warm-up: first-use allocations (metric series, dictionary capacity, caches) are not churn.
            for i in 0..<50 { _ = try await Self.cycle(h, token: "t-global", topic: "global", clean: i % 2 == 0) }
            #expect(try await eventually { h.hub.connectionCount == 0 })
            let before = switchboard_heap_in_use()
            let cycles = 200
            for i in 0..<cycles { _ = try await Self.cycle(h, token: "t-global", topic: "global", clean: i % 2 == 0) }
            #expect(try await eventually { h.hub.connectionCount == 0 })
            let after = switchboard_heap_in_use()
            let perCycle = (Double(after) - Double(before)) / Double(cycles)
            #expect(perCycle < 1024, "the live heap grew by \(Int(perCycle)) bytes per closed stream")
        }
    }
}

extension HubHarness {
    /// The value of one series (`name` or `name{labels}` exactly as rendered), nil when absent.
    func metric(_ series: String) -> Double? {
        let text = String(decoding: hub.metrics.render(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}
