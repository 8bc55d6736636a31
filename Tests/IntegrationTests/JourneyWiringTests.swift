import AsyncHTTPClient
import Foundation
import Journeys
import NIOCore
import NIOFoundationCompat
import Store
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The bridge's journey wiring: an org's `journeys:` section, EventBridge deliveries on the bridge's listener, the
/// journey views behind them, the `journeys:<org>` topic, the reads and their scopes, `/readyz` and `/metrics`.
/// (The simulator's customers across media and its truth are compared end to end elsewhere.)
@Suite(.serialized) struct JourneyWiringTests {
    static let key = "integration-eventbridge-key-0123456789"

    static func post(_ url: String, apiKey: String?, body: String) async throws -> (UInt, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        if let apiKey { request.headers.add(name: "x-api-key", value: apiKey) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func detail(_ id: String, kind: String, conversation: String, at t: EpochMillis, extra: String = "") -> String {
        #"{"version":"0","id":"\#(id)","detail-type":"v2.detail.events.conversation.{id}.\#(kind)","source":"aws.partner/genesys.com/cloud/x/switchboard","time":"2026-09-22T10:00:00Z","detail":{"topicName":"v2.detail.events.conversation.\#(conversation).\#(kind)","eventBody":{"eventTime":\#(t),"conversationId":"\#(conversation)","participantId":"p","mediaType":"EMAIL","direction":"INBOUND","addressFrom":"Pat.Doe@Example.com"\#(extra)}}}"#
    }

    @Test func eventBridgeDeliveriesBecomeJourneysOnTheBridgesTopicsAndReads() async throws {
        try await DemoFixture.run(speed: 1, configureBridge: { config in
            config.journeys.salt = Secret("integration-journey-salt-0123")
            for i in config.orgs.indices where config.orgs[i].id == "us" {
                config.orgs[i].journeys = OrgJourneysConfig(showCustomer: .masked,
                                                            eventBridge: EventBridgeConfig(apiKey: Secret(Self.key)))
            }
        }) { run in
            let base = run.bridgeBase
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(base) })
            let now = run.clock.now()
            let conversation = "e0a1b2c3-0000-4000-8000-00000000e001"
            let body = "[" + Self.detail("w-1", kind: "customer.start", conversation: conversation, at: now - 2_000) + ","
                + Self.detail("w-2", kind: "acd.start", conversation: conversation, at: now - 1_000,
                              extra: #","queueId":"q-mail""#) + "]"
            #expect(try await Self.post("\(base)/v1/ingest/eventbridge/us", apiKey: "wrong-key-wrong-key", body: body).0 == 401)
            #expect(try await Self.post("\(base)/v1/ingest/eventbridge/emea", apiKey: Self.key, body: body).0 == 404)
            let accepted = try await Self.post("\(base)/v1/ingest/eventbridge/us", apiKey: Self.key, body: body)
            #expect(accepted.0 == 202)
            #expect(accepted.1 == #"{"accepted":2,"duplicates":0,"refused":[]}"#)

            let search = "\(base)/v1/journeys?org=us&customer=pat.doe%40example.com"
            let id = "us/j-"
            #expect(await eventually("the journey readable by customer", seconds: 30) {
                guard let found = try? await DemoFixture.json(search, token: "demo-us"),
                      let journeys = found["journeys"] as? [[String: Any]] else { return false }
                return journeys.count == 1 && (journeys[0]["id"] as? String)?.hasPrefix(id) == true
                    && journeys[0]["customer"] as? String == "email:p•••@e•••.com"
                    && (journeys[0]["contacts"] as? [[String: Any]])?.first?["queues"] as? [String] == ["us/q-mail"]
            })
            #expect(try await DemoFixture.get(search, token: "demo-emea").status == 403)
            #expect(try await DemoFixture.get(search).status == 401)
            // The topic carries it, and another org's token may not read it.
            #expect(await eventually("the journey on journeys:us", seconds: 30) {
                guard let view = try? await DemoFixture.get("\(base)/v1/views/journeys:us", token: "demo-us") else { return false }
                return view.status == 200 && String(decoding: view.body, as: UTF8.self).contains(conversation)
            })
            #expect(try await DemoFixture.get("\(base)/v1/views/journeys:us", token: "demo-emea").status == 403)
            let global = try await DemoFixture.json("\(base)/v1/views/journeys:global", token: "demo-global")
            let data = try #require(global["data"] as? [String: Any])
            #expect((data["orgs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["us"])

            // /readyz: us has journeys, the others have none.
            let ready = try await DemoFixture.json("\(base)/readyz", token: "demo-admin")
            let orgs = try #require(ready["orgs"] as? [[String: Any]])
            let us = try #require(orgs.first { $0["id"] as? String == "us" })
            #expect((us["journeys"] as? [String: Any])?["active"] as? Int == 1)
            #expect(orgs.filter { $0["journeys"] != nil }.count == 1)
            // /metrics: events by source, EventBridge answers by status.
            let metrics = String(decoding: try await DemoFixture.get("\(base)/metrics", token: "demo-metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"switchboard_journey_events_total{org="us",source="eventBridge"} 2"#))
            #expect(metrics.contains(#"switchboard_journey_eventbridge_requests_total{org="us",status="401"} 1"#))
            #expect(metrics.contains(#"switchboard_journey_eventbridge_requests_total{org="us",status="202"} 1"#))
            #expect(metrics.contains(#"switchboard_journeys_active{org="us"} 1"#))
            #expect(!metrics.contains(Self.key))
        }
    }

    /// With a store: an EventBridge delivery is stored before its 202; a journey the `maxClosed` cap pushes out of
    /// memory is answered from the store by id and by customer (merged with memory, newest first); after a restart
    /// on the same file the closed journeys are answered from the store and the open one is back (the stored
    /// deliveries are replayed).
    @Test func journeysACapPushesOutAreAnsweredFromTheStoreAndSurviveARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-journeys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let storePath = dir.appendingPathComponent("switchboard.db").path
        let configure: @Sendable (inout SwitchboardConfiguration) -> Void = { config in
            config.store = StoreConfig(path: storePath)
            config.journeys.salt = Secret("integration-journey-salt-0123")
            for i in config.orgs.indices where config.orgs[i].id == "us" {
                config.orgs[i].journeys = OrgJourneysConfig(maxClosed: 1, showCustomer: .masked,
                                                            eventBridge: EventBridgeConfig(apiKey: Secret(Self.key)))
            }
        }
        let conversations = (1...3).map { "e0a1b2c3-0000-4000-8000-00000000f00\($0)" }
        let ids = conversations.map { JourneyStitcher.journeyID(org: "us", conversation: $0).description }
        let search = "/v1/journeys?org=us&customer=pat.doe%40example.com"
        @Sendable func found(_ base: String) async -> [String] {
            guard let answer = try? await DemoFixture.json(base + search, token: "demo-us"),
                  let journeys = answer["journeys"] as? [[String: Any]] else { return [] }
            return journeys.compactMap { $0["id"] as? String }
        }
        try await DemoFixture.run(speed: 1, configureBridge: configure) { run in
            let base = run.bridgeBase
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(base) })
            let now = run.clock.now()
            // Three emails of one customer, 10 minutes apart in event time: the later ones prove the earlier
            // journeys over (each closes at once), and the cap of 1 closed journey pushes the first out.
            var events: [String] = []
            for (n, conversation) in conversations.enumerated() {
                let t = now - 30 * 60_000 + EpochMillis(n) * 10 * 60_000
                events.append(Self.detail("s-\(n)-start", kind: "customer.start", conversation: conversation, at: t))
                events.append(Self.detail("s-\(n)-end", kind: "customer.end", conversation: conversation, at: t + 60_000))
            }
            let posted = try await Self.post("\(base)/v1/ingest/eventbridge/us", apiKey: Self.key,
                                             body: "[" + events.joined(separator: ",") + "]")
            #expect(posted.0 == 202)
            // Durable before the answer: the delivery is in the file (read on a connection of its own).
            let reader = try SQLiteHistoryStore(path: storePath, mode: .readOnly)
            #expect(try await reader.eventBridgeDeliveries(org: "us", since: 0).count == 1)
            try reader.close()
            #expect(await eventually("the first journey evicted", seconds: 30) {
                let ready = try? await DemoFixture.json("\(base)/readyz", token: "demo-admin")
                let us = (ready?["orgs"] as? [[String: Any]])?.first { $0["id"] as? String == "us" }
                return (us?["journeys"] as? [String: Any])?["evictions"] as? Int == 1
            })
            let first = try await DemoFixture.json("\(base)/v1/journeys/\(ids[0])", token: "demo-us")
            #expect(first["state"] as? String == "CLOSED")
            #expect(first["customer"] as? String == "email:p•••@e•••.com")
            #expect((first["contacts"] as? [[String: Any]])?.first?["conversationId"] as? String == conversations[0])
            #expect(try await DemoFixture.get("\(base)/v1/journeys/\(ids[0])", token: "demo-emea").status == 403)
            #expect(await found(base) == ids.reversed())
        }
        // The store holds the evicted journey and the closed one still in memory at the stop.
        let store = try SQLiteHistoryStore(path: storePath, mode: .readOnly)
        #expect(try await store.journey(id: ids[0]) != nil)
        #expect(try await store.journey(id: ids[1]) != nil)
        try store.close()
        try await DemoFixture.run(speed: 1, configureBridge: configure) { run in
            let base = run.bridgeBase
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(base) })
            #expect(try await DemoFixture.get("\(base)/v1/journeys/\(ids[0])", token: "demo-us").status == 200)
            let second = try await DemoFixture.json("\(base)/v1/journeys/\(ids[1])", token: "demo-us")
            #expect(second["customer"] as? String == "email:p•••@e•••.com")
            // The third journey, open at the stop, is open again: its delivery was replayed.
            #expect(await eventually("the open journey replayed", seconds: 30) { await found(base) == ids.reversed() })
            let third = try await DemoFixture.json("\(base)/v1/journeys/\(ids[2])", token: "demo-us")
            #expect(third["state"] as? String != "CLOSED")
        }
    }
}
