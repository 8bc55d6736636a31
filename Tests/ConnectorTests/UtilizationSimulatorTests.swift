import AsyncHTTPClient
import Connector
import Foundation
import GenesysAPI
import Logging
import Simulator
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

/// Keeps the latest `utilization` entity per id.
final class UtilizationRecorder: ViewChangeSink {
    private let latest = Mutex<[String: EncodedJSON]>([:])
    func publish(_ changes: [EntityChange]) {
        latest.withLock { all in
            for c in changes where c.kind == .utilization { all[c.id] = c.json }
        }
    }
    func publish(alert: StreamAlert) {}
    func entities(org: String) -> [String: [String: Any]] {
        latest.withLock { all in
            var out: [String: [String: Any]] = [:]
            for (id, json) in all where id.hasPrefix("\(org)/") {
                if let o = try? JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any] {
                    out[String(id.dropFirst(org.count + 1))] = o
                }
            }
            return out
        }
    }
}

/// Counts utilization polls.
final class PollCounter: ConnectorObserver {
    private let counts = Mutex<[String: (ok: Int, failed: Int)]>([:])
    func poll(org: OrgID, feed: String, ok: Bool) {
        counts.withLock { c in
            var v = c[org.rawValue] ?? (0, 0)
            if ok { v.ok += 1 } else { v.failed += 1 }
            c[org.rawValue] = v
        }
    }
    private let resyncs = Mutex<[String: Int]>([:])
    func resync(org: OrgID, ok: Bool) { if ok { resyncs.withLock { $0[org.rawValue, default: 0] += 1 } } }
    func resynced(_ org: String) -> Bool { resyncs.withLock { ($0[org] ?? 0) > 0 } }
    func ok(_ org: String) -> Int { counts.withLock { $0[org]?.ok ?? 0 } }
    func failed(_ org: String) -> Int { counts.withLock { $0[org]?.failed ?? 0 } }
}

