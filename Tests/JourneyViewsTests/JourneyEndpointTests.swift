import AsyncHTTPClient
import Foundation
import Hub
import Journeys
import JourneyViews
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The journey endpoints over real sockets on loopback: EventBridge ingest (key, batches with a bad event,
/// duplicates, size limit), reads by id and by customer, and their scopes.
@Suite struct JourneyEndpointTests {
    static let tokens: [(String, String, [Scope])] = [
        ("wall", "t-global", [.global]), ("us-desk", "t-us", [.org("us")]), ("emea-desk", "t-emea", [.org("emea")]),
    ]

    /// A hub, the bridge's HTTP app with the journey views behind it, on a free port; the clock is manual and the
    /// views are flushed by the test.
    static func run(_ body: @Sendable (_ port: Int, _ engine: JourneyViewEngine, _ clock: ManualClock) async throws -> Void)
        async throws
    {
        var logger = Logger(label: "journey-endpoint-tests")
        logger.logLevel = .warning
        var server = ServerConfig()
        server.listen = .init(host: "127.0.0.1", port: 0)
        server.flushInterval = .milliseconds(20)
        var auth = AuthConfig()
        auth.clients = tokens.map { ClientConfig(name: $0.0, token: Secret($0.1), scopes: $0.2) }
        let hub = try await StreamHub(configuration: server, auth: auth, metrics: HubMetrics(), logger: logger)
        hub.setOrgs(["us", "emea"])
        let clock = ManualClock(JV.t0)
        let engine = JourneyViewEngine(configuration: JV.configuration(), clock: clock, sink: hub)
        let (ports, portCont) = AsyncStream.makeStream(of: Int.self)
        let app = makeBridgeApplication(
            hub: hub, configuration: server,
            readiness: { ReadinessReport(ready: true) }, journeys: engine, logger: logger,
            onListening: { port in portCont.yield(port); portCont.finish() })
        let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            do {
                try await body(port, engine, clock)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tg.waitForAll()
        }
    }

    static func request(_ port: Int, _ path: String, method: HTTPMethod = .GET, token: String? = nil,
                        apiKey: String? = nil, body: [UInt8]? = nil) async throws -> (Int, String) {
        var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        req.method = method
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let apiKey { req.headers.add(name: "x-api-key", value: apiKey) }
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
        let text = try await res.body.collect(upTo: 16 << 20)
        return (Int(res.status.code), String(buffer: text))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    // MARK: EventBridge events in the real shape

    /// A detail event as an EventBridge API destination delivers it.
    static func detailEvent(_ id: String, kind: String, conversation: String = "conv-1", at t: EpochMillis,
                            extra: String = "") -> String {
        """
        {"version":"0","id":"\(id)","detail-type":"v2.detail.events.conversation.{id}.\(kind)",\
        "source":"aws.partner/genesys.com/cloud/5d1f7c2e-0000-4000-8000-000000000001/switchboard",\
        "account":"123456789012","time":"2026-09-22T10:00:00Z","region":"us-east-1","resources":[],\
        "detail":{"topicName":"v2.detail.events.conversation.\(conversation).\(kind)","version":"2",\
        "eventBody":{"eventTime":\(JV.t0 + t),"conversationId":"\(conversation)","participantId":"p-cust",\
        "sessionId":"s-1","mediaType":"VOICE","direction":"INBOUND","ani":"tel:+15551230001",\
        "dnis":"tel:+18005550100"\(extra)},"metadata":{"CorrelationId":"c-\(id)"},"timestamp":"2026-09-22T10:00:00.128Z"}}
        """
    }

    static var batch: [UInt8] {
        Array(("[" + detailEvent("eb-1", kind: "customer.start", at: 0) + ","
            + #"{"id":5,"detail-type":"v2.detail.events.conversation.{id}.acd.start","detail":{}}"# + ","
            + detailEvent("eb-2", kind: "acd.start", at: 1_000, extra: #","queueId":"q-sales""#) + "]").utf8)
    }

    @Test func eventBridgeDeliveriesAreAuthenticatedCheckedAndIdempotent() async throws {
        try await Self.run { port, engine, clock in
            let path = "/v1/ingest/eventbridge/us"
            let one = Array(Self.detailEvent("eb-0", kind: "customer.start", at: 0).utf8)
            // The key, not a stream token.
            let noKey = try await Self.request(port, path, method: .POST, token: "t-global", body: one)
            #expect(noKey.0 == 401)
            #expect(try Self.json(noKey.1)["code"] as? String == "unauthorized")
            #expect(try await Self.request(port, path, method: .POST, apiKey: "wrong-key-0123456789", body: one).0 == 401)
            #expect(try await Self.request(port, path, method: .POST, apiKey: String(JV.ebKey.dropLast()), body: one).0 == 401)
            #expect(try await Self.request(port, "/v1/ingest/eventbridge/nowhere", method: .POST, apiKey: JV.ebKey, body: one).0 == 404)
            // emea has no journeys section, so no EventBridge either.
            #expect(try await Self.request(port, "/v1/ingest/eventbridge/emea", method: .POST, apiKey: JV.ebKey, body: one).0 == 404)

            // A batch with one bad event: the rest is accepted, the bad one listed.
            let first = try await Self.request(port, path, method: .POST, apiKey: JV.ebKey, body: Self.batch)
            #expect(first.0 == 202, "\(first.1)")
            let answer = try Self.json(first.1)
            #expect(answer["accepted"] as? Int == 2 && answer["duplicates"] as? Int == 0)
            let refused = try #require(answer["refused"] as? [[String: Any]])
            #expect(refused.count == 1)
            #expect(refused.first?["index"] as? Int == 1 && refused.first?["id"] is NSNull)
            #expect((refused.first?["reason"] as? String)?.contains("'id'") == true)
            // A retried delivery: duplicates, accepted again (EventBridge must not retry it), not applied again.
            let again = try Self.json(try await Self.request(port, path, method: .POST, apiKey: JV.ebKey, body: Self.batch).1)
            #expect(again["accepted"] as? Int == 0 && again["duplicates"] as? Int == 2)
            // A single event (not an array) is accepted too.
            #expect(try await Self.request(port, path, method: .POST, apiKey: JV.ebKey, body: one).0 == 202)

            // Nothing in the body is an event: 400 with the reason.
            let garbage = try await Self.request(port, path, method: .POST, apiKey: JV.ebKey, body: Array("hello".utf8))
            #expect(garbage.0 == 400)
            #expect((try Self.json(garbage.1)["error"] as? String)?.contains("not a JSON object or array") == true)
            #expect(try await Self.request(port, path, method: .POST, apiKey: JV.ebKey, body: Array("[]".utf8)).0 == 400)
            let noDetail = try await Self.request(port, path, method: .POST, apiKey: JV.ebKey, body: Array(#"[{"id":"x"}]"#.utf8))
            #expect(noDetail.0 == 400)
            #expect(noDetail.1.contains("no 'detail'"))
            // Too large: 413, with what to do.
            let big = Array("[".utf8) + [UInt8](repeating: 0x20, count: 1 << 20) + Array("]".utf8)
            let tooLarge = try await Self.request(port, path, method: .POST, apiKey: JV.ebKey, body: big)
            #expect(tooLarge.0 == 413)
            #expect(tooLarge.1.contains("larger than 1024 KiB"))

            // The accepted events became a journey: readable by customer and by id.
            // Staged, then held for the reorder window (100 ms) from the flush that took them.
            await engine.flush()
            clock.advance(by: 1_000)
            await engine.flush()
            let found = try await Self.request(port, "/v1/journeys?org=us&customer=%2B1%20555%20123%200001", token: "t-us")
            #expect(found.0 == 200, "\(found.1)")
            let journeys = try #require(try Self.json(found.1)["journeys"] as? [[String: Any]])
            #expect(journeys.count == 1)
            let id = JourneyStitcher.journeyID(org: "us", conversation: "conv-1").description
            #expect(journeys.first?["id"] as? String == id)
            let contacts = try #require(journeys.first?["contacts"] as? [[String: Any]])
            #expect(contacts.first?["queues"] as? [String] == ["us/q-sales"])
            #expect(contacts.first?["startedAt"] as? Int64 == JV.t0)
            for p in ["/v1/journeys/\(id)", "/v1/journeys/us%2F\(id.dropFirst(3))"] {
                let byID = try await Self.request(port, p, token: "t-global")
                #expect(byID.0 == 200, "\(p)")
                #expect(try Self.json(byID.1)["id"] as? String == id)
            }
            #expect(await engine.status(of: "us")?.active == 1)
        }
    }

    @Test func readsNeedATokenThatCoversTheOrgsJourneys() async throws {
        try await Self.run { port, engine, clock in
            let post = try await Self.request(port, "/v1/ingest/eventbridge/us", method: .POST, apiKey: JV.ebKey, body: Self.batch)
            #expect(post.0 == 202)
            // Staged, then held for the reorder window (100 ms) from the flush that took them.
            await engine.flush()
            clock.advance(by: 1_000)
            await engine.flush()
            let id = JourneyStitcher.journeyID(org: "us", conversation: "conv-1").description
            let search = "/v1/journeys?org=us&customer=%2B15551230001"
            // No token, a bad one: 401.
            #expect(try await Self.request(port, search).0 == 401)
            #expect(try await Self.request(port, "/v1/journeys/\(id)", token: "nope").0 == 401)
            // A regional token of another org: 403, whether the journey exists or not.
            let other = try await Self.request(port, search, token: "t-emea")
            #expect(other.0 == 403)
            #expect(!other.1.contains(id))
            #expect(try await Self.request(port, "/v1/journeys/\(id)", token: "t-emea").0 == 403)
            #expect(try await Self.request(port, "/v1/journeys/us/j-0000000000000000", token: "t-emea").0 == 403)
            // Its own org, or global: 200; an unknown id: 404.
            #expect(try await Self.request(port, search, token: "t-us").0 == 200)
            #expect(try await Self.request(port, "/v1/journeys/\(id)", token: "t-us").0 == 200)
            #expect(try await Self.request(port, "/v1/journeys/us/j-0000000000000000", token: "t-us").0 == 404)
            #expect(try await Self.request(port, "/v1/journeys/nonsense", token: "t-global").0 == 404)
            // An org without journeys, a search without its parameters.
            #expect(try await Self.request(port, "/v1/journeys?org=emea&customer=x", token: "t-emea").0 == 404)
            #expect(try await Self.request(port, "/v1/journeys?customer=x", token: "t-global").0 == 400)
            #expect(try await Self.request(port, "/v1/journeys?org=us", token: "t-us").0 == 400)
            // The journeys:<org> snapshot follows the same scopes.
            #expect(try await Self.request(port, "/v1/views/journeys:us", token: "t-emea").0 == 403)
            // The hub flushes on its own tick (20 ms here): wait for the journey to reach the topic.
            var view = (0, "")
            for _ in 0..<250 {
                view = try await Self.request(port, "/v1/views/journeys:us", token: "t-us")
                if view.1.contains(id) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(view.0 == 200)
            #expect(view.1.contains(id))
            #expect(view.1.contains(#""queues":[{"id":"us/q-sales""#))
        }
    }
}
