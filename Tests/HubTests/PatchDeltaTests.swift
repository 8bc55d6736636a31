import Foundation
import NIOCore
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

@testable import Hub

/// Field-level patches (docs/protocol.md "Patches"): the encoder, and over real sockets that a client applying
/// patches holds exactly what a client applying whole records holds, after every delta.
@Suite("Delta patches")
struct PatchDeltaTests {
    static func text(_ b: [UInt8]?) -> String? { b.map { String(decoding: $0, as: UTF8.self) } }

    @Test func membersSplitTopLevelFieldsWithoutDecodingValues() throws {
        let json = Array(#"{"id":"us/a\"1","n":[1,{"x":"]}"}],"o":{"a":{"b":null}},"t":true, "z" : -1.5e3 }"#.utf8)
        let m = try #require(EntityPatch.members(json))
        #expect(m.map { String(decoding: json[$0.key], as: UTF8.self) } == ["id", "n", "o", "t", "z"])
        #expect(m.map { String(decoding: json[$0.value], as: UTF8.self) }
                == [#""us/a\"1""#, #"[1,{"x":"]}"}]"#, #"{"a":{"b":null}}"#, "true", "-1.5e3"])
        #expect(EntityPatch.members(Array("{}".utf8))?.isEmpty == true)
        for bad in [#"[1]"#, #"{"a":1"#, #"{"a" 1}"#, #"{"a":1,}"#, #"{"a":"x}"#, #"{"a":1} x"#, "", #"{"a":}"#] {
            #expect(EntityPatch.members(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func aPatchCarriesOnlyWhatChangedAndUnsetsWhatWentAway() throws {
        let old = Array(#"{"id":"us/a1","name":"Ann \"A\"","presence":"ON_QUEUE","figures":{"today":1,"r15":2},"note":"x","queues":["us/q1","us/q2"]}"#.utf8)
        let new = Array(#"{"id":"us/a1","name":"Ann \"A\"","presence":"AWAY","figures":{"today":1,"r15":3},"queues":["us/q1","us/q2"],"band":"ok"}"#.utf8)
        let patch = try #require(Self.text(EntityPatch.make(old: old, new: new)))
        #expect(patch == #","patch":{"presence":"AWAY","figures":{"today":1,"r15":3},"band":"ok"},"unset":["note"]"#)
        // Unchanged: an empty patch. Not smaller than the whole record: nil (the change goes with `data`).
        #expect(Self.text(EntityPatch.make(old: new, new: new)) == #","patch":{}"#)
        #expect(EntityPatch.make(old: Array(#"{"a":1}"#.utf8), new: Array(#"{"b":2}"#.utf8)) == nil)
        #expect(EntityPatch.make(old: Array("null".utf8), new: new) == nil)
    }

    /// Agents with a few fields the test changes at random; the live source computes them "now" with a later
    /// `asOf` than any delta carried, as the views do.
    final class Model: LiveEntitySource, @unchecked Sendable {
        struct Agent: Equatable {
            var presence: String
            var today: Int
            var note: String?
        }
        private let state = Mutex<(agents: [String: Agent], clock: Int)>(([:], 0))

        /// `live`: computed at read time, when a clock-driven figure (`rolling15m`) has moved since the last delta
        /// although nothing else did — the case that makes a patch against the last delta wrong for a client
        /// that holds the snapshot.
        static func json(_ id: String, _ a: Agent, asOf: Int, live: Bool = false) -> EncodedJSON {
            let rolling = live ? 100 + asOf % 5 : a.today % 7
            var s = #"{"id":"\#(id)","org":"us","name":"Agent \"\#(id)\"","presence":"\#(a.presence)","#
                + #""figures":{"today":\#(a.today)},"rolling15m":\#(rolling),"queues":["us/q1","us/q2"]"#
            if let n = a.note { s += #","note":"\#(n)""# }
            return EncodedJSON(s + #","asOf":\#(asOf)}"#)
        }

        /// Applies one random step and returns the changes to publish.
        func step(_ rng: inout some RandomNumberGenerator) -> [EntityChange] {
            state.withLock { s in
                s.clock += 1
                var out: [EntityChange] = []
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let id = "us/a\(Int.random(in: 0..<8, using: &rng))"
                    if s.agents[id] != nil, Int.random(in: 0..<10, using: &rng) == 0 {
                        s.agents[id] = nil
                        out.append(EntityChange(kind: .agents, id: id, scope: .org("us"), json: nil))
                        continue
                    }
                    var a = s.agents[id] ?? Agent(presence: "ON_QUEUE", today: 0, note: nil)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: a.presence = ["ON_QUEUE", "AWAY", "BREAK", "MEAL"].randomElement(using: &rng)!
                    case 1: a.today += Int.random(in: 0...2, using: &rng)
                    default: a.note = a.note == nil ? "n\(s.clock)" : nil
                    }
                    s.agents[id] = a
                    out.append(EntityChange(kind: .agents, id: id, scope: .org("us"), json: Self.json(id, a, asOf: s.clock)))
                }
                return out
            }
        }

        func withLiveEntities<R: Sendable>(org: OrgID?, _ body: @Sendable (LiveEntities) -> R) async -> R {
            let live = state.withLock { s in
                s.agents.sorted { $0.key < $1.key }.map {
                    EntityChange(kind: .agents, id: $0.key, scope: .org("us"), json: Self.json($0.key, $0.value, asOf: s.clock * 1000 + 999, live: true))
                }
            }
            return body(LiveEntities(at: 0, kinds: [.agents], changes: live))
        }
    }

    /// A client's view of the topic's agents, built from its snapshot and deltas.
    final class Replica: @unchecked Sendable {
        let probe: WSProbe
        var agents: [String: [String: Any]] = [:]
        var seq = 0
        var patches = 0
        var wholes = 0
        /// Whole records for an entity this client already held: a patch would have done.
        var wholesOfHeld = 0
        init(_ probe: WSProbe) { self.probe = probe }

        func apply(_ m: [String: Any]) throws {
            switch m["type"] as? String {
            case "snapshot":
                seq = m["seq"] as? Int ?? -1
                let list = ((m["data"] as? [String: Any])?["agents"] as? [[String: Any]]) ?? []
                agents = Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as! String, $0) })
            case "delta":
                let s = try #require(m["seq"] as? Int)
                #expect(s == seq + 1, "a gap: \(seq) → \(s)")
                seq = s
                for c in m["changes"] as? [[String: Any]] ?? [] where c["kind"] as? String == "agents" {
                    let id = try #require(c["id"] as? String)
                    if c["removed"] as? Bool == true {
                        agents[id] = nil
                    } else if let data = c["data"] as? [String: Any] {
                        if agents[id] != nil { wholesOfHeld += 1 }
                        agents[id] = data
                        wholes += 1
                    } else if let patch = c["patch"] as? [String: Any] {
                        var e = try #require(agents[id], "a patch for \(id), which this client does not hold")
                        for (k, v) in patch { e[k] = v }
                        for k in c["unset"] as? [String] ?? [] { e[k] = nil }
                        agents[id] = e
                        patches += 1
                    } else {
                        Issue.record("a change with neither data, patch nor removed: \(c)")
                    }
                }
            default: break
            }
        }

        /// Applies messages until the replica is at `target`.
        func catchUp(to target: Int) async throws {
            while seq < target {
                try apply(try await probe.next { ["snapshot", "delta"].contains($0["type"] as? String) })
            }
        }

        var canonical: String {
            let data = try! JSONSerialization.data(withJSONObject: agents, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    @Test func aPatchClientHoldsWhatAWholeRecordClientHoldsAfterEveryDelta() async throws {
        let auth = HubHarness.auth([("dash", "t", [.global])])
        let model = Model()
        try await HubHarness.run(server: HubHarness.config { $0.flushInterval = .seconds(3600) }, auth: auth) { h in
            var rng = SplitMix64(seed: 42)
            h.hub.attachLiveSource(model)
            h.hub.publish(model.step(&rng))
            h.hub.flush()
            var pairs: [(patch: Replica, whole: Replica)] = []
            try await withThrowingTaskGroup(of: Void.self) { tg in
                func join() async throws {
                    let p = Replica(WSProbe()), w = Replica(WSProbe())
                    for (r, patches) in [(p, true), (w, false)] {
                        tg.addTask { await r.probe.run(port: h.port, token: "t") }
                        r.probe.send(#"{"op":"subscribe","topic":"org:us","patches":\#(patches)}"#)
                        try r.apply(try await r.probe.next(type: "snapshot"))
                    }
                    #expect(p.canonical == w.canonical, "the pair's snapshots differ")
                    pairs.append((p, w))
                }
                try await join()
                var seq = pairs[0].patch.seq
                // A patch client that left at round 25 with the first pair's copy and resumes (`since`) at round 32:
                // the replayed deltas, patches included, bring it to what the first pair's clients hold.
                var resumed: Replica?
                var left: (agents: [String: [String: Any]], seq: Int, epoch: String)?
                for round in 1...60 {
                    if round == 20 || round == 41 { try await join() }
                    h.hub.publish(model.step(&rng))
                    h.hub.flush()
                    seq += 1
                    for (p, w) in pairs {
                        try await p.catchUp(to: seq)
                        try await w.catchUp(to: seq)
                        #expect(p.canonical == w.canonical, "round \(round): the patch client differs")
                    }
                    if round == 25 {
                        let snap = try #require(pairs[0].patch.probe.all.first { $0.contains(#""type":"snapshot""#) })
                        let epoch = try #require((try JSONSerialization.jsonObject(with: Data(snap.utf8)) as? [String: Any])?["epoch"] as? String)
                        left = (pairs[0].patch.agents, seq, epoch)
                    }
                    if round == 32, let left {
                        let r = Replica(WSProbe())
                        r.agents = left.agents
                        r.seq = left.seq
                        tg.addTask { await r.probe.run(port: h.port, token: "t") }
                        r.probe.send(#"{"op":"subscribe","topic":"org:us","patches":true,"since":{"epoch":"\#(left.epoch)","seq":\#(left.seq)}}"#)
                        _ = try await r.probe.next(type: "recovered")
                        resumed = r
                    }
                    if let r = resumed {
                        try await r.catchUp(to: seq)
                        #expect(r.canonical == pairs[0].whole.canonical, "round \(round): the resumed patch client differs")
                    }
                }
                #expect(resumed.map { $0.patches > 0 } == true, "the resumed client was sent no patch")
                // Not vacuous: the patch clients were sent patches — also for each entity's first change after a
                // client joined with a snapshot computed at read time (its `rolling15m` and `asOf` differ from the
                // last delta's): that patch carries those fields too, instead of the whole record going to everyone.
                for (p, w) in pairs {
                    #expect(p.patches > 10, "only \(p.patches) patches")
                    #expect(p.wholesOfHeld == 0, "\(p.wholesOfHeld) whole records for entities the client held")
                    #expect(w.patches == 0)
                }
                for (p, w) in pairs { p.probe.stop(); w.probe.stop() }
                tg.cancelAll()
            }
        }
    }

    @Test func aPatchAlsoCarriesTheFieldsASnapshotHeldDifferently() throws {
        let last = Array(#"{"id":"us/a1","name":"Ann","queues":["us/q1","us/q2"],"presence":"AWAY","rolling":1,"asOf":10}"#.utf8)
        let snap = Array(#"{"id":"us/a1","name":"Ann","queues":["us/q1","us/q2"],"presence":"AWAY","rolling":2,"asOf":11,"extra":true}"#.utf8)
        let next = Array(#"{"id":"us/a1","name":"Ann","queues":["us/q1","us/q2"],"presence":"BREAK","rolling":1,"asOf":12}"#.utf8)
        var names = EntityPatch.FieldNames()
        let bits = EntityPatch.divergence(last, snap, names: &names)
        #expect(names.list.map { String(decoding: $0, as: UTF8.self) } == ["rolling", "asOf", "extra"])
        #expect(bits == 0b111)
        #expect(EntityPatch.divergence(last, last, names: &names) == 0)
        #expect(EntityPatch.divergence(last, Array("[1]".utf8), names: &names) == EntityPatch.FieldNames.whole)
        // `rolling` is back to the last delta's value but the snapshot's client holds 2: sent anyway; `extra` unset.
        let patch = try #require(Self.text(EntityPatch.make(old: last, new: next, also: bits, names: names)))
        #expect(patch == #","patch":{"presence":"BREAK","rolling":1,"asOf":12},"unset":["extra"]"#)
        #expect(Self.text(EntityPatch.make(old: last, new: next)) == #","patch":{"presence":"BREAK","asOf":12}"#)
        // Past 63 names a set is `whole`.
        var full = EntityPatch.FieldNames()
        for n in 0..<63 { #expect(full.bit(adding: ArraySlice("f\(n)".utf8)) == 1 << UInt64(n)) }
        #expect(full.bit(adding: ArraySlice("more".utf8)) == nil)
        #expect(EntityPatch.divergence(last, snap, names: &full) == EntityPatch.FieldNames.whole)
    }

    @Test func aMergeForASlowClientCarriesWholeRecords() {
        let old = ChangeRecord(kind: .agents, id: "us/a1", json: EncodedJSON(#"{"id":"us/a1","p":"A"}"#),
                               patch: Array(#","patch":{"p":"A"}"#.utf8))
        let d1 = DeltaPayload(topic: "org:us", epoch: "e", fromSeq: 1, seq: 1, at: 0, changes: [old],
                              publishedAt: .now, flushedAt: .now, patches: true)
        let d2 = DeltaPayload(topic: "org:us", epoch: "e", fromSeq: 2, seq: 2, at: 0, changes: [old],
                              publishedAt: .now, flushedAt: .now, patches: true)
        #expect(d1.patchFrame != nil)
        let patched = String(buffer: d1.patchFrame!.buffer)
        #expect(patched.contains(#""patch":{"p":"A"}"#) && !patched.contains(#""data""#))
        #expect(!String(buffer: d1.buffer).contains("patch"))
        let merged = DeltaPayload.merged([d1, d2])
        #expect(merged.patchFrame == nil, "a merge for a slow client goes whole")
    }
}
