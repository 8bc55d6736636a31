import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// Figures that move only with time go out on each agent's turn (``ViewTuning/figureTurnMs``), staggered
/// across agents, so a 15,000-agent wall gets an even trickle of figure updates instead of one burst per
/// refresh; state changes never wait for a turn.
@Suite struct FigureTurnTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")
    static let agents = 120

    /// Every agent on queue from t0 and interacting from t0 + 10 min: rolling-15-minute occupancy climbs
    /// ≈ 0.067 per minute, so it moves materially (≥ 0.01) within every 30-second turn.
    static func busyFloor(tuning: ViewTuning = ViewTuning()) async -> Harness {
        let h = Harness(now: t0 + 20 * minute, tuning: tuning)
        var events: [BridgeEvent] = []
        for n in 0..<agents {
            let a = agentID("us", n)
            events.append(status(a, t0, .onQueue, .idle))
            events.append(status(a, t0 + 10 * minute, nil, .interacting))
        }
        await h.engine.ingest(org: "us", events: events)
        await h.engine.refresh()
        _ = h.sink.drain()
        return h
    }

    @Test func sweepsSpreadFigureUpdatesOverTurns() async throws {
        let h = await Self.busyFloor()
        var sentAt: [String: [EpochMillis]] = [:]
        var perSweep: [Int] = []
        for _ in 0..<120 {  // 120 sweeps, 500 ms apart: two 30-second turns
            h.clock.advance(by: 500)
            await h.engine.sweep()
            let changes = h.sink.drain()
            #expect(Set(changes.map(\.kind)).isSubset(of: [.agents]), "a sweep emits agents only")
            perSweep.append(changes.count)
            for c in changes { sentAt[c.id, default: []].append(h.clock.now()) }
        }
        #expect(sentAt.count == Self.agents, "every agent's moving figures went out within two turns")
        for (id, times) in sentAt {
            #expect(times.count <= 2, "\(id) went out \(times.count) times in two turns")
            if times.count == 2 { #expect(times[1] - times[0] == 30_000, "\(id) went out twice in one turn") }
        }
        #expect(perSweep.filter { $0 > 0 }.count >= 60, "updates are spread over the turns, not bunched: \(perSweep)")
        #expect(perSweep.max() ?? 0 <= 12, "no sweep carries a burst: \(perSweep)")
        // A refresh right after, at the same instant, has nothing left to send for these agents.
        await h.engine.refresh()
        #expect(h.sink.drain().of(.agents).isEmpty)
    }

    @Test func aRefreshSendsOnlyTheAgentsWhoseTurnCame() async throws {
        let h = await Self.busyFloor()
        h.clock.advance(by: 20_000)
        await h.engine.refresh()
        let some = h.sink.drain().of(.agents).count
        #expect(some > 0 && some < Self.agents, "20 s is two thirds of a turn: \(some) of \(Self.agents)")

        var everyRefresh = ViewTuning()
        everyRefresh.figureTurnMs = 0
        let all = await Self.busyFloor(tuning: everyRefresh)
        all.clock.advance(by: 20_000)
        await all.engine.refresh()
        #expect(all.sink.drain().of(.agents).count == Self.agents, "figureTurnMs 0 checks every agent every refresh")
    }

    @Test func stateChangesDoNotWaitForATurn() async throws {
        let h = await Self.busyFloor()
        h.clock.advance(by: 1_000)
        let a = agentID("us", 7)
        await h.engine.ingest(org: "us", events: [status(a, h.clock.now() - 500, nil, .idle)])
        let out = h.sink.drain().of(.agents)
        #expect(out.map(\.id) == [a.description])
        #expect(Harness.object(out[0])["state"] as? String == "idle")
    }

    @Test func steadyFiguresAreNotResentOnTheirTurn() async throws {
        // Idle on queue all along: occupancy stays 0 and productive time moves less than durationStepMs.
        let h = Harness(now: Self.t0 + 20 * minute)
        await h.engine.ingest(org: "us", events: (0..<10).map { status(agentID("us", $0), Self.t0, .onQueue, .idle) })
        await h.engine.refresh()
        _ = h.sink.drain()
        for _ in 0..<30 {
            h.clock.advance(by: 1_000)
            await h.engine.sweep()
        }
        #expect(h.sink.drain().isEmpty, "30 s of steady idle is not material")
    }

    /// An agent interacting for over an hour: both rolling windows are full (occupancy 1, handling = productive =
    /// the window) and only `today` moves, exactly as a wall ticks it from `accruing` and `asOf` — so its turns send
    /// nothing (they used to re-send it every ≈ 5 minutes, when `handlingMs.today` had grown by `durationStepMs`),
    /// while a change the wall cannot tick (the next day) still goes out.
    @Test func figuresAWallTicksAreNotResentOnTheirTurn() async throws {
        let h = Harness(now: Self.t0 + 100 * minute)
        let agents = (0..<10).map { agentID("us", $0) }
        await h.engine.ingest(org: "us", events: agents.flatMap {
            [status($0, Self.t0, .onQueue, .idle), status($0, Self.t0 + 30 * minute, nil, .interacting)]
        })
        await h.engine.refresh()
        let first = h.sink.drain().of(.agents)
        #expect(first.count == agents.count)
        let sent = Harness.object(first[0])
        #expect((sent["accruing"] as? [String: Any])?["handling"] as? Int == 1, "handling is running: \(sent)")
        for _ in 0..<(12 * 60) {  // 12 minutes of sweeps, 1 s apart: `handlingMs.today` grows by 12 minutes
            h.clock.advance(by: 1_000)
            await h.engine.sweep()
        }
        #expect(h.sink.drain().of(.agents).isEmpty, "only ticking figures moved")
        // Past the org's midnight `today` starts again, which no wall can tick: the next refresh sends it.
        h.clock.advance(by: 24 * 60 * minute)
        await h.engine.refresh()
        let nextDay = h.sink.drain().of(.agents)
        #expect(nextDay.count == agents.count, "a new day goes out")
        let today = (nextDay.first.map(Harness.object)?["handlingMs"] as? [String: Any])?["today"] as? Int
        #expect(today.map { $0 < 24 * 60 * minute } == true, "today starts again: \(today as Any)")
    }
}
