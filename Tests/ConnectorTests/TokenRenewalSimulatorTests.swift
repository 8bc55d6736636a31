import AsyncHTTPClient
import Connector
import Foundation
import Logging
import Simulator
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

/// Seed 004, edge case 3, against the simulator over loopback: the login host refuses the org's renewals
/// (`token-refresh-fail`) while its token still works. The failure is visible at once (the `token` problem, a
/// `token-renewal-failed` alert, the failure count) and the sockets are left alone; once the fault has run out the
/// next renewal succeeds and everything clears.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TokenRenewalSimulatorTests {
    /// What the connector reports, in order.
    final class Recorder: ConnectorObserver, Sendable {
        struct Values {
            var tokenFailures = 0
            var tokensIssued = 0
            var reconnects = 0
            /// The `token` problem each time a status carried a change of it (nil: cleared).
            var tokenProblems: [String?] = []
            var statuses: [OrgStatus] = []
            var alerts: [StreamAlert] = []
        }
        let values = Mutex(Values())

        func tokenRequest(org: OrgID, failed: Bool) {
            values.withLock { if failed { $0.tokenFailures += 1 } else { $0.tokensIssued += 1 } }
        }
        func reconnecting(org: OrgID, reason: String) { values.withLock { $0.reconnects += 1 } }
        func connectorStatus(_ status: ConnectorStatus) {
            values.withLock { v in
                if v.statuses.last != status.status { v.statuses.append(status.status) }
                let problem = status.problems[OrgConnector.tokenProblemFeature]
                if (v.tokenProblems.last ?? nil) != problem { v.tokenProblems.append(problem) }
            }
        }
        func alert(_ a: StreamAlert) { values.withLock { $0.alerts.append(a) } }
        var snapshot: Values { values.withLock { $0 } }
    }

    @Test func aRefusedRenewalIsVisibleLeavesTheSocketsAloneAndClearsOnTheNextSuccess() async throws {
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 23)
        // An 8 s token renewed 2 s ahead: a renewal every 6 s, and 2 s of the old token left when one fails.
        options.tokenLifetime = 8
        let clock = ScaledClock(origin: testBusinessHours, speed: 1)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var org = ConnectorSimulatorTests.orgConfig(sim, options)
            org.tunables.tokenRefreshMargin = .seconds(2)
            let recorder = Recorder()
            let sink = RecordingSink()
            let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: sink, clock: clock, observer: recorder,
                                         options: ConnectorSimulatorTests.fastOptions(), onAlert: { recorder.alert($0) })
            group.addTask { try await connector.run() }
            #expect(await eventually("open") { await sink.last == .open })
            #expect(await eventually("a live socket") { await sim.liveSockets(org: "us") > 0 })
            let before = recorder.snapshot
            #expect(before.tokensIssued >= 1)
            #expect(before.tokenFailures == 0)

            // The secret was rotated on the platform: the next three token requests get 401 invalid_client.
            await sim.inject(.tokenRefreshFail(count: 3, status: 401), org: "us")
            #expect(await eventually("the token problem raised") { recorder.snapshot.tokenProblems.contains { $0 != nil } })
            let raised = try #require(recorder.snapshot.tokenProblems.compactMap { $0 }.first)
            #expect(raised.hasPrefix("token: renewal failing (1 failed attempt; last: genesys.auth-failed, HTTP 401)"),
                    "\(raised)")
            #expect(raised.contains("the current token still lasts"), "\(raised)")
            #expect(raised.contains("clientId and clientSecret"), "\(raised)")
            #expect(!raised.contains(SimulatorOptions.clientSecret(for: "us")))
            #expect(recorder.snapshot.alerts.contains { $0.kind == .tokenRenewalFailed && $0.org == "us" })

            // The fault runs out: the fourth request gets a token, and everything clears.
            // (The connector's first token already sent one: it ends an alert a predecessor may have left.)
            #expect(before.alerts.map(\.kind) == [.tokenRenewed])
            #expect(await eventually("the token-renewed alert") {
                recorder.snapshot.alerts.dropFirst(before.alerts.count).contains { $0.kind == .tokenRenewed }
            })
            let after = recorder.snapshot
            #expect(after.tokenFailures == 3)
            #expect(after.tokenProblems.last == .some(nil), "\(after.tokenProblems)")
            #expect(connector.status.problems[OrgConnector.tokenProblemFeature] == nil)
            let kinds = after.alerts.dropFirst(before.alerts.count).map(\.kind)
            #expect(kinds == [.tokenRenewalFailed, .tokenRenewed], "one alert per episode, not per retry: \(kinds)")
            #expect(!kinds.contains(.authFailed) && !kinds.contains(.upstreamDisconnected), "\(kinds)")
            // The sockets were left alone: no reconnect, no status change, still open.
            #expect(after.reconnects == before.reconnects)
            #expect(after.statuses.last == .open)
            #expect(await sink.last == .open)
            #expect(connector.status.status == .open)
            #expect(await sim.liveSockets(org: "us") > 0)
            let log = await sim.faultLog()
            #expect(log.last?.kind == "token-refresh-fail" && log.last?.status == 401 && log.last?.count == 3)
            group.cancelAll()
        }
    }

    /// The renewals keep failing until the old token runs out: at that moment (not at the next attempt) the hard path
    /// applies — `disconnected`, `auth-failed`, the problem says no usable token is left — while the socket is still
    /// up. When the login host answers again, the status comes back (`open`, `upstream-recovered`), and the problem
    /// and the alerts clear, without a reconnect.
    @Test func aTokenThatRunsOutWhileRenewalsFailTurnsHardAndRecoversInPlace() async throws {
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 29)
        // A 4 s token renewed 1 s ahead: 1 s of the old token left when the renewal begins to fail.
        options.tokenLifetime = 4
        let clock = ScaledClock(origin: testBusinessHours, speed: 1)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var org = ConnectorSimulatorTests.orgConfig(sim, options)
            org.tunables.tokenRefreshMargin = .seconds(1)
            let recorder = Recorder()
            let sink = RecordingSink()
            let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: sink, clock: clock, observer: recorder,
                                         options: ConnectorSimulatorTests.fastOptions(), onAlert: { recorder.alert($0) })
            group.addTask { try await connector.run() }
            #expect(await eventually("open") { await sink.last == .open })
            #expect(await eventually("a live socket") { await sim.liveSockets(org: "us") > 0 })
            let before = recorder.snapshot

            await sim.inject(.tokenRefreshFail(count: 1000, status: 503), org: "us")
            #expect(await eventually("no usable token: disconnected") { connector.status.status == .disconnected })
            let hard = connector.status
            #expect(hard.detail?.hasPrefix("no usable token: genesys.server-error, HTTP 503") == true, "\(hard.detail ?? "-")")
            #expect(hard.problems[OrgConnector.tokenProblemFeature]?.hasPrefix("token: no usable token (") == true,
                    "\(hard.problems)")
            // The views are told too (org card, upstream alert), then the alert is raised.
            #expect(await eventually("disconnected in the sink") { await sink.last == .disconnected })
            #expect(await eventually("auth-failed") { recorder.snapshot.alerts.contains { $0.kind == .authFailed } })
            #expect(await sim.liveSockets(org: "us") > 0)

            await sim.inject(.tokenRefreshFail(count: 0, status: 503), org: "us")
            #expect(await eventually("open again") { connector.status.status == .open })
            #expect(await eventually("the token-renewed alert") {
                recorder.snapshot.alerts.dropFirst(before.alerts.count).contains { $0.kind == .tokenRenewed }
            })
            let after = recorder.snapshot
            let kinds = after.alerts.dropFirst(before.alerts.count).map(\.kind)
            #expect(kinds == [.tokenRenewalFailed, .authFailed, .upstreamRecovered, .tokenRenewed], "\(kinds)")
            #expect(connector.status.problems[OrgConnector.tokenProblemFeature] == nil)
            #expect(await sink.last == .open)
            #expect(after.reconnects == before.reconnects)
            #expect(await sim.liveSockets(org: "us") > 0)
            group.cancelAll()
        }
    }
}
