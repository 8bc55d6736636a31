import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// `stateSince` of a run that began before the views' window (60 minutes, or since the day's baseline).
@Suite struct StateSinceTests {
    static let day = ms("2026-05-07T00:00:00.000Z")
    static let t0 = ms("2026-05-07T08:00:00.000Z")

    static func since(_ h: Harness, _ a: EntityID) async throws -> EpochMillis? {
        try #require(await h.engine.agentFigures(a)).stateSince
    }

    /// A restart (or a take-over) three hours into an agent's break: the users page gives the presence's own time
    /// (08:00) and the day's baseline comes up to now (11:00). The agent is shown on break since 08:00 — in the
    /// emitted fragment, the live figures and after history folds — not since the window's start (10:00).
    @Test func aFreshRecordShowsTheStartOfARunThatBeganBeforeTheWindow() async throws {
        let now = Self.t0 + 180 * minute
        let h = Harness(now: now)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [
            .agentBaseline(AgentBaseline(agent: a, dayStart: Self.day, asOf: now, handlingMs: 0, productiveMs: 0)),
            status(a, Self.t0, .breakTime, .offQueue),
        ])
        let emitted = try #require(h.sink.drain().of(.agents).last)
        #expect(Harness.object(emitted)["stateSince"] as? String == "2026-05-07T08:00:00.000Z")
        #expect(try await Self.since(h, a) == Self.t0)
        for _ in 0..<30 {
            h.clock.advance(by: 5 * minute)
            await h.engine.refresh()
        }
        #expect(try await Self.since(h, a) == Self.t0, "history folded past 08:00")
        for change in h.sink.drain().of(.agents) {
            #expect(Harness.object(change)["stateSince"] as? String == "2026-05-07T08:00:00.000Z")
        }
    }

    /// A record that saw its agent's run begin keeps that start: a later status event restating the same state
    /// (a new `modifiedDate` for the same presence) does not move it, before or after the window passes it.
    @Test func aRunningRecordKeepsTheStartItSaw() async throws {
        let h = Harness(now: Self.t0)
        let a = agentID("us", 2)
        await h.engine.ingest(org: "us", events: [status(a, Self.t0, .breakTime, .offQueue)])
        for _ in 0..<24 {
            h.clock.advance(by: 5 * minute)
            await h.engine.refresh()
        }
        await h.engine.ingest(org: "us", events: [status(a, Self.t0 + 119 * minute, .breakTime, .offQueue)])
        #expect(try await Self.since(h, a) == Self.t0)
        for _ in 0..<24 {
            h.clock.advance(by: 5 * minute)
            await h.engine.refresh()
        }
        #expect(try await Self.since(h, a) == Self.t0)
    }
}
