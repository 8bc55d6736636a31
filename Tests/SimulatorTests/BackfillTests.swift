import Foundation
import Simulator
import SwitchboardCore
import Testing

/// The demo's simulated history (`GenesysSimulator.backfill`): deterministic, from the org's directory,
/// adding up as the views add up, and shaped like the simulator's business day.
@Suite struct BackfillTests {
    /// 2026-05-06T00:00:00-04:00, local midnight in New York.
    static let usMidnight: EpochMillis = 1_778_040_000_000
    static let day: EpochMillis = 86_400_000

    static func simulator(seed: UInt64 = 5, agents: Int = 60) -> GenesysSimulator {
        var options = SimulatorOptions()
        options.orgCount = 2
        options.agentsPerOrg = agents
        options.seed = seed
        options.port = 0
        return GenesysSimulator(options: options, clock: ScaledClock(origin: usMidnight + 2 * day + 10 * 3_600_000))
    }

    @Test func theSameSeedGivesTheSameHistoryAndEveryBucketOfTheRange() throws {
        let a = try #require(Self.simulator().backfill(org: "us", from: Self.usMidnight, to: Self.usMidnight + Self.day))
        let b = try #require(Self.simulator().backfill(org: "us", from: Self.usMidnight, to: Self.usMidnight + Self.day))
        #expect(a == b)
        #expect(a.count == 96)
        #expect(a.map(\.start) == (0..<96).map { Self.usMidnight + Int64($0) * Bucket.widthMs })
        #expect(a.allSatisfy { $0.org == "us" })
        // asked for piecewise, the same buckets (nothing depends on the order they are asked for in)
        let firstHalf = try #require(Self.simulator().backfill(org: "us", from: Self.usMidnight, to: Self.usMidnight + Self.day / 2))
        #expect(Array(a.prefix(48)) == firstHalf)
        let other = try #require(Self.simulator(seed: 6).backfill(org: "us", from: Self.usMidnight, to: Self.usMidnight + Self.day))
        #expect(other != a)
        #expect(Self.simulator().backfill(org: "nowhere", from: 0, to: Self.day) == nil)
    }

    @Test func bucketsAddUpAsTheViewsAddUpOverTheOrgsOwnAgentsAndQueues() async throws {
        let sim = Self.simulator()
        let truth = try #require(await sim.truth(org: "us"))
        let agents = Set(truth.agents.map(\.id))
        let queues = Set(truth.queues.map(\.id))
        let buckets = try #require(sim.backfill(org: "us", from: Self.usMidnight, to: Self.usMidnight + Self.day))
        for b in buckets {
            #expect(Set(b.agents.keys).isSubset(of: agents))
            #expect(Set(b.queues.keys).isSubset(of: queues))
            // about three quarters of the agents have productive time in a bucket
            #expect((30...60).contains(b.agents.count), "\(b.agents.count) of 60 agents in \(b.start)")
            #expect(b.total.handlingMs == b.agents.values.reduce(0) { $0 + $1.handlingMs })
            #expect(b.total.productiveMs == b.agents.values.reduce(0) { $0 + $1.productiveMs })
            for s in b.agents.values {
                #expect(s.productiveMs > 0 && s.productiveMs <= Bucket.widthMs && s.handlingMs <= s.productiveMs)
            }
            // every agent is in at least one queue: the queues hold at least the org's time
            #expect(b.queues.values.reduce(0) { $0 + $1.productiveMs } >= b.total.productiveMs)
        }
    }

    @Test func theHistoryFollowsTheBusinessDayOfTheOrgsTimeZone() throws {
        let buckets = try #require(Self.simulator().backfill(org: "us", from: Self.usMidnight, to: Self.usMidnight + Self.day))
        func occupancy(_ hours: Range<Int>) -> Double {
            let picked = buckets.filter { hours.contains(Int(($0.start - Self.usMidnight) / 3_600_000)) }
            let h = picked.reduce(0) { $0 + $1.total.handlingMs }, p = picked.reduce(0) { $0 + $1.total.productiveMs }
            return Double(h) / Double(p)
        }
        let night = occupancy(1..<6), day = occupancy(10..<16), evening = occupancy(21..<24)
        #expect((0.35...0.6).contains(night), "night \(night)")
        #expect((0.75...0.97).contains(day), "day \(day)")
        #expect(day > night + 0.25 && day > evening + 0.2, "night \(night), day \(day), evening \(evening)")
        for b in buckets { #expect((0.2...0.97).contains(b.total.occupancy ?? 0), "\(b.start): \(b.total)") }
    }
}
