import Foundation
import NIOCore
import SwitchboardConfig
import SwitchboardCore
import Testing

@testable import Hub

/// Selecting kinds and fields on subscribe (docs/protocol.md "Selecting kinds and fields"): the validation, the
/// projection of patches, deltas and snapshots, and over real sockets that a selecting client holds exactly the
/// selected part of what a whole-record client holds, after every delta, without the changes it did not select.
@Suite("Stream selection")
struct StreamSelectionTests {
    static func select(_ json: String) -> Result<StreamSelection, StreamSelectionError> {
        StreamSelection.make(try! JSONDecoder().decode(SelectSpec.self, from: Data(json.utf8)))
    }

    static func text(_ b: [UInt8]?) -> String? { b.map { String(decoding: $0, as: UTF8.self) } }

    @Test func aSelectionIsCheckedAndEqualSelectionsShareAKey() throws {
        let a = try Self.select(#"{"agents":["stateSince","presence","id"],"orgs":true}"#).get()
        let b = try Self.select(#"{"orgs":true,"agents":["presence","stateSince","presence"]}"#).get()
        #expect(a == b && a.key == b.key)
        #expect(a.key == "agents=presence,stateSince;orgs=*")
        #expect(try Self.select(#"{"agents":[]}"#).get().key == "agents=")
        let bad: [(String, String)] = [
            (#"{}"#, "names no kind"),
            (#"["agents"]"#, "must be an object"),
            (#"{"agent":true}"#, "select.agent: not a kind"),
            (#"{"agents":false}"#, "leave the kind out"),
            (#"{"agents":"presence"}"#, "neither true nor a list"),
            (#"{"agents":["presence","state since"]}"#, #"select.agents[1]: "state since" is not a field name"#),
            (#"{"agents":["p",""]}"#, "select.agents[1]"),
        ]
        for (json, says) in bad {
            guard case .failure(let e) = Self.select(json) else {
                Issue.record("\(json) was accepted")
                continue
            }
            #expect(e.code == "bad-select")
            #expect(e.message.contains(says), "\(json): \(e.message)")
        }
        let many = "[" + (0...StreamSelection.maxFields).map { "\"f\($0)\"" }.joined(separator: ",") + "]"
        guard case .failure = Self.select(#"{"agents":\#(many)}"#) else { Issue.record("65 fields accepted"); return }
    }

    @Test func aPatchKeepsTheSelectedFieldsOrNothing() throws {
        let fields = [Array("presence".utf8), Array("note".utf8)]
        let p = Array(#","patch":{"presence":"AWAY","figures":{"today":1},"asOf":"x"},"unset":["note","wrapUp"]"#.utf8)
        #expect(Self.text(StreamSelection.projectPatch(p, fields: fields)) == #","patch":{"presence":"AWAY"},"unset":["note"]"#)
        let figuresOnly = Array(#","patch":{"figures":{"today":2},"asOf":"y"}"#.utf8)
        #expect(StreamSelection.projectPatch(figuresOnly, fields: fields) == nil, "a figure turn leaves nothing")
        #expect(Self.text(StreamSelection.projectPatch(Array(#","patch":{"asOf":"y"},"unset":["note"]"#.utf8), fields: fields))
                == #","patch":{},"unset":["note"]"#)
        #expect(StreamSelection.projectPatch(figuresOnly, fields: nil) == figuresOnly, "every field: as it was")
    }

    @Test func aDeltaAndASnapshotKeepTheSelectedKindsAndFields() throws {
        let sel = try Self.select(#"{"agents":["presence"],"orgs":true}"#).get()
        let agent = EncodedJSON(#"{"id":"us/a1","org":"us","presence":"AWAY","figures":{"today":1},"asOf":"t"}"#)
        let changes = [
            ChangeRecord(kind: .agents, id: "us/a1", json: agent, patch: Array(#","patch":{"presence":"AWAY","asOf":"t"}"#.utf8)),
            ChangeRecord(kind: .agents, id: "us/a2", json: agent, patch: Array(#","patch":{"figures":{"today":3}}"#.utf8)),
            ChangeRecord(kind: .agents, id: "us/a3", json: agent),
            ChangeRecord(kind: .agents, id: "us/a4", json: nil),
            ChangeRecord(kind: .queues, id: "us/q1", json: EncodedJSON(#"{"id":"us/q1","waiting":3}"#)),
            ChangeRecord(kind: .orgs, id: "us", json: EncodedJSON(#"{"id":"us","status":"open","occupancy":{"today":0.5}}"#)),
        ]
        let d = DeltaPayload(topic: "global", epoch: "e", fromSeq: 7, seq: 7, at: 0, changes: changes,
                             publishedAt: .now, flushedAt: .now, patches: true)
        let out = String(buffer: d.selected(sel).buffer)
        #expect(out.hasSuffix(#""changes":[{"kind":"agents","id":"us/a1","patch":{"presence":"AWAY"}},{"kind":"agents","id":"us/a3","data":{"id":"us/a1","presence":"AWAY"}},{"kind":"agents","id":"us/a4","removed":true},{"kind":"orgs","id":"us","data":{"id":"us","status":"open","occupancy":{"today":0.5}}}]}"#), "\(out)")
        #expect(out.contains(#""seq":7"#))
        #expect(d.selected(sel) === d.selected(try Self.select(#"{"orgs":true,"agents":["presence"]}"#).get()),
                "one projection per selection, shared")
        // Nothing selected moved: the delta still goes, empty, so its seq keeps the client's continuity check.
        let quiet = DeltaPayload(topic: "global", epoch: "e", fromSeq: 8, seq: 8, at: 0, changes: [changes[1], changes[4]],
                                 publishedAt: .now, flushedAt: .now, patches: true)
        #expect(String(buffer: quiet.selected(sel).buffer).hasSuffix(#""seq":8,"at":"1970-01-01T00:00:00.000Z","changes":[]}"#))

        let snap = HubFrame.snapshot(topic: "global", epoch: "e", seq: 7, at: 0, data: Array(
            #"{"orgs":[{"id":"us","status":"open"}],"occupancy":{"today":0.5},"agents":[{"id":"us/a1","presence":"AWAY","figures":{"today":1}},{"id":"us/a2","name":"B"}],"queues":[]}"#.utf8))
        #expect(String(buffer: sel.snapshot(snap)) == #"{"type":"snapshot","topic":"global","epoch":"e","seq":7,"at":"1970-01-01T00:00:00.000Z","data":{"orgs":[{"id":"us","status":"open"}],"agents":[{"id":"us/a1","presence":"AWAY"},{"id":"us/a2"}]}}"#)
        let totals = try Self.select(#"{"occupancy":["today"]}"#).get()
        #expect(String(buffer: totals.snapshot(snap)).hasSuffix(#""data":{"occupancy":{"today":0.5}}}"#))
    }

    /// Over real sockets: a client selecting `presence` and `note` of agents beside a whole-record client, through
    /// random changes, joins and a resume; after every delta it holds exactly those fields of what the other holds.
    @Test func aSelectingClientHoldsTheSelectedPartOfWhatAWholeClientHolds() async throws {
        let auth = HubHarness.auth([("dash", "t", [.global])])
        let model = PatchDeltaTests.Model()
        try await HubHarness.run(server: HubHarness.config { $0.flushInterval = .seconds(3600) }, auth: auth) { h in
            var rng = SplitMix64(seed: 7)
            h.hub.attachLiveSource(model)
            h.hub.publish(model.step(&rng))
            h.hub.flush()
            func projected(_ agents: [String: [String: Any]]) -> String {
                let cut = agents.mapValues { $0.filter { ["id", "presence", "note"].contains($0.key) } }
                return String(decoding: try! JSONSerialization.data(withJSONObject: cut, options: [.sortedKeys]), as: UTF8.self)
            }
            let subscribe = #"{"op":"subscribe","topic":"org:us","select":{"agents":["presence","note"]}"#
            try await withThrowingTaskGroup(of: Void.self) { tg in
                var pairs: [(sel: PatchDeltaTests.Replica, whole: PatchDeltaTests.Replica)] = []
                func join() async throws {
                    let s = PatchDeltaTests.Replica(WSProbe()), w = PatchDeltaTests.Replica(WSProbe())
                    for (r, msg) in [(s, subscribe + "}"), (w, #"{"op":"subscribe","topic":"org:us"}"#)] {
                        tg.addTask { await r.probe.run(port: h.port, token: "t") }
                        r.probe.send(msg)
                        try r.apply(try await r.probe.next(type: "snapshot"))
                    }
                    #expect(s.canonical == projected(w.agents), "the snapshots differ")
                    pairs.append((s, w))
                }
                try await join()
                var seq = pairs[0].sel.seq
                var left: (agents: [String: [String: Any]], seq: Int, epoch: String)?
                var resumed: PatchDeltaTests.Replica?
                for round in 1...60 {
                    if round == 20 || round == 41 { try await join() }
                    h.hub.publish(model.step(&rng))
                    h.hub.flush()
                    seq += 1
                    for (s, w) in pairs {
                        try await s.catchUp(to: seq)
                        try await w.catchUp(to: seq)
                        #expect(s.canonical == projected(w.agents), "round \(round): the selecting client differs")
                    }
                    if round == 25 {
                        let snap = try #require(pairs[0].sel.probe.all.first { $0.contains(#""type":"snapshot""#) })
                        let epoch = try #require((try JSONSerialization.jsonObject(with: Data(snap.utf8)) as? [String: Any])?["epoch"] as? String)
                        left = (pairs[0].sel.agents, seq, epoch)
                    }
                    if round == 32, let left {
                        let r = PatchDeltaTests.Replica(WSProbe())
                        r.agents = left.agents
                        r.seq = left.seq
                        tg.addTask { await r.probe.run(port: h.port, token: "t") }
                        r.probe.send(subscribe + #","since":{"epoch":"\#(left.epoch)","seq":\#(left.seq)}}"#)
                        _ = try await r.probe.next(type: "recovered")
                        resumed = r
                    }
                    if let r = resumed {
                        try await r.catchUp(to: seq)
                        #expect(r.canonical == projected(pairs[0].whole.agents), "round \(round): the resumed client differs")
                    }
                }
                // Not vacuous: the selecting client was sent fewer changes (none for a step that moved only the
                // figures) and no field it did not select.
                for (s, w) in pairs {
                    #expect(s.patches + s.wholes < w.wholes, "\(s.patches + s.wholes) changes selected of \(w.wholes)")
                    #expect(s.patches > 5)
                    #expect(!s.probe.all.contains { $0.contains(#""figures""#) || $0.contains(#""asOf""#) })
                }
                for (s, w) in pairs { s.probe.stop(); w.probe.stop() }
                resumed?.probe.stop()
                tg.cancelAll()
            }
        }
    }

    /// Every snapshot a selecting client is queued is projected — the subscribe's and a cluster take-over's alike
    /// (both go through `pushSnapshot`), before any writer sees it — and clients with the same selection share it.
    @Test func everySnapshotQueuedForASelectingClientIsProjected() throws {
        let sel = try Self.select(#"{"agents":["presence"]}"#).get()
        let frame = SharedFrame(HubFrame.snapshot(topic: "org:us", epoch: "e", seq: 3, at: 0, data: Array(
            #"{"orgs":[],"agents":[{"id":"us/a1","presence":"AWAY","figures":{"today":1}}]}"#.utf8)))
        func client(_ id: Int, _ selection: StreamSelection?) -> ClientConnection {
            let c = ClientConnection(id: id, principal: HubPrincipal(name: "t", scopes: [.global], expiresAt: nil), token: nil,
                                     queueLimit: 1 << 20, metrics: HubMetrics(), forceClose: {})
            c.setSelection(selection, topic: "org:us")
            c.pushSnapshot(topic: "org:us", frame)
            return c
        }
        func queued(_ c: ClientConnection) throws -> SharedFrame {
            guard case .snapshot(_, let f)? = c.beginWrite() else { throw StreamSelectionError("no snapshot queued") }
            return f
        }
        let a = try queued(client(1, sel)), b = try queued(client(2, sel)), whole = try queued(client(3, nil))
        #expect(String(buffer: a.buffer).hasSuffix(#""data":{"agents":[{"id":"us/a1","presence":"AWAY"}]}}"#))
        #expect(a === b, "one projection for both")
        #expect(whole === frame)
    }

    @Test func theHTTPSnapshotTakesTheSameSelection() async throws {
        let auth = HubHarness.auth([("dash", "t", [.global])])
        try await HubHarness.run(auth: auth) { h in
            h.hub.publish([HubHarness.agent("us", "a1", "AWAY")])
            h.hub.flush()
            let select = #"{"agents":["presence"]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let view = try await HTTPEndpointTests.get(h.port, "/v1/views/global?select=\(select)", token: "t")
            #expect(view.0 == 200)
            #expect(view.1.hasSuffix(#""data":{"agents":[{"id":"us/a1","presence":"AWAY"}]}}"#), "\(view.1)")
            let bad = try await HTTPEndpointTests.get(h.port, "/v1/views/global?select=%7B%7D", token: "t")
            #expect(bad.0 == 400)
            #expect(bad.1.contains("bad-select") && bad.1.contains("names no kind"))
        }
    }

    @Test func aBadSelectIsRefusedWithWhatToWrite() async throws {
        let auth = HubHarness.auth([("dash", "t", [.global])])
        try await HubHarness.run(auth: auth) { h in
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t") }
                probe.send(#"{"op":"subscribe","topic":"global","select":{"agents":["state since"]}}"#)
                let e = try await probe.next(type: "error")
                #expect(e["code"] as? String == "bad-select")
                #expect(e["topic"] as? String == "global")
                #expect((e["message"] as? String)?.contains(#"select.agents[0]: "state since" is not a field name"#) == true)
                // Nothing was subscribed: a good subscribe afterwards gets its snapshot.
                probe.send(#"{"op":"subscribe","topic":"global","select":{"orgs":true}}"#)
                let snap = try await probe.next(type: "snapshot")
                #expect((snap["data"] as? [String: Any])?.keys.sorted() == ["orgs"])
                probe.stop()
                tg.cancelAll()
            }
        }
    }
}
