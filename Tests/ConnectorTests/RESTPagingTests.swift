import AsyncHTTPClient
@testable import Connector
import Foundation
import GenesysAPI
import Logging
import Normalizer
import Simulator
import SwitchboardCore
import Testing

/// The REST client's pagers against listings shaped as the platform's: the queue-members listing has
/// no `pageCount`, the users details query pages over users with `totalHits`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RESTPagingTests {
    static func withRest(agents: Int, _ body: (GenesysSimulator, GenesysRESTClient) async throws -> Void) async throws {
        let clock = ManualClock(testBusinessHours)
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 9)
        options.agentsPerOrg = agents
        options.queuesPerOrg = 1
        options.startAt = .init(hour: 7, minute: 0)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            let port = await sim.waitUntilListening()
            let base = "http://127.0.0.1:\(port)"
            let logger = Logger(label: "test.rest")
            let token = try await OAuthClient(http: HTTPClient.shared, loginBase: base, clientID: SimulatorOptions.clientID(for: "us"),
                                              clientSecret: Secret(SimulatorOptions.clientSecret(for: "us")),
                                              timeout: .seconds(5), logger: logger).fetchToken()
            try await body(sim, GenesysRESTClient(http: HTTPClient.shared, apiBase: base, tokens: FixedToken(token: token),
                                                  logger: logger))
            group.cancelAll()
        }
    }

    @Test func queueMembersPagerEndsWithoutPageCount() async throws {
        try await Self.withRest(agents: 9) { sim, rest in
            let truth = try #require(await sim.truth(org: "us"))
            let queue = try #require(truth.queues.first)
            #expect(queue.memberCount == 9)
            // The listing really has no pageCount (nor total, nor lastUri), as on the platform.
            let first = try #require(try await rest.queueMembersPages(queue: queue.id, pageSize: 9).first)
            let listing = try #require(try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])
            #expect(listing["pageCount"] == nil && listing["total"] == nil && listing["lastUri"] == nil)
            // 9 members: pages of 4 end on the short third page; pages of 3 on the empty fourth; one page of 9
            // on the empty second. Every member exactly once, in order.
            for (size, requests) in [(4, 3), (3, 4), (9, 2), (10, 1)] {
                let pages = try await rest.queueMembersPages(queue: queue.id, pageSize: size)
                #expect(pages.count == requests, "pageSize \(size)")
                let ids = pages.flatMap(\.ids)
                #expect(ids.count == 9 && Set(ids).count == 9, "pageSize \(size): \(ids.count) ids")
            }
        }
    }

    /// The users listing in pages of 500 (its maximum): 1,203 users in 3 requests, each user once; a platform that
    /// refuses the size (the simulator answers 400 above 500, as for any size it does not allow) is asked again at
    /// the usual 100 instead of failing the re-sync.
    @Test func usersListingInLargePagesFallsBackWhenRefused() async throws {
        try await Self.withRest(agents: 1203) { sim, rest in
            let truth = try #require(await sim.truth(org: "us"))
            let pages = try await rest.usersPages()
            #expect(GenesysRESTClient.usersPageSize == 500)
            #expect(pages.count == 3)
            let ids = pages.flatMap(\.ids)
            #expect(ids.count == 1203 && Set(ids) == Set(truth.agents.map(\.id)))
            let refused = try await rest.usersPages(pageSize: 501)
            #expect(refused.count == 13, "the fallback reads pages of 100: \(refused.count)")
            #expect(Set(refused.flatMap(\.ids)) == Set(ids))
            // A size the platform takes is not second-guessed: pages of 250 stay 250.
            #expect(try await rest.usersPages(pageSize: 250).count == 5)
        }
    }

    @Test func usersDetailsPagerReadsEveryUserOnce() async throws {
        try await Self.withRest(agents: 8) { sim, rest in
            let truth = try #require(await sim.truth(org: "us"))
            let users = truth.agents.map(\.id)
            let now = truth.atMillis
            // Pages of 3 over 8 users: 3 requests (3 + 3 + 2); pages of 4: 2 requests (totalHits reached).
            for (size, count) in [(3, 3), (4, 2), (100, 1)] {
                let pages = try await rest.usersDetailsPages(users: users, from: now - 65 * 60_000, to: now, pageSize: size)
                #expect(pages.count == count, "pageSize \(size)")
                let events = pages.flatMap { RESTNormalizer.usersDetails($0, org: "us") }
                let seen = Set(events.compactMap { if case .agentStatus(let s) = $0 { s.agent.platformID } else { nil } })
                #expect(seen == Set(users), "pageSize \(size)")
            }
            // A subset: only those users.
            let some = Array(users.prefix(2))
            let pages = try await rest.usersDetailsPages(users: some, from: now - 65 * 60_000, to: now)
            let seen = Set(pages.flatMap { RESTNormalizer.usersDetails($0, org: "us") }.compactMap {
                if case .agentStatus(let s) = $0 { s.agent.platformID } else { nil }
            })
            #expect(seen == Set(some))
        }
    }

    @Test func historyWindow() {
        let now: EpochMillis = 10_000_000
        let users: Set<String> = ["a", "b"]
        // First time, or other users: the whole 65 minutes.
        #expect(OrgConnector.historyStart(now: now, users: users, last: nil) == now - 65 * 60_000)
        #expect(OrgConnector.historyStart(now: now, users: users, last: HistorySync(at: now - 10_000, users: ["a"]))
            == now - 65 * 60_000)
        // After a previous query: from a minute before it, never more than the whole window.
        #expect(OrgConnector.historyStart(now: now, users: users, last: HistorySync(at: now - 10_000, users: users))
            == now - 70_000)
        #expect(OrgConnector.historyStart(now: now, users: users, last: HistorySync(at: now - 3 * 3_600_000, users: users))
            == now - 65 * 60_000)
    }

    /// A short gap's history reaches back to the previous query; a start, other users or a gap longer than the
    /// window do not (docs/connector.md, "No new baselines after a short gap").
    @Test func historyContinuity() {
        let now: EpochMillis = 10_000_000
        let users: Set<String> = ["a", "b"]
        func reaches(_ last: HistorySync?) -> Bool {
            OrgConnector.historyReachesBack(from: OrgConnector.historyStart(now: now, users: users, last: last),
                                            users: users, last: last)
        }
        #expect(!reaches(nil))
        #expect(reaches(HistorySync(at: now - 30_000, users: users)))
        #expect(reaches(HistorySync(at: now - 64 * 60_000, users: users)))
        #expect(!reaches(HistorySync(at: now - 66 * 60_000, users: users)), "a gap longer than the window loses records")
        #expect(!reaches(HistorySync(at: now - 30_000, users: ["a"])))
    }

    /// Who a re-sync asks for today's totals: only agents without a baseline of today, and only when the history
    /// since that baseline is whole.
    @Test func usersNeedingBaseline() {
        let day: EpochMillis = 1_000_000
        let users = ["a", "b", "c"]
        let known = BaselineSync(dayStart: day, users: ["a", "b"])
        #expect(OrgConnector.usersNeedingBaseline(users, dayStart: day, known: known, historyContinuous: true) == ["c"])
        #expect(OrgConnector.usersNeedingBaseline(users, dayStart: day, known: known, historyContinuous: false) == users,
                "a history with a hole needs every baseline again")
        #expect(OrgConnector.usersNeedingBaseline(users, dayStart: day + 86_400_000, known: known, historyContinuous: true)
            == users, "a new day needs every baseline")
        #expect(OrgConnector.usersNeedingBaseline(users, dayStart: day, known: nil, historyContinuous: true) == users)
        var next = known
        next.add(["c"], dayStart: day + 86_400_000)
        #expect(next == BaselineSync(dayStart: day + 86_400_000, users: ["c"]), "a new day forgets the previous day's")
    }
}
