import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// The workload model driven directly through `advance(to:)`: no sockets, no real time.
@Suite("Workload model")
struct ModelTests {
    static let t0: EpochMillis = 1_790_000_000_000  // 2026-09-21T…Z

    static func model(seed: UInt64 = 7, agents: Int = 40, queues: Int = 3, zone: String = "America/New_York")
        -> OrgModel
    {
        let m = OrgModel(org: "us", orgIndex: 0, agentCount: agents, queueCount: queues, seed: seed,
                         timeZone: TimeZone(identifier: zone)!)
        m.recordAll = true
        return m
    }

    @Test func sameSeedSameEventsAndTruthWhateverTheStepping() {
        let a = Self.model(), b = Self.model()
        a.start(at: Self.t0)
        b.start(at: Self.t0)
        var ea: [SimMessage] = [], eb: [SimMessage] = []
        // a in one-second steps, b in irregular steps: the sequence must not depend on tick boundaries.
        for s in 1...3600 { a.advance(to: Self.t0 + Int64(s) * 1000); ea += a.drain() }
        var t = Self.t0
        while t < Self.t0 + 3_600_000 { t = min(Self.t0 + 3_600_000, t + 137 + (t % 7_919)); b.advance(to: t); eb += b.drain() }
        #expect(ea.count > 500)
        #expect(ea.count == eb.count)
        #expect(zip(ea, eb).allSatisfy { $0.topic == $1.topic && $0.body == $1.body && $0.at == $1.at })
        #expect(a.truth() == b.truth())
        let c = Self.model(seed: 8)
        c.start(at: Self.t0)
        c.advance(to: Self.t0 + 3_600_000)
        #expect(c.truth() != a.truth())
    }

    /// Rebuilds every agent's state history from the emitted `activity` events alone and recomputes
    /// handling and productive time: it must equal the truth.
    @Test func truthEqualsRecomputationFromEmittedEvents() throws {
        let m = Self.model(agents: 30)
        m.start(at: Self.t0)
        let end = Self.t0 + 2 * 3_600_000 + 123_456
        m.advance(to: end)
        let messages = m.drain()
        struct State { var at: EpochMillis; var presence: String; var routing: String }
        var history: [String: [State]] = [:]
        for a in m.agents { history[a.id] = [State(at: Self.t0, presence: "Offline", routing: "OFF_QUEUE")] }
        for msg in messages where msg.topic.hasSuffix(".activity") {
            let body = try #require(try JSONSerialization.jsonObject(with: Data(msg.body)) as? [String: Any])
            let id = try #require(body["id"] as? String)
            let routing = try #require(body["routingStatus"] as? [String: Any])
            let presence = try #require(body["presence"] as? [String: Any])
            let def = try #require(presence["presenceDefinition"] as? [String: Any])
            let at = max(Timestamp.parse(routing["startTime"] as! String)!, Timestamp.parse(presence["modifiedDate"] as! String)!)
            history[id, default: []].append(State(at: at, presence: def["systemPresence"] as! String,
                                                  routing: routing["status"] as! String))
        }
        let truth = m.truth()
        #expect(truth.atMillis == end)
        let dayStart = Timestamp.parse(truth.dayStart)!
        func recompute(_ states: [State], from: EpochMillis) -> (Int64, Int64) {
            var h: Int64 = 0, p: Int64 = 0
            for (i, s) in states.enumerated() {
                let segEnd = i + 1 < states.count ? states[i + 1].at : end
                let lo = max(s.at, from), hi = min(segEnd, end)
                guard hi > lo else { continue }
                let handling = s.routing == "INTERACTING" || s.routing == "COMMUNICATING"
                if handling { h += hi - lo }
                if handling || s.presence == "On Queue" || s.presence == "Available" { p += hi - lo }
            }
            return (h, p)
        }
        var handledSomething = false
        for agent in truth.agents {
            let states = try #require(history[agent.id])
            let today = recompute(states, from: dayStart)
            let r15 = recompute(states, from: end - 15 * 60_000)
            let r60 = recompute(states, from: end - 60 * 60_000)
            #expect(agent.handlingMs == SimTruth.Windows(today: today.0, rolling15m: r15.0, rolling60m: r60.0))
            #expect(agent.productiveMs == SimTruth.Windows(today: today.1, rolling15m: r15.1, rolling60m: r60.1))
            if agent.handlingMs.rolling60m > 0 { handledSomething = true }
        }
        #expect(handledSomething)
        let orgHandling = truth.agents.reduce(0) { $0 + $1.handlingMs.rolling60m }
        #expect(truth.totals.handlingMs.rolling60m == orgHandling)
    }

