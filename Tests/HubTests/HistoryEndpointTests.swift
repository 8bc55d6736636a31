import Foundation
import Hub
import Store
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `GET /v1/history` (docs/store.md, "History API") over HTTP against a real SQLite store in a temporary
/// directory, written through the store's own API.
@Suite("History endpoint")
struct HistoryEndpointTests {
    static let auth = HubHarness.auth([("wall", "t-global-history", [.global]),
                                       ("emea", "t-emea-history", [.org("emea")])])
    static let global = "t-global-history"
    static let emea = "t-emea-history"
    /// 2026-05-07T00:00:00Z.
    static let day: EpochMillis = 1_778_112_000_000
    static let hour: EpochMillis = 3_600_000
    static let queue = "0f3c9a2e-1111-4c1d-8e55-000000000001"
    static let agentA = "7b1e2d3c-2222-4f6a-9b10-00000000000a"
    static let agentB = "7b1e2d3c-2222-4f6a-9b10-00000000000b"

    static func sample(_ h: Int64, _ p: Int64) -> OccupancySample { OccupancySample(handlingMs: h, productiveMs: p) }

    static func bucket(_ org: OrgID, _ start: EpochMillis, a: OccupancySample, b: OccupancySample? = nil) -> ClosedBucket {
        var agents = [agentA: a]
        var total = a
        if let b {
            agents[agentB] = b
            total = sample(a.handlingMs + b.handlingMs, a.productiveMs + b.productiveMs)
        }
        return ClosedBucket(org: org, start: start, agents: agents, queues: [queue: a], total: total)
    }

    /// A store holding: us today at 08:00, 08:15 and 09:00 (two agents), yesterday and last week at 08:00;
    /// emea today at 08:00.
    static func withStore(_ body: @Sendable (SQLiteHistoryStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("history-endpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteHistoryStore(path: dir.appendingPathComponent("h.sqlite").path)
        var batch = StoreBatch()
        batch.buckets = [
            bucket("us", day + 8 * hour, a: sample(450_000, 900_000), b: sample(300_000, 600_000)),
            bucket("us", day + 8 * hour + 900_000, a: sample(600_000, 900_000)),
            bucket("us", day + 9 * hour, a: sample(90_000, 900_000)),
            bucket("us", day - 24 * hour + 8 * hour, a: sample(810_000, 900_000)),
            bucket("us", day - 7 * 24 * hour + 8 * hour, a: sample(180_000, 900_000)),
            bucket("emea", day + 8 * hour, a: sample(100_000, 400_000)),
        ]
        try await store.write(batch)
        do {
            try await body(store)
        } catch {
            try? store.close()
            throw error
        }
        try store.close()
    }

    static func get(_ port: Int, _ query: String, token: String) async throws -> RefusalStatusTests.Answer {
        try await RefusalStatusTests.get(port, "/v1/history?" + query, token: token)
    }

    static func json(_ a: RefusalStatusTests.Answer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(a.body.utf8)) as? [String: Any], "\(a.body)")
    }

    static let today = "from=2026-05-07T00:00:00Z&to=2026-05-08T00:00:00Z"

