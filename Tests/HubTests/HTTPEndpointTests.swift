import AsyncHTTPClient
import Foundation
import Hub
import NIOCore
import NIOFoundationCompat
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite("HTTP endpoints")
struct HTTPEndpointTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global]), ("emea", "t-emea", [.org("emea")]),
                                       ("two", "t-two", [.org("us"), .org("emea")]), ("ops", "t-admin", [.admin]),
                                       ("prometheus", "t-metrics", [.metrics])])

    static func get(_ port: Int, _ path: String, token: String? = nil) async throws -> (Int, String, String?) {
        var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
        let body = try await res.body.collect(upTo: 64 << 20)
        return (Int(res.status.code), String(buffer: body), res.headers.first(name: "content-type"))
    }

    @Test func viewsHealthReadinessMetricsAndDashboard() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            h.hub.publish([HubHarness.agent("emea", "e1")])
            h.hub.flush()
            h.hub.metrics.upstreamEvent(org: "us", topic: "users.activity")
            h.hub.metrics.connectorState(org: "us", status: .open)
            h.hub.metrics.queueWaiting(org: "us", queue: "us/q1", count: 3)
            h.hub.metrics.orgOccupancy(org: "us", window: .rolling15m, value: 0.8)

            #expect(try await Self.get(h.port, "/healthz").0 == 200)
            let ready = try await Self.get(h.port, "/readyz")
            #expect(ready.0 == 200)
            #expect(ready.1.contains(#""ready":true"#))

            #expect(try await Self.get(h.port, "/v1/views/org:emea").0 == 401)
            #expect(try await Self.get(h.port, "/v1/views/org:emea", token: "nope").0 == 401)
            #expect(try await Self.get(h.port, "/v1/views/global", token: "t-emea").0 == 403)
            #expect(try await Self.get(h.port, "/v1/views/org:nowhere", token: "t-global").0 == 404)
            let view = try await Self.get(h.port, "/v1/views/org:emea", token: "t-emea")
            #expect(view.0 == 200)
            #expect(view.2?.hasPrefix("application/json") == true)
            #expect(view.1.contains("emea/e1"))
            #expect(try await Self.get(h.port, "/v1/views/org:emea?access_token=t-emea").0 == 200)
            #expect(try await Self.get(h.port, "/v1/stream", token: "t-global").0 == 426)

            let metrics = try await Self.get(h.port, "/metrics", token: "t-metrics")
            #expect(metrics.0 == 200)
            for needle in [#"switchboard_upstream_events_total{org="us",topic="users.activity"} 1"#,
                           #"switchboard_connector_state{org="us",state="open"} 1"#,
                           #"switchboard_queue_waiting{org="us",queue="us/q1"} 3"#,
                           "switchboard_hub_connections", "switchboard_hub_event_to_send_seconds",
                           #"switchboard_hub_deltas_total{topic="org:emea"}"#] {
                #expect(metrics.1.contains(needle), "missing \(needle)")
            }

            let index = try await Self.get(h.port, "/")
            #expect(index.0 == 200)
            #expect(index.2?.hasPrefix("text/html") == true)
            #expect(try await Self.get(h.port, "/index.html").0 == 200)
            #expect(try await Self.get(h.port, "/..%2FPackage.swift").0 == 404)
            #expect(try await Self.get(h.port, "/assets/../../Package.swift").0 == 404)
            #expect(try await Self.get(h.port, "/.hidden").0 == 404)
        }
        }

    /// `GET /v1/about` names the caller and the topics its token reads by default: the dashboard opens those
    /// (an org-scoped token its orgs, never a refused `global`).
    @Test func aboutNamesTheCallersDefaultTopics() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            #expect(try await Self.get(h.port, "/v1/about").0 == 401)
            func about(_ token: String) async throws -> [String: Any] {
                let (status, body, _) = try await Self.get(h.port, "/v1/about", token: token)
                #expect(status == 200, "\(token): \(body)")
                return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            }
            let global = try await about("t-global")
            #expect(global["client"] as? String == "dash")
            #expect(global["topics"] as? [String] == ["global"])
            #expect(global["scopes"] as? [String] == ["global"])
            #expect(global.keys.contains("notice"))
            #expect(try await about("t-emea")["topics"] as? [String] == ["org:emea"])
            let two = try await about("t-two")
            #expect(two["topics"] as? [String] == ["org:emea", "org:us"])
            #expect(two["scopes"] as? [String] == ["org:emea", "org:us"])
            #expect(try await about("t-admin")["topics"] as? [String] == [])
            #expect(try await about("t-metrics")["topics"] as? [String] == [])
        }
    }
}
