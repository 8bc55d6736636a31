import AsyncHTTPClient
import Foundation
import Hub
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import Store
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `GET /v1/reports/{name}` and `day=` on the utilization and quality exports, over real sockets with a real
/// SQLite store in a temporary directory (docs/reports.md, docs/utilization.md, docs/quality.md).
@Suite(.serialized, .timeLimit(.minutes(2))) struct ReportsEndpointTests {
    static let auth = HubHarness.auth([("wall", "t-global", [.global]), ("us", "t-us", [.org("us")]),
                                       ("emea", "t-emea", [.org("emea")])])
    static let minute: EpochMillis = 60_000
    static let width = Bucket.widthMs
    /// 2026-03-04T15:00Z: 10:00 in New York, whose 2026-03-03 began at 05:00Z.
    static let now = Timestamp.parse("2026-03-04T15:00:00.000Z")!
    static let yesterday = Timestamp.parse("2026-03-03T05:00:00.000Z")!
    /// 2026-03-03T14:00Z (09:00 in New York).
    static let t0 = Timestamp.parse("2026-03-03T14:00:00.000Z")!

    static func s(_ h: Int64, _ p: Int64) -> OccupancySample { OccupancySample(handlingMs: h * minute, productiveMs: p * minute) }

    /// Yesterday 09:00–11:00 New York: a1 and a2 above 85 % from 09:15 to 10:15; a3 comes on queue at 09:45.
    static func buckets() -> [ClosedBucket] {
        (0..<8).map { i -> ClosedBucket in
            let high = (1...4).contains(i)
            var agents = ["a1": high ? s(15, 15) : s(5, 15), "a2": high ? s(14, 15) : s(5, 15)]
            if i >= 3 { agents["a3"] = s(0, 15) }
            let total = agents.values.reduce(s(0, 0)) { OccupancySample(handlingMs: $0.handlingMs + $1.handlingMs,
                                                                         productiveMs: $0.productiveMs + $1.productiveMs) }
            return ClosedBucket(org: "us", start: t0 + Int64(i) * width, agents: agents, queues: ["q1": total], total: total,
                                queueAgents: ["q1": agents.count])
        }
    }

    static let interval = UtilizationInterval(start: Timestamp.parse("2026-03-03T15:00:00.000Z")!, handleMs: 600_000,
                                              handleCount: 3, talkMs: 500_000, heldMs: 20_000, acwMs: 80_000, connected: 3)

    static func documents() -> [StoredDocument] {
        let u = AgentUtilization(agent: EntityID(org: "us", platformID: "a1"), dayStart: yesterday, asOf: yesterday + 86_000_000,
                                 intervals: [interval])
        let q = QualityReport(org: "us", asOf: yesterday + 80_000_000, minEvaluations: 3, agents: [
            AgentQuality(agent: EntityID(org: "us", platformID: "a1"), forms: [
                FormQuality(formID: "f1", formName: "Inbound", count: 4, averageScore: 81.256, averageCriticalScore: 77.5, passRate: 75),
                FormQuality(formID: "f2", count: 1, averageScore: 50),
                FormQuality(formID: "f3", count: 0, averageScore: nil),
            ]),
        ], dayStart: yesterday)
        return [StoredDocument.utilization(u)!, StoredDocument.quality(q)!]
    }

    /// Org, agent and queue entities (names, time zones) and today's utilization of a1, as the views publish them.
    static func publishViews(_ hub: StreamHub) {
        func change(_ kind: EntityKind, _ id: String, _ org: OrgID, _ json: String) -> EntityChange {
            EntityChange(kind: kind, id: id, scope: .org(org), json: EncodedJSON(json))
        }
        hub.publish([
            change(.orgs, "us", "us", #"{"id":"us","name":"US","timezone":"America/New_York"}"#),
            change(.orgs, "emea", "emea", #"{"id":"emea","name":"EMEA","timezone":"Europe/London"}"#),
            change(.agents, "us/a1", "us", #"{"id":"us/a1","name":"Ada, Lovelace"}"#),
            change(.agents, "us/a2", "us", #"{"id":"us/a2","name":"=Bob"}"#),
            change(.queues, "us/q1", "us", #"{"id":"us/q1","name":"Sales"}"#),
            change(.utilization, "us/a1", "us", #"""
                {"id":"us/a1","type":"agent","org":"us","agent":"us/a1","timeZone":"America/New_York",\#
                "intervals":[{"start":"2026-03-04T09:00:00.000-05:00","end":"2026-03-04T09:30:00.000-05:00","handleMs":7,\#
                "handleCount":1,"ahtMs":7,"talkMs":7,"heldMs":0,"acwMs":0,"connected":1,"open":true}]}
                """#),
        ])
        hub.flush()
    }

    /// A hub at ``now`` with the bridge's HTTP server and `store` (nil: `store: none`).
    static func run(store: (any HistoryStore)?, _ body: @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "reports-tests")
        logger.logLevel = .critical
        let server = HubHarness.config()
        let hub = try await StreamHub(configuration: server, auth: auth, metrics: HubMetrics(), clock: ManualClock(now),
                                      logger: logger)
        hub.setOrgs(["us", "emea"])
        publishViews(hub)
        let (ports, portCont) = AsyncStream.makeStream(of: Int.self)
        let app = makeBridgeApplication(
            hub: hub, configuration: server,
            readiness: { ReadinessReport(ready: true, configLoadedAt: "2026-01-01T00:00:00.000Z", orgs: []) },
            history: store, logger: logger, onListening: { port in portCont.yield(port); portCont.finish() })
        let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tg.waitForAll()
        }
    }

    /// A store holding ``buckets()`` and ``documents()``.
    static func withStore(_ body: @Sendable (SQLiteHistoryStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reports-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var logger = Logger(label: "reports-tests")
        logger.logLevel = .critical
        let store = try SQLiteHistoryStore(path: dir.appendingPathComponent("s.sqlite").path, logger: logger)
        var batch = StoreBatch()
        batch.buckets = buckets()
        batch.documents = documents()
        try await store.write(batch)
        try await body(store)
        try store.close()
    }

    struct Answer {
        let status: Int
        let body: String
        let contentType: String?
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var message: String { (json["message"] as? String) ?? body }
    }

    static func get(_ port: Int, _ path: String, token: String? = "t-global") async throws -> Answer {
        var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(20))
        let body = try await res.body.collect(upTo: 16 << 20)
        return Answer(status: Int(res.status.code), body: String(buffer: body), contentType: res.headers.first(name: "content-type"))
    }

    // MARK: Reports

    @Test func sustainedOccupancyPerAgentAndQueueAsJSONAndCSV() async throws {
        try await Self.withStore { store in
            try await Self.run(store: store) { port in
                let a = try await Self.get(port, "/v1/reports/sustained-occupancy?org=us&from=2026-03-03&to=2026-03-04")
                #expect(a.status == 200, "\(a.body)")
                #expect(a.contentType?.hasPrefix("application/json") == true)
                let json = a.json
                #expect(json["report"] as? String == "sustained-occupancy" && json["by"] as? String == "agent")
                #expect(json["threshold"] as? Double == 0.85 && json["minDurationMs"] as? Int == 1_800_000)
                let orgs = try #require(json["orgs"] as? [[String: Any]])
                #expect(orgs.first?["from"] as? String == "2026-03-03T00:00:00.000-05:00")
                #expect(orgs.first?["to"] as? String == "2026-03-04T00:00:00.000-05:00")
                let periods = try #require(json["periods"] as? [[String: Any]])
                #expect(periods.map { $0["agentId"] as? String } == ["us/a2", "us/a1"], "sorted by name: '=Bob' < 'Ada, …'")
                let ada = periods[1]
                #expect(ada["agentName"] as? String == "Ada, Lovelace")
                #expect(ada["start"] as? String == "2026-03-03T09:15:00.000-05:00" && ada["end"] as? String == "2026-03-03T10:15:00.000-05:00")
                #expect(ada["durationMs"] as? Int == 3_600_000 && ada["buckets"] as? Int == 4 && ada["occupancy"] as? Double == 1)
                #expect(ada["clippedStart"] as? Bool == false && ada["clippedEnd"] as? Bool == false)
                let subjects = try #require(json["subjects"] as? [[String: Any]])
                #expect(subjects.map { $0["periods"] as? Int } == [1, 1] && subjects.map { $0["totalMs"] as? Int } == [3_600_000, 3_600_000])

                let csv = try await Self.get(port, "/v1/reports/sustained-occupancy?org=us&from=2026-03-03&to=2026-03-04&format=csv")
                #expect(csv.status == 200 && csv.contentType?.hasPrefix("text/csv") == true)
                let lines = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
                #expect(lines.first == "\u{FEFF}org,timeZone,agentId,agentName,start,end,durationMs,buckets,occupancy,handlingMs,productiveMs,clippedStart,clippedEnd")
                #expect(lines.count == 3)
                #expect(lines.last == "us,America/New_York,us/a1,\"Ada, Lovelace\",2026-03-03T09:15:00.000-05:00,2026-03-03T10:15:00.000-05:00,3600000,4,1.0000,3600000,3600000,false,false")
                #expect(lines[1].contains(",'=Bob,"), "a formula-looking name is defused")

                // Per queue: the queue is above from 09:15 to 09:45 only (a3 joins at 09:45): 30 minutes, kept.
                let q = try await Self.get(port, "/v1/reports/sustained-occupancy?org=us&from=2026-03-03&to=2026-03-04&by=queue&threshold=0.9")
                let qp = try #require(q.json["periods"] as? [[String: Any]])
                #expect(qp.map { $0["queueName"] as? String } == ["Sales"] && qp.first?["durationMs"] as? Int == 1_800_000)
                // A longer minimum keeps nothing.
                let none = try await Self.get(port, "/v1/reports/sustained-occupancy?org=us&from=2026-03-03&to=2026-03-04&minDuration=1h15m")
                #expect((none.json["periods"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func idleTimeAndReactionTime() async throws {
        try await Self.withStore { store in
            try await Self.run(store: store) { port in
                let idle = try await Self.get(port, "/v1/reports/idle-time?org=us&from=2026-03-03T00:00:00-05:00&to=2026-03-04T00:00:00-05:00")
                #expect(idle.status == 200, "\(idle.body)")
                let rows = try #require(idle.json["rows"] as? [[String: Any]])
                #expect(rows.map { $0["agentId"] as? String } == ["us/a3", "us/a2", "us/a1"])
                let bob = try #require(rows.first { $0["agentId"] as? String == "us/a2" })
                // 4 × (15 − 14) + 4 × (15 − 5) minutes idle of 120 productive.
                #expect(bob["day"] as? String == "2026-03-03" && bob["idleMs"] as? Int == 44 * 60_000)
                #expect(bob["productiveMs"] as? Int == 120 * 60_000 && bob["buckets"] as? Int == 8)
                let days = try #require(idle.json["days"] as? [[String: Any]])
                #expect(days.count == 1 && days.first?["agents"] as? Int == 3)
                let idleCSV = try await Self.get(port, "/v1/reports/idle-time?org=us&from=2026-03-03&to=2026-03-04&format=csv")
                #expect(idleCSV.body.hasPrefix("\u{FEFF}org,timeZone,day,agentId,agentName,productiveMs,handlingMs,idleMs,idleShare,buckets\r\n"))

                let reaction = try await Self.get(port, "/v1/reports/reaction-time?org=us&from=2026-03-03&to=2026-03-04")
                #expect(reaction.status == 200, "\(reaction.body)")
                let spikes = try #require(reaction.json["spikes"] as? [[String: Any]])
                // The org and the queue spike at 09:15 (2 agents on queue); a3 comes at 09:45: 30 minutes.
                #expect(spikes.map { $0["subject"] as? String } == ["org", "queue"])
                #expect(spikes.allSatisfy { $0["start"] as? String == "2026-03-03T09:15:00.000-05:00" && $0["agents"] as? Int == 2 })
                #expect(spikes.allSatisfy { $0["reactionMs"] as? Int == 1_800_000 && $0["agentsAfter"] as? Int == 3 })
                #expect(spikes.last?["name"] as? String == "Sales" && spikes.last?["id"] as? String == "us/q1")
                let summary = try #require(reaction.json["summary"] as? [String: Any])
                #expect(summary["spikes"] as? Int == 2 && summary["reacted"] as? Int == 2)
                #expect(summary["medianMs"] as? Int == 1_800_000 && summary["p90Ms"] as? Int == 1_800_000)
                // A threshold nothing crosses: no spikes, null percentiles.
                let flat = try await Self.get(port, "/v1/reports/reaction-time?org=us&from=2026-03-03&to=2026-03-04&threshold=1")
                #expect((flat.json["summary"] as? [String: Any])?["medianMs"] is NSNull)
            }
        }
    }

    @Test func scopingAndBadParameters() async throws {
        try await Self.withStore { store in
            try await Self.run(store: store) { port in
                let base = "/v1/reports/idle-time"
                #expect(try await Self.get(port, "\(base)?org=us", token: nil).status == 401)
                let forbidden = try await Self.get(port, "\(base)?org=us", token: "t-emea")
                #expect(forbidden.status == 403)
                let needsOrg = try await Self.get(port, base, token: "t-us")
                #expect(needsOrg.status == 400 && needsOrg.message.contains("org"))
                #expect(try await Self.get(port, "\(base)?org=us", token: "t-us").status == 200)
                // A global token without org: every org.
                let all = try await Self.get(port, "\(base)?from=2026-03-03&to=2026-03-04")
                #expect(all.status == 200)
                #expect((all.json["orgs"] as? [[String: Any]])?.compactMap { $0["org"] as? String } == ["emea", "us"])
                #expect((all.json["rows"] as? [Any])?.count == 3)
                let unknown = try await Self.get(port, "/v1/reports/attrition?org=us")
                #expect(unknown.status == 404 && unknown.message.contains("sustained-occupancy"))
                #expect(try await Self.get(port, "\(base)?org=nowhere").status == 404)
                for (query, parameter) in [("threshold=85", "threshold"), ("threshold=x", "threshold"), ("minDuration=30", "minDuration"),
                                           ("by=team", "by"), ("format=xml", "format"), ("from=yesterday", "from"),
                                           ("to=2026-13-01", "to"), ("from=2026-03-04&to=2026-03-03", "from"),
                                           ("from=2026-01-01&to=2026-03-03", "from"), ("org=us/a1", "org")] {
                    let a = try await Self.get(port, "/v1/reports/sustained-occupancy?org=us&\(query)")
                    #expect(a.status == 400, "\(query)")
                    #expect(a.message.contains(parameter), "\(query): \(a.message)")
                }
            }
            // store: none
            try await Self.run(store: nil) { port in
                let a = try await Self.get(port, "/v1/reports/idle-time?org=us")
                #expect(a.status == 404 && a.json["code"] as? String == "no-store")
            }
        }
    }

    // MARK: day= on the exports

    @Test func utilizationAndQualityExportsOfAStoredDay() async throws {
        try await Self.withStore { store in
            try await Self.run(store: store) { port in
                let u = try await Self.get(port, "/v1/utilization?org=us&day=2026-03-03")
                #expect(u.status == 200, "\(u.body)")
                #expect(u.json["day"] as? String == "2026-03-03")
                let rows = try #require(u.json["rows"] as? [[String: Any]])
                #expect(rows.count == 1)
                let row = try #require(rows.first)
                #expect(row["agentId"] as? String == "us/a1" && row["agentName"] as? String == "Ada, Lovelace")
                #expect(row["intervalStart"] as? String == "2026-03-03T10:00:00.000-05:00")
                #expect(row["intervalEnd"] as? String == "2026-03-03T10:30:00.000-05:00")
                #expect(row["tHandleMs"] as? Int == 600_000 && row["ahtMs"] as? Int == 200_000 && row["open"] as? Bool == false)
                #expect(row["timeZone"] as? String == "America/New_York" && row["org"] as? String == "us")
                // The same columns as today's export.
                let today = try await Self.get(port, "/v1/utilization?org=us")
                let todayRow = try #require((today.json["rows"] as? [[String: Any]])?.first)
                #expect(Set(todayRow.keys) == Set(row.keys))
                #expect(todayRow["intervalStart"] as? String == "2026-03-04T09:00:00.000-05:00")
                let csv = try await Self.get(port, "/v1/utilization?org=us&day=2026-03-03&format=csv")
                let lines = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
                let todayCSV = try await Self.get(port, "/v1/utilization?org=us&format=csv")
                #expect(lines.first == todayCSV.body.components(separatedBy: "\r\n").first)
                #expect(lines.last == "us,America/New_York,us/a1,\"Ada, Lovelace\",2026-03-03T10:00:00.000-05:00,2026-03-03T10:30:00.000-05:00,600000,3,200000,500000,20000,80000,3,false")
                // Today by day= is today's export; by queue there is nothing that day.
                let todayByDay = try await Self.get(port, "/v1/utilization?org=us&day=2026-03-04")
                #expect(todayByDay.status == 200 && (todayByDay.json["rows"] as? [[String: Any]])?.first?["tHandleMs"] as? Int == 7)
                #expect((try await Self.get(port, "/v1/utilization?org=us&day=2026-03-03&by=queue").json["rows"] as? [Any])?.isEmpty == true)

                let q = try await Self.get(port, "/v1/quality?org=us&day=2026-03-03")
                #expect(q.status == 200, "\(q.body)")
                let qrows = try #require(q.json["rows"] as? [[String: Any]])
                #expect(qrows.map { $0["formId"] as? String } == ["f1", "f2"], "a form without evaluations is left out")
                #expect(qrows[0]["status"] as? String == "ok" && qrows[0]["averageScore"] as? Double == 81.26)
                #expect(qrows[1]["status"] as? String == "insufficient-data" && qrows[1]["averageScore"] is NSNull)
                #expect(qrows[0]["lastUpdatedAt"] as? String == Timestamp.format(Self.yesterday + 80_000_000))
                let qorgs = try #require(q.json["orgs"] as? [[String: Any]])
                #expect(qorgs.first?["lagNote"] as? String == QualityReport.lagNote && qorgs.first?["minEvaluations"] as? Int == 3)
                let qcsv = try await Self.get(port, "/v1/quality?org=us&day=2026-03-03&format=csv")
                #expect(qcsv.body.hasPrefix("\u{FEFF}org,timeZone,agentId,agentName,formId,formName,count,status,averageScore,"))

                // Refusals.
                let nothing = try await Self.get(port, "/v1/utilization?org=us&day=2026-03-01")
                #expect(nothing.status == 404 && nothing.json["code"] as? String == "no-data" && nothing.message.contains("2026-03-01"))
                #expect(try await Self.get(port, "/v1/quality?org=us&day=2026-03-02").status == 404)
                #expect(try await Self.get(port, "/v1/quality?org=us&day=2026-03-05").json["code"] as? String == "no-data")
                let noOrg = try await Self.get(port, "/v1/utilization?day=2026-03-03")
                #expect(noOrg.status == 400 && noOrg.message.contains("org"))
                let badDay = try await Self.get(port, "/v1/quality?org=us&day=3/3/2026")
                #expect(badDay.status == 400 && badDay.message.contains("day"))
                #expect(try await Self.get(port, "/v1/utilization?org=us&day=2026-03-03", token: "t-emea").status == 403)
                #expect(try await Self.get(port, "/v1/utilization?org=us&day=2026-03-03", token: "t-us").status == 200)
            }
            try await Self.run(store: nil) { port in
                let a = try await Self.get(port, "/v1/utilization?org=us&day=2026-03-03")
                #expect(a.status == 404 && a.json["code"] as? String == "no-store")
                #expect(try await Self.get(port, "/v1/utilization?org=us&day=2026-03-04").status == 200, "today needs no store")
            }
        }
    }
}
