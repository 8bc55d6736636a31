import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// `employerInfo.dateHire` on the users directory: served only with `expand=employerInfo`, plausible,
/// deterministic, and the same dates as the truth.
@Suite struct HireDateTests {
    @Test func usersCarryDateHireOnlyWhenExpanded() async throws {
        try await withSimulator({ $0.agentsPerOrg = 120 }) { sim, client in
            let token = try await client.accessToken()
            let truth = try #require(await sim.truth(org: "us"))
            let plain = try await client.request("GET", "/api/v2/users?pageSize=500&expand=presence,routingStatus",
                                                 token: token).json()
            let plainUsers = try #require(plain["entities"] as? [[String: Any]])
            #expect(plainUsers.count == 120)
            #expect(plainUsers.allSatisfy { $0["employerInfo"] == nil })

            let expanded = try await client.request(
                "GET", "/api/v2/users?pageSize=500&expand=presence,routingStatus,employerInfo", token: token).json()
            let users = try #require(expanded["entities"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: truth.agents.map { ($0.id, $0) })
            var dated = 0, without = 0
            let today = try #require(CalendarDay.parse(String(truth.at.prefix(10))))
            for user in users {
                let id = try #require(user["id"] as? String)
                let info = user["employerInfo"] as? [String: Any]
                let hire = info?["dateHire"] as? String
                #expect(hire == byID[id]?.dateHire, "user \(id): directory \(hire ?? "none"), truth \(byID[id]?.dateHire ?? "none")")
                if let hire {
                    dated += 1
                    #expect(hire.count == 10, "dateHire \(hire) is not yyyy-MM-dd")
                    let day = try #require(CalendarDay.parse(hire), "dateHire \(hire) is not a date")
                    #expect((14...(25 * 366)).contains(today - day), "implausible hire date \(hire)")
                    #expect(info?["employeeId"] is String)
                } else {
                    without += 1
                }
            }
            // About 5 % have none, as in real orgs; most have one.
            #expect(without >= 1 && without <= 20, "\(without) of 120 users without a hire date")
            #expect(dated >= 100)

            // `GET /api/v2/users/{id}` honours the same expand.
            let someone = try #require(truth.agents.first { $0.dateHire != nil })
            let one = try await client.request("GET", "/api/v2/users/\(someone.id)?expand=employerInfo", token: token).json()
            #expect((one["employerInfo"] as? [String: Any])?["dateHire"] as? String == someone.dateHire)
            let bare = try await client.request("GET", "/api/v2/users/\(someone.id)", token: token).json()
            #expect(bare["employerInfo"] == nil)
        }
    }

    @Test func hireDatesAreFixedBySeedAndCountedBackFromTheDay() {
        func hires(seed: UInt64, at t0: EpochMillis) -> [String?] {
            let m = OrgModel(org: "us", orgIndex: 0, agentCount: 200, queueCount: 4, seed: seed,
                             timeZone: TimeZone(identifier: "America/New_York")!)
            m.start(at: t0)
            return m.truth().agents.map(\.dateHire)
        }
        let t0 = ModelTests.t0
        let a = hires(seed: 7, at: t0)
        #expect(a == hires(seed: 7, at: t0))
        #expect(a != hires(seed: 8, at: t0))
        // A day later every date is the same tenure back from the new day: one day later.
        let later = hires(seed: 7, at: t0 + 86_400_000)
        for (x, y) in zip(a, later) {
            #expect((x == nil) == (y == nil))
            if let x, let y { #expect(CalendarDay.parse(y)! - CalendarDay.parse(x)! == 1) }
        }
        let missing = a.filter { $0 == nil }.count
        #expect((2...25).contains(missing), "\(missing) of 200 without a hire date")
    }
}
