import AsyncHTTPClient
import Connector
import Foundation
import Logging
import Normalizer
import Simulator
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

/// Keeps the latest entity per kind and id (removals delete).
final class EntityRecorder: ViewChangeSink {
    private let latest = Mutex<[String: [String: Any]]>([:])
    private let versions = Mutex<[String: Int]>([:])
    func publish(_ changes: [EntityChange]) {
        latest.withLock { all in
            for c in changes {
                all["\(c.kind.rawValue):\(c.id)"] = c.json.flatMap { try? JSONSerialization.jsonObject(with: Data($0.bytes)) as? [String: Any] }
            }
        }
        versions.withLock { v in for c in changes { v["\(c.kind.rawValue):\(c.id)", default: 0] += 1 } }
    }
    func publish(alert: StreamAlert) {}
    func get(_ kind: EntityKind, _ id: String) -> [String: Any]? { latest.withLock { $0["\(kind.rawValue):\(id)"] } }
    /// How many times an entity was emitted.
    func emissions(_ kind: EntityKind, _ id: String) -> Int { versions.withLock { $0["\(kind.rawValue):\(id)"] ?? 0 } }
    func ids(_ kind: EntityKind) -> [String] {
        latest.withLock { all in all.compactMap { k, v in k.hasPrefix("\(kind.rawValue):") && v != nil ? String(k.dropFirst(kind.rawValue.count + 1)) : nil } }
    }
}

/// Counts `v2.quality.evaluations` messages and quality polls.
final class QualityEventCounter: ConnectorObserver {
    private let counts = Mutex<(events: Int, polls: Int, resyncs: Int)>((0, 0, 0))
    func upstreamEvent(org: OrgID, topic: TopicKind, events: Int) {
        if topic == .qualityEvaluations { counts.withLock { $0.events += 1 } }
    }
    func poll(org: OrgID, feed: String, ok: Bool) { if feed == "quality" && ok { counts.withLock { $0.polls += 1 } } }
    func resync(org: OrgID, ok: Bool) { if ok { counts.withLock { $0.resyncs += 1 } } }
    var events: Int { counts.withLock { $0.events } }
    var polls: Int { counts.withLock { $0.polls } }
    var resynced: Bool { counts.withLock { $0.resyncs > 0 } }
}

