import Connector
import Foundation
import Journeys
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// Simulator (customer journeys: generated customers over five media and the voice workload's callers) → the
/// bridge (queue conversation snapshots on the socket, detail events pushed through EventBridge) → its journeys,
/// compared with `/_sim/truth` `journeys`: every journey the truth has settled — begun once the bridge listened,
/// not within a margin of a threshold of the rules, not about to close — is on `GET /v1/journeys/{id}` with the
/// same customer key, the same contacts in the same order (conversation, media, start, end) and the same closing
/// (state, reason, time); the open ones are on the `journeys:<org>` topic the same. Under the journey faults
/// (reorder between media, duplicates, missing dispositions, a socket closed and replayed) and the generic
/// duplicate and reorder faults (docs/simulator.md, "Customer journeys"; docs/journeys.md).
@Suite(.serialized) struct JourneysEndToEndTests {
    /// Business time: 20 s per real second; the session timeout and idle grace are a minute each, so journeys
    /// close within a few business minutes.
    static let speed = 20.0
    static let timeout: EpochMillis = 60_000
    /// Allowance for what the bridge sees later than the simulator (delivery, its scaled reorder window, its
    /// 100 ms fold): 1.5 s of real time.
    static let slack = EpochMillis(1500 * speed)
    static let eventBridgeKey = "journeys-e2e-key-0123456789"

    static func simulator(_ o: inout SimulatorOptions, orgs: Set<String>) {
        var j = SimJourneyOptions()
        j.orgs = orgs
        j.customersPerHour = 600
        j.sessionTimeout = timeout
        j.idleGrace = timeout
        j.replayMessages = 20_000
        j.reorderDelay = .milliseconds(400)
        o.journeys = j
    }

    static func bridge(_ config: inout SwitchboardConfiguration, orgs: [String: String], eventBridge: Set<String> = [],
                       socketless: Set<String> = []) {
        for i in config.orgs.indices {
            let id = config.orgs[i].id.rawValue
            guard let country = orgs[id] else { continue }
            var j = OrgJourneysConfig(defaultCountry: country, sessionTimeout: .milliseconds(timeout),
                                      idleGrace: .milliseconds(timeout), showCustomer: .clear)
            if eventBridge.contains(id) { j.eventBridge = EventBridgeConfig(apiKey: Secret(eventBridgeKey)) }
            config.orgs[i].journeys = j
            // No watched queue: no queue conversation topics, so the org's journeys come from EventBridge alone.
            if socketless.contains(id) { config.orgs[i].queues = .ids([]) }
        }
    }

    struct Outcome {
        var compared = 0
        var closed = 0
        var reasons: Set<String> = []
        var onTopic = 0
        var mismatches: [String] = []
    }

