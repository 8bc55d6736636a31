import Foundation
import Hub
import NIOCore
import Store
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Keeping the epoch across a restart (docs/store.md, "Hub epoch").
@Suite struct HubResumeTests {
    static let reader = HubPrincipal(name: "t", scopes: [.global], expiresAt: nil)

    static func hub() async throws -> StreamHub {
        let hub = try await StreamHub(configuration: ServerConfig(), auth: AuthConfig(), metrics: HubMetrics())
        hub.setOrgs(["us", "emea"])
        return hub
    }

    static func header(_ hub: StreamHub, _ topic: String) async throws -> (epoch: String, seq: Int, agents: [String]) {
        let frame = try await hub.snapshot(topic: topic, for: reader).get()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any])
        let agents = ((json["data"] as? [String: Any])?["agents"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        return (json["epoch"] as? String ?? "", json["seq"] as? Int ?? -1, agents.sorted())
    }

    @Test func aCleanShutdownKeepsTheEpochAndSeqAndRemovesWhatDidNotComeBack() async throws {
        let first = try await Self.hub()
        first.publish([HubHarness.agent("us", "a1"), HubHarness.agent("us", "a2"), HubHarness.agent("emea", "e1")])
        first.flush()
        first.publish([HubHarness.agent("us", "a1", "AWAY")])
        first.flush()
        let before = try await Self.header(first, "org:us")
        #expect(before.seq == 2)
        let saved = first.resumeState(clean: true, at: 1)

        let second = try await Self.hub()
        #expect(second.resume(from: saved))
        var now = try await Self.header(second, "org:us")
        #expect(now.epoch == before.epoch && now.seq == before.seq, "a client at (epoch, seq) resumes without a snapshot")
        // The restarted views send a1 again, not a2 (gone while down).
        second.publish([HubHarness.agent("us", "a1")])
        second.flush()
        second.settleResume()
        second.flush()
        now = try await Self.header(second, "org:us")
        #expect(now.epoch == before.epoch)
        #expect(now.seq == before.seq + 2)
        #expect(now.agents == ["us/a1"])
        // The removal was a delta a resuming client receives.
        let global = try await Self.header(second, "global")
        #expect(global.agents == ["us/a1"], "e1 did not come back either")
    }

    @Test func aCrashOrNothingStoredChangesTheEpoch() async throws {
        let first = try await Self.hub()
        first.publish([HubHarness.agent("us", "a1")])
        first.flush()
        let before = try await Self.header(first, "org:us")
        let second = try await Self.hub()
        #expect(!second.resume(from: first.resumeState(clean: false, at: 1)))
        #expect(try await Self.header(second, "org:us").epoch != before.epoch)
        let third = try await Self.hub()
        #expect(!third.resume(from: nil))
        #expect(try await Self.header(third, "org:us").seq == 0)
    }

    @Test func theStoreKeepsTheHubStateWithItsEntities() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hub-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteHistoryStore(path: dir.appendingPathComponent("s.db").path)
        let hub = try await Self.hub()
        hub.publish([HubHarness.agent("us", "a1")])
        hub.flush()
        var batch = StoreBatch()
        batch.hubState = hub.resumeState(clean: true, at: 5)
        try await store.write(batch)
        let back = try #require(try await store.hubState())
        #expect(back == batch.hubState)
        #expect(back.entities["org:us"] == ["agents/us/a1"])
        try store.close()
    }
}