/// Polls `condition` for up to `seconds` of real time without recording an issue (the caller decides).
func holds(within seconds: Double, _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QualityRefreshAndRenameTests {
    /// One connector for `us` against an in-process simulator on a manual clock.
    static func withConnector(clock: ManualClock, agents: Int, seed: UInt64, utilization: Bool,
                              _ body: (GenesysSimulator, EntityRecorder, QualityEventCounter) async throws -> Void) async throws {
        var options = ConnectorSimulatorTests.simulatorOptions(seed: seed)
        options.agentsPerOrg = agents
        options.startAt = .init(hour: 12, minute: 0)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        let recorder = EntityRecorder()
        let counter = QualityEventCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            let org = ConnectorSimulatorTests.orgConfig(sim, options)
            let views = ViewEngine(occupancy: OccupancyConfig(), orgs: [ViewOrg(id: org.id, name: org.name, timeZone: org.timezone)],
                                   clock: clock, sink: recorder)
            var o = ConnectorSimulatorTests.fastOptions()
            o.quality = true
            o.utilization = utilization
            o.directoryRefreshInterval = .seconds(15 * 60)  // names between re-syncs (off in fastOptions)
            let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: views, clock: clock, observer: counter, options: o)
            group.addTask { try await connector.run() }
            defer { group.cancelAll() }
            #expect(await eventually("re-synced") { counter.resynced })
            try await body(sim, recorder, counter)
        }
    }

    /// A `v2.quality.evaluations` event brings the scores in early: one poll, 30 s (debounce) after the
    /// event was seen, before the next quarter-hour poll. The clock only moves when the test moves it.
    @Test func evaluationEventSchedulesEarlyDebouncedRefresh() async throws {
        // 17:01Z: the first poll comes within a minute; the next scheduled one at 17:15 + the org's offset.
        let start = Timestamp.parse("2026-05-07T17:01:00.000Z")!
        let clock = ManualClock(start)
        let quarter: EpochMillis = 15 * 60_000
        let offset = PollSchedule.orgOffset("us", every: quarter)
        try await Self.withConnector(clock: clock, agents: 60, seed: 41, utilization: false) { sim, recorder, counter in
            clock.advance(by: 60_000)
            #expect(await eventually("first quality poll") { counter.polls >= 1 && recorder.get(.quality, "us") != nil })
            var found = false
            for _ in 0..<6 where !found {
                // The next scheduled poll after now.
                let nextScheduled = (clock.now() - offset) / quarter * quarter + quarter + offset
                let polls = counter.polls
                var events = counter.events
                // Jump a minute at a time while an early poll (30 s after an event) would still come first.
                while clock.now() + 60_000 + 40_000 < nextScheduled {
                    clock.advance(by: 60_000)
                    // Give the socket a moment to deliver whatever the simulator announced in that minute.
                    let seen = events
                    _ = await holds(within: 0.3) { counter.events > seen }
                    if counter.events > events { break }
                }
                if counter.events == events {
                    // No evaluation in this window: let the scheduled poll pass, then try the next window.
                    clock.advance(by: nextScheduled + 1000 - clock.now())
                    #expect(await eventually("scheduled quality poll") { counter.polls > polls })
                    continue
                }
                found = true
                events = counter.events
                let seenAt = clock.now()
                #expect(counter.polls == polls, "no poll yet: the event only schedules one")
                // Not at once: nothing in the first 25 s of the debounce.
                for _ in 0..<5 {
                    clock.advance(by: 5000)
                    #expect(!(await holds(within: 0.2) { counter.polls > polls }), "polled before the debounce ran out")
                }
                // Then exactly one poll, still before the quarter hour.
                var polledAt: EpochMillis?
                for _ in 0..<6 where polledAt == nil {
                    clock.advance(by: 5000)
                    if await holds(within: 1.5, { counter.polls > polls }) { polledAt = clock.now() }
                }
                let at = try #require(polledAt, "no early poll within 55 s of the event")
                #expect(at < nextScheduled, "the early poll came before the scheduled one")
                #expect(at - seenAt >= QualityPollerDebounce.ms, "debounced: \(at - seenAt) ms after the event")
                #expect(counter.polls == polls + 1 || counter.events > events, "one poll for the burst")
                // The view shows the new scores, stamped with the early poll's time.
                let truth = try #require(await sim.truth(org: "us"))
                let total = truth.quality.reduce(0) { $0 + $1.count }
                #expect(await eventually("scores updated") {
                    let shown = recorder.ids(.quality).filter { $0.hasPrefix("us/") && !$0.hasPrefix("us/queue/") }
                        .compactMap { recorder.get(.quality, $0)?["forms"] as? [[String: Any]] }
                        .flatMap { $0 }.reduce(0) { $0 + ((($1["count"] as? NSNumber)?.intValue) ?? 0) }
                    return shown == total
                })
                let updated = (recorder.get(.quality, "us")?["lastUpdatedAt"] as? String).flatMap(Timestamp.parse)
                #expect(updated.map { $0 >= seenAt + QualityPollerDebounce.ms && $0 < nextScheduled } == true)
            }
            #expect(found, "an evaluation arrived in one of the windows")
        }
    }

    /// A renamed agent and queue: the platform says nothing on the subscribed topics; the directory
    /// re-read brings the new names, which update in place. Quality and utilization stay keyed by id and
    /// keep their figures; nothing appears twice.
    @Test func renamedAgentKeepsFiguresAndNameUpdatesInPlace() async throws {
        let clock = ManualClock(Timestamp.parse("2026-05-07T17:10:00.000Z")!)
        try await Self.withConnector(clock: clock, agents: 10, seed: 31, utilization: true) { sim, recorder, counter in
            clock.advance(by: 60_000)
            let truth = try #require(await sim.truth(org: "us"))
            // An agent with quality and utilization figures, and one of its queues.
            let evaluated = Set(truth.quality.map(\.agentId))
            let agent = try #require(truth.utilization.first { evaluated.contains($0.agentId) }?.agentId)
            let queue = try #require(truth.agents.first { $0.id == agent }?.queueIds.first)
            let agentID = "us/\(agent)", queueID = "us/\(queue)"
            #expect(await eventually("figures shown") {
                recorder.get(.quality, agentID) != nil && recorder.get(.utilization, agentID) != nil
                    && recorder.get(.agents, agentID)?["name"] as? String == truth.agents.first { $0.id == agent }?.name
                    && recorder.get(.queues, queueID) != nil
            })
            let qualityBefore = try #require(recorder.get(.quality, agentID)?["forms"] as? [[String: Any]])
            let utilizationBefore = try #require(recorder.get(.utilization, agentID)?["totals"] as? [String: Any])
            let agentsBefore = recorder.ids(.agents).count
            let qualityEntitiesBefore = recorder.ids(.quality).count
            let qualityEmissions = recorder.emissions(.quality, agentID)

            #expect(await sim.rename(.agent(agent), org: "us", to: "Renée Renamed") != nil)
            #expect(await sim.rename(.queue(queue), org: "us", to: "US Renamed Queue") != nil)
            // The simulator's own directory has the new names at once.
            let after = try #require(await sim.truth(org: "us"))
            #expect(after.agents.first { $0.id == agent }?.name == "Renée Renamed")

            // Nothing on the socket carries it; the directory re-read (every 15 min) does.
            clock.advance(by: 16 * 60_000)
            #expect(await eventually("agent renamed in place") {
                recorder.get(.agents, agentID)?["name"] as? String == "Renée Renamed"
            })
            #expect(await eventually("queue renamed in place") {
                recorder.get(.queues, queueID)?["name"] as? String == "US Renamed Queue"
            })
            // Same ids, nothing twice, figures kept.
            #expect(recorder.ids(.agents).count == agentsBefore)
            #expect(recorder.ids(.agents).filter { recorder.get(.agents, $0)?["name"] as? String == "Renée Renamed" } == [agentID])
            // The clock stands still after the jump, so the poll that was due ran at "now": the quality of
            // that id equals the truth now, and so does its utilization.
            let truthNow = try #require(await sim.truth(org: "us"))
            let counts = truthNow.quality.filter { $0.agentId == agent }.sorted { $0.formId < $1.formId }.map(\.count)
            #expect(await eventually("quality of the renamed agent equals truth, same id") {
                (recorder.get(.quality, agentID)?["forms"] as? [[String: Any]])?.compactMap { ($0["count"] as? NSNumber)?.intValue } == counts
            })
            let qualityAfter = try #require(recorder.get(.quality, agentID)?["forms"] as? [[String: Any]])
            #expect(Set(qualityBefore.compactMap { $0["formId"] as? String }).isSubset(of: Set(qualityAfter.compactMap { $0["formId"] as? String })))
            if counts == qualityBefore.compactMap({ ($0["count"] as? NSNumber)?.intValue }) {
                #expect(recorder.emissions(.quality, agentID) == qualityEmissions, "a rename alone re-sends no quality entity")
            }
            #expect(recorder.ids(.quality).count >= qualityEntitiesBefore)
            let handleBefore = (utilizationBefore["handleMs"] as? NSNumber)?.int64Value ?? -1
            #expect(await eventually("utilization of the renamed agent equals truth") {
                let now = await sim.truth(org: "us")?.utilization.first { $0.agentId == agent }?.intervals.reduce(Int64(0)) { $0 + $1.handleMs }
                return ((recorder.get(.utilization, agentID)?["totals"] as? [String: Any])?["handleMs"] as? NSNumber)?.int64Value == now
            })
            let handleAfter = ((recorder.get(.utilization, agentID)?["totals"] as? [String: Any])?["handleMs"] as? NSNumber)?.int64Value ?? -2
            #expect(handleAfter >= handleBefore, "utilization keyed by id keeps its intervals")
            _ = counter
        }
    }
}

/// The form-name cache reads the listing again only for a form id it has not looked for.
@Test func formNamesAreReadAgainOnlyForUnknownIDs() {
    var cache = FormNames()
    #expect(cache.needsRefresh(["a"]))
    cache.refreshed(["a": "Inbound", "b": "Compliance"], looked: ["a"])
    #expect(!cache.needsRefresh(["a", "b"]), "every listed form is known")
    #expect(!cache.needsRefresh([]))
    #expect(cache.needsRefresh(["a", "c"]), "a newly published form")
    cache.refreshed(["a": "Inbound", "b": "Compliance"], looked: ["a", "c"])
    #expect(!cache.needsRefresh(["c"]), "an id the listing lacks costs one read, not one per poll")
    #expect(cache.names["c"] == nil && cache.names["b"] == "Compliance" && cache.reads == 2)
}

/// The quality poller's debounce, as the tests see it.
enum QualityPollerDebounce {
    static let ms: EpochMillis = 30_000
}
