import AsyncHTTPClient
import Foundation
import GenesysAPI
import Logging
import Normalizer
import Simulator
import SwitchboardCore
import Testing

/// A fixed token fetched once from the simulator.
struct FixedToken: AccessTokenProvider {
    let token: AccessToken
    func accessToken() async throws -> AccessToken { token }
    func tokenRejected(_ token: AccessToken) async throws -> AccessToken { token }
}

/// Drill-down into one agent's interval: paging stops on a short page, the pagination cap splits the
/// interval, and the conversations add up to the interval's aggregate.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct UtilizationDrillDownTests {
    @Test func detailsPageSplitAndAddUpToTheInterval() async throws {
        let clock = ManualClock(Timestamp.parse("2026-05-07T14:10:00.000Z")!)
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 5)
        options.agentsPerOrg = 4
        options.startAt = .init(hour: 8, minute: 0)
        options.detailsResultCap = 3
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            let port = await sim.waitUntilListening()
            let base = "http://127.0.0.1:\(port)"
            let logger = Logger(label: "test.rest")
            let token = try await OAuthClient(http: HTTPClient.shared, loginBase: base, clientID: SimulatorOptions.clientID(for: "us"),
                                              clientSecret: Secret(SimulatorOptions.clientSecret(for: "us")),
                                              timeout: .seconds(5), logger: logger).fetchToken()
            let rest = GenesysRESTClient(http: HTTPClient.shared, apiBase: base, tokens: FixedToken(token: token), logger: logger)
            let truth = try #require(await sim.truth(org: "us"))
            // The busiest closed interval of any agent: more conversations than the cap, so it must split.
            let candidates = truth.utilization.flatMap { a in a.intervals.map { (a.agentId, $0) } }
                .filter { $0.1.startMillis + 30 * 60_000 <= truth.atMillis }
            let (agent, interval) = try #require(candidates.max { $0.1.handleCount < $1.1.handleCount })
            #expect(interval.handleCount > options.detailsResultCap, "need an interval above the cap")
            let pages = try await rest.conversationDetailsPages(userID: agent, from: interval.startMillis,
                                                                to: interval.startMillis + 30 * 60_000, pageSize: 2)
            let details = try RESTNormalizer.conversationDetails(pages, userID: agent).get()
            #expect(details.count == interval.handleCount)
            #expect(Set(details.map(\.conversationID)).count == details.count, "no conversation twice")
            #expect(details.reduce(0) { $0 + $1.handleMs } == interval.handleMs)
            #expect(details.reduce(0) { $0 + $1.acwMs } == interval.acwMs)
            #expect(details.reduce(0) { $0 + $1.heldMs } == interval.heldMs)
            // Without a cap problem, one short page ends the paging.
            let all = try await rest.conversationDetailsPages(userID: agent, from: interval.startMillis,
                                                              to: interval.startMillis + 30 * 60_000, pageSize: 100)
            #expect(all.count == 1 || interval.handleCount > options.detailsResultCap)
            group.cancelAll()
        }
    }
}
