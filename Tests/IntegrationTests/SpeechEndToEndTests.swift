import Foundation
import Simulator
import SwitchboardCore
import Synchronization
import Testing

/// Simulator (as Genesys's AudioHook client) → the bridge's `/audiohook/v1` → speech views → `speech:` topics,
/// compared with the simulator's ground truth (`/_sim/truth` `speech`): every ended session's talk, silence and
/// overtalk within 5 % of truth or 200 ms, whichever is larger (docs/audio.md, "Accuracy").
@Suite(.serialized) struct SpeechEndToEndTests {
    /// The tolerance of the issue: 5 % of the true figure or 200 ms, whichever is larger.
    static func close(_ seen: Int64, _ truth: Int64) -> Bool {
        abs(seen - truth) <= max(200, truth / 20)
    }

    struct Compared: Sendable {
        var sessions = Set<String>()
        var problems: [String] = []
    }

    /// Compares every session that has ended in truth and is `ended` in the view; returns what it compared.
    static func compareEnded(_ run: DemoFixture.Running, into compared: inout Compared) async throws {
        let view = try await DemoFixture.json("\(run.bridgeBase)/v1/views/speech:global", token: "demo-global")
        let data = try #require(view["data"] as? [String: Any])
        let calls = (data["calls"] as? [[String: Any]]) ?? []
        var byID: [String: [String: Any]] = [:]
        for c in calls { if let id = c["id"] as? String { byID[id] = c } }
        for org in ["us", "emea", "apac"] {
            for t in run.simulator.speechTruth(org: org) where t.state == "closed" {
                let id = "\(org)/\(t.session)"
                guard !compared.sessions.contains(id), let c = byID[id], c["state"] as? String == "ended" else { continue }
                compared.sessions.insert(id)
                compared.problems += differences(id: id, call: c, truth: t, org: org)
            }
        }
    }

    /// How an ended call on the bridge differs from its truth: each figure off by more than the tolerance, the
    /// conversation id, and a missing agent of the org.
    static func differences(id: String, call c: [String: Any], truth t: SimSpeechSession, org: String) -> [String] {
        var problems: [String] = []
        func ms(_ o: [String: Any]?, _ k: String) -> Int64 { (o?[k] as? NSNumber)?.int64Value ?? -1 }
        let channels = c["channels"] as? [String: Any]
        let cust = channels?["customer"] as? [String: Any], agent = channels?["agent"] as? [String: Any]
        let pairs: [(String, Int64, Int64)] = [
            ("analysedMs", ms(c, "analysedMs"), t.analysedMs),
            ("silenceMs", ms(c, "silenceMs"), t.silenceMs),
            ("overtalkMs", ms(c, "overtalkMs"), t.overtalkMs),
            ("customer.talkMs", ms(cust, "talkMs"), t.customer.talkMs),
            ("agent.talkMs", ms(agent, "talkMs"), t.agent.talkMs),
            ("customer.overtalkMs", ms(cust, "overtalkMs"), t.customer.overtalkMs),
            ("agent.overtalkMs", ms(agent, "overtalkMs"), t.agent.overtalkMs),
        ]
        for (name, seen, truth) in pairs where !close(seen, truth) {
            problems.append("\(id) \(name): bridge \(seen) ms, truth \(truth) ms")
        }
        if c["conversationId"] as? String != t.conversationId {
            problems.append("\(id) conversationId \(c["conversationId"] ?? "nil") ≠ \(t.conversationId)")
        }
        if !((c["agent"] as? String)?.hasPrefix("\(org)/") ?? false) {
            problems.append("\(id) is not joined to an agent of \(org): agent \(c["agent"] ?? "nil")")
        }
        return problems
    }

