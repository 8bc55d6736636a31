import AsyncHTTPClient
import Foundation
import Hub
import NIOCore
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `/metrics` and the `/readyz` details name every org; over real sockets: who may read them.
@Suite("Operator endpoints: /metrics needs metrics or admin, /readyz details need admin")
struct OperatorEndpointAccessTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global]), ("emea", "t-emea", [.org("emea")]),
                                       ("prometheus", "t-metrics", [.metrics]), ("ops", "t-admin", [.admin])])

    static let report = ReadinessReport(
        ready: true, configLoadedAt: "2026-01-01T00:00:00.000Z",
        configErrors: ["orgs.yaml:3:1: bad"], restartNeeded: ["server.listen: 127.0.0.1:8080 → 0.0.0.0:8080"],
        orgs: [.init(id: "us", status: .open), .init(id: "emea", status: .disconnected, detail: "genesys.server-error",
                                                     problems: ["quality: the OAuth client lacks x:y:z"])])

    static func run(_ auth: AuthConfig = auth, _ body: @Sendable (HubHarness) async throws -> Void) async throws {
        try await HubHarness.run(auth: auth, readiness: { Self.report }, body)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func metricsNeedAMetricsOrAdminToken() async throws {
        try await Self.run { h in
            h.hub.metrics.queueWaiting(org: "us", queue: "us/q1", count: 3)
            let anonymous = try await RefusalStatusTests.get(h.port, "/metrics")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers["www-authenticate"] == RefusalStatusTests.bareChallenge)
            #expect(!anonymous.body.contains("switchboard_queue_waiting"))
            #expect(try await RefusalStatusTests.get(h.port, "/metrics", token: "wrong").status == 401)
            for token in ["t-global", "t-emea"] {
                let refused = try await RefusalStatusTests.get(h.port, "/metrics", token: token)
                #expect(refused.status == 403, "\(token)")
                #expect(refused.headers["www-authenticate"]?.contains(#"scope="metrics""#) == true)
                #expect(!refused.body.contains("switchboard_"))
            }
            for token in ["t-metrics", "t-admin"] {
                let ok = try await RefusalStatusTests.get(h.port, "/metrics", token: token)
                #expect(ok.status == 200, "\(token)")
                #expect(ok.body.contains(#"switchboard_queue_waiting{org="us",queue="us/q1"} 3"#))
            }
            let query = try await RefusalStatusTests.get(h.port, "/metrics?access_token=t-metrics")
            #expect(query.status == 200)
        }
    }

    @Test func readinessWithoutATokenSaysOnlyWhatAProbeNeeds() async throws {
        try await Self.run { h in
            let anonymous = try await RefusalStatusTests.get(h.port, "/readyz")
            #expect(anonymous.status == 200)
            #expect(try Self.json(anonymous.body).keys.sorted() == ["ready", "status"])
            #expect(try Self.json(anonymous.body)["status"] as? String == "degraded")
            for secret in ["emea", "orgs.yaml", "0.0.0.0", "quality"] {
                #expect(!anonymous.body.contains(secret), "\(secret) leaked")
            }

            let admin = try await RefusalStatusTests.get(h.port, "/readyz", token: "t-admin")
            #expect(admin.status == 200)
            let details = try Self.json(admin.body)
            #expect(details["notOpen"] as? [String] == ["emea"])
            #expect(details["configErrors"] as? [String] == ["orgs.yaml:3:1: bad"])
            #expect(details["restartNeeded"] as? [String] == ["server.listen: 127.0.0.1:8080 → 0.0.0.0:8080"])
            #expect((details["orgs"] as? [[String: Any]])?.count == 2)

            #expect(try await RefusalStatusTests.get(h.port, "/readyz", token: "wrong").status == 401)
            for token in ["t-global", "t-emea", "t-metrics"] {
                let refused = try await RefusalStatusTests.get(h.port, "/readyz", token: token)
                #expect(refused.status == 403, "\(token)")
                #expect(refused.headers["www-authenticate"]?.contains(#"scope="admin""#) == true)
                #expect(!refused.body.contains("emea"))
            }
        }
    }

    @Test func withAuthNoneEverythingIsOpenOnLoopback() async throws {
        var open = AuthConfig()
        open.disabled = true
        try await Self.run(open) { h in
            let ready = try await RefusalStatusTests.get(h.port, "/readyz")
            #expect(try Self.json(ready.body)["orgs"] != nil)
            #expect(try await RefusalStatusTests.get(h.port, "/metrics").status == 200)
        }
    }

    @Test func aMetricsTokenCannotOpenAStream() async throws {
        try await Self.run { h in
            let c = try await RefusalStatusTests.upgrade(h.port, token: "t-metrics")
            #expect(c.status == 403)
            #expect(try await c.waitClosed())
            #expect(h.hub.connectionCount == 0)
            let admin = try await RefusalStatusTests.upgrade(h.port, token: "t-admin")
            #expect(admin.status == 101)
        }
    }
}