    /// Compares the truth's settled journeys of `org` begun at or after `since` with the bridge's.
    static func compare(_ run: DemoFixture.Running, org: String, since: EpochMillis) async throws -> Outcome {
        let truth = try #require(await run.simulator.journeyTruth(org: org))
        let now = run.clock.now()
        let topic = try await DemoFixture.json("\(run.bridgeBase)/v1/views/journeys:\(org)", token: "demo-admin")
        var onTopic: [String: [String: Any]] = [:]
        // The view is the topic's snapshot frame: its entities are under `data`.
        for j in (topic["data"] as? [String: Any])?["journeys"] as? [[String: Any]] ?? [] {
            if let id = j["id"] as? String { onTopic[id] = j }
        }
        var out = Outcome()
        for t in truth.journeys where t.openedAt >= since && (t.marginMs ?? .max) >= slack {
            let settled = t.closed ? t.closeDueAt <= now - slack : t.closeDueAt >= now + slack
            guard settled else { continue }
            let (status, body) = try await DemoFixture.get("\(run.bridgeBase)/v1/journeys/\(t.id)", token: "demo-admin")
            guard status == 200, let j = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                out.mismatches.append("\(t.id) (\(t.source), \(t.contacts.count) contact(s), \(t.contacts.map(\.media))): GET answered \(status)")
                continue
            }
            out.compared += 1
            if let reason = t.closedReason {
                out.closed += 1
                out.reasons.insert(reason)
            }
            if let problem = difference(t, j) { out.mismatches.append("\(t.id) on GET: \(problem)") }
            if !t.closed {
                if let e = onTopic[t.id] {
                    out.onTopic += 1
                    if let problem = difference(t, e) { out.mismatches.append("\(t.id) on journeys:\(org): \(problem)") }
                } else {
                    out.mismatches.append("\(t.id) is open and not on journeys:\(org)")
                }
            }
        }
        return out
    }

    /// What differs between a truth journey and the bridge's entity; nil when nothing does.
    static func difference(_ t: SimJourneyTruth.Journey, _ j: [String: Any]) -> String? {
        var diffs: [String] = []
        if j["customer"] as? String != t.customer { diffs.append("customer \(j["customer"] ?? "nil") ≠ \(t.customer)") }
        let contacts = j["contacts"] as? [[String: Any]] ?? []
        func int(_ v: Any?) -> Int64? { (v as? NSNumber)?.int64Value }
        let got = contacts.map { c in
            "\(c["conversationId"] as? String ?? "?") \(c["media"] as? String ?? "?") \(int(c["startedAt"]) ?? -1)–\(int(c["endedAt"]).map(String.init) ?? "open")"
        }
        let want = t.contacts.map { "\($0.conversationId) \($0.media) \($0.startedAt)–\($0.endedAt.map(String.init) ?? "open")" }
        if got != want { diffs.append("contacts \(got) ≠ \(want)") }
        let closed = j["state"] as? String == "CLOSED"
        if closed != t.closed { diffs.append("state \(j["state"] ?? "nil"), truth closed: \(t.closed)") }
        if t.closed {
            if j["closedReason"] as? String != t.closedReason {
                diffs.append("closedReason \(j["closedReason"] ?? "nil") ≠ \(t.closedReason ?? "nil")")
            }
            if int(j["closedAt"]) != t.closedAt { diffs.append("closedAt \(j["closedAt"] ?? "nil") ≠ \(t.closedAt ?? -1)") }
        }
        return diffs.isEmpty ? nil : diffs.joined(separator: "; ")
    }

    /// Compares until `enough` journeys of each org are compared, `enough / 2` of them closed, and the closed ones
    /// together show two closing reasons; then once more for the ones that differed (the bridge may have been a
    /// fold behind); records what still differs.
    static func expectEqualToTruth(_ run: DemoFixture.Running, orgs: [String], since: EpochMillis, enough: Int) async throws {
        var last: [String: Outcome] = [:]
        let deadline = ContinuousClock.now + .seconds(180)
        func done() -> Bool {
            orgs.allSatisfy { (last[$0]?.compared ?? 0) >= enough && (last[$0]?.closed ?? 0) >= enough / 2 }
                && orgs.reduce(into: Set<String>()) { $0.formUnion(last[$1]?.reasons ?? []) }.count >= 2
        }
        while ContinuousClock.now < deadline {
            for org in orgs { last[org] = try await compare(run, org: org, since: since) }
            if done() { break }
            try await Task.sleep(for: .seconds(2))
        }
        #expect(done(), "not enough settled journeys: \(orgs.map { "\($0): \(last[$0]?.compared ?? 0) compared, \(last[$0]?.closed ?? 0) closed \(last[$0]?.reasons.sorted() ?? [])" })")
        try await Task.sleep(for: .seconds(2))
        for org in orgs {
            let again = try await compare(run, org: org, since: since)
            let persistent = again.mismatches.filter { m in last[org]?.mismatches.contains(m) ?? false }
            print("journeys \(org): \(again.compared) compared (\(again.onTopic) open on the topic, \(again.closed) closed: "
                  + "\(again.reasons.sorted())), \(persistent.count) differ")
            #expect(again.compared >= enough, "\(org): only \(again.compared) journeys settled and compared")
            #expect(persistent.isEmpty, "\(org): \(persistent.count) of \(again.compared) differ:\n\(persistent.prefix(12).joined(separator: "\n"))")
        }
    }

    @Test func socketJourneysEqualTheTruthUnderReorderingDuplicatesAndEveryFault() async throws {
        try await DemoFixture.run(speed: Self.speed, configure: { Self.simulator(&$0, orgs: ["us", "emea"]) },
                                  configureBridge: { Self.bridge(&$0, orgs: ["us": "US", "emea": "DE"]) }) { run in
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })
            let since = run.clock.now() + Self.slack
            // Faults while journeys go on: held contacts, sent twice, swapped, never wrapped up, and a socket
            // closed whose channel gets what it missed again on the reconnect.
            try await Task.sleep(for: .seconds(3))
            for org in ["us", "emea"] {
                await run.simulator.inject(.journey(.reorder, count: 4), org: org)
                await run.simulator.inject(.journey(.duplicate, count: 6), org: org)
                await run.simulator.inject(.duplicate(count: 4), org: org)
                await run.simulator.inject(.reorder(count: 4), org: org)
                await run.simulator.inject(.journey(.missingDisposition, count: 4), org: org)
            }
            try await Task.sleep(for: .seconds(4))
            await run.simulator.inject(.journey(.replay, count: 1), org: "us")
            try await Self.expectEqualToTruth(run, orgs: ["us", "emea"], since: since, enough: 25)
            let truth = try #require(await run.simulator.journeyTruth(org: "us"))
            #expect(truth.generated.reordered >= 1 && truth.generated.missingDisposition >= 4)
            let metrics = String(decoding: try await DemoFixture.get("\(run.bridgeBase)/metrics", token: "demo-metrics").body,
                                 as: UTF8.self)
            #expect(metrics.contains("switchboard_journey_duplicates_total{org=\"us\"}"))
        }
    }

    @Test func eventBridgeJourneysEqualTheTruthAloneAndBesideTheSocket() async throws {
        try await DemoFixture.run(speed: Self.speed, configure: { Self.simulator(&$0, orgs: ["us", "emea"]) },
                                  configureBridge: {
                                      Self.bridge(&$0, orgs: ["us": "US", "emea": "DE"], eventBridge: ["us", "emea"],
                                                  socketless: ["emea"])
                                  }) { run in
            run.simulator.setEventBridgeTarget(SimEventBridgeOptions(
                url: "\(run.bridgeBase)/v1/ingest/eventbridge",
                apiKeys: ["us": Self.eventBridgeKey, "emea": Self.eventBridgeKey], batch: 10))
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })
            let since = run.clock.now() + Self.slack
            try await Task.sleep(for: .seconds(3))
            for org in ["us", "emea"] {
                await run.simulator.inject(.journey(.reorder, count: 4), org: org)
                await run.simulator.inject(.journey(.duplicate, count: 6), org: org)
                await run.simulator.inject(.journey(.missingDisposition, count: 4), org: org)
            }
            try await Task.sleep(for: .seconds(4))
            await run.simulator.inject(.journey(.replay, count: 1), org: "emea")
            try await Self.expectEqualToTruth(run, orgs: ["us", "emea"], since: since, enough: 25)
            for org in ["us", "emea"] {
                let stats = try #require(run.simulator.eventBridgeStats(org: org))
                #expect(stats.sent > 100 && stats.refused == 0 && stats.duplicatesSent >= 6, "\(org): \(stats)")
            }
        }
    }
}