    @Test func aTokenReadsTheSeriesItsScopesCoverAndIsRefusedTheOthers() async throws {
        try await Self.withStore { store in
            try await HubHarness.run(auth: Self.auth, history: store) { h in
                for (topic, token, status) in [
                    ("queue:us/\(Self.queue)", Self.emea, 403), ("agent:us/\(Self.agentA)", Self.emea, 403),
                    ("org:us", Self.emea, 403), ("global", Self.emea, 403),
                    ("org:emea", Self.emea, 200), ("queue:emea/\(Self.queue)", Self.emea, 200),
                    ("queue:us/\(Self.queue)", Self.global, 200), ("agent:us/\(Self.agentA)", Self.global, 200),
                    ("org:us", Self.global, 200), ("global", Self.global, 200),
                ] {
                    let a = try await Self.get(h.port, "topic=\(topic)&\(Self.today)", token: token)
                    #expect(a.status == status, "\(topic) with \(token): \(a.body)")
                    if status == 403 { #expect(a.body.contains("does not cover"), "\(a.body)") }
                }
                let none = try await RefusalStatusTests.get(h.port, "/v1/history?topic=global")
                #expect(none.status == 401)
            }
        }
    }

    @Test func aBadParameterIs400NamingIt() async throws {
        try await Self.withStore { store in
            try await HubHarness.run(auth: Self.auth, history: store) { h in
                for (query, named) in [
                    ("", "topic is required"), ("topic=queues:us/x", "topic 'queues:us/x'"), ("topic=org:", "topic 'org:'"),
                    ("topic=queue:us", "topic 'queue:us'"),
                    ("topic=org:us&metric=calls", "metric 'calls'"), ("topic=org:us&step=2h", "step '2h'"),
                    ("topic=org:us&from=yesterday", "from must be ISO-8601"), ("topic=org:us&to=2026-05-07", "to must be ISO-8601"),
                    ("topic=org:us&from=2026-05-08T00:00:00Z&to=2026-05-07T00:00:00Z", "from must be before to"),
                    ("topic=org:us&from=2025-01-01T00:00:00Z&to=2026-05-07T00:00:00Z&step=15m", "from … to holds more than"),
                    ("topic=org:us&\(Self.today)&compare=month", "compare 'month'"),
                    ("topic=org:us&\(Self.today)&format=xml", "format must be json or csv"),
                    ("topic=org:us&\(Self.today)&step=1d&utcOffset=%2B25:00", "utcOffset '+25:00'"),
                ] {
                    let a = try await Self.get(h.port, query, token: Self.global)
                    #expect(a.status == 400, "\(query): \(a.body)")
                    let body = try Self.json(a)
                    #expect(body["code"] as? String == "bad-request", "\(query)")
                    #expect((body["message"] as? String ?? "").contains(named), "\(query): \(a.body)")
                }
            }
        }
    }

    @Test func withoutAStoreTheAnswerIs404NoStore() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let a = try await Self.get(h.port, "topic=org:us&\(Self.today)", token: Self.global)
            #expect(a.status == 404)
            let body = try Self.json(a)
            #expect(body["code"] as? String == "no-store")
            #expect((body["message"] as? String ?? "").contains("store"))
            // the scope is still checked first: a token learns nothing about topics it does not cover
            #expect(try await Self.get(h.port, "topic=org:us&\(Self.today)", token: Self.emea).status == 403)
        }
    }

    @Test func jsonHasOnePointPerStepAndTheComparedDaysOnTodaysTimes() async throws {
        try await Self.withStore { store in
            try await HubHarness.run(auth: Self.auth, history: store) { h in
                let a = try await Self.get(h.port, "topic=org:us&\(Self.today)&step=15m&compare=day,week", token: Self.global)
                #expect(a.status == 200, "\(a.body)")
                #expect(a.headers["content-type"]?.hasPrefix("application/json") == true)
                let body = try Self.json(a)
                #expect(body["topic"] as? String == "org:us")
                #expect(body["metric"] as? String == "occupancy")
                #expect(body["step"] as? String == "15m")
                #expect(body["from"] as? String == Timestamp.format(Self.day))
                #expect(body["to"] as? String == Timestamp.format(Self.day + 24 * Self.hour))
                let points = try #require(body["points"] as? [[String: Any]])
                #expect(points.map { $0["start"] as? String } == [
                    Timestamp.format(Self.day + 8 * Self.hour), Timestamp.format(Self.day + 8 * Self.hour + 900_000),
                    Timestamp.format(Self.day + 9 * Self.hour)])
                #expect(points.map { $0["handlingMs"] as? Int } == [750_000, 600_000, 90_000])
                #expect(points.map { $0["productiveMs"] as? Int } == [1_500_000, 900_000, 900_000])
                #expect(points.map { $0["occupancy"] as? Double } == [0.5, 0.6667, 0.1])
                // yesterday's and last week's buckets, moved onto today's times
                let yesterday = try #require(body["yesterday"] as? [[String: Any]])
                #expect(yesterday.count == 1)
                #expect(yesterday.first?["start"] as? String == Timestamp.format(Self.day + 8 * Self.hour))
                #expect(yesterday.first?["occupancy"] as? Double == 0.9)
                let lastWeek = try #require(body["lastWeek"] as? [[String: Any]])
                #expect(lastWeek.first?["start"] as? String == Timestamp.format(Self.day + 8 * Self.hour))
                #expect(lastWeek.first?["occupancy"] as? Double == 0.2)

                // 1h steps sum the buckets of each hour; without compare there are no compared series
                let hourly = try Self.json(try await Self.get(h.port, "topic=org:us&\(Self.today)&step=1h", token: Self.global))
                let hp = try #require(hourly["points"] as? [[String: Any]])
                #expect(hp.map { $0["handlingMs"] as? Int } == [1_350_000, 90_000])
                #expect(hp.map { $0["productiveMs"] as? Int } == [2_400_000, 900_000])
                #expect(hourly["yesterday"] == nil && hourly["lastWeek"] == nil)

                // a day step; global sums the orgs; queue and agent series
                let daily = try Self.json(try await Self.get(h.port, "topic=global&\(Self.today)&step=1d", token: Self.global))
                let dp = try #require(daily["points"] as? [[String: Any]])
                #expect(dp.map { $0["handlingMs"] as? Int } == [750_000 + 600_000 + 90_000 + 100_000])
                let q = try Self.json(try await Self.get(h.port, "topic=queue:us/\(Self.queue)&\(Self.today)", token: Self.global))
                #expect((q["points"] as? [[String: Any]])?.map { $0["handlingMs"] as? Int } == [450_000, 600_000, 90_000])
                let b = try Self.json(try await Self.get(h.port, "topic=agent:us/\(Self.agentB)&\(Self.today)", token: Self.global))
                #expect((b["points"] as? [[String: Any]])?.map { $0["productiveMs"] as? Int } == [600_000])
                let unknown = try Self.json(try await Self.get(h.port, "topic=queue:us/no-such-queue&\(Self.today)", token: Self.global))
                #expect((unknown["points"] as? [[String: Any]])?.isEmpty == true)
            }
        }
    }

    @Test func csvHasAHeaderAndOneRowPerStep() async throws {
        try await Self.withStore { store in
            try await HubHarness.run(auth: Self.auth, history: store) { h in
                let a = try await Self.get(h.port, "topic=org:us&\(Self.today)&step=30m&format=csv", token: Self.global)
                #expect(a.status == 200, "\(a.body)")
                #expect(a.headers["content-type"]?.hasPrefix("text/csv") == true)
                #expect(a.headers["content-disposition"]?.contains("attachment") == true)
                let lines = a.body.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
                #expect(lines == [
                    "series,start,end,handlingMs,productiveMs,occupancy",
                    "org:us,\(Timestamp.format(Self.day + 8 * Self.hour)),\(Timestamp.format(Self.day + 8 * Self.hour + 1_800_000)),1350000,2400000,0.5625",
                    "org:us,\(Timestamp.format(Self.day + 9 * Self.hour)),\(Timestamp.format(Self.day + 9 * Self.hour + 1_800_000)),90000,900000,0.1000",
                ])
            }
        }
    }
}
