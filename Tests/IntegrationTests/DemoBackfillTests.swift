import Bridge
import Foundation
import Simulator
import Store
import SwitchboardCore
import Testing

/// `switchboard demo` keeps history: a temporary store back-filled with whole simulated days before each
/// org's midnight (never today: the bridge writes today's buckets), said in the footer notice, served by
/// `/v1/history`, removed at exit.
@Suite(.serialized) struct DemoBackfillTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func wholeDaysBeforeEachOrgsMidnightAreWrittenOnceAndTodayIsLeftToTheBridge() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = 20
        options.port = 0
        // 2026-03-10T15:00:00Z: New York changed to summer time two days before, so one of the 8 days has 23 h.
        let now: EpochMillis = 1_773_154_800_000
        let sim = GenesysSimulator(options: options, clock: ScaledClock(origin: now))
        let store = try SQLiteHistoryStore(path: dir.appendingPathComponent("demo.sqlite").path)
        defer { try? store.close() }

        // A bucket already stored (a kept --store file) is kept as it is.
        let usZone = try #require(sim.timeZone(org: "us"))
        let usMidnight = Timestamp.startOfDay(now, in: usZone)
        var mine = StoreBatch()
        mine.buckets = [ClosedBucket(org: "us", start: usMidnight - Bucket.widthMs, agents: [:], queues: [:],
                                     total: OccupancySample(handlingMs: 1, productiveMs: 2))]
        try await store.write(mine)

        let report = try await DemoBackfill.run(simulator: sim, store: store, days: 8, now: now)
        var expected = 0
        for org in sim.orgIDs {
            let zone = try #require(sim.timeZone(org: org))
            let midnight = Timestamp.startOfDay(now, in: zone)
            #expect(report.until[org] == midnight)
            var first = midnight
            for _ in 0..<8 { first = Timestamp.startOfDay(first - 1, in: zone) }
            let span = Int((midnight - first) / Bucket.widthMs)
            if org == "us" { #expect(span == 8 * 96 - 4, "the DST day has 92 buckets") }
            expected += span
            let stored = try await store.series(.org(OrgID(org)), from: first - 86_400_000, to: now + 86_400_000, step: .buckets(1))
            #expect(stored.count == span, "\(org)")
            #expect(stored.first?.start == first && stored.last?.start == midnight - Bucket.widthMs, "\(org)")
            // every agent and queue series has history too (the dashboard's queue tiles and an agent's trend)
            let buckets = try await store.closedBuckets(org: OrgID(org), from: midnight - 86_400_000, to: midnight)
            let simulated = buckets.filter { $0.total.productiveMs > 2 }  // not the bucket stored beforehand
            #expect(simulated.count >= 92 && simulated.allSatisfy { !$0.queues.isEmpty && !$0.agents.isEmpty }, "\(org)")
        }
        #expect(report.buckets == expected - 1)
        #expect(report.kept == 1)
        let kept = try await store.series(.org("us"), from: usMidnight - Bucket.widthMs, to: usMidnight, step: .buckets(1))
        #expect(kept.first?.sample == OccupancySample(handlingMs: 1, productiveMs: 2))

        // Again on the same file: nothing new, nothing overwritten.
        let again = try await DemoBackfill.run(simulator: sim, store: store, days: 8, now: now)
        #expect(again.buckets == 0 && again.kept == expected)
        #expect(try await DemoBackfill.run(simulator: sim, store: store, days: 0, now: now).buckets == 0)
    }

    @Test func theDemoServesBackfilledHistorySaysSoAndRemovesItsTemporaryStore() async throws {
        let exe = try ExecutableLocator.switchboard()
        // the temporary store of a demo that was killed (its process is gone) is removed by the next demo
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let abandoned = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-demo-\(gone.processIdentifier)-1.sqlite-wal").path
        try Data("left by a killed demo".utf8).write(to: URL(fileURLWithPath: abandoned))
        let demo = try RunningProcess(exe, ["demo", "--listen", "127.0.0.1:0", "--orgs", "1", "--agents", "10",
                                            "--log-level", "warning"])
        let base = try #require(await demo.waitForLine(containing: "listening on http://"), "\(demo.stdout)\n\(demo.stderr)")
            .replacingOccurrences(of: "listening on ", with: "")
        let history = try #require(await demo.waitForLine(containing: "history: "))
        #expect(history.contains("(temporary)") && history.contains("simulated back-fill"), "\(history)")
        let path = try #require(history.split(separator: " ").dropFirst().first.map(String.init))
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: abandoned), "an abandoned temporary store was left")
        #expect(demo.stdout.contains("history before today 00:00 (each org's local time) is simulated back-fill, 8 days"))
        let about = try await DemoFixture.json(base + "/v1/about", token: "demo-global")
        #expect((about["notice"] as? String)?.contains("simulated back-fill") == true, "\(about)")

        // yesterday and last week are there from the first minute
        let now = Date()
        let from = Timestamp.format(EpochMillis(now.timeIntervalSince1970 * 1000) - 3_600_000)
        let to = Timestamp.format(EpochMillis(now.timeIntervalSince1970 * 1000))
        let answer = try await DemoFixture.json(base + "/v1/history?topic=org:us&from=\(from)&to=\(to)&compare=day,week",
                                                token: "demo-global")
        #expect((answer["yesterday"] as? [[String: Any]])?.count == 4, "\(answer)")
        #expect((answer["lastWeek"] as? [[String: Any]])?.count == 4, "\(answer)")

        #expect(await demo.terminate() == 0)
        for suffix in ["", "-wal", "-shm"] { #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(path + suffix) left behind") }
    }

    @Test func aDemoWithStoreNoneKeepsNoHistory() async throws {
        let exe = try ExecutableLocator.switchboard()
        let demo = try RunningProcess(exe, ["demo", "--listen", "127.0.0.1:0", "--orgs", "1", "--agents", "10",
                                            "--store", "none", "--log-level", "warning"])
        let base = try #require(await demo.waitForLine(containing: "listening on http://"), "\(demo.stdout)\n\(demo.stderr)")
            .replacingOccurrences(of: "listening on ", with: "")
        #expect(!demo.stdout.contains("history: ") && !demo.stdout.contains("back-fill"), "\(demo.stdout)")
        let (status, body) = try await DemoFixture.get(base + "/v1/history?topic=org:us", token: "demo-global")
        #expect(status == 404 && String(decoding: body, as: UTF8.self).contains("no-store"))
        #expect(await demo.terminate() == 0)
    }

    @Test func aKeptStoreStaysAndAForeignFileIsRefused() async throws {
        let exe = try ExecutableLocator.switchboard()
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("kept.sqlite").path
        let demo = try RunningProcess(exe, ["demo", "--listen", "127.0.0.1:0", "--orgs", "1", "--agents", "10",
                                            "--store", path, "--backfill-days", "2", "--log-level", "warning"])
        #expect(await demo.waitForLine(containing: "listening on http://") != nil, "\(demo.stdout)\n\(demo.stderr)")
        #expect(demo.stdout.contains("history: \(path) ·"), "\(demo.stdout)")
        #expect(await demo.terminate() == 0)
        let store = try SQLiteHistoryStore(path: path, mode: .readOnly)
        #expect(try await store.statistics().buckets >= 2 * 92)
        try store.close()

        let foreign = dir.appendingPathComponent("notes.txt").path
        try "not a database, and long enough to be looked at as one".write(toFile: foreign, atomically: true, encoding: .utf8)
        let refused = try RunningProcess(exe, ["demo", "--listen", "127.0.0.1:0", "--orgs", "1", "--agents", "10",
                                               "--store", foreign])
        #expect(await refused.waitForExit(seconds: 60) == 1)
        #expect(refused.stderr.contains(foreign) && refused.stderr.contains("store.not-a-database"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: foreign, encoding: .utf8).hasPrefix("not a database"))
    }
}
