import AsyncHTTPClient
import Connector
import Foundation
import Logging
import Simulator
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

/// Keeps the latest `queues` entity per id.
final class QueueRecorder: ViewChangeSink {
    private let latest = Mutex<[String: EncodedJSON]>([:])
    func publish(_ changes: [EntityChange]) {
        latest.withLock { all in for c in changes where c.kind == .queues { all[c.id] = c.json } }
    }
    func publish(alert: StreamAlert) {}
    func queues(org: String) -> [String: [String: Any]] {
        latest.withLock { all in
            var out: [String: [String: Any]] = [:]
            for (id, json) in all where id.hasPrefix("\(org)/") {
                out[String(id.dropFirst(org.count + 1))] = try? JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any]
            }
            return out
        }
    }
}

/// Queue service figures from the connector's poll against the simulator, on a clock that moves only when the
/// test moves it: equal to the truth at each report's instant, in New York and in Tokyo across its midnight;
/// 429 and 5xx inside a poll, and a poll that fails outright, neither lose nor double-count an interval.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QueueServiceSimulatorTests {
    /// Differences between every queue entity and the truth at its `serviceAsOf`; empty when equal.
    static func mismatches(_ sim: GenesysSimulator, _ recorder: QueueRecorder, org: String,
                           notBefore: EpochMillis = 0) async -> [String] {
        let got = recorder.queues(org: org)
        guard !got.isEmpty else { return ["\(org): no queues"] }
        var problems: [String] = []
        for (id, q) in got {
            guard let asOf = (q["serviceAsOf"] as? String).flatMap(Timestamp.parse) else {
                problems.append("\(org)/\(id) has no service figures")
                continue
            }
            if asOf < notBefore { problems.append("\(org)/\(id) as of \(Timestamp.format(asOf)), older than expected") }
            guard let truth = await sim.serviceTruth(org: org, at: asOf),
                  let row = truth.queues.first(where: { $0.id == id })
            else {
                problems.append("\(org)/\(id) has no truth")
                continue
            }
            for (w, t) in [("today", row.service.today), ("rolling15m", row.service.rolling15m),
                           ("rolling60m", row.service.rolling60m)] {
                func n(_ k: String) -> Int? { (q[k] as? [String: Any])?[w] as? Int }
                let mine = [n("offered"), n("answered"), n("abandoned"), n("answeredWithinTarget"), n("serviceLevelCalls"),
                            n("asaMs")]
                let theirs = [t.offered, t.answered, t.abandoned, t.answeredWithinTarget, t.serviceLevelCalls,
                              t.asaMs.map { Int($0) }]
                if mine != theirs { problems.append("\(org)/\(id) \(w) \(mine) vs truth \(theirs)") }
            }
        }
        return problems
    }

    @Test func pollsEqualTheTruthAcrossMidnightAndSurviveFaults() async {
        // 14:10 UTC: 10:10 in New York, 23:10 in Tokyo. Ten hours of history before it.
        let clock = ManualClock(Timestamp.parse("2026-05-07T14:10:00.000Z")!)
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 23)
        options.orgCount = 3
        options.agentsPerOrg = 8
        options.startAt = .init(hour: 10, minute: 0)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        let recorder = QueueRecorder()
        let counter = PollCounter()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var orgs: [OrgConfig] = []
            for id in ["us", "apac"] {
                var org = ConnectorSimulatorTests.orgConfig(sim, options)
                org.id = OrgID(id)
                org.clientId = SimulatorOptions.clientID(for: id)
                org.clientSecret = Secret(SimulatorOptions.clientSecret(for: id))
                org.timezone = TimeZone(identifier: options.timeZoneID(for: id))!
                orgs.append(org)
            }
            let views = ViewEngine(occupancy: OccupancyConfig(),
                                   orgs: orgs.map { ViewOrg(id: $0.id, name: $0.name, timeZone: $0.timezone) },
                                   clock: clock, sink: recorder)
            var o = ConnectorSimulatorTests.fastOptions()
            o.queueService = true
            for org in orgs {
                let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: views, clock: clock, observer: counter,
                                             options: o)
                group.addTask { try await connector.run() }
            }
            #expect(await eventually("re-synced") { counter.resynced("us") && counter.resynced("apac") })
            clock.advance(by: 60_000)
            for org in ["us", "apac"] {
                #expect(await eventually("first \(org) poll") { counter.ok(org) >= 1 })
                #expect(await eventually("\(org) equals truth") { await Self.mismatches(sim, recorder, org: org).isEmpty })
                let problems = await Self.mismatches(sim, recorder, org: org)
                #expect(problems.isEmpty, "\(problems.prefix(3))")
            }
            let today = await sim.serviceTruth(org: "us")?.totals.today
            #expect((today?.offered ?? 0) > 50, "ten hours of history are in today")

            // 429 and 503 inside one poll: retried by the REST policy, the poll succeeds.
            let okBefore = counter.ok("us")
            await sim.inject(.rateLimit(count: 2), org: "us")
            await sim.inject(.httpError(count: 1, status: 503), org: "us")
            clock.advance(by: 60_000)
            #expect(await eventually("poll through 429/503") { counter.ok("us") > okBefore })
            #expect(await eventually("us equals truth after 429/503") { await Self.mismatches(sim, recorder, org: "us").isEmpty })

            // 5xx beyond the retry budget: the poll fails, nothing changes; the retry catches up.
            let failedBefore = counter.failed("us")
            let okMid = counter.ok("us")
            await sim.inject(.httpError(count: 4, status: 500), org: "us")
            clock.advance(by: 60_000)
            #expect(await eventually("failed poll") { counter.failed("us") > failedBefore })
            #expect(counter.ok("us") == okMid)
            #expect(await Self.mismatches(sim, recorder, org: "us").isEmpty, "a failed poll leaves the figures as they were")
            clock.advance(by: 31_000)
            #expect(await eventually("retried poll") { counter.ok("us") > okMid })
            let retriedAt = clock.now() - 60_000
            #expect(await eventually("us equals truth after a failed poll") {
                await Self.mismatches(sim, recorder, org: "us", notBefore: retriedAt).isEmpty
            })

            // Past Tokyo's midnight: today restarts there, the rolling hour reaches back into yesterday.
            let apacBefore = counter.ok("apac")
            clock.advance(by: 50 * 60_000)
            #expect(await eventually("apac polled after midnight") { counter.ok("apac") > apacBefore })
            let midnight = Timestamp.parse("2026-05-07T15:00:00.000Z")!
            #expect(await eventually("apac equals truth after midnight") {
                await Self.mismatches(sim, recorder, org: "apac", notBefore: midnight).isEmpty
            })
            let problems = await Self.mismatches(sim, recorder, org: "apac", notBefore: midnight)
            #expect(problems.isEmpty, "\(problems.prefix(3))")
            let after = await sim.serviceTruth(org: "apac")
            #expect(after?.dayStart == "2026-05-07T15:00:00.000Z")
            #expect((after?.totals.rolling60m.offered ?? 0) > (after?.totals.today.offered ?? 0))
            group.cancelAll()
        }
    }
}