    @Test func handlingOnlyWhileOnQueueAndStatesAreConsistent() {
        let m = Self.model(agents: 50)
        m.start(at: Self.t0)
        m.advance(to: Self.t0 + 3 * 3_600_000)
        var routings = Set<RoutingStatus>(), presences = Set<Presence>()
        for a in m.agents {
            for s in a.timeline {
                routings.insert(s.routing)
                presences.insert(s.presence)
                if s.routing != .offQueue { #expect(s.presence == .onQueue) }
                if s.presence != .onQueue { #expect(s.routing == .offQueue) }
            }
        }
        #expect(routings == Set(RoutingStatus.allCases))
        #expect(presences.count >= 8)
        for q in m.queues.indices {
            #expect(m.queues[q].onQueueMembers == m.queues[q].members.filter { m.agents[$0].presence == .onQueue }.count)
            #expect(m.queues[q].routingCounts.reduce(0, +) == m.queues[q].members.count)
        }
    }

    @Test func usersAggregatesReproduceTheTruth() throws {
        let m = Self.model(agents: 25)
        m.start(at: Self.t0)
        m.advance(to: Self.t0 + 5 * 3_600_000 + 777)
        let truth = m.truth()
        let dayStart = Timestamp.parse(truth.dayStart)!
        let bytes = m.usersAggregates(from: dayStart, to: dayStart + 86_400_000, granularity: 1_800_000, userIDs: nil,
                                      metrics: ["tAgentRoutingStatus", "tSystemPresence"])
        let j = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let results = try #require(j["results"] as? [[String: Any]])
        var handling: [String: Int64] = [:], productive: [String: Int64] = [:]
        for r in results {
            let id = try #require((r["group"] as? [String: Any])?["userId"] as? String)
            for bucket in try #require(r["data"] as? [[String: Any]]) {
                let interval = try #require(bucket["interval"] as? String)
                let parts = interval.split(separator: "/").map { Timestamp.parse(String($0))! }
                #expect(parts[1] - parts[0] == 1_800_000)
                #expect((parts[0] - dayStart) % 1_800_000 == 0)
                for metric in try #require(bucket["metrics"] as? [[String: Any]]) {
                    let sum = Int64(try #require((metric["stats"] as? [String: Any])?["sum"] as? Int))
                    switch (metric["metric"] as? String, metric["qualifier"] as? String) {
                    case ("tAgentRoutingStatus", "INTERACTING"), ("tAgentRoutingStatus", "COMMUNICATING"):
                        handling[id, default: 0] += sum
                    case ("tSystemPresence", "ON_QUEUE"), ("tSystemPresence", "AVAILABLE"): productive[id, default: 0] += sum
                    default: break
                    }
                }
            }
        }
        for agent in truth.agents {
            #expect(handling[agent.id, default: 0] == agent.handlingMs.today)
            #expect(productive[agent.id, default: 0] == agent.productiveMs.today)
        }
        #expect(truth.totals.handlingMs.today > 0)
    }

    @Test func startAtHistoryIsOnlyInTheAggregates() throws {
        let m = Self.model(agents: 20, zone: "UTC")
        let dayStart = Timestamp.startOfDay(Self.t0, in: TimeZone(identifier: "UTC")!)
        let t0 = dayStart + 10 * 3_600_000  // 10:00 local
        m.start(at: t0, historyFrom: t0 - 2 * 3_600_000)
        #expect(m.drain().isEmpty)
        let truth = m.truth()
        #expect(truth.totals.productiveMs.today > 60 * 60_000)
        #expect(truth.totals.handlingMs.today > 0)
        m.advance(to: t0 + 60_000)
        #expect(m.drain().allSatisfy { $0.at >= t0 })
    }

    @Test func someSnapshotsExceedSixteenKiB() {
        let m = Self.model(agents: 120, queues: 4)
        m.start(at: Self.t0)
        m.advance(to: Self.t0 + 4 * 3_600_000)
        let big = m.drain().filter { $0.topic.hasSuffix(".conversations") && $0.body.count > 16_384 }
        #expect(!big.isEmpty)
    }

    @Test func observationsAtMostOncePerSecondPerGroup() throws {
        let m = Self.model(agents: 60, queues: 2)
        m.start(at: Self.t0)
        m.advance(to: Self.t0 + 1_800_000)
        var last: [String: EpochMillis] = [:]
        for msg in m.drain() where msg.topic.hasSuffix(".observations") {
            let body = try #require(try JSONSerialization.jsonObject(with: Data(msg.body)) as? [String: Any])
            let group = try #require(body["group"] as? [String: String])
            let key = msg.topic + (group["mediaType"] ?? "-")
            if let prev = last[key] { #expect(msg.at - prev >= 1000) }
            last[key] = msg.at
        }
        #expect(last.count == 4)
    }
}
