import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
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
}
