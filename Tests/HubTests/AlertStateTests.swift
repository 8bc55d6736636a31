import AsyncHTTPClient
import Foundation
import Hub
import NIOCore
import NIOFoundationCompat
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Alerts are state: one per org, delivered once per transition whoever reports it, cleared by recovery or the
/// next good reload, replayed after a snapshot only while in force; admins read the history on `/v1/alerts`.
@Suite(.serialized) struct AlertStateTests {
    static let t: EpochMillis = 1_790_000_000_000

    @Test func aTransitionReachesEachSubscriptionOnceAndRecoveryClearsIt() async throws {
        let auth = HubHarness.auth([("dash", "t-global", [.global]), ("admin", "t-admin", [.admin, .global])])
        try await HubHarness.run(auth: auth) { h in
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"org:us"}"#)
                _ = try await probe.next(type: "snapshot")
                // The connector and the views both report the socket going stale: one alert.
                h.hub.publish(alert: StreamAlert(kind: .upstreamStale, org: "us", since: Self.t, message: "connector: no heartbeat"))
                h.hub.publish(alert: StreamAlert(kind: .upstreamStale, org: "us", since: Self.t, message: "views: stale"))
                h.hub.publish(alert: StreamAlert(kind: .upstreamRecovered, org: "us", since: Self.t + 1, message: "back"))
                h.hub.publish(alert: StreamAlert(kind: .upstreamRecovered, org: "us", since: Self.t + 2, message: "back again"))
                probe.send(#"{"op":"ping","id":"fence"}"#)
                _ = try await probe.next(type: "pong")
                let alerts = probe.all.filter { $0.contains(#""type":"alert""#) }
                #expect(alerts.count == 2, "\(alerts)")
                #expect(alerts.first?.contains("connector: no heartbeat") == true)
                #expect(alerts.last?.contains("upstream-recovered") == true)
                // A board opened after the recovery gets no alert at all.
                let late = WSProbe()
                tg.addTask { await late.run(port: h.port, token: "t-global") }
                late.send(#"{"op":"subscribe","topic":"org:us"}"#)
                _ = try await late.next(type: "snapshot")
                late.send(#"{"op":"ping","id":"fence"}"#)
                _ = try await late.next(type: "pong")
                #expect(!late.all.contains { $0.contains(#""type":"alert""#) }, "\(late.all)")
                probe.stop()
                late.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func aRefusedReloadIsInForceUntilTheNextGoodOneAndAdminsReadTheHistory() async throws {
        let auth = HubHarness.auth([("dash", "t-global", [.global]), ("admin", "t-admin", [.admin, .global])])
        try await HubHarness.run(auth: auth) { h in
            h.hub.publish(alert: StreamAlert(kind: .configRejected, org: nil, since: Self.t, message: "orgs.yaml:3:1: bad"))
            let admin = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await admin.run(port: h.port, token: "t-admin") }
                // An admin who subscribes while the refusal holds is told.
                admin.send(#"{"op":"subscribe","topic":"global"}"#)
                _ = try await admin.next(type: "snapshot")
                #expect(try await admin.next(type: "alert")["kind"] as? String == "config-rejected")
                h.hub.publish(alert: StreamAlert(kind: .configAccepted, org: nil, since: Self.t + 1, message: "fixed"))
                #expect(try await admin.next(type: "alert")["kind"] as? String == "config-accepted")
                // …and one who subscribes after the fix is not.
                let later = WSProbe()
                tg.addTask { await later.run(port: h.port, token: "t-admin") }
                later.send(#"{"op":"subscribe","topic":"global"}"#)
                _ = try await later.next(type: "snapshot")
                later.send(#"{"op":"ping","id":"fence"}"#)
                _ = try await later.next(type: "pong")
                #expect(!later.all.contains { $0.contains("config-rejected") })
                admin.stop()
                later.stop()
                tg.cancelAll()
            }
            // The history endpoint: admins only.
            func get(_ token: String?) async throws -> (UInt, [String: Any]) {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(h.port)/v1/alerts")
                if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1 << 20)
                return (response.status.code, (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:])
            }
            #expect(try await get(nil).0 == 401)
            #expect(try await get("t-global").0 == 403)
            let (status, log) = try await get("t-admin")
            #expect(status == 200)
            #expect((log["active"] as? [Any])?.isEmpty == true)
            #expect((log["history"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } == ["config-rejected", "config-accepted"])
        }
    }

    /// The seed event stream's callback mismatch holds a slot of its own too: beside the token's and the connection's
    /// alerts, once per episode, left by `upstream-recovered`, ended only by `eventstream-callback-matched`.
    @Test func aCallbackMismatchIsHeldApartUntilMatched() async throws {
        try await HubHarness.run(auth: HubHarness.auth([("dash", "t-global", [.global])])) { h in
            h.hub.publish(alert: StreamAlert(kind: .eventStreamCallbackMatched, org: "us", since: Self.t, message: "nothing in force"))
            h.hub.publish(alert: StreamAlert(kind: .eventStreamCallbackMismatch, org: "us", since: Self.t + 1, message: "mismatch"))
            h.hub.publish(alert: StreamAlert(kind: .eventStreamCallbackMismatch, org: "us", since: Self.t + 2, message: "again"))
            h.hub.publish(alert: StreamAlert(kind: .tokenRenewalFailed, org: "us", since: Self.t + 3, message: "token"))
            h.hub.publish(alert: StreamAlert(kind: .upstreamDisconnected, org: "us", since: Self.t + 4, message: "down"))
            h.hub.publish(alert: StreamAlert(kind: .upstreamRecovered, org: "us", since: Self.t + 5, message: "back"))
            #expect(h.hub.alertLog().active.map(\.kind) == [.tokenRenewalFailed, .eventStreamCallbackMismatch])
            h.hub.publish(alert: StreamAlert(kind: .eventStreamCallbackMatched, org: "us", since: Self.t + 6, message: "matched"))
            #expect(h.hub.alertLog().active.map(\.kind) == [.tokenRenewalFailed])
            #expect(h.hub.alertLog().history.map(\.message) == ["mismatch", "token", "down", "back", "matched"])
        }
    }

    /// A failing token renewal holds a slot of its own beside the connection's alert: both are in force and
    /// replayed, `upstream-recovered` leaves it, only `token-renewed` ends it, and a `token-renewed` with nothing in
    /// force (a connector's first token) is not delivered.
    @Test func aFailingTokenRenewalIsHeldApartUntilTokenRenewed() async throws {
        let auth = HubHarness.auth([("dash", "t-global", [.global])])
        try await HubHarness.run(auth: auth) { h in
            h.hub.publish(alert: StreamAlert(kind: .tokenRenewed, org: "us", since: Self.t, message: "first token"))
            h.hub.publish(alert: StreamAlert(kind: .tokenRenewalFailed, org: "us", since: Self.t + 1, message: "token renewal failing"))
            h.hub.publish(alert: StreamAlert(kind: .tokenRenewalFailed, org: "us", since: Self.t + 2, message: "again"))
            h.hub.publish(alert: StreamAlert(kind: .authFailed, org: "us", since: Self.t + 3, message: "no usable token"))
            #expect(h.hub.alertLog().active.map(\.kind) == [.authFailed, .tokenRenewalFailed])
            // A board opened now is told both, after its snapshot.
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"org:us"}"#)
                _ = try await probe.next(type: "snapshot")
                #expect(try await probe.next(type: "alert")["kind"] as? String == "auth-failed")
                #expect(try await probe.next(type: "alert")["kind"] as? String == "token-renewal-failed")
                h.hub.publish(alert: StreamAlert(kind: .upstreamRecovered, org: "us", since: Self.t + 4, message: "back"))
                #expect(try await probe.next(type: "alert")["kind"] as? String == "upstream-recovered")
                #expect(h.hub.alertLog().active.map(\.kind) == [.tokenRenewalFailed])
                h.hub.publish(alert: StreamAlert(kind: .tokenRenewed, org: "us", since: Self.t + 5, message: "renewed"))
                h.hub.publish(alert: StreamAlert(kind: .tokenRenewed, org: "us", since: Self.t + 6, message: "renewed again"))
                #expect(try await probe.next(type: "alert")["message"] as? String == "renewed")
                probe.send(#"{"op":"ping","id":"fence"}"#)
                _ = try await probe.next(type: "pong")
                let alerts = probe.all.filter { $0.contains(#""type":"alert""#) }
                #expect(alerts.count == 4, "\(alerts)")
                #expect(h.hub.alertLog().active.isEmpty)
                #expect(h.hub.alertLog().history.map(\.message) == ["token renewal failing", "no usable token", "back", "renewed"])
                probe.stop()
                tg.cancelAll()
            }
        }
    }
}
