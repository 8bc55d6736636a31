import Foundation
import PostgresTestSupport
import ServiceLifecycle
import Simulator
import SwitchboardCore
import Synchronization
import Testing

/// The family global totals in a cluster (docs/scale-out.md, "The global topics"), end to end: two `switchboard run`
/// processes on a throw-away PostgreSQL server, the simulator with journeys and real-time transcription in two orgs,
/// each replica leading one. On every replica, `journeys:global` and `speechtext:global` show global totals equal
/// to the sum of the orgs listed beside them (every org's, whichever replica leads it); and still so on the
/// survivor once the other replica stopped and it leads both.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ClusterFamilyTotalsEndToEndTests {
    /// ClusterEndToEndTests' token: its `/readyz` helpers are used here too.
    static let token = ClusterEndToEndTests.token
    static let speed = 10.0
    static let orgs = ["us", "emea"]

    @Test func everyReplicasFamilyGlobalTotalsAreTheSumOfEveryOrg() async throws {
        let options = Self.simulatorOptions(seed: 33, customersPerHour: 60)
        try await ClusterTestRig.run(options: options, speed: Self.speed, orgs: Self.orgs, token: Self.token,
                                     environment: ["JOURNEY_SALT": "cluster-family-journey-salt-0123"],
                                     prefix: "sb-cluster-family") { [options] rig in
            var replicas: [ClusterEndToEndTests.Replica] = []
            for name in ["r1", "r2"] {
                replicas.append(try await rig.start(name, config: Self.config(replica: name, rig: rig, options: options)))
            }
            let all = replicas
            defer { for r in all where r.process.isRunning { r.process.kill9Now() } }

            let spread = await eventually("each replica leads one org", seconds: 60) {
                guard let leaders = await ClusterEndToEndTests.leaders(all) else { return false }
                return Set(leaders.keys) == Set(Self.orgs) && Set(leaders.values).count == 2
            }
            let seen = await ClusterEndToEndTests.leaders(all) ?? [:]
            #expect(spread, "\(seen)")
            let started = ContinuousClock.now
            for r in all {
                for topic in ["journeys:global", "speechtext:global"] {
                    await Self.expectSums(r, topic, within: 90)
                    print("cluster family totals: \(r.name) \(topic) true \(ContinuousClock.now - started) after the spread")
                }
            }

            // r2 stops: r1 leads both orgs, and counts both with its own views.
            let (r1, r2) = (all[0], all[1])
            #expect(await r2.process.terminate() == 0, "\(r2.process.stderr.suffix(2000))")
            #expect(await eventually("r1 leads both orgs", seconds: 30) {
                (await ClusterEndToEndTests.leaders([r1])).map { Set($0.keys) == Set(Self.orgs) } ?? false
            })
            let alone = ContinuousClock.now
            for topic in ["journeys:global", "speechtext:global"] { await Self.expectSums(r1, topic, within: 60) }
            print("cluster family totals: r1 alone true \(ContinuousClock.now - alone) after r2 stopped")
            #expect(await r1.process.terminate() == 0, "\(r1.process.stderr.suffix(2000))")
        }
    }

    /// EventBridge on any replica (docs/scale-out.md): `emea` watches no queue of its directory, so its journeys come
    /// from EventBridge alone, and the simulator pushes them to the replica that does *not* lead `emea`. That replica
    /// stores each delivery before its `202`; the leader reads it from the shared store and publishes the journeys:
    /// both replicas show `emea`'s journeys (without the leader's catch-up, none would show anywhere).
    @Test func eventBridgeDeliveriesToAReplicaNotLeadingTheOrgReachItsLeader() async throws {
        let options = Self.simulatorOptions(seed: 34, customersPerHour: 120)
        let key = "cluster-eventbridge-key-0123456789"
        try await ClusterTestRig.run(options: options, speed: Self.speed, orgs: Self.orgs, token: Self.token,
                                     environment: ["JOURNEY_SALT": "cluster-family-journey-salt-0123", "EB_KEY": key],
                                     prefix: "sb-cluster-eventbridge") { [options] rig in
            var replicas: [ClusterEndToEndTests.Replica] = []
            for name in ["r1", "r2"] {
                replicas.append(try await rig.start(name, config: Self.config(replica: name, rig: rig, options: options,
                                                                              eventBridgeOnly: "emea")))
            }
            let all = replicas
            defer { for r in all where r.process.isRunning { r.process.kill9Now() } }
            let spread = await Self.spread(all)
            #expect(spread)
            let leaders = try #require(await ClusterEndToEndTests.leaders(all))
            let other = try #require(all.first { $0.name != leaders["emea"] })
            rig.simulator.setEventBridgeTarget(SimEventBridgeOptions(url: "\(other.base)/v1/ingest/eventbridge",
                                                                     apiKeys: ["emea": key], batch: 5))
            for r in all {
                let base = r.base
                let ok = await eventually("\(r.name) shows emea's EventBridge journeys", seconds: 60) {
                    await Self.journeyCount(base, org: "emea") >= 3
                }
                let count = await Self.journeyCount(base, org: "emea")
                #expect(ok, "\(r.name): \(count) journeys — \(String(describing: rig.simulator.eventBridgeStats(org: "emea")))")
            }
            let stats = try #require(rig.simulator.eventBridgeStats(org: "emea"))
            #expect(stats.sent > 0 && stats.refused == 0, "\(stats)")
            for r in all { #expect(await r.process.terminate() == 0, "\(r.name): \(r.process.stderr.suffix(2000))") }
        }
    }

    /// Two orgs of six agents, journeys with a one-minute session timeout and idle grace (here and in the bridge's
    /// sections): journeys close within seconds, so every org soon has closed ones.
    static func simulatorOptions(seed: UInt64, customersPerHour: Double) -> SimulatorOptions {
        var options = SimulatorOptions()
        options.orgCount = 2
        options.agentsPerOrg = 6
        options.port = 0
        options.seed = seed
        options.heartbeatInterval = .milliseconds(500)
        options.demoLoad = true
        var journeys = SimJourneyOptions()
        journeys.customersPerHour = customersPerHour
        journeys.sessionTimeout = 60_000
        journeys.idleGrace = 60_000
        options.journeys = journeys
        return options
    }

    /// Waits until each replica of `replicas` leads one org.
    static func spread(_ replicas: [ClusterEndToEndTests.Replica]) async -> Bool {
        await eventually("each replica leads one org", seconds: 60) {
            guard let leaders = await ClusterEndToEndTests.leaders(replicas) else { return false }
            return Set(leaders.keys) == Set(orgs) && Set(leaders.values).count == replicas.count
        }
    }

    /// How many journeys `journeys:<org>` lists on the replica at `base` (0 when it cannot be read).
    static func journeyCount(_ base: String, org: String) async -> Int {
        guard let snapshot = try? await DemoFixture.json("\(base)/v1/views/journeys:\(org)", token: token),
              let data = snapshot["data"] as? [String: Any] else { return 0 }
        return (data["journeys"] as? [[String: Any]] ?? []).count
    }

    /// Expects, within `seconds`, a snapshot of `topic` on `r` whose global totals equal the sum of its orgs, with
    /// something of every org in it (so an org left out of the sum would show).
    static func expectSums(_ r: ClusterEndToEndTests.Replica, _ topic: String, within seconds: Double) async {
        let last = LastSeen()
        let ok = await eventually("\(r.name) \(topic): global totals = Σ orgs", seconds: seconds) {
            guard let snapshot = try? await DemoFixture.json("\(r.base)/v1/views/\(topic)", token: token) else { return false }
            let problems = sumProblems(snapshot, topic: topic)
            last.set(problems)
            return problems.isEmpty
        }
        #expect(ok, "\(r.name) \(topic): \(last.value)")
    }

    /// What keeps `snapshot`'s global totals from being the sum of its orgs (empty: nothing).
    static func sumProblems(_ snapshot: [String: Any], topic: String) -> [String] {
        guard let data = snapshot["data"] as? [String: Any] else { return ["no data"] }
        let orgs = (data["orgs"] as? [[String: Any]]) ?? []
        // `totals` is a singleton kind: the topic's one entity, not a list.
        guard let global = data["totals"] as? [String: Any], global["id"] as? String == "global" else {
            return ["no global totals"]
        }
        // The figures compared: the journeys' open and closed; the speech-text calls and keyword hits of the day.
        let figures: [(String, ([String: Any]) -> Int)] = topic.hasPrefix("journeys")
            ? [("active", { $0["active"] as? Int ?? 0 }), ("closed", { $0["closed"] as? Int ?? 0 })]
            : [("calls", { $0["calls"] as? Int ?? 0 }),
               ("hits.today", { ($0["hits"] as? [String: Any])?["today"] as? Int ?? 0 })]
        var out: [String] = []
        let ids = Set(orgs.compactMap { $0["id"] as? String })
        if ids != Set(Self.orgs) { out.append("orgs listed: \(ids.sorted())") }
        for (name, value) in figures {
            let parts = orgs.map(value)
            if parts.contains(0) { out.append("\(name): an org has none yet \(parts)") }
            if parts.reduce(0, +) != value(global) { out.append("\(name): global \(value(global)) vs Σ \(parts)") }
        }
        return out
    }

    /// `eventBridgeOnly`: that org watches no queue of its directory (a listed id it does not hold) and accepts
    /// EventBridge deliveries with `${EB_KEY}`, so its journeys come from EventBridge alone.
    static func config(replica: String, rig: ClusterTestRig, options: SimulatorOptions, eventBridgeOnly: String? = nil) -> String {
        var yaml = rig.head(replica: replica, extra: "server:\n  refreshInterval: 1s\njourneys:\n  salt: ${JOURNEY_SALT}\n")
        let keywords = SimTranscriptCorpus.keywordPhrases.enumerated()
            .map { "        - phrase: \($0.element)\n          label: k\($0.offset)" }.joined(separator: "\n")
        for org in orgs {
            yaml += rig.org(org, options: options) + """
                    speechText:
                      transcription: true
                      keywords:
                \(keywords)
                    journeys:
                      defaultCountry: \(GenesysSimulator.locale(of: org).country)
                      sessionTimeout: 1m
                      idleGrace: 1m

                """
            if org == eventBridgeOnly {
                yaml += """
                          eventBridge:
                            apiKey: ${EB_KEY}
                        queues: [00000000-0000-4000-8000-000000000000]

                    """
            }
        }
        return yaml
    }
}

/// The problems an `eventually` saw last (for its failure message).
final class LastSeen: Sendable {
    private let box = Mutex<[String]>([])
    func set(_ v: [String]) { box.withLock { $0 = v } }
    var value: [String] { box.withLock { $0 } }
}
