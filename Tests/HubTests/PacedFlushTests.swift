import Foundation
import OrderedCollections
import SwitchboardConfig
import SwitchboardCore
import Testing

@testable import Hub

/// Paced kinds (`EntityKind.isPaced`: utilization, quality): a poll's burst is spread over several deltas of at most
/// `server.pacedBytesPerFlush`, while live changes never wait behind it.
@Suite("Paced flush")
struct PacedFlushTests {
    typealias Key = TopicState.Key

    static func fragment(_ id: String, bytes: Int) -> EncodedJSON {
        let head = #"{"id":"\#(id)","pad":""#
        return EncodedJSON(head + String(repeating: "x", count: max(0, bytes - head.utf8.count - 2)) + #""}"#)
    }

    @Test func aBurstOfPacedChangesIsCutWithinTheBudgetAndLiveOnesAllGo() throws {
        var pending: OrderedDictionary<Key, EncodedJSON?> = [:]
        for n in 0..<10 { pending[Key(kind: .utilization, id: "us/u\(n)")] = Self.fragment("us/u\(n)", bytes: 100) }
        pending[Key(kind: .agents, id: "us/a1")] = Self.fragment("us/a1", bytes: 100)
        pending[Key(kind: .quality, id: "us/q1")] = .some(nil)  // a removal costs nothing
        pending[Key(kind: .agents, id: "us/a2")] = Self.fragment("us/a2", bytes: 5_000)  // live: never cut
        // Fits: nothing copied.
        #expect(TopicState.splitPaced(pending, budget: 1_000) == nil)
        #expect(TopicState.splitPaced(pending, budget: .max) == nil)
        let (now, later) = try #require(TopicState.splitPaced(pending, budget: 350))
        #expect(now.keys.map(\.id) == ["us/u0", "us/u1", "us/u2", "us/a1", "us/a2"])
        #expect(later.keys.map(\.id) == ["us/u3", "us/u4", "us/u5", "us/u6", "us/u7", "us/u8", "us/u9", "us/q1"])
        // A single paced fragment over the budget still goes (a burst always drains), alone.
        let (first, rest) = try #require(TopicState.splitPaced(pending, budget: 50))
        #expect(first.keys.map(\.id) == ["us/u0", "us/a1", "us/a2"])
        #expect(rest.count == 10)
    }

    @Test func aTopicDrainsABurstOverFlushesInOrderAndALateLiveChangeGoesFirst() throws {
        var t = TopicState(topic: .org("us"))
        let now = ContinuousClock.now
        for n in 0..<20 {
            t.stage(EntityChange(kind: .utilization, id: "us/u\(n)", scope: .org("us"), json: Self.fragment("us/u\(n)", bytes: 200)), now: now)
        }
        var seen: [String] = []
        var flushes = 0
        while t.hasPending {
            flushes += 1
            #expect(flushes <= 10, "the burst does not drain")
            if flushes == 3 {
                t.stage(EntityChange(kind: .agents, id: "us/a1", scope: .org("us"), json: Self.fragment("us/a1", bytes: 300)), now: now)
                // The waiting ones keep their place; a newer state of one of them replaces it there.
                t.stage(EntityChange(kind: .utilization, id: "us/u19", scope: .org("us"), json: Self.fragment("us/u19", bytes: 210)), now: now)
            }
            let flushed = t.flush(at: 0, now: now, historySize: 100, historyMaxAge: .seconds(60), pacedBytes: 1_000)
            let d = try #require(flushed)
            let ids = d.changes.map(\.id)
            let pacedBytes = d.changes.filter { $0.kind.isPaced }.reduce(0) { $0 + ($1.json?.bytes.count ?? 0) }
            #expect(pacedBytes <= 1_000)
            if flushes == 3 { #expect(ids.contains("us/a1"), "the live change waited behind the burst") }
            seen += ids.filter { $0.hasPrefix("us/u") }
            // What a snapshot holds now is exactly what the deltas carried.
            #expect(t.allEntities.filter { $0.0.kind == .utilization }.map(\.0.id) == seen)
        }
        #expect(seen == (0..<20).map { "us/u\($0)" })
        #expect(flushes == 5)
        #expect(t.allEntities.first { $0.0.id == "us/u19" }?.1.bytes.count == 210)
    }

    /// Over a real socket: a client on `org:us` gets a 60-agent utilization poll in deltas within the budget, every
    /// entity once; a client that subscribes in the middle gets the rest in the next deltas and ends up holding
    /// the same entities.
    @Test func clientsReceiveAPollInPiecesAndEndUpWithAllOfIt() async throws {
        let auth = HubHarness.auth([("dash", "t", [.global])])
        let server = HubHarness.config {
            $0.flushInterval = .seconds(3600)
            $0.pacedBytesPerFlush = 4_096
        }
        try await HubHarness.run(server: server, auth: auth) { h in
            let early = WSProbe(), late = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await early.run(port: h.port, token: "t") }
                early.send(#"{"op":"subscribe","topic":"org:us"}"#)
                _ = try await early.next(type: "snapshot")
                h.hub.publish((0..<60).map {
                    EntityChange(kind: .utilization, id: "us/a\($0)", scope: .org("us"), json: Self.fragment("us/a\($0)", bytes: 500))
                })
                var got: [String] = []
                var lateHolds: Set<String> = []
                var deltas = 0
                while got.count < 60 {
                    deltas += 1
                    try #require(deltas <= 12, "the poll did not drain")
                    h.hub.flush()
                    let m = try await early.next(type: "delta")
                    let changes = m["changes"] as? [[String: Any]] ?? []
                    #expect(changes.count <= 8, "more than the budget in one delta")
                    got += changes.compactMap { $0["id"] as? String }
                    if deltas == 2 {
                        tg.addTask { await late.run(port: h.port, token: "t") }
                        late.send(#"{"op":"subscribe","topic":"org:us"}"#)
                        let snap = try await late.next(type: "snapshot")
                        let list = (snap["data"] as? [String: Any])?["utilization"] as? [[String: Any]] ?? []
                        lateHolds = Set(list.compactMap { $0["id"] as? String })
                        #expect(lateHolds == Set(got), "the snapshot is not the state after the last delta")
                    } else if deltas > 2 {
                        let d = try await late.next(type: "delta")
                        lateHolds.formUnion((d["changes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                    }
                }
                #expect(got == (0..<60).map { "us/a\($0)" })
                #expect(deltas >= 8)
                #expect(lateHolds == Set(got))
                early.stop()
                late.stop()
                tg.cancelAll()
            }
        }
    }
}