/// Utilization by 30-minute interval, end to end against the simulator on a clock that moves only
/// when the test moves it: buckets, totals and AHT equal the truth; the org's zone decides "today";
/// 429 and 5xx during a poll neither lose nor duplicate an interval.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct UtilizationSimulatorTests {
    /// Differences between the views' entities and the truth, empty when equal.
    static func mismatches(_ sim: GenesysSimulator, _ recorder: UtilizationRecorder, org: String) async -> [String] {
        guard let truth = await sim.truth(org: org) else { return ["no truth"] }
        let got = recorder.entities(org: org)
        var problems: [String] = []
        let dayStart = Timestamp.parse(truth.dayStart)!
        for agent in truth.utilization {
            guard let entity = got[agent.agentId] else {
                problems.append("\(org)/\(agent.agentId) missing")
                continue
            }
            if let day = entity["day"] as? String, Timestamp.parse(day) != dayStart {
                problems.append("\(org) day \(day) vs \(truth.dayStart)")
            }
            let intervals = entity["intervals"] as? [[String: Any]] ?? []
            let starts = intervals.compactMap { ($0["start"] as? String).flatMap(Timestamp.parse) }
            if Set(starts).count != starts.count { problems.append("\(org)/\(agent.agentId) duplicate interval") }
            let mine = intervals.map { i -> [Int64] in
                [Timestamp.parse(i["start"] as? String ?? "") ?? -1, Self.int(i["handleMs"]), Self.int(i["handleCount"]),
                 Self.int(i["talkMs"]), Self.int(i["heldMs"]), Self.int(i["acwMs"]), Self.int(i["connected"])]
            }
            let theirs = agent.intervals.map {
                [$0.startMillis, $0.handleMs, Int64($0.handleCount), $0.talkMs, $0.heldMs, $0.acwMs, Int64($0.connected)]
            }
            if mine != theirs { problems.append("\(org)/\(agent.agentId) intervals \(mine) vs truth \(theirs)") }
            for i in intervals {
                let count = Self.int(i["handleCount"])
                let aht = i["ahtMs"] as? NSNumber
                if count > 0 && aht?.int64Value != Self.int(i["handleMs"]) / count {
                    problems.append("\(org)/\(agent.agentId) AHT \(String(describing: aht))")
                }
            }
            let totals = entity["totals"] as? [String: Any] ?? [:]
            if Self.int(totals["handleMs"]) != agent.intervals.reduce(0, { $0 + $1.handleMs }) {
                problems.append("\(org)/\(agent.agentId) totals")
            }
            if starts.contains(where: { $0 < dayStart }) { problems.append("\(org) interval before local midnight") }
        }
        if got.count < truth.utilization.count { problems.append("\(org): \(got.count) entities, truth \(truth.utilization.count)") }
        return problems
    }

    static func int(_ v: Any?) -> Int64 { (v as? NSNumber)?.int64Value ?? -1 }

    /// Differences between the per-queue rollups (`"type":"queue"`, id `<org>/queue/<uuid>`) and the
    /// truth's queue buckets, empty when equal.
    static func queueMismatches(_ sim: GenesysSimulator, _ recorder: UtilizationRecorder, org: String) async -> [String] {
        guard let truth = await sim.truth(org: org) else { return ["no truth"] }
        let got = recorder.entities(org: org).filter { $0.key.hasPrefix("queue/") }
        var problems: [String] = []
        if got.count != truth.queueUtilization.count {
            problems.append("\(org): \(got.count) queue rollups, truth \(truth.queueUtilization.count)")
        }
        for queue in truth.queueUtilization {
            guard let entity = got["queue/\(queue.queueId)"] else {
                problems.append("\(org)/queue/\(queue.queueId) missing")
                continue
            }
            if entity["type"] as? String != "queue" || entity["queue"] as? String != "\(org)/\(queue.queueId)" {
                problems.append("\(org)/queue/\(queue.queueId) type/queue fields")
            }
            let intervals = entity["intervals"] as? [[String: Any]] ?? []
            let mine = intervals.map { i -> [Int64] in
                [Timestamp.parse(i["start"] as? String ?? "") ?? -1, Self.int(i["handleMs"]), Self.int(i["handleCount"]),
                 Self.int(i["talkMs"]), Self.int(i["heldMs"]), Self.int(i["acwMs"]), Self.int(i["connected"])]
            }
            let theirs = queue.intervals.map {
                [$0.startMillis, $0.handleMs, Int64($0.handleCount), $0.talkMs, $0.heldMs, $0.acwMs, Int64($0.connected)]
            }
            if mine != theirs { problems.append("\(org)/queue/\(queue.queueId) intervals \(mine) vs truth \(theirs)") }
            for i in intervals where Self.int(i["handleCount"]) > 0 {
                if (i["ahtMs"] as? NSNumber)?.int64Value != Self.int(i["handleMs"]) / Self.int(i["handleCount"]) {
                    problems.append("\(org)/queue/\(queue.queueId) AHT")
                }
            }
        }
        // Every handle counts once per queue: the queues add up to the agents.
        let agents = truth.utilization.flatMap(\.intervals).reduce(Int64(0)) { $0 + $1.handleMs }
        let queues = truth.queueUtilization.flatMap(\.intervals).reduce(Int64(0)) { $0 + $1.handleMs }
        if agents != queues { problems.append("\(org): queues \(queues) ms vs agents \(agents) ms") }
        return problems
    }

    @Test func intervalsMatchTruthInEachOrgsZoneAndSurviveFaults() async {
        // 14:10 UTC: 10:10 in New York, 23:10 in Tokyo. Ten hours of history before it.
        let clock = ManualClock(Timestamp.parse("2026-05-07T14:10:00.000Z")!)
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 21)
        options.orgCount = 3
        options.agentsPerOrg = 6
        options.startAt = .init(hour: 10, minute: 0)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        let recorder = UtilizationRecorder()
        let counter = PollCounter()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var orgs: [OrgConfig] = []
            for id in ["us", "apac"] {
                let org = ConnectorSimulatorTests.orgConfig(sim, options, id: id)
                orgs.append(org)
            }
            let views = ViewEngine(occupancy: OccupancyConfig(),
                                   orgs: orgs.map { ViewOrg(id: $0.id, name: $0.name, timeZone: $0.timezone) },
                                   clock: clock, sink: recorder)
            var o = ConnectorSimulatorTests.fastOptions()
            o.utilization = true
            for org in orgs {
                let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: views, clock: clock, observer: counter,
                                             options: o)
                group.addTask { try await connector.run() }
            }
            // The first poll comes at start + the org's offset (under a minute of business time).
            #expect(await eventually("re-synced") { counter.resynced("us") && counter.resynced("apac") })
            clock.advance(by: 60_000)
            for org in ["us", "apac"] {
                #expect(await eventually("first \(org) poll") { counter.ok(org) >= 1 })
                #expect(await eventually("\(org) utilization equals truth") {
                    await Self.mismatches(sim, recorder, org: org).isEmpty
                })
                let problems = await Self.mismatches(sim, recorder, org: org)
                #expect(problems.isEmpty, "\(problems.prefix(3))")
                #expect(await eventually("\(org) queue rollups equal truth") {
                    await Self.queueMismatches(sim, recorder, org: org).isEmpty
                })
                let queueProblems = await Self.queueMismatches(sim, recorder, org: org)
                #expect(queueProblems.isEmpty, "\(queueProblems.prefix(3))")
            }
            // Tokyo's day began at 15:00 UTC the day before; New York's at 04:00 UTC today.
            let tokyoDay = recorder.entities(org: "apac").values.compactMap { $0["day"] as? String }
            #expect(!tokyoDay.isEmpty && tokyoDay.allSatisfy { $0 == "2026-05-07T00:00:00.000+09:00" })
            let nyDay = recorder.entities(org: "us").values.compactMap { $0["day"] as? String }
            #expect(!nyDay.isEmpty && nyDay.allSatisfy { $0 == "2026-05-07T00:00:00.000-04:00" })
            let busy = recorder.entities(org: "us").values.map { ($0["intervals"] as? [Any])?.count ?? 0 }.max() ?? 0
            #expect(busy >= 10, "expected many 30-minute intervals of history, got \(busy)")

            // 429 and 503 inside one poll: retried by the REST policy, the poll succeeds.
            let okBefore = counter.ok("us")
            await sim.inject(.rateLimit(count: 2), org: "us")
            await sim.inject(.httpError(count: 1, status: 503), org: "us")
            clock.advance(by: 5 * 60_000)
            #expect(await eventually("poll through 429/503") { counter.ok("us") > okBefore })
            #expect(await eventually("us equals truth after 429/503") { await Self.mismatches(sim, recorder, org: "us").isEmpty })

            // 5xx beyond the retry budget: the poll fails, nothing is lost; the retry catches up.
            let failedBefore = counter.failed("us")
            let okMid = counter.ok("us")
            await sim.inject(.httpError(count: 4, status: 500), org: "us")
            clock.advance(by: 5 * 60_000)
            #expect(await eventually("failed poll") { counter.failed("us") > failedBefore })
            #expect(counter.ok("us") == okMid)
            clock.advance(by: 31_000)
            #expect(await eventually("retried poll") { counter.ok("us") > okMid })
            #expect(await eventually("us equals truth after a failed poll") {
                await Self.mismatches(sim, recorder, org: "us").isEmpty
            })
            #expect(await eventually("us queue rollups equal truth after a failed poll") {
                await Self.queueMismatches(sim, recorder, org: "us").isEmpty
            })
            group.cancelAll()
        }
    }

    /// `utilizationMediaTypes` narrows the feed (seed 001 counts voice only): a voice-only org still
    /// equals the truth (every simulated call is voice), a chat-only org counts nothing, while both poll.
    @Test func mediaTypeFilterNarrowsTheFeed() async {
        let clock = ManualClock(Timestamp.parse("2026-05-07T14:10:00.000Z")!)
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 22)
        options.orgCount = 2
        options.agentsPerOrg = 4
        options.startAt = .init(hour: 8, minute: 0)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        let recorder = UtilizationRecorder()
        let counter = PollCounter()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var orgs: [OrgConfig] = []
            for (id, media) in [("us", ["voice"]), ("emea", ["chat", "email"])] {
                var org = ConnectorSimulatorTests.orgConfig(sim, options, id: id)
                org.tunables.utilizationMediaTypes = media
                orgs.append(org)
            }
            let views = ViewEngine(occupancy: OccupancyConfig(),
                                   orgs: orgs.map { ViewOrg(id: $0.id, name: $0.name, timeZone: $0.timezone) },
                                   clock: clock, sink: recorder)
            var o = ConnectorSimulatorTests.fastOptions()
            o.utilization = true
            for org in orgs {
                let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: views, clock: clock, observer: counter,
                                             options: o)
                group.addTask { try await connector.run() }
            }
            #expect(await eventually("re-synced") { counter.resynced("us") && counter.resynced("emea") })
            clock.advance(by: 60_000)
            #expect(await eventually("both polled") { counter.ok("us") >= 1 && counter.ok("emea") >= 1 })
            #expect(await eventually("voice-only us equals truth") { await Self.mismatches(sim, recorder, org: "us").isEmpty })
            let truth = await sim.truth(org: "emea")
            #expect(truth.map { !$0.utilization.isEmpty } == true, "emea handled calls today")
            #expect(recorder.entities(org: "emea").count == 0, "a chat/email-only feed counts none of the voice calls")
            group.cancelAll()
        }
    }
}
