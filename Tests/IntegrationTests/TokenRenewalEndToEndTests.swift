import Foundation
import HummingbirdWSClient
import Logging
import Simulator
import Synchronization
import Testing

/// Seed 004, edge case 3, through the whole bridge: the login host refuses one org's token renewals while its token
/// still works (`token-refresh-fail`, 401: a secret rotated on the platform). The failure is visible at once — the
/// org's `token` problem on `/readyz` and on the org entity, `switchboard_token_renewal_failing{org} 1` with the
/// failures counted, a `token-renewal-failed` alert on the stream — while the sockets stay up; once the fault ends the
/// next renewal succeeds and the problem, the gauge and the alert clear.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TokenRenewalEndToEndTests {
    /// A stream client that keeps every text message.
    /// The org's entry on `/readyz` (admin view).
    static func readyz(_ base: String, org: String) async -> [String: Any]? {
        guard let r = try? await DemoFixture.json("\(base)/readyz", token: "demo-admin") else { return nil }
        return (r["orgs"] as? [[String: Any]])?.first { $0["id"] as? String == org }
    }

    static func tokenProblem(_ base: String, org: String) async -> String? {
        (await readyz(base, org: org)?["problems"] as? [String])?.first { $0.hasPrefix("token:") }
    }

    /// The value of the sample `series` (name and labels as rendered) on `/metrics`, nil when absent.
    static func metric(_ base: String, _ series: String, token: String = "demo-metrics") async -> Double? {
        guard let (status, body) = try? await DemoFixture.get("\(base)/metrics", token: token), status == 200
        else { return nil }
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    @Test func aRefusedRenewalShowsOnReadyzMetricsAndTheStreamAndClearsOnTheNextSuccess() async throws {
        // 20 s tokens renewed 10 s ahead: a renewal every 10 s, with 10 s of the old token left when one fails.
        try await DemoFixture.run(agents: 6, configure: { $0.tokenLifetime = 20 }) { demo in
            #expect(await eventually("all three orgs open") { await DemoFixture.allOpen(demo.bridgeBase) })
            let failing = #"switchboard_token_renewal_failing{org="us"}"#
            let failures = #"switchboard_token_renewal_failures_total{org="us"}"#
            #expect(await eventually("the token gauge at 0") { await Self.metric(demo.bridgeBase, failing) == 0 })
            let probe = StreamProbe()
            let port = URL(string: demo.bridgeBase)?.port ?? 0
            let client = Task { await probe.run(url: "ws://127.0.0.1:\(port)/v1/stream?access_token=demo-global") }
            defer {
                probe.stop()
                client.cancel()
            }
            probe.send(#"{"op":"subscribe","topic":"org:us"}"#)
            #expect(await eventually("the snapshot") { !probe.received(type: "snapshot").isEmpty })
            #expect(await eventually("a live socket") { await demo.simulator.liveSockets(org: "us") > 0 })

            // Every token request of us is refused from now on, until the test ends the fault.
            await demo.simulator.inject(.tokenRefreshFail(count: 1000, status: 401), org: "us")
            #expect(await eventually("the token problem on /readyz") { await Self.tokenProblem(demo.bridgeBase, org: "us") != nil })
            let problem = await Self.tokenProblem(demo.bridgeBase, org: "us") ?? ""
            #expect(problem.hasPrefix("token: renewal failing ("), "\(problem)")
            #expect(problem.contains("genesys.auth-failed, HTTP 401"), "\(problem)")
            #expect(problem.contains("the current token still lasts"), "\(problem)")
            #expect(problem.contains("clientId and clientSecret"), "\(problem)")
            // The sockets are left alone: the org is open.
            #expect(await Self.readyz(demo.bridgeBase, org: "us")?["status"] as? String == "open")
            #expect(await Self.metric(demo.bridgeBase, failing) == 1)
            #expect((await Self.metric(demo.bridgeBase, failures) ?? 0) >= 1)
            #expect(await Self.metric(demo.bridgeBase, #"switchboard_token_renewal_failing{org="emea"}"#) == 0)
            #expect(await eventually("the alert on the stream") {
                !probe.received(type: "alert", kind: "token-renewal-failed").isEmpty
            })
            let alert = probe.received(type: "alert", kind: "token-renewal-failed").first ?? [:]
            #expect(alert["org"] as? String == "us" && alert["topic"] as? String == "org:us", "\(alert)")
            #expect((alert["message"] as? String)?.contains("HTTP 401") == true, "\(alert)")
            // The org entity (the dashboard's org card) carries the problem too.
            let snap = try await DemoFixture.json("\(demo.bridgeBase)/v1/views/org:us", token: "demo-global")
            let orgs = (snap["data"] as? [String: Any])?["orgs"] as? [[String: Any]]
            let features = (orgs?.first?["problems"] as? [[String: Any]])?.compactMap { $0["feature"] as? String }
            #expect(features?.contains("token") == true, "\(String(describing: features))")
            // A board opened now is told too (the alert is in force, replayed after the snapshot).
            let alerts = try await DemoFixture.json("\(demo.bridgeBase)/v1/alerts", token: "demo-admin")
            #expect((alerts["active"] as? [[String: Any]])?.contains { $0["kind"] as? String == "token-renewal-failed" } == true)

            // The credentials are fixed: the next attempt gets a token and everything clears.
            await demo.simulator.inject(.tokenRefreshFail(count: 0, status: 401), org: "us")
            #expect(await eventually("the token-renewed alert on the stream") {
                !probe.received(type: "alert", kind: "token-renewed").isEmpty
            })
            #expect(await eventually("the problem cleared") { await Self.tokenProblem(demo.bridgeBase, org: "us") == nil })
            #expect(await eventually("the gauge back at 0") { await Self.metric(demo.bridgeBase, failing) == 0 })
            #expect(await eventually("us open") { await Self.readyz(demo.bridgeBase, org: "us")?["status"] as? String == "open" })
            #expect(await demo.simulator.liveSockets(org: "us") > 0)
            let after = try await DemoFixture.json("\(demo.bridgeBase)/v1/alerts", token: "demo-admin")
            #expect((after["active"] as? [[String: Any]])?.contains { $0["kind"] as? String == "token-renewal-failed" } == false)
        }
    }
}
