import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// Queue service figures in the views: per queue as polled, summed (never averaged) for orgs and globally,
/// and the thresholds every tile, org and total carries.
@Suite struct QueueServiceViewTests {
    static let t0 = ms("2026-05-07T08:00:00.000Z")
    static let day = ms("2026-05-07T00:00:00.000Z")

    static func report(_ org: OrgID, _ queue: String, asOf: EpochMillis = t0, day: EpochMillis = day,
                       today: QueueServiceCounts, r60: QueueServiceCounts = .init()) -> BridgeEvent {
        .queueService(QueueServiceReport(queue: EntityID(org: org, platformID: queue), dayStart: day, asOf: asOf,
                                         windows: QueueServiceWindows(today: today, rolling15m: .init(), rolling60m: r60)))
    }

    static func counts(_ within: Int, of calls: Int, offered: Int? = nil, waitMs: Int64 = 0) -> QueueServiceCounts {
        QueueServiceCounts(offered: offered ?? calls, answered: calls, answerWaitMs: waitMs, abandoned: 0,
                           withinTarget: within, serviceLevelCalls: calls)
    }

    /// 1 of 1 (100 %) and 10 of 100 (10 %): the org's service level is 11 ÷ 101, not the mean 55 %.
    @Test func orgAndGlobalSumCountsNeverAverageRatios() async throws {
        let orgs = [ViewOrg(id: "us", name: "US", timeZone: utc), ViewOrg(id: "emea", name: "EMEA", timeZone: utc)]
        let h = Harness(orgs: orgs, now: Self.t0 + minute)
        await h.engine.ingest(org: "us", events: [Self.report("us", "a", today: Self.counts(1, of: 1)),
                                                   Self.report("us", "b", today: Self.counts(10, of: 100, waitMs: 1_000_000))])
        await h.engine.ingest(org: "emea", events: [Self.report("emea", "c", asOf: Self.t0 - minute,
                                                                today: Self.counts(50, of: 50))])
        let us = try #require(await h.engine.orgFigures("us"))
        #expect(us.service?.today.serviceLevel == 11.0 / 101.0)
        #expect(us.service?.today.asaMs == 9901)
        #expect(us.serviceAsOf == Self.t0)
        let global = await h.engine.globalFigures()
        #expect(global.service?.today.withinTarget == 61 && global.service?.today.serviceLevelCalls == 151)
        #expect(global.serviceAsOf == Self.t0 - minute, "a global figure is as old as its oldest org's")
        await h.engine.refresh()
        let changes = h.sink.drain()
        let g = try #require(changes.of(.occupancy).first { $0.id == "global" })
        let sl = Harness.object(g)["serviceLevel"] as? [String: Any]
        #expect(sl?["today"] as? Double == 0.404)
        let orgEntity = try #require(changes.of(.orgs).last { $0.id == "us" })
        #expect((Harness.object(orgEntity)["serviceLevel"] as? [String: Any])?["today"] as? Double == 0.1089)
        // A dead org is left out of the global figures, as for occupancy.
        await h.engine.ingest(org: "emea", events: [.connector(ConnectorStatus(org: "emea", status: .stale, at: Self.t0))])
        let after = await h.engine.globalFigures()
        #expect(after.service?.today.serviceLevelCalls == 101 && after.leftOut == ["emea"])
    }

    /// An older report than the one held is ignored; a newer one with the same counts re-emits nothing.
    @Test func staleAndUnchangedReports() async throws {
        let h = Harness(now: Self.t0 + minute)
        await h.engine.ingest(org: "us", events: [Self.report("us", "a", today: Self.counts(3, of: 4))])
        #expect(h.sink.drain().of(.queues).count == 1)
        await h.engine.ingest(org: "us", events: [Self.report("us", "a", asOf: Self.t0 - minute, today: Self.counts(1, of: 1))])
        #expect(h.sink.drain().of(.queues).isEmpty)
        #expect(await h.engine.queueTile(EntityID(org: "us", platformID: "a"))?.service?.today.withinTarget == 3)
        await h.engine.ingest(org: "us", events: [Self.report("us", "a", asOf: Self.t0 + minute, today: Self.counts(3, of: 4))])
        #expect(h.sink.drain().of(.queues).isEmpty, "same counts, newer asOf: nothing a wall shows changed")
        await h.engine.ingest(org: "us", events: [Self.report("us", "a", asOf: Self.t0 + 2 * minute, today: Self.counts(3, of: 5))])
        let moved = try #require(h.sink.drain().of(.queues).first)
        #expect((Harness.object(moved)["serviceLevelCalls"] as? [String: Any])?["today"] as? Int == 5)
    }

