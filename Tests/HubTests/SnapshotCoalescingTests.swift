import Foundation
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

@testable import Hub

/// A burst of subscribers to one topic shares one live computation (each would otherwise queue a whole-topic
/// computation on the views, and the upstream events behind them).
@Suite("Snapshot coalescing")
struct SnapshotCoalescingTests {
    /// Counts computations; each takes `delay` (the views computing 15,000 agents).
    final class SlowSource: LiveEntitySource, @unchecked Sendable {
        let calls = Mutex(0)
        let delay: Duration
        init(delay: Duration) { self.delay = delay }
        func withLiveEntities<R: Sendable>(org: OrgID?, _ body: @Sendable (LiveEntities) -> R) async -> R {
            calls.withLock { $0 += 1 }
            try? await Task.sleep(for: delay)
            let agents = (0..<3).map { HubHarness.agent("us", "a\($0)") }
            return body(LiveEntities(at: 0, kinds: [.agents], changes: agents))
        }
    }

    @Test func aBurstOfSubscribersSharesOneComputation() async throws {
        let auth = HubHarness.auth([("dash", "t", [.global])])
        let source = SlowSource(delay: .milliseconds(500))
        try await HubHarness.run(auth: auth) { h in
            h.hub.attachLiveSource(source)
            let probes = (0..<20).map { _ in WSProbe() }
            try await withThrowingTaskGroup(of: Void.self) { tg in
                for p in probes {
                    tg.addTask { await p.run(port: h.port, token: "t") }
                    p.send(#"{"op":"subscribe","topic":"global"}"#)
                }
                for p in probes {
                    let snap = try await p.next(type: "snapshot")
                    let agents = ((snap["data"] as? [String: Any])?["agents"] as? [[String: Any]]) ?? []
                    #expect(agents.count == 3)
                }
                // 20 subscribers within a few milliseconds: one computation, or two when some arrived just after
                // the first ended — not one each.
                let calls = source.calls.withLock { $0 }
                #expect(calls <= 3, "\(calls) computations for 20 subscribers")
                // Each is subscribed: a later delta reaches them all.
                h.hub.publish([HubHarness.agent("us", "a9")])
                h.hub.flush()
                for p in probes { _ = try await p.next(type: "delta") }
                for p in probes { p.stop() }
                tg.cancelAll()
            }
        }
    }
}
