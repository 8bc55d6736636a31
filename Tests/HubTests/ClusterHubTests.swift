import Foundation
import Hub
import NIOCore
import NIOFoundationCompat
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// The hub in a cluster (docs/scale-out.md, "Shared view stream"): the leader's org deltas applied on another
/// replica under the same epoch and seq, `global` merged per replica, gaps answered by the leader's state.
@Suite struct ClusterHubTests {
    static let reader = HubPrincipal(name: "t", scopes: [.global], expiresAt: nil)

    /// A leader of `us` (exporting) and a follower, both declaring us and emea.
    static func pair() async throws -> (leader: StreamHub, follower: StreamHub, exported: ExportBox) {
        let leader = try await StreamHub(configuration: ServerConfig(), auth: AuthConfig(), metrics: HubMetrics())
        let follower = try await StreamHub(configuration: ServerConfig(), auth: AuthConfig(), metrics: HubMetrics())
        let box = ExportBox()
        for h in [leader, follower] { h.setOrgs(["us", "emea"]) }
        leader.setLedOrgs(["us"], export: { box.append($0) })
        follower.setLedOrgs(["emea"], export: { _ in })
        return (leader, follower, box)
    }

    final class ExportBox: Sendable {
        private let deltas = Mutex<[RemoteDelta]>([])
        func append(_ d: [RemoteDelta]) { deltas.withLock { $0 += d } }
        func take() -> [RemoteDelta] { deltas.withLock { d in defer { d = [] }; return d } }
    }

