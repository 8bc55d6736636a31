import Foundation
import Hub
import NIOFoundationCompat
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite("Stream protocol over real sockets")
struct StreamProtocolTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global]), ("emea", "t-emea", [.org("emea")])])

    @Test func snapshotThenCoalescedDeltas() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            h.hub.publish([HubHarness.agent("us", "a1"), HubHarness.agent("emea", "e1")])
            h.hub.flush()
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"global"}"#)
                let snap = try await probe.next(type: "snapshot")
                #expect(snap["topic"] as? String == "global")
                let data = try #require(snap["data"] as? [String: Any])
                let agents = try #require(data["agents"] as? [[String: Any]])
                #expect(Set(agents.compactMap { $0["id"] as? String }) == ["us/a1", "emea/e1"])
                #expect(data["queues"] as? [Any] != nil)
                #expect(data.keys.contains("occupancy"))
                let orgs = try #require(data["orgs"] as? [[String: Any]])
                #expect(Set(orgs.compactMap { $0["status"] as? String }) == ["connecting"])
                let seq = try #require(snap["seq"] as? Int)

                // A storm on one entity becomes one change per delta: the latest state.
                h.hub.publish((0..<500).map { HubHarness.agent("us", "a1", "P\($0)") }
                    + [EntityChange(kind: .agents, id: "emea/e1", scope: .org("emea"), json: nil)])
                let delta = try await probe.next(type: "delta")
                #expect(delta["seq"] as? Int == seq + 1)
                #expect(delta["epoch"] as? String == snap["epoch"] as? String)
                let changes = try #require(delta["changes"] as? [[String: Any]])
                #expect(changes.count == 2)
                let a1 = try #require(changes.first { $0["id"] as? String == "us/a1" })
                #expect((a1["data"] as? [String: Any])?["presence"] as? String == "P499")
                let e1 = try #require(changes.first { $0["id"] as? String == "emea/e1" })
                #expect(e1["removed"] as? Bool == true)

                probe.send(#"{"op":"ping","id":7}"#)
                let pong = try await probe.next(type: "pong")
                #expect(pong["id"] as? Int == 7)
                probe.send(#"{"op":"unsubscribe","topic":"global"}"#)
                let unsub = try await probe.next(type: "unsubscribed")
                #expect(unsub["reason"] as? String == "requested")
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func resumeInsideHistoryReplaysExactlyTheMissedDeltas() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            for i in 1...5 {
                h.hub.publish([HubHarness.agent("us", "a\(i)")])
                h.hub.flush()
            }
            let first = WSProbe()
            var epoch = ""
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await first.run(port: h.port, token: "t-global") }
                first.send(#"{"op":"subscribe","topic":"org:us"}"#)
                let snap = try await first.next(type: "snapshot")
                #expect(snap["seq"] as? Int == 5)
                epoch = try #require(snap["epoch"] as? String)
                first.stop()
                tg.cancelAll()
            }
            for i in 6...8 {
                h.hub.publish([HubHarness.agent("us", "a\(i)")])
                h.hub.flush()
            }
            let second = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await second.run(port: h.port, token: "t-global") }
                second.send(#"{"op":"subscribe","topic":"org:us","since":{"epoch":"\#(epoch)","seq":5}}"#)
                let rec = try await second.next(type: "recovered")
                #expect(rec["from"] as? Int == 6)
                #expect(rec["to"] as? Int == 8)
                var seqs: [Int] = []
                for _ in 0..<3 { seqs.append(try #require(try await second.next(type: "delta")["seq"] as? Int)) }
                #expect(seqs == [6, 7, 8])
                // Nothing else about org:us until the next flush: a live delta follows with seq 9.
                h.hub.publish([HubHarness.agent("us", "a9")])
                let live = try await second.next(type: "delta")
                #expect(live["seq"] as? Int == 9)
                let types = second.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                    .compactMap { $0["type"] as? String }
                #expect(!types.contains("snapshot"))
                #expect(types.filter { $0 == "delta" }.count == 4)
                second.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func resumeOutsideHistoryOrOnAnotherEpochGetsASnapshot() async throws {
        let server = HubHarness.config { $0.historySize = 2 }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            for i in 1...6 {
                h.hub.publish([HubHarness.agent("us", "a\(i)")])
                h.hub.flush()
            }
            let snapEpoch = try await Self.epoch(of: "org:us", h)
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"org:us","since":{"epoch":"\#(snapEpoch)","seq":1}}"#)
                let snap = try await probe.next { ["snapshot", "recovered"].contains($0["type"] as? String) }
                #expect(snap["type"] as? String == "snapshot")
                #expect(snap["seq"] as? Int == 6)
                probe.send(#"{"op":"subscribe","topic":"global","since":{"epoch":"old-epoch","seq":6}}"#)
                let snap2 = try await probe.next { ["snapshot", "recovered"].contains($0["type"] as? String) }
                #expect(snap2["type"] as? String == "snapshot")
                #expect(snap2["topic"] as? String == "global")
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    /// The history's byte bound: with room for about three 2 KB deltas, a client three deltas behind resumes and a
    /// client five behind gets a snapshot; one huge delta alone is still kept (a client one behind resumes).
    @Test func theHistoryIsBoundedInBytesToo() async throws {
        let server = HubHarness.config { $0.historyMaxBytes = 7_000 }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            for i in 1...6 {
                h.hub.publish([HubHarness.agent("us", "a\(i)", padding: 2_000)])
                h.hub.flush()
            }
            let epoch = try await Self.epoch(of: "org:us", h)
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"org:us","since":{"epoch":"\#(epoch)","seq":3}}"#)
                let near = try await probe.next { ["snapshot", "recovered"].contains($0["type"] as? String) }
                #expect(near["type"] as? String == "recovered", "deltas 4…6 (≈ 6 KB) are inside the bound")
                probe.send(#"{"op":"unsubscribe","topic":"org:us"}"#)
                _ = try await probe.next { $0["type"] as? String == "unsubscribed" }
                probe.send(#"{"op":"subscribe","topic":"org:us","since":{"epoch":"\#(epoch)","seq":1}}"#)
                let far = try await probe.next { ["snapshot", "recovered"].contains($0["type"] as? String) }
                #expect(far["type"] as? String == "snapshot", "deltas 2…6 (≈ 10 KB) are not all kept")
                h.hub.publish([HubHarness.agent("us", "big", padding: 50_000)])
                h.hub.flush()
                probe.send(#"{"op":"unsubscribe","topic":"org:us"}"#)
                _ = try await probe.next { $0["type"] as? String == "unsubscribed" }
                probe.send(#"{"op":"subscribe","topic":"org:us","since":{"epoch":"\#(epoch)","seq":6}}"#)
                let one = try await probe.next { ["snapshot", "recovered"].contains($0["type"] as? String) }
                #expect(one["type"] as? String == "recovered", "the newest delta is kept whatever its size")
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func malformedFramesGetBadRequestAndTheConnectionLivesOn() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                for bad in ["not json", #"{"op":"dance"}"#, #"{"op":"subscribe"}"#, "[1,2]", #"{"topic":"global"}"#] {
                    probe.send(bad)
                    let err = try await probe.next(type: "error")
                    #expect(err["code"] as? String == "bad-request", "for \(bad)")
                }
                probe.send(#"{"op":"subscribe","topic":"org:nowhere"}"#)
                #expect(try await probe.next(type: "error")["code"] as? String == "unknown-topic")
                probe.send(#"{"op":"subscribe","topic":"queues"}"#)
                #expect(try await probe.next(type: "error")["code"] as? String == "unknown-topic")
                probe.send(#"{"op":"subscribe","topic":"org:us"}"#)
                #expect(try await probe.next(type: "snapshot")["topic"] as? String == "org:us")
                #expect(probe.closed == nil)
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func alertsReachOrgAndGlobalSubscribersAndAreReplayedAfterTheSnapshot() async throws {
        let auth = HubHarness.auth([("dash", "t-global", [.global]), ("admin", "t-admin", [.admin])])
        try await HubHarness.run(auth: auth) { h in
            h.hub.publish(alert: StreamAlert(kind: .upstreamStale, org: "us", since: 1_790_000_000_000, message: "no heartbeat"))
            let probe = WSProbe(), admin = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                tg.addTask { await admin.run(port: h.port, token: "t-admin") }
                probe.send(#"{"op":"subscribe","topic":"org:us"}"#)
                let snap = try await probe.next(type: "snapshot")
                let orgs = try #require((snap["data"] as? [String: Any])?["orgs"] as? [[String: Any]])
                #expect(orgs.first?["status"] as? String == "stale")
                let replay = try await probe.next(type: "alert")
                #expect(replay["kind"] as? String == "upstream-stale")
                #expect(replay["topic"] as? String == "org:us")
                #expect(replay["since"] as? String == Timestamp.format(1_790_000_000_000))
                admin.send(#"{"op":"ping","id":"ready"}"#)
                #expect(try await admin.next(type: "pong")["id"] as? String == "ready")
                h.hub.publish(alert: StreamAlert(kind: .configRejected, org: nil, since: 1_790_000_000_000, message: "orgs.yaml:3:1: bad"))
                h.hub.publish(alert: StreamAlert(kind: .upstreamRecovered, org: "us", since: 1_790_000_000_500, message: "back"))
                #expect(try await probe.next(type: "alert")["kind"] as? String == "upstream-recovered")
                #expect(try await admin.next(type: "alert")["kind"] as? String == "config-rejected")
                #expect(!probe.all.contains { $0.contains("config-rejected") })
                probe.stop()
                admin.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func aMultiMegabyteSnapshotArrivesIntactInFragments() async throws {
        // 16 KiB frames: the test client keeps its default 16 KiB frame limit, so only fragmentation works.
        let server = HubHarness.config { $0.maxOutboundFrameBytes = 16 << 10 }
        try await HubHarness.run(server: server, auth: Self.auth) { h in
            h.hub.publish((0..<15_000).map { HubHarness.agent("us", "agent-\($0)", padding: 200) })
            h.hub.flush()
            let probe = WSProbe(maxFrameSize: 16 << 10)
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"global"}"#)
                let snap = try await probe.next(type: "snapshot", timeout: .seconds(60))
                let agents = try #require((snap["data"] as? [String: Any])?["agents"] as? [[String: Any]])
                #expect(agents.count == 15_000)
                #expect(probe.all.first.map { $0.utf8.count > 3_000_000 } == true)
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    static func epoch(of topic: String, _ h: HubHarness) async throws -> String {
        let frame = try await h.hub.snapshot(topic: topic, for: HubPrincipal(name: "t", scopes: [.global], expiresAt: nil)).get()
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any])
        return try #require(obj["epoch"] as? String)
    }
}