    /// Live calls right after they start: the bridge's analysed audio is never ahead of what the simulator sent
    /// and at most 2 s behind it (progress every 500 ms, 200 ms hangover, the views' flush, the reads' gap).
    static func compareLive(_ run: DemoFixture.Running) async throws -> (compared: Int, problems: [String]) {
        let view = try await DemoFixture.json("\(run.bridgeBase)/v1/views/speech:global", token: "demo-global")
        var truth: [String: SimSpeechSession] = [:]
        for org in ["us", "emea", "apac"] { for t in run.simulator.speechTruth(org: org) { truth["\(org)/\(t.session)"] = t } }
        let calls = ((view["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
        var n = 0, problems: [String] = []
        for c in calls where c["state"] as? String == "live" {
            guard let id = c["id"] as? String, let t = truth[id], t.state == "open" else { continue }
            n += 1
            let seen = (c["analysedMs"] as? NSNumber)?.int64Value ?? -1
            if seen > t.analysedMs + 200 || t.analysedMs - seen > 2000 {
                problems.append("\(id) live: bridge analysed \(seen) ms, simulator sent \(t.analysedMs) ms")
            }
        }
        return (n, problems)
    }

    static func compareUntil(_ run: DemoFixture.Running, sessions: Int, seconds: Double,
                             excluding: @escaping @Sendable (String) -> Bool = { _ in false }) async -> Compared {
        let compared = Mutex(Compared())
        _ = await eventually("\(sessions) ended sessions compared with truth", seconds: seconds) {
            var c = compared.withLock { $0 }
            try? await Self.compareEnded(run, into: &c)
            compared.withLock { $0 = c }
            return c.sessions.filter { !excluding($0) }.count >= sessions
        }
        return compared.withLock { $0 }
    }

    @Test func liveAndEndedSessionsMatchTruth() async throws {
        try await DemoFixture.run(agents: 6, speed: 30, audio: true, configure: { $0.audioHookShare = 1.0 }) { run in
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })
            // right after the first calls start
            #expect(await eventually("live sessions on speech:global", seconds: 30) {
                ((try? await Self.compareLive(run))?.compared ?? 0) >= 3
            })
            let live = try await Self.compareLive(run)
            #expect(live.problems.isEmpty, "\(live.problems.joined(separator: "\n"))")
            let c = await Self.compareUntil(run, sessions: 8, seconds: 90)
            #expect(c.sessions.count >= 8)
            #expect(c.problems.isEmpty, "\(c.problems.count) figure(s) off truth:\n\(c.problems.joined(separator: "\n"))")
            // the rollups hold what the calls hold: each org's calls today ≥ its ended calls compared
            let view = try await DemoFixture.json("\(run.bridgeBase)/v1/views/speech:global", token: "demo-global")
            let orgs = ((view["data"] as? [String: Any])?["orgs"] as? [[String: Any]]) ?? []
            for org in ["us", "emea", "apac"] {
                let o = orgs.first { $0["id"] as? String == org }
                let ended = c.sessions.filter { $0.hasPrefix("\(org)/") }.count
                #expect(((o?["calls"] as? NSNumber)?.intValue ?? -1) >= ended, "\(org): \(o ?? [:])")
            }
        }
    }

    /// Faults in single sessions (a dropped socket, malformed JSON, a frame of half a sample, an unknown message
    /// type, a bad signature, a replayed nonce) end or refuse only those sessions: every other session still
    /// matches truth and every org's notification connector stays open.
    @Test func aFaultySessionDisturbsNoOther() async throws {
        try await DemoFixture.run(agents: 6, speed: 30, audio: true, configure: { $0.audioHookShare = 1.0 }) { run in
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })
            #expect(await eventually("sessions streaming in us and emea", seconds: 30) {
                run.simulator.speechTruth(org: "us").contains { $0.state == "open" }
                    && run.simulator.speechTruth(org: "emea").contains { $0.state == "open" }
            })
            // one fault at a time, each taken by its own session (a session ended by one takes no other)
            let faulty = Mutex(Set<String>())
            let plan: [(SimAudioHookFault, String)] = [(.drop, "us"), (.malformedJSON, "emea"), (.oddFrame, "apac"),
                                                       (.unknownType, "us"), (.badSignature, "emea")]
            for (fault, org) in plan {
                let before = faulty.withLock { $0 }
                _ = await run.simulator.inject(.audioHook(fault), org: org)
                #expect(await eventually("\(fault.rawValue) taken by a session of \(org)", seconds: 30) {
                    let taken = run.simulator.speechTruth(org: org).filter { $0.faults.contains(fault.kind) }
                        .map { "\(org)/\($0.session)" }.filter { !before.contains($0) }
                    guard let id = taken.first else { return false }
                    faulty.withLock { _ = $0.insert(id) }
                    return true
                })
                guard let id = faulty.withLock({ $0.subtracting(before).first }) else { continue }
                if fault.isUpgradeFault {
                    // refused at the upgrade (after the bridge's refusal delay): never a call on the bridge
                    #expect(await eventually("\(id) refused after \(fault.rawValue)", seconds: 10) {
                        run.simulator.speechTruth(org: org).first { id.hasSuffix($0.session) }?.state == "refused"
                    })
                    continue
                }
                // accepted, then ended by the bridge (an `error` disconnect) or by the dropped socket
                let reason = Mutex<String?>(nil)
                #expect(await eventually("\(id) ended on the bridge after \(fault.rawValue)", seconds: 20) {
                    guard let view = try? await DemoFixture.json("\(run.bridgeBase)/v1/views/speech:global", token: "demo-global"),
                          let call = (((view["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []).first(where: { $0["id"] as? String == id }),
                          call["state"] as? String == "ended" else { return false }
                    reason.withLock { $0 = call["endReason"] as? String }
                    return true
                })
                let r = reason.withLock { $0 }
                #expect(r == (fault == .drop ? "disconnected" : "error"), "\(id) after \(fault.rawValue) ended \(r ?? "nil")")
            }
            let bad = faulty.withLock { $0 }
            // the refused upgrade is counted by reason on /metrics
            #expect(await eventually("the refused upgrade on /metrics", seconds: 10) {
                guard let (_, body) = try? await DemoFixture.get("\(run.bridgeBase)/metrics", token: "demo-metrics") else { return false }
                return String(decoding: body, as: UTF8.self).contains("audiohook.auth.signature-mismatch")
            })
            let c = await Self.compareUntil(run, sessions: 6, seconds: 90, excluding: { bad.contains($0) })
            let clean = c.problems.filter { p in !bad.contains { p.hasPrefix($0) } }
            #expect(clean.isEmpty, "\(clean.joined(separator: "\n"))")
            #expect(await DemoFixture.allOpen(run.bridgeBase), "a fault in one audio session disturbed an org's connector")
        }
    }
}
