import Foundation
import Simulator
import SwitchboardCore
import Testing

/// Queue service figures end to end: simulator conversation aggregates → connector poll → normalizer → views →
/// `GET /v1/views/global`, against the simulator's service truth.
///
/// Tolerance: none. Every window the bridge shows ends at the poll's instant (`serviceAsOf`, the poll time to the
/// minute) — the today query and the rolling query both end there — so the truth is asked for that same instant
/// (`/_sim/truth/service?at=`), and closed and open intervals alike must match exactly. Relative to *now* the
/// figures are at most one poll interval (1 min by default) plus the request time old.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QueueServiceEndToEndTests {
    static let orgs = ["us", "emea", "apac"]
    static let countKeys = ["offered", "answered", "abandoned", "answeredWithinTarget", "serviceLevelCalls"]
    static let windows = ["today", "rolling15m", "rolling60m"]

    @Test func queueOrgAndGlobalServiceEqualTheTruth() async throws {
        try await DemoFixture.run(agents: 30, speed: 60, startAt: .init(hour: 3, minute: 0)) { demo in
            #expect(await eventually("all three orgs open") { await DemoFixture.allOpen(demo.bridgeBase) })
            #expect(await eventually("every queue has service figures", seconds: 60) {
                guard let data = try? await Self.snapshot(demo) else { return false }
                let queues = data["queues"] as? [[String: Any]] ?? []
                return queues.count >= 3 && queues.allSatisfy { $0["serviceAsOf"] is String }
                    && (data["orgs"] as? [[String: Any]] ?? []).allSatisfy { $0["serviceAsOf"] is String }
            })
            // Twice: the second read is after several more polls, with intervals closed in between.
            for round in 0..<2 {
                if round == 1 { try await Task.sleep(for: .seconds(3)) }
                let data = try await Self.snapshot(demo)
                var failures: [String] = []
                var compared = 0, offered = 0, abandoned = 0, over = 0
                var global: [String: [String: Int]] = [:]
                let orgs = Dictionary(uniqueKeysWithValues: (data["orgs"] as? [[String: Any]] ?? []).map { ($0["id"] as! String, $0) })
                let queues = data["queues"] as? [[String: Any]] ?? []
                for org in Self.orgs {
                    let orgEntity = try #require(orgs[org])
                    let asOf = try #require((orgEntity["serviceAsOf"] as? String).flatMap(Timestamp.parse))
                    let truth = try await Self.truth(demo, org: org, at: asOf)
                    let rows = Dictionary(uniqueKeysWithValues: (truth["queues"] as? [[String: Any]] ?? []).map { ($0["id"] as! String, $0) })
                    for q in queues where q["org"] as? String == org {
                        let id = String((q["id"] as! String).dropFirst(org.count + 1))
                        let row = try #require(rows[id], "\(org)/\(id) has no truth")
                        #expect(q["serviceAsOf"] as? String == orgEntity["serviceAsOf"] as? String,
                                "one poll reports every queue of the org")
                        failures += Self.compare(q, row["service"] as? [String: Any] ?? [:], what: "\(org)/\(id)")
                        let target = row["target"] as? [String: Any] ?? [:]
                        let shown = q["serviceLevelTarget"] as? [String: Any] ?? [:]
                        #expect(shown["durationMs"] as? Int == target["durationMs"] as? Int, "\(org)/\(id) target")
                        #expect((shown["percentage"] as? NSNumber)?.doubleValue == (target["percentage"] as? NSNumber)?.doubleValue)
                        let thresholds = q["thresholds"] as? [String: Any]
                        #expect((thresholds?["serviceLevel"] as? [String: Any])?["target"] as? NSNumber
                                == target["percentage"] as? NSNumber, "the queue's own target is its badge's goal")
                        compared += 1
                    }
                    let totals = truth["totals"] as? [String: Any] ?? [:]
                    failures += Self.compare(orgEntity, totals, what: org)
                    let today = totals["today"] as? [String: Any] ?? [:]
                    offered += today["offered"] as? Int ?? 0
                    abandoned += today["abandoned"] as? Int ?? 0
                    over += (today["answered"] as? Int ?? 0) - (today["answeredWithinTarget"] as? Int ?? 0)
                    for w in Self.windows {
                        for k in Self.countKeys {
                            global[w, default: [:]][k, default: 0] += ((totals[w] as? [String: Any])?[k] as? Int) ?? 0
                        }
                    }
                }
                // The global totals: Σ over the orgs, each at its own poll's instant.
                let g = try #require(data["occupancy"] as? [String: Any])
                for w in Self.windows {
                    for k in Self.countKeys where ((g[k] as? [String: Any])?[w] as? Int) != global[w]?[k] {
                        failures.append("global \(k).\(w) \((g[k] as? [String: Any])?[w] ?? "nil") vs truth \(global[w]?[k] ?? -1)")
                    }
                    let within = global[w]?["answeredWithinTarget"] ?? 0, calls = global[w]?["serviceLevelCalls"] ?? 0
                    let sl = ((g["serviceLevel"] as? [String: Any])?[w] as? NSNumber)?.doubleValue
                    if calls > 0, abs((sl ?? -1) - Double(within) / Double(calls)) > 0.00005 {
                        failures.append("global serviceLevel.\(w) \(sl ?? -1) is not Σ within ÷ Σ calls \(within)/\(calls)")
                    }
                }
                #expect(failures.isEmpty, "round \(round): \(failures.prefix(5))")
                #expect(compared >= 6, "compared \(compared) queues")
                // The comparison means something only with traffic, abandons and waits past the target.
                #expect(offered > 100 && abandoned > 0 && over > 0, "offered \(offered), abandoned \(abandoned), over target \(over)")
            }
        }
    }

    static func snapshot(_ demo: DemoFixture.Running) async throws -> [String: Any] {
        let snapshot = try await DemoFixture.json("\(demo.bridgeBase)/v1/views/global", token: "demo-global")
        return try #require(snapshot["data"] as? [String: Any])
    }

    static func truth(_ demo: DemoFixture.Running, org: String, at: EpochMillis) async throws -> [String: Any] {
        try await DemoFixture.json("\(demo.simulatorBase)/_sim/truth/service?org=\(org)&at=\(at)")
    }

    /// An entity's service fields against a truth `{today, rolling15m, rolling60m}` of `Service`s.
    static func compare(_ entity: [String: Any], _ truth: [String: Any], what: String) -> [String] {
        var out: [String] = []
        for w in windows {
            let t = truth[w] as? [String: Any] ?? [:]
            for k in countKeys {
                let got = (entity[k] as? [String: Any])?[w] as? Int
                if got != t[k] as? Int { out.append("\(what) \(k).\(w) \(got ?? -1) vs truth \(t[k] ?? "nil")") }
            }
            for (k, decimals) in [("serviceLevel", 4), ("abandonRate", 4)] {
                let got = ((entity[k] as? [String: Any])?[w] as? NSNumber)?.doubleValue
                let want = (t[k] as? NSNumber)?.doubleValue
                let scale = pow(10.0, Double(decimals))
                if got.map({ ($0 * scale).rounded() }) != want.map({ ($0 * scale).rounded() }) {
                    out.append("\(what) \(k).\(w) \(got.map { "\($0)" } ?? "null") vs truth \(want.map { "\($0)" } ?? "null")")
                }
            }
            let asa = (entity["asaMs"] as? [String: Any])?[w] as? Int
            if asa != t["asaMs"] as? Int { out.append("\(what) asaMs.\(w) \(asa ?? -1) vs truth \(t["asaMs"] ?? "nil")") }
        }
        return out
    }
}
