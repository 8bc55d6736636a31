import Connector
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

@Suite struct ResyncGateTests {
    struct E: Equatable, Sendable {
        var id: String
        var at: Int64
    }

    @Test func passesEventsThroughUnlessHolding() {
        var g = ResyncGate<E>()
        #expect(g.offer([E(id: "a", at: 1)]) == false)
        #expect(g.release() == [])
        g.hold()
        #expect(g.offer([E(id: "b", at: 5)]) == true)
        #expect(g.offer([]) == false)
    }

    @Test func releasesHeldEventsOldestFirstAndKeepsHoldingUntilDrained() {
        var g = ResyncGate<E>(openBelow: 0)
        g.hold()
        #expect(g.offer([E(id: "x", at: 30), E(id: "y", at: 10)]) == true)
        #expect(g.offer([E(id: "z", at: 20), E(id: "y2", at: 10)]) == true)
        let first = g.release()
        #expect(first.map(\.id) == ["x", "y", "z", "y2"])
        // Event time first, arrival order among equal times.
        #expect(ResyncGate.ordered(first, time: \.at).map(\.id) == ["y", "y2", "z", "x"])
        // Arriving while the first batch is applied: still held, so it cannot overtake an older held event.
        #expect(g.holding)
        #expect(g.offer([E(id: "w", at: 40)]) == true)
        let released33 = g.release().map(\.id)
        #expect(released33 == ["w"])
        // Drained: open.
        #expect(g.release() == [])
        #expect(!g.holding)
        #expect(g.offer([E(id: "v", at: 50)]) == false)
        #expect(g.heldTotal == 5)
    }

    /// A steady stream finds a few events in every round: the gate must open anyway (it never did before: a debug
    /// build under load held an org in its re-sync, and its session loop with it).
    @Test func aSteadyStreamStillOpensTheGate() {
        var g = ResyncGate<E>(openBelow: 2, maxRounds: 5)
        g.hold()
        _ = g.offer((0..<100).map { E(id: "a\($0)", at: Int64($0)) })
        // Large rounds keep holding; a round of at most `openBelow` opens as it hands them over.
        #expect(g.release().count == 100)
        #expect(g.holding)
        _ = g.offer((0..<10).map { E(id: "b\($0)", at: Int64($0)) })
        #expect(g.release().count == 10)
        #expect(g.holding)
        _ = g.offer([E(id: "c0", at: 1), E(id: "c1", at: 2)])
        #expect(g.release().map(\.id) == ["c0", "c1"])
        #expect(!g.holding)
        #expect(g.offer([E(id: "d", at: 3)]) == false)

        // A stream that never thins: the `maxRounds`-th release opens.
        g.hold()
        var rounds = 0
        repeat {
            _ = g.offer((0..<10).map { E(id: "e\($0)", at: Int64($0)) })
            #expect(g.release().count == 10)
            rounds += 1
        } while g.holding && rounds < 100
        #expect(rounds == 5)
        #expect(g.heldTotal == 50)
        // An empty round opens too.
        g.hold()
        #expect(g.release() == [])
        #expect(!g.holding)
    }

    @Test func aFullGateDeliversTheSurplusRatherThanDroppingIt() {
        var g = ResyncGate<E>(capacity: 3)
        g.hold()
        #expect(g.offer([E(id: "a", at: 1), E(id: "b", at: 2)]) == true)
        #expect(g.offer([E(id: "c", at: 3), E(id: "d", at: 4)]) == false)
        #expect(g.overflowed == 2)
        let released48 = g.release().map(\.id)
        #expect(released48 == ["a", "b"])
    }

    /// The held events are applied by the views' own event-time ordering (AgentTimeline), not a second one: an
    /// event older than the baseline's read of the same agent does not regress it, a newer one moves it on, and
    /// one applied twice (held and also in the baseline) counts once.
    @Test func heldEventsOlderThanTheBaselineDoNotRegressIt() async {
        let t0: EpochMillis = testBusinessHours
        let clock = ManualClock(t0)
        let views = ViewEngine(occupancy: OccupancyConfig(), orgs: [ViewOrg(id: "us", name: "US", timeZone: .gmt)],
                               clock: clock, sink: NoViewChanges())
        let a = EntityID(org: "us", platformID: "a"), b = EntityID(org: "us", platformID: "b")
        func status(_ who: EntityID, _ at: EpochMillis, _ p: SystemPresence, _ r: RoutingStatus) -> BridgeEvent {
            .agentStatus(AgentStatusChange(agent: who, at: at, presence: p, routingStatus: r))
        }
        var gate = ResyncGate<BridgeEvent>()
        gate.hold()
        // Held while the baseline is read: `a` went off queue before the read (the read already shows it on queue
        // again), `b` went on break after the read.
        #expect(gate.offer([status(b, t0 + 5_000, .breakTime, .offQueue), status(a, t0 - 3_000, .available, .offQueue)]) == true)
        clock.set(t0 + 6_000)
        // The baseline, read at t0.
        await views.ingest(org: "us", events: [status(a, t0, .onQueue, .idle), status(b, t0, .onQueue, .interacting)])
        let held = ResyncGate.ordered(gate.release(), time: OrgConnector.eventTime)
        #expect(held.count == 2)
        await views.ingest(org: "us", events: held)
        #expect(gate.release() == [])
        let fa = await views.agentFigures(a), fb = await views.agentFigures(b)
        #expect(fa?.presence == .onQueue && fa?.routingStatus == .idle)
        #expect(fb?.presence == .breakTime && fb?.routingStatus == .offQueue)
        // Replayed again (a duplicate): nothing changes.
        await views.ingest(org: "us", events: held)
        #expect(await views.agentFigures(a) == fa)
        #expect(await views.agentFigures(b) == fb)
    }
}