    /// When the local day turns before the next poll reports, today shows nothing (the rolling windows stay).
    @Test func aNewDayEmptiesTodayUntilThePollReports() async throws {
        let h = Harness(now: ms("2026-05-07T23:59:00.000Z"))
        await h.engine.ingest(org: "us", events: [Self.report("us", "a", asOf: ms("2026-05-07T23:58:00.000Z"),
                                                               today: Self.counts(3, of: 4), r60: Self.counts(2, of: 2))])
        h.clock.set(ms("2026-05-08T00:00:30.000Z"))
        await h.engine.refresh()
        let tile = try #require(await h.engine.queueTile(EntityID(org: "us", platformID: "a")))
        #expect(tile.service?.today == QueueServiceCounts())
        #expect(tile.service?.rolling60m.serviceLevelCalls == 2)
        let q = try #require(h.sink.drain().of(.queues).last)
        #expect((Harness.object(q)["serviceLevel"] as? [String: Any])?["today"] is NSNull)
    }

    /// Each tile carries the thresholds resolved for it (queue entry by name, the queue's own target), the
    /// org entity the org's; a hot-reloaded threshold re-emits what carries it.
    @Test func thresholdsAreResolvedPerQueueAndReloaded() async throws {
        var set = ThresholdSet()
        set.waitingWarn = 3
        set.waitingCritical = 9
        var sales = ThresholdSet()
        sales.longestWaitCritical = .seconds(300)
        var config = ThresholdsConfig(orgs: ["us": OrgThresholds(set: set, queues: [QueueThresholds(queue: "sales", set: sales)])])
        let h = Harness(now: Self.t0, thresholds: config)
        let a = EntityID(org: "us", platformID: "a"), b = EntityID(org: "us", platformID: "b")
        await h.engine.ingest(org: "us", events: [
            .queueProfile(QueueProfile(queue: a, name: "Sales", serviceLevel: ServiceLevelTarget(percentage: 0.9, durationMs: 30_000))),
            .queueProfile(QueueProfile(queue: b, name: "Support")),
        ])
        await h.engine.refresh()
        let changes = h.sink.drain()
        func thresholds(_ c: EntityChange?) -> [String: Any] { c.map { Harness.object($0)["thresholds"] as? [String: Any] ?? [:] } ?? [:] }
        let ta = thresholds(changes.of(.queues).last { $0.id == "us/a" })
        #expect((ta["serviceLevel"] as? [String: Any])?["target"] as? Double == 0.9)
        #expect((ta["longestWaitMs"] as? [String: Any])?["critical"] as? Int == 300_000)
        #expect((ta["waiting"] as? [String: Any])?["warn"] as? Int == 3)
        let tb = thresholds(changes.of(.queues).last { $0.id == "us/b" })
        #expect((tb["serviceLevel"] as? [String: Any])?["target"] as? Double == 0.8)
        #expect((tb["longestWaitMs"] as? [String: Any])?["critical"] as? Int == 180_000)
        #expect((thresholds(changes.of(.orgs).last)["waiting"] as? [String: Any])?["critical"] as? Int == 9)
        config.defaults.serviceLevelWindow = .today
        await h.engine.updateThresholds(config)
        let reloaded = h.sink.drain()
        #expect(Set(reloaded.of(.queues).map(\.id)) == ["us/a", "us/b"])
        #expect((thresholds(reloaded.of(.orgs).last)["serviceLevel"] as? [String: Any])?["window"] as? String == "today")
        #expect(reloaded.of(.occupancy).contains { $0.id == "global" })
        // A changed target on the platform re-emits the tile too.
        await h.engine.ingest(org: "us", events: [.queueProfile(QueueProfile(queue: b, name: "Support",
                                                                             serviceLevel: ServiceLevelTarget(percentage: 0.7, durationMs: 60_000)))])
        let retargeted = try #require(h.sink.drain().of(.queues).first)
        #expect((Harness.object(retargeted)["serviceLevelTarget"] as? [String: Any])?["durationMs"] as? Int == 60_000)
        #expect((thresholds(retargeted)["serviceLevel"] as? [String: Any])?["target"] as? Double == 0.7)
    }
}
