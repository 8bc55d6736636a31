import Synchronization
import SwitchboardCore
import Testing
@testable import Views

/// Collects what the views hand to the store.
final class RecordingHistory: HistorySink {
    private let state = Mutex<([ClosedBucket], [DayTotals])>(([], []))
    func record(buckets: [ClosedBucket], dayTotals: [DayTotals]) {
        state.withLock {
            $0.0 += buckets
            $0.1 += dayTotals
        }
    }
    var buckets: [ClosedBucket] { state.withLock { $0.0 } }
    var dayTotals: [DayTotals] { state.withLock { $0.1 } }
}

@Suite struct HistoryBucketTests {
    static func open(_ at: EpochMillis, _ s: OrgStatus = .open) -> BridgeEvent {
        .connector(ConnectorStatus(org: "us", status: s, at: at))
    }

    /// Runs the engine minute by minute (refresh each minute) up to `until`.
    static func run(_ h: Harness, until: EpochMillis) async {
        while h.clock.now() < until {
            h.clock.advance(by: minute)
            await h.engine.refresh()
        }
    }

    @Test func closedBucketsCarryEachAgentsTimeAndCloseAfterTheGrace() async throws {
        let h = Harness(now: ms("2026-05-07T08:00:00.000Z"))
        let rec = RecordingHistory()
        await h.engine.attachHistory(rec)
        let a = agentID("us", 1), b = agentID("us", 2)
        await h.engine.ingest(org: "us", events: [
            status(a, ms("2026-05-07T08:00:00.000Z"), .onQueue, .idle),
            status(b, ms("2026-05-07T08:20:00.000Z"), .onQueue, .idle),
            .agentInteraction(AgentInteraction(agent: a, conversationID: "c1", observedAt: ms("2026-05-07T08:20:00.000Z"),
                                               connectedAt: ms("2026-05-07T08:10:00.000Z"),
                                               disconnectedAt: ms("2026-05-07T08:20:00.000Z"))),
        ])
        // Nothing closes before the connector is open (its re-sync's history may still be coming).
        await Self.run(h, until: ms("2026-05-07T08:20:00.000Z"))
        #expect(rec.buckets.isEmpty)
        await h.engine.ingest(org: "us", events: [Self.open(ms("2026-05-07T08:20:00.000Z"))])
        await Self.run(h, until: ms("2026-05-07T08:31:00.000Z"))
        // 07:30 … 08:00 (the rolling hour back from the open) and 08:00–08:15 are closed; 08:15–08:30 waits
        // for the 2-minute grace.
        #expect(rec.buckets.map(\.start) == [ms("2026-05-07T07:30:00.000Z"), ms("2026-05-07T07:45:00.000Z"),
                                             ms("2026-05-07T08:00:00.000Z")])
        let first = try #require(rec.buckets.last)
        #expect(first.agents == [a.platformID: OccupancySample(handlingMs: 5 * minute, productiveMs: 15 * minute)])
        #expect(first.total == OccupancySample(handlingMs: 5 * minute, productiveMs: 15 * minute))
        #expect(rec.buckets[0].agents.isEmpty)
        await Self.run(h, until: ms("2026-05-07T08:32:00.000Z"))
        let second = try #require(rec.buckets.last)
        #expect(second.start == ms("2026-05-07T08:15:00.000Z"))
        #expect(second.agents[a.platformID] == OccupancySample(handlingMs: 5 * minute, productiveMs: 15 * minute))
        #expect(second.agents[b.platformID] == OccupancySample(handlingMs: 0, productiveMs: 10 * minute))
        #expect(second.total == OccupancySample(handlingMs: 5 * minute, productiveMs: 25 * minute))
        // Day totals 10 minutes before the last bucket's end (the holdback): what a restart or a take-over resumes
        // from, reading the platform's history from there.
        let totals = try #require(rec.dayTotals.last)
        #expect(totals.asOf == ms("2026-05-07T08:20:00.000Z"))
        #expect(totals.dayStart == ms("2026-05-07T00:00:00.000Z"))
        #expect(totals.agents[a.platformID] == OccupancySample(handlingMs: 10 * minute, productiveMs: 20 * minute))
        #expect(totals.agents[b.platformID] == OccupancySample(handlingMs: 0, productiveMs: 0))
        // Each bucket once.
        await Self.run(h, until: ms("2026-05-07T09:10:00.000Z"))
        let starts = rec.buckets.map(\.start)
        #expect(Set(starts).count == starts.count)
        #expect(starts.last == ms("2026-05-07T08:45:00.000Z"))
    }

    /// The stored day totals stand the holdback before the bucket end — unless an agent's timeline was folded or its
    /// baseline set later (then from there, even after the bucket end).
    @Test func dayTotalsStandTheHoldbackBeforeTheBucketEnd() {
        let t = ms("2026-05-07T08:30:00.000Z")
        #expect(OrgState.dayTotalsAsOf(bucketEnd: t, holdback: 10 * minute, floors: []) == t - 10 * minute)
        #expect(OrgState.dayTotalsAsOf(bucketEnd: t, holdback: 10 * minute, floors: [.min, t - 20 * minute]) == t - 10 * minute)
        #expect(OrgState.dayTotalsAsOf(bucketEnd: t, holdback: 10 * minute, floors: [t - 4 * minute, .min]) == t - 4 * minute)
        #expect(OrgState.dayTotalsAsOf(bucketEnd: t, holdback: 10 * minute, floors: [t + minute]) == t + minute)
        #expect(OrgState.dayTotalsAsOf(bucketEnd: t, holdback: 0, floors: []) == t)
    }

    /// A connector that read today's baseline at 12:00:40 and closes the 11:45–12:00 bucket stores its day totals as
    /// of 12:00:40, not as of 12:00 (a take-over reading history from 12:00 would count those 40 s twice).
    @Test func dayTotalsAreNeverLabelledBeforeTheBaselineTheyContain() async throws {
        let at = ms("2026-05-07T12:00:40.000Z")
        let h = Harness(now: at)
        let rec = RecordingHistory()
        await h.engine.attachHistory(rec)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [
            .agentBaseline(AgentBaseline(agent: a, dayStart: ms("2026-05-07T00:00:00.000Z"), asOf: at,
                                         handlingMs: 60 * minute, productiveMs: 120 * minute)),
            status(a, at, .onQueue, .interacting),
            Self.open(at),
        ])
        await Self.run(h, until: ms("2026-05-07T12:02:00.000Z"))
        let totals = try #require(rec.dayTotals.last)
        #expect(totals.asOf == at)
        #expect(totals.agents[a.platformID] == OccupancySample(handlingMs: 60 * minute, productiveMs: 120 * minute))
    }

    /// Each queue's bucket says how many of its members had productive time (the reaction-time report).
    @Test func queueBucketsCountTheirProductiveMembers() async throws {
        let h = Harness(now: ms("2026-05-07T08:00:00.000Z"))
        let rec = RecordingHistory()
        await h.engine.attachHistory(rec)
        let a = agentID("us", 1), b = agentID("us", 2), c = agentID("us", 3)
        let q1 = EntityID(org: "us", platformID: "q-1"), q2 = EntityID(org: "us", platformID: "q-2")
        await h.engine.ingest(org: "us", events: [
            .agentStatus(AgentStatusChange(agent: a, at: ms("2026-05-07T08:00:00.000Z"), presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q1, q2])),
            .agentStatus(AgentStatusChange(agent: b, at: ms("2026-05-07T08:00:00.000Z"), presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q1])),
            // c is a member of q-2 but off queue all along: no time in the bucket, not counted.
            .agentStatus(AgentStatusChange(agent: c, at: ms("2026-05-07T08:00:00.000Z"), presence: .busy, routingStatus: .offQueue,
                                           activeQueues: [q2])),
            Self.open(ms("2026-05-07T08:00:00.000Z")),
        ])
        await Self.run(h, until: ms("2026-05-07T08:18:00.000Z"))
        let bucket = try #require(rec.buckets.first { $0.start == ms("2026-05-07T08:00:00.000Z") })
        #expect(bucket.agents[c.platformID] == nil)
        #expect(bucket.queueAgents == ["q-1": 2, "q-2": 1])
        #expect(bucket.productiveAgents == 2)
    }

    @Test func aFrozenOrgClosesNothingAndAGapWaitsForTheResync() async throws {
        let h = Harness(now: ms("2026-05-07T08:00:00.000Z"))
        let rec = RecordingHistory()
        await h.engine.attachHistory(rec)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [status(a, ms("2026-05-07T08:00:00.000Z"), .onQueue, .idle),
                                                  Self.open(ms("2026-05-07T08:00:00.000Z"))])
        await Self.run(h, until: ms("2026-05-07T08:10:00.000Z"))
        await h.engine.ingest(org: "us", events: [Self.open(ms("2026-05-07T08:10:00.000Z"), .disconnected)])
        await Self.run(h, until: ms("2026-05-07T08:40:00.000Z"))
        #expect(rec.buckets.last?.start == ms("2026-05-07T07:45:00.000Z"))
        await h.engine.ingest(org: "us", events: [Self.open(ms("2026-05-07T08:40:00.000Z"))])
        await Self.run(h, until: ms("2026-05-07T08:44:00.000Z"))
        #expect(rec.buckets.last?.start == ms("2026-05-07T07:45:00.000Z"), "the gap waits for the re-sync")
        // The re-sync's history: the agent went offline at 08:20.
        await h.engine.ingest(org: "us", events: [status(a, ms("2026-05-07T08:20:00.000Z"), .offline, .offQueue)])
        await Self.run(h, until: ms("2026-05-07T08:48:00.000Z"))
        let byStart = Dictionary(rec.buckets.map { ($0.start, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byStart[ms("2026-05-07T08:00:00.000Z")]?.agents[a.platformID]?.productiveMs == 15 * minute)
        #expect(byStart[ms("2026-05-07T08:15:00.000Z")]?.agents[a.platformID]?.productiveMs == 5 * minute)
        #expect(byStart[ms("2026-05-07T08:30:00.000Z")] != nil)
    }

    @Test func aResumeStartsFromTheStoredTotalsAndHoldsTheFoldForTheResync() async throws {
        let h = Harness(now: ms("2026-05-07T11:00:00.000Z"))
        let rec = RecordingHistory()
        await h.engine.attachHistory(rec)
        let a = agentID("us", 1)
        let day = ms("2026-05-07T00:00:00.000Z")
        let stored = DayTotals(org: "us", dayStart: day, asOf: ms("2026-05-07T09:00:00.000Z"),
                               agents: [a.platformID: OccupancySample(handlingMs: 30 * minute, productiveMs: 120 * minute)])
        await h.engine.resume(HistoryResume(org: "us", lastBucketEnd: stored.asOf, today: stored))
        // Refreshes before the connector's history arrives must not fold past the stored totals' end.
        await Self.run(h, until: ms("2026-05-07T11:05:00.000Z"))
        // The re-sync reads from the stored end on: on queue from 08:55, idle.
        await h.engine.ingest(org: "us", events: [status(a, ms("2026-05-07T08:55:00.000Z"), .onQueue, .idle),
                                                  Self.open(ms("2026-05-07T11:05:00.000Z"))])
        await Self.run(h, until: ms("2026-05-07T11:10:00.000Z"))
        let f = try #require(await h.engine.agentFigures(a))
        #expect(f.figures.today == OccupancySample(handlingMs: 30 * minute, productiveMs: 120 * minute + 130 * minute)
            .asFigures)
        // Buckets resume where the stored ones ended: the downtime's are closed from the re-sync's history.
        #expect(rec.buckets.first?.start == ms("2026-05-07T09:00:00.000Z"))
        #expect(rec.buckets.first?.agents[a.platformID] == OccupancySample(handlingMs: 0, productiveMs: 15 * minute))
        #expect(rec.buckets.last?.start == ms("2026-05-07T10:45:00.000Z"))
        #expect(rec.buckets.count == 8)
    }
}

extension OccupancySample {
    var asFigures: OccupancyFigures { OccupancyFigures(handlingMs: handlingMs, productiveMs: productiveMs) }
}
