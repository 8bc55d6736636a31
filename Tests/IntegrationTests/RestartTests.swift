import Foundation
import ServiceLifecycle
import Simulator
import Store
import SwitchboardCore
import Testing

/// `kill -9` under load, then a restart on the same store (docs/store.md, "Restart"): the bridge runs as a child
/// process (`switchboard run`) sharing business time with the in-process simulator, so the kill is a real one.
///
/// (a) today's totals per agent equal the simulator's truth after the restart, with fewer REST calls than the
///     cold start (no users aggregates for agents the store knows);
/// (b) every 15-minute bucket closed before the kill is present and unchanged after the restart (and the
///     downtime's buckets are filled from the re-sync's history);
/// (c)/(d) torn writes and refused files: StoreTests (TornWriteTests, StoreRefusalTests);
/// and today's utilization and quality documents are stored, restored and seed the utilization poller.
@Suite(.serialized) struct RestartTests {
    static let speed = 90.0
    static let token = "restart-test-admin-token-0123456789abcdef"
    static let aggregates = "POST /api/v2/analytics/users/aggregates/query"

    @Test func killedUnderLoadRestartsWithTodaysTotalsAndEveryClosedBucket() async throws {
        let exe = try ExecutableLocator.switchboard()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let storePath = dir.appendingPathComponent("history.db").path

        var options = SimulatorOptions()
        options.orgCount = 1
        options.agentsPerOrg = 30
        options.port = 0
        options.seed = 11
        options.heartbeatInterval = .milliseconds(500)
        options.startAt = .init(hour: 3, minute: 0)
        options.demoLoad = true
        let clock = ScaledClock(origin: testBusinessHours, speed: Self.speed)
        let simulator = GenesysSimulator(options: options, clock: clock)
        let group = ServiceGroup(configuration: .init(services: [simulator], gracefulShutdownSignals: [],
                                                      logger: .switchboard("test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let simBase = "http://127.0.0.1:\(await simulator.waitUntilListening())"
            let config = dir.appendingPathComponent("orgs.yaml").path
            try """
            clients:
              - name: test-admin
                token: ${ADMIN_TOKEN}
                scopes: [admin, global]
            store:
              path: \(storePath)
            orgs:
              - id: us
                apiBase: \(simBase)
                loginBase: \(simBase)
                clientId: \(SimulatorOptions.clientID(for: "us"))
                clientSecret: ${US_SECRET}
                timezone: \(options.timeZoneID(for: "us"))
                tunables:
                  heartbeatTimeout: 5s
                  pingAfterQuiet: 2s
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let origin = clock.realOrigin
            let args = ["run", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "info",
                        "--business-clock", "\(origin.real),\(origin.business),\(Self.speed)"]
            let env = ["ADMIN_TOKEN": Self.token, "US_SECRET": SimulatorOptions.clientSecret(for: "us")]

            // A cold start, run until a few buckets are closed.
            let first = try RunningProcess(exe, args, environment: env)
            let base1 = try await Self.ready(first)
            let cold = try await Self.requests(simBase)[Self.aggregates] ?? 0
            #expect(cold > 0, "a cold start reads today's users aggregates")
            #expect(await eventually("5 closed buckets", seconds: 90) { (try? await Self.storedBuckets(storePath).count) ?? 0 >= 5 })
            // Polled utilization and quality are kept as documents of today (docs/store.md, "Documents").
            let zone = try #require(TimeZone(identifier: options.timeZoneID(for: "us")))
            let day = Timestamp.startOfDay(clock.now(), in: zone)
            #expect(await eventually("utilization and quality documents stored", seconds: 60) {
                guard let (u, q) = try? await Self.storedDocuments(storePath, day: day) else { return false }
                return !u.isEmpty && !q.isEmpty
            })
            let beforeKill = try await Self.storedBuckets(storePath)
            let epoch1 = try await Self.epoch(base1)
            await first.kill9()

            // Downtime of a few business minutes, then a warm start on the same store.
            let downAt = clock.now()
            #expect(await eventually("business time moves on") { clock.now() >= downAt + 10 * 60_000 })
            let beforeAll = try await Self.requests(simBase)
            let before = beforeAll[Self.aggregates] ?? 0
            let second = try RunningProcess(exe, args, environment: env)
            let base2 = try await Self.ready(second)
            let afterAll = try await Self.requests(simBase)
            let warm = (afterAll[Self.aggregates] ?? 0) - before
            print("restart: requests of the warm start: \(afterAll.map { ($0.key, $0.value - (beforeAll[$0.key] ?? 0)) }.filter { $0.1 > 0 }.sorted { $0.0 < $1.0 })")
            #expect(warm < cold, "the warm start read \(warm) aggregates pages, the cold start \(cold)")
            #expect(warm == 0, "every agent's totals were stored: \(second.stderr.split(separator: "\n").filter { $0.contains("warm") || $0.contains("re-sync") || $0.contains("history resumed") })")
            // Today's documents are shown again before the connector starts, and the utilization poller starts
            // from them (its first poll asks only from the first interval that was open).
            #expect(second.stderr.contains("today's utilization and quality restored from the store"), "\(second.stderr.suffix(2000))")
            #expect(second.stderr.contains("utilization resumed from the store"))

            // (a) today's totals per agent are the truth's.
            #expect(await eventually("today's totals match the truth", seconds: 30) {
                (try? await Self.failures(base2, simBase))?.isEmpty ?? false
            })
            let failures = try await Self.failures(base2, simBase)
            #expect(failures.isEmpty, "\(failures.prefix(5))")

            // (b) every bucket closed before the kill is there, unchanged; the downtime's are filled in.
            let after = try await Self.storedBuckets(storePath)
            for b in beforeKill {
                let a = after.first { $0.start == b.start }
                #expect(a == b, "bucket \(Timestamp.format(b.start)) changed or vanished after the restart")
            }
            #expect(await eventually("buckets after the restart", seconds: 60) {
                guard let all = try? await Self.storedBuckets(storePath), let last = beforeKill.last else { return false }
                return all.contains { $0.start > downAt }
                    && Set(all.map(\.start)).isSuperset(of: stride(from: last.start, through: downAt - SwitchboardCore.Bucket.widthMs, by: Int(SwitchboardCore.Bucket.widthMs)))
            })
            // The reports read the same buckets (docs/reports.md): every agent with time has a row, idle ≤ productive.
            let idle = try await DemoFixture.json("\(base2)/v1/reports/idle-time?org=us", token: Self.token)
            let rows = idle["rows"] as? [[String: Any]] ?? []
            #expect(!rows.isEmpty)
            #expect(rows.allSatisfy { (($0["idleMs"] as? NSNumber)?.int64Value ?? -1) <= (($0["productiveMs"] as? NSNumber)?.int64Value ?? -1) })
            let reaction = try await DemoFixture.json("\(base2)/v1/reports/reaction-time?org=us&threshold=0.5", token: Self.token)
            #expect(reaction["summary"] is [String: Any])
            // The writer's figures are on /metrics.
            let metrics = try await DemoFixture.get("\(base2)/metrics", token: Self.token)
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains("switchboard_store_batches_written_total") && text.contains("switchboard_store_pending_items"))
            // The hub's epoch: a crash changes it (clients re-snapshot); a clean shutdown keeps it with the seq.
            let epoch2 = try await Self.epoch(base2)
            #expect(epoch2.epoch != epoch1.epoch)
            #expect(await second.terminate() == 0)
            let third = try RunningProcess(exe, args, environment: env)
            let base3 = try await Self.ready(third)
            let epoch3 = try await Self.epoch(base3)
            #expect(epoch3.epoch == epoch2.epoch, "a clean restart keeps the epoch")
            #expect(epoch3.seq >= epoch2.seq)
            #expect(await third.terminate() == 0)
            await group.triggerGracefulShutdown()
        }
    }

    /// Waits for `listening on …` and every org open; the bridge's base URL.
    static func ready(_ p: RunningProcess) async throws -> String {
        let line = await p.waitForLine(containing: "listening on http://")
        let base = try #require(line, "stdout: \(p.stdout)\nstderr: \(p.stderr)").replacingOccurrences(of: "listening on ", with: "")
        #expect(await eventually("the org open", seconds: 60) {
            guard let (status, body) = try? await DemoFixture.get("\(base)/readyz", token: token), status == 200,
                  let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                  let orgs = json["orgs"] as? [[String: Any]] else { return false }
            return orgs.allSatisfy { $0["status"] as? String == "open" }
        })
        // The re-sync runs once the socket is open (docs/connector.md): wait until its baseline is in and the events
        // held meanwhile are applied, so the request counts that follow include it.
        #expect(await eventually("the re-sync after the socket opened", seconds: 60) {
            p.stderr.contains("events held during the re-sync applied on its baseline")
        })
        return base
    }

    static func epoch(_ base: String) async throws -> (epoch: String, seq: Int) {
        let snapshot = try await DemoFixture.json("\(base)/v1/views/org:us", token: token)
        return (snapshot["epoch"] as? String ?? "", snapshot["seq"] as? Int ?? -1)
    }

    static func requests(_ simBase: String) async throws -> [String: Int] {
        let json = try await DemoFixture.json("\(simBase)/_sim/requests")
        return json.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    static func storedBuckets(_ path: String) async throws -> [ClosedBucket] {
        let store = try SQLiteHistoryStore(path: path, mode: .readOnly)
        defer { try? store.close() }
        return try await store.closedBuckets(org: "us", from: 0, to: .max)
    }

    /// Today's stored utilization and quality documents.
    static func storedDocuments(_ path: String, day: EpochMillis) async throws -> ([StoredDocument], [StoredDocument]) {
        let store = try SQLiteHistoryStore(path: path, mode: .readOnly)
        defer { try? store.close() }
        return (try await store.documents(kind: .utilization, org: "us", dayStart: day),
                try await store.documents(kind: .quality, org: "us", dayStart: day))
    }

    /// Agents of `org` whose `today` differs from the truth (2 s + 1 %), ticked to the truth's instant.
    static func failures(_ base: String, _ simBase: String, org: String = "us", token: String = token) async throws -> [String] {
        let snapshot = try await DemoFixture.json("\(base)/v1/views/org:\(org)", token: token)
        let data = try #require(snapshot["data"] as? [String: Any])
        var agents: [String: [String: Any]] = [:]
        for a in data["agents"] as? [[String: Any]] ?? [] { if let id = a["id"] as? String { agents[id] = a } }
        let truth = try await DemoFixture.json("\(simBase)/_sim/truth?org=\(org)")
        let at = try #require((truth["atMillis"] as? NSNumber)?.int64Value)
        var out: [String] = []
        for t in truth["agents"] as? [[String: Any]] ?? [] {
            let id = "\(org)/\(t["id"] as? String ?? "?")"
            guard let a = agents[id] else { out.append("\(id) missing"); continue }
            for key in ["handlingMs", "productiveMs"] {
                let want = ((t[key] as? [String: Any])?["today"] as? NSNumber)?.doubleValue ?? -1
                let got = SnapshotTruthTests.ticked(a, key, to: at) ?? -1
                if !SnapshotTruthTests.within(got, want) { out.append("\(id) \(key).today \(Int(got)) vs truth \(Int(want))") }
            }
        }
        return out
    }
}

/// A store file that is not Switchboard's stops `switchboard run` with the path and what to do; the file is
/// left as it was (docs/store.md, "When the store refuses").
@Suite struct StoreRefusalAtStartTests {
    @Test func aForeignFileStopsTheStartAndIsNotTouched() async throws {
        let exe = try ExecutableLocator.switchboard()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-refuse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let storePath = dir.appendingPathComponent("notes.db").path
        let bytes = Data("these are my notes, not a database\n".utf8)
        try bytes.write(to: URL(fileURLWithPath: storePath))
        let config = try OperatorCLITests.orgsFile(in: dir, head: "auth: none\nstore:\n  path: \(storePath)")
        let run = try await ProcessResult.run(exe, ["run", "--config", config, "--listen", "127.0.0.1:0"],
                                              environment: ["US_SECRET": "s"])
        #expect(run.status == 1)
        #expect(run.stderr.contains(storePath) && run.stderr.contains("store.not-a-database"), "\(run.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: storePath)) == bytes, "the file is never replaced")
    }
}
