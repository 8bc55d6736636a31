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

/// Keeps the latest `quality` entity per id (removals delete).
final class QualityRecorder: ViewChangeSink {
    private let latest = Mutex<[String: [String: Any]]>([:])
    func publish(_ changes: [EntityChange]) {
        latest.withLock { all in
            for c in changes where c.kind == .quality {
                all[c.id] = c.json.flatMap { try? JSONSerialization.jsonObject(with: Data($0.bytes)) as? [String: Any] }
            }
        }
    }
    func publish(alert: StreamAlert) {}
    var all: [String: [String: Any]] { latest.withLock { $0 } }
}

/// Quality end to end against the simulator: threshold ("insufficient data", never a score), zero
/// counts hidden, segmentation by form (real org) and the seed shape (seed org), last-updated and lag.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QualitySimulatorTests {
    @Test func thresholdZeroCountFormsAndSeedShape() async throws {
        let clock = ManualClock(Timestamp.parse("2026-05-07T17:10:00.000Z")!)
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 31)
        options.orgCount = 2
        options.agentsPerOrg = 10
        options.startAt = .init(hour: 13, minute: 0)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        let recorder = QualityRecorder()
        let counter = PollCounter()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var orgs: [OrgConfig] = []
            for id in ["us", "emea"] {
                var org = ConnectorSimulatorTests.orgConfig(sim, options, id: id)
                if id == "emea" { org.upstreamProtocol = .seed }
                orgs.append(org)
            }
            let views = ViewEngine(occupancy: OccupancyConfig(),
                                   orgs: orgs.map { ViewOrg(id: $0.id, name: $0.name, timeZone: $0.timezone) },
                                   clock: clock, sink: recorder)
            var o = ConnectorSimulatorTests.fastOptions()
            o.quality = true
            for org in orgs {
                let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: views, clock: clock, observer: counter,
                                             options: o)
                group.addTask { try await connector.run() }
            }
            #expect(await eventually("re-synced") { counter.resynced("us") && counter.resynced("emea") })
            clock.advance(by: 60_000)
            #expect(await eventually("quality polled") {
                recorder.all["us"] != nil && recorder.all["emea"] != nil
            })
            for org in ["us", "emea"] {
                let truth = try! #require(await sim.truth(org: org))
                let got = recorder.all
                let status = try! #require(got[org])
                #expect(status["lagNote"] as? String == "Quality data lags up to 30 minutes behind evaluations.")
                #expect((status["lastUpdatedAt"] as? String).flatMap(Timestamp.parse) == clock.now())
                var evaluated = Set<String>()
                var insufficient = 0, scored = 0, mixed = 0
                for agentTruth in Dictionary(grouping: truth.quality, by: \.agentId) {
                    evaluated.insert(agentTruth.key)
                    let entity = try! #require(got["\(org)/\(agentTruth.key)"], "\(org)/\(agentTruth.key)")
                    let forms = entity["forms"] as? [[String: Any]] ?? []
                    // The real org is segmented by form; the seed shape has one all-forms score.
                    let expected: [(String?, Int, Int64, Int)] = org == "us"
                        ? agentTruth.value.sorted { $0.formId < $1.formId }.map { ($0.formId, $0.count, $0.scoreSum, $0.passed) }
                        : [(nil, agentTruth.value.reduce(0) { $0 + $1.count }, agentTruth.value.reduce(0) { $0 + $1.scoreSum },
                            agentTruth.value.reduce(0) { $0 + $1.passed })]
                    #expect(forms.count == expected.count)
                    for (f, e) in zip(forms, expected) {
                        #expect(f["formId"] as? String == e.0)
                        // Real orgs: names from the published forms listing; the seed shape has no form.
                        let name = agentTruth.value.first { $0.formId == e.0 }?.formName
                        #expect(f["formName"] as? String == (org == "us" ? name : nil), "formName of \(e.0 ?? "-")")
                        #expect((f["count"] as? NSNumber)?.intValue == e.1)
                        if e.1 < 3 {
                            insufficient += 1
                            #expect(f["status"] as? String == "insufficient-data")
                            #expect(f["averageScore"] is NSNull, "never a score below the minimum")
                        } else {
                            scored += 1
                            #expect(f["status"] as? String == "ok")
                            let avg = (f["averageScore"] as? NSNumber)?.doubleValue ?? -1
                            #expect(abs(avg - Double(e.2) / Double(e.1)) < 0.006)
                            // Pass rate: the seed's own figure, or (real orgs) the passing-score view's
                            // count over the evaluations, at the default pass score of 80.
                            let rate = (f["passRate"] as? NSNumber)?.doubleValue
                            #expect(rate.map { abs($0 - Double(e.3) * 100 / Double(e.1)) < 0.006 } == true,
                                    "\(org) passRate \(String(describing: rate)) vs \(e.3)/\(e.1)")
                            if e.3 > 0 && e.3 < e.1 { mixed += 1 }
                        }
                    }
                }
                // Zero counts are not shown at all.
                let shown = Set(got.keys.filter { $0.hasPrefix("\(org)/") && !$0.hasPrefix("\(org)/queue/") }
                    .map { String($0.dropFirst(org.count + 1)) })
                #expect(shown == evaluated)
                #expect(truth.agents.count > evaluated.count, "some agents have no evaluation")
                #expect(insufficient > 0 && scored > 0, "\(org): both cases present (\(insufficient), \(scored))")
                #expect(mixed > 0, "\(org): some form with both passing and failing evaluations")
                // Per queue: the platform's own grouping (queueId[, formId]) equals the truth's queue buckets.
                let queueProblems = Self.queueMismatches(truth: truth, got: got, org: org, byForm: org == "us")
                #expect(queueProblems.isEmpty, "\(queueProblems.prefix(3))")
                #expect((status["queues"] as? NSNumber)?.intValue == Set(truth.queueQuality.map(\.queueId)).count)
            }
            group.cancelAll()
        }
    }

    /// A platform that refuses the passing-score view (400) is asked again without it: scores keep
    /// flowing and equal the truth, `passRate` stays null, and later polls no longer ask for the view.
    @Test func refusedPassViewFallsBackToScoresWithoutPassRate() async throws {
        let clock = ManualClock(Timestamp.parse("2026-05-07T17:10:00.000Z")!)
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 31)
        options.orgCount = 1
        options.agentsPerOrg = 10
        options.startAt = .init(hour: 13, minute: 0)
        options.refuseEvaluationViews = true
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        let recorder = QualityRecorder()
        let counter = PollCounter()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var org = ConnectorSimulatorTests.orgConfig(sim, options)
            org.timezone = TimeZone(identifier: options.timeZoneID(for: org.id.rawValue))!
            let views = ViewEngine(occupancy: OccupancyConfig(), orgs: [ViewOrg(id: org.id, name: org.name, timeZone: org.timezone)],
                                   clock: clock, sink: recorder)
            var o = ConnectorSimulatorTests.fastOptions()
            o.quality = true
            let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: views, clock: clock, observer: counter, options: o)
            group.addTask { try await connector.run() }
            let id = org.id.rawValue
            #expect(await eventually("re-synced") { counter.resynced(id) })
            clock.advance(by: 60_000)
            #expect(await eventually("quality polled") { recorder.all[id] != nil })
            #expect(counter.failed(id) == 0, "the refusal does not fail the poll")
            let truth = try! #require(await sim.truth(org: id))
            var scored = 0
            for q in truth.quality where q.count >= 3 {
                let forms = recorder.all["\(id)/\(q.agentId)"]?["forms"] as? [[String: Any]] ?? []
                let f = try! #require(forms.first { $0["formId"] as? String == q.formId }, "\(q)")
                let avg = (f["averageScore"] as? NSNumber)?.doubleValue ?? -1
                #expect(abs(avg - Double(q.scoreSum) / Double(q.count)) < 0.006)
                #expect(f["passRate"] is NSNull, "no pass rate without the view")
                scored += 1
            }
            #expect(scored > 0)
            group.cancelAll()
        }
    }

    /// Differences between the `quality` queue entities and the truth's queue groups (empty when equal).
    static func queueMismatches(truth: SimTruth, got: [String: [String: Any]], org: String, byForm: Bool) -> [String] {
        var problems: [String] = []
        let byQueue = Dictionary(grouping: truth.queueQuality, by: \.queueId)
        let shown = Set(got.keys.filter { $0.hasPrefix("\(org)/queue/") })
        if shown != Set(byQueue.keys.map { "\(org)/queue/\($0)" }) { problems.append("\(org): queues \(shown.count) vs \(byQueue.count)") }
        for (queue, groups) in byQueue {
            guard let entity = got["\(org)/queue/\(queue)"] else { continue }
            if entity["type"] as? String != "queue" || entity["queue"] as? String != "\(org)/\(queue)" {
                problems.append("\(org)/queue/\(queue) type/queue fields")
            }
            let forms = entity["forms"] as? [[String: Any]] ?? []
            let expected: [(String?, Int, Int64, Int)] = byForm
                ? groups.sorted { $0.formId < $1.formId }.map { ($0.formId, $0.count, $0.scoreSum, $0.passed) }
                : [(nil, groups.reduce(0) { $0 + $1.count }, groups.reduce(0) { $0 + $1.scoreSum }, groups.reduce(0) { $0 + $1.passed })]
            if forms.count != expected.count { problems.append("\(org)/queue/\(queue): \(forms.count) forms vs \(expected.count)") }
            for (f, e) in zip(forms, expected) {
                if f["formId"] as? String != e.0 || (f["count"] as? NSNumber)?.intValue != e.1 {
                    problems.append("\(org)/queue/\(queue) form \(e.0 ?? "-") count")
                }
                if e.1 >= 3, let avg = (f["averageScore"] as? NSNumber)?.doubleValue, abs(avg - Double(e.2) / Double(e.1)) > 0.006 {
                    problems.append("\(org)/queue/\(queue) average \(avg)")
                }
                let rate = (f["passRate"] as? NSNumber)?.doubleValue
                if e.1 >= 3, rate.map({ abs($0 - Double(e.3) * 100 / Double(e.1)) > 0.006 }) ?? true {
                    problems.append("\(org)/queue/\(queue) passRate \(String(describing: rate)) vs \(e.3)/\(e.1)")
                }
            }
        }
        return problems
    }
}