    static func snapshot(_ hub: StreamHub, _ topic: String) async throws -> [String: Any] {
        let frame = try await hub.snapshot(topic: topic, for: reader).get()
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any])
    }

    static func agents(_ json: [String: Any]) -> [String] {
        ((json["data"] as? [String: Any])?["agents"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }.sorted()
    }

    @Test func aFollowerAppliesTheLeadersDeltasUnderItsEpochAndSeqAndMergesGlobal() async throws {
        let (leader, follower, box) = try await Self.pair()
        leader.publish([HubHarness.agent("us", "a1"), HubHarness.agent("us", "a2")])
        leader.flush()
        leader.publish([HubHarness.agent("us", "a1", "AWAY")])
        leader.flush()
        let exported = box.take()
        #expect(exported.map(\.topic) == ["org:us", "org:us"], "only the led org's topics are exported")
        // The follower starts from the leader's state, then follows its deltas.
        #expect(follower.applyRemote(exported) == [.needsState, .needsState], "another epoch needs the state first")
        #expect(follower.applyRemote(states: leader.exportStates(org: "us")) == 4)
        let l = try await Self.snapshot(leader, "org:us"), f = try await Self.snapshot(follower, "org:us")
        #expect(f["epoch"] as? String == l["epoch"] as? String)
        #expect(f["seq"] as? Int == l["seq"] as? Int)
        #expect(Self.agents(f) == ["us/a1", "us/a2"])
        leader.publish([HubHarness.agent("us", "a3")])
        leader.flush()
        let next = box.take()
        #expect(follower.applyRemote(next) == [.applied])
        #expect(follower.applyRemote(next) == [.duplicate], "a row read twice changes nothing")
        follower.flush()
        let global = try await Self.snapshot(follower, "global")
        #expect(Self.agents(global) == ["us/a1", "us/a2", "us/a3"], "global is merged on the follower")
        #expect(try await Self.snapshot(follower, "org:us")["seq"] as? Int == 3)
    }

    /// A take-over: the new leader's topics hold the previous leader's entities; those its views publish again stay,
    /// the others are removed — from the org topic and the merged global — once it settles, and only once; an org
    /// given up before it settles removes nothing.
    @Test func aTakeOverRemovesWhatTheNewLeadersViewsDidNotPublishAgain() async throws {
        let (leader, follower, box) = try await Self.pair()
        leader.publish([HubHarness.agent("us", "a1"), HubHarness.agent("us", "a2"), HubHarness.agent("us", "a3")])
        leader.flush()
        _ = box.take()
        #expect(follower.applyRemote(states: leader.exportStates(org: "us")) == 4)
        follower.flush()
        #expect(Self.agents(try await Self.snapshot(follower, "global")) == ["us/a1", "us/a2", "us/a3"])

        follower.holdForTakeOver("us")
        follower.setLedOrgs(["emea", "us"])
        follower.publish([HubHarness.agent("us", "a1", "AWAY"), HubHarness.agent("us", "a2")])
        follower.flush()
        #expect(Self.agents(try await Self.snapshot(follower, "org:us")) == ["us/a1", "us/a2", "us/a3"], "held until it settles")
        #expect(follower.settleTakeOver("us") == 1)
        follower.flush()
        #expect(Self.agents(try await Self.snapshot(follower, "org:us")) == ["us/a1", "us/a2"])
        #expect(Self.agents(try await Self.snapshot(follower, "global")) == ["us/a1", "us/a2"])
        #expect(follower.settleTakeOver("us") == 0, "settled once")

        // Given up before it settled: nothing is removed (the next leader's rows decide).
        follower.holdForTakeOver("us")
        follower.setLedOrgs(["emea"])
        #expect(follower.settleTakeOver("us") == 0)
        follower.setLedOrgs(["emea", "us"])
        #expect(follower.settleTakeOver("us") == 0, "the hold was dropped")
    }

    @Test func aGapNeedsTheStateAndLocalChangesOfAnOrgLedElsewhereAreDropped() async throws {
        let (leader, follower, box) = try await Self.pair()
        leader.publish([HubHarness.agent("us", "a1")])
        leader.flush()
        _ = box.take()
        follower.applyRemote(states: leader.exportStates(org: "us"))
        leader.publish([HubHarness.agent("us", "a2")])
        leader.flush()
        _ = box.take()  // lost
        leader.publish([HubHarness.agent("us", "a3")])
        leader.flush()
        #expect(follower.applyRemote(box.take()) == [.needsState], "seq 3 after 1")
        // The follower's own views have nothing to say about us.
        follower.publish([HubHarness.agent("us", "ghost"), HubHarness.agent("emea", "e1")])
        follower.flush()
        #expect(Self.agents(try await Self.snapshot(follower, "org:us")) == ["us/a1"])
        #expect(Self.agents(try await Self.snapshot(follower, "org:emea")) == ["emea/e1"])
        // Leadership moves: the follower now leads us and continues the leader's numbering.
        follower.applyRemote(states: leader.exportStates(org: "us"))
        follower.setLedOrgs(["us", "emea"])
        follower.publish([HubHarness.agent("us", "a4")])
        follower.flush()
        let f = try await Self.snapshot(follower, "org:us"), l = try await Self.snapshot(leader, "org:us")
        #expect(f["epoch"] as? String == l["epoch"] as? String)
        #expect(f["seq"] as? Int == 4)
        #expect(Self.agents(f) == ["us/a1", "us/a2", "us/a3", "us/a4"])
    }

    @Test func aStreamClientOfAFollowerGetsGlobalAndResumesOnTheLeadersNumbering() async throws {
        let auth = HubHarness.auth([("dash", "t-global", [.global])])
        let leader = try await StreamHub(configuration: ServerConfig(), auth: AuthConfig(), metrics: HubMetrics())
        leader.setOrgs(["us", "emea"])
        let box = ExportBox()
        leader.setLedOrgs(["us"], export: { box.append($0) })
        leader.publish([HubHarness.agent("us", "a1")])
        leader.flush()
        _ = box.take()
        try await HubHarness.run(auth: auth) { h in
            h.hub.setLedOrgs([], export: { _ in })
            h.hub.applyRemote(states: leader.exportStates(org: "us"))
            h.hub.flush()
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"global"}"#)
                let snap = try await probe.next(type: "snapshot")
                #expect(Self.agents(snap) == ["us/a1"])
                let epoch = try #require(leader.position(topic: "org:us")?.epoch)
                probe.send(#"{"op":"subscribe","topic":"org:us","since":{"epoch":"\#(epoch)","seq":1}}"#)
                _ = try await probe.next(type: "recovered")
                leader.publish([HubHarness.agent("us", "a2")])
                leader.flush()
                #expect(h.hub.applyRemote(box.take()) == [.applied])
                let delta = try await probe.next { $0["type"] as? String == "delta" && $0["topic"] as? String == "org:us" }
                #expect(delta["seq"] as? Int == 2)
                #expect(delta["epoch"] as? String == epoch)
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func recordsRoundTripAndDamagedOnesAreRefused() throws {
        let deltas = RemoteStreamRecord.deltas([
            RemoteDelta(topic: "org:us", epoch: "e1", seq: 7, at: 1_700_000_000_000, changes: [
                .init(kind: .agents, id: "us/a1", json: EncodedJSON(#"{"id":"us/a1"}"#)),
                .init(kind: .occupancy, id: "us", json: EncodedJSON("{}")),
                .init(kind: .agents, id: "us/a2", json: nil),
            ]),
        ])
        let states = RemoteStreamRecord.states([RemoteTopicState(topic: "speech:us", epoch: "e1", seq: 0, at: 5, entities: [])])
        let alerts = RemoteStreamRecord.alerts([StreamAlert(kind: .upstreamStale, org: "us", since: 9, message: "m")])
        for record in [deltas, states, alerts] {
            #expect(try RemoteStreamRecord(decoding: record.encode()) == record)
        }
        let bytes = deltas.encode()
        for cut in [0, 1, 2, 6, bytes.count / 2, bytes.count - 1] {
            #expect(throws: RemoteStreamError.self) { try RemoteStreamRecord(decoding: Array(bytes.prefix(cut))) }
        }
        #expect(throws: RemoteStreamError.self) { try RemoteStreamRecord(decoding: bytes + [0]) }
        var wrongVersion = bytes
        wrongVersion[0] = 9
        #expect(throws: RemoteStreamError.self) { try RemoteStreamRecord(decoding: wrongVersion) }
        // A singleton keeps its kind across the wire (a follower's snapshot writes it as an object).
        guard case .deltas(let back) = try RemoteStreamRecord(decoding: bytes) else { Issue.record("not deltas"); return }
        #expect(back[0].changes[1].kind.isSingleton)
    }
}
