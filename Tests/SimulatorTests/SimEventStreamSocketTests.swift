import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// The seed's journey event stream over real sockets: a bad token is refused before the upgrade, the first frame
/// names the connection and its callback URL, a subscription binds only to the exact callback URL (else it is
/// `orphaned` — 201 all the same), events flow within `maxEventsPerSecond` with backpressure beyond it, and the
/// `eventstream-drop` / `eventstream-orphan` faults.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SimEventStreamSocketTests {
    static func options(_ o: inout SimulatorOptions) {
        o.orgCount = 2
        o.agentsPerOrg = 12
        var j = SimJourneyOptions()
        j.orgs = ["us"]
        j.customersPerHour = 3000
        o.journeys = j
    }

    static func subscription(_ url: String, max: Int = 50, types: [String] = SimSeedEvent.types) -> String {
        let list = types.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"resourceTypes":["interaction"],"filters":{"eventTypes":[\#(list)]},"callbackUrl":"\#(url)","maxEventsPerSecond":\#(max),"filterByCustomerId":true}"#
    }

    @Test func refusesABadTokenBeforeTheUpgradeAndValidatesSubscriptions() async throws {
        try await withSimulator(Self.options) { _, client in
            let bad = try await client.request("GET", "/api/v2/eventstreams/callbacks?access_token=nope",
                                               headers: [("Connection", "Upgrade"), ("Upgrade", "websocket"),
                                                         ("Sec-WebSocket-Version", "13"),
                                                         ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")])
            // Refused before the upgrade: hummingbird-websocket answers a refused upgrade with a bare 400; the same
            // request without upgrade headers gets the platform's 401.
            #expect(bad.status == 400 && bad.headers["upgrade"] == nil)
            #expect(try await client.request("GET", "/api/v2/eventstreams/callbacks?access_token=nope").status == 401)
            let token0 = try await client.accessToken()
            #expect(try await client.request("GET", "/api/v2/eventstreams/callbacks", token: token0).status == 426)
            let token = try await client.accessToken()
            let unknown = try await client.request("POST", "/api/v2/eventstreams/subscriptions", token: token,
                                                   json: Self.subscription("ws://x", types: ["call.parked"]))
            #expect(unknown.status == 400)
            let tooFast = try await client.request("POST", "/api/v2/eventstreams/subscriptions", token: token,
                                                   json: Self.subscription("ws://x", max: 101))
            #expect(tooFast.status == 400)
            let none = try await client.request("POST", "/api/v2/eventstreams/subscriptions", json: Self.subscription("ws://x"))
            #expect(none.status == 401)
        }
    }

    @Test func aSubscriptionBindsOnlyToTheLiveCallbackAndIsThrottled() async throws {
        try await withSimulator(Self.options, clock: ScaledClock(origin: testBusinessHours, speed: 120)) { sim, client in
            let token = try await client.accessToken()
            let ws = "ws" + client.base.dropFirst("http".count) + "/api/v2/eventstreams/callbacks?access_token=\(token)"
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe.run(url: ws) }
                var it = probe.incoming.makeAsyncIterator()
                let firstFrame = await next(&it) { _ in true }
                let opened = try #require(firstFrame.flatMap(jsonObject))
                #expect(opened["type"] as? String == "connection.opened")
                let connection = try #require(opened["connectionId"] as? String)
                let callback = try #require(opened["callbackUrl"] as? String)
                #expect(callback.hasSuffix("/api/v2/eventstreams/callbacks?connectionId=\(connection)"))

                // The seed's own example callback matches no connection: 201, orphaned (the silent failure).
                let wrong = try await client.request("POST", "/api/v2/eventstreams/subscriptions", token: token,
                                                     json: Self.subscription("wss://env/api/v2/eventstreams/callbacks"))
                #expect(wrong.status == 201)
                #expect(try wrong.json()["state"] as? String == "orphaned")
                #expect(try wrong.json()["connectionId"] is NSNull)

                let made = try await client.request("POST", "/api/v2/eventstreams/subscriptions", token: token,
                                                    json: Self.subscription(callback, max: 2))
                #expect(made.status == 201)
                let sub = try made.json()
                #expect(sub["state"] as? String == "active" && sub["connectionId"] as? String == connection)
                #expect(sub["maxEventsPerSecond"] as? Int == 2 && sub["filterByCustomerId"] as? Bool == true)
                let id = try #require(sub["id"] as? String)
                #expect(try await client.request("GET", "/api/v2/eventstreams/subscriptions/\(id)", token: token).json()["state"]
                    as? String == "active")

                // Events within 2 per second, then a backpressure notice while more wait.
                var events: [[String: Any]] = []
                var backpressure: [String: Any]?
                let started = ContinuousClock.now
                while backpressure == nil || events.count < 6, let s = await next(&it, where: { !$0.contains("heartbeat") }) {
                    let f = try #require(jsonObject(s))
                    if f["type"] as? String == "event" { events.append(f) }
                    if f["type"] as? String == "backpressure" { backpressure = f }
                    if ContinuousClock.now - started > .seconds(30) { break }
                }
                let elapsed = ContinuousClock.now - started
                #expect(backpressure?["maxEventsPerSecond"] as? Int == 2 && (backpressure?["queued"] as? Int ?? 0) > 0)
                #expect(events.count >= 6)
                // A burst of 2, then 2 a second: 6 events take at least 2 s.
                #expect(elapsed >= .milliseconds(1900), "\(events.count) events in \(elapsed)")
                let payload = try #require(events.first?["payload"] as? [String: Any])
                #expect(payload["customerId"] is String && payload["channelType"] is String)
                #expect(events.allSatisfy { $0["subscriptionId"] as? String == id })

                // The orphan fault: GET says so, the socket stays.
                _ = await sim.inject(.eventStream(.orphan), org: "us")
                let after = try await client.request("GET", "/api/v2/eventstreams/subscriptions/\(id)", token: token).json()
                #expect(after["state"] as? String == "orphaned" && after["connectionId"] is NSNull)
                #expect(sim.eventStreamStats(org: "us").active == 0)
                #expect(try await client.request("DELETE", "/api/v2/eventstreams/subscriptions/\(id)", token: token).status == 204)
                #expect(try await client.request("GET", "/api/v2/eventstreams/subscriptions/\(id)", token: token).status == 404)

                // The drop fault closes the socket.
                _ = await sim.inject(.eventStream(.drop), org: "us")
                while await it.next() != nil {}
                for _ in 0..<50 where sim.eventStreamStats(org: "us").connections > 0 {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(sim.eventStreamStats(org: "us").connections == 0)
                let stats = sim.eventStreamStats(org: "us")
                #expect(stats.backpressureSent >= 1 && stats.eventsSent >= 6)
                group.cancelAll()
            }
        }
    }
}
