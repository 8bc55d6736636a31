import Foundation
import HummingbirdWSClient
import Logging
import PostgresTestSupport
import ServiceLifecycle
import Simulator
import SwitchboardCore
import Synchronization
import Testing

/// Scale-out (docs/scale-out.md), end to end: three `switchboard run` processes on one throw-away PostgreSQL
/// server, the simulator as Genesys Cloud with three orgs. Checked: every org is led by exactly one replica and
/// the simulator never saw two notification sockets of one org at once; orgs spread one per replica; each replica
/// serves every org's figures, true to `/_sim/truth`; a client moved from one replica to another resumes
/// (`recovered`); `kill -9` of the leader of `us` hands it to a survivor, whose clients saw `us` go stale and
/// recover while no other org did; PostgreSQL stopped for 30 s leaves every replica serving, never two connectors
/// of an org, and everything converges once it is back.
@Suite(.serialized) struct ClusterEndToEndTests {
    static let token = "cluster-test-admin-token-0123456789abcdef"
    static let speed = 20.0
    static let orgs = ["us", "emea", "apac"]

    struct Replica {
        let name: String
        let process: RunningProcess
        let base: String
    }

    @Test func threeReplicasLeadEachOrgOnceFailOverResumeAndRideOutTheDatabase() async throws {
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = 12
        options.port = 0
        options.seed = 21
        options.heartbeatInterval = .milliseconds(500)
        options.demoLoad = true
        try await ClusterTestRig.run(options: options, speed: Self.speed, orgs: Self.orgs, token: Self.token,
                                     prefix: "sb-cluster") { [options] rig in
            let (simBase, pg) = (rig.simBase, rig.server)
            var started: [Replica] = []
            for name in ["r1", "r2", "r3"] {
                started.append(try await rig.start(name, config: Self.config(replica: name, rig: rig, options: options)))
            }
            let replicas = started
            defer {
                // SWITCHBOARD_TEST_LOGS=<dir>: each replica's log is kept there (for a failure's post-mortem).
                if let keep = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_LOGS"] {
                    for r in replicas {
                        try? r.process.stderr.write(toFile: "\(keep)/cluster-\(r.name).log", atomically: true, encoding: .utf8)
                    }
                }
                for r in replicas where r.process.isRunning { r.process.kill9Now() }
            }

            // Every org led exactly once, one per replica, and open everywhere.
            let spread = await eventually("each replica leads one org", seconds: 60) {
                guard let leaders = await Self.leaders(replicas) else { return false }
                return Set(leaders.keys) == Set(Self.orgs) && Set(leaders.values).count == 3
            }
            let seen = await Self.leaders(replicas) ?? [:]
            #expect(spread, "\(seen)")
            for r in replicas {
                #expect(await eventually("\(r.name) shows every org open", seconds: 60) { await Self.allOpen(r.base) },
                        "\(r.name): \(r.process.stderr.suffix(3000))")
            }
            // Figures true on every replica, whichever leads.
            for r in replicas {
                for org in Self.orgs {
                    let ok = await eventually("\(r.name) \(org) true", seconds: 60) {
                        (try? await Self.failures(r.base, simBase, org: org))?.isEmpty ?? false
                    }
                    let left = (try? await Self.failures(r.base, simBase, org: org)) ?? []
                    #expect(ok, "\(r.name) \(org): \(left.prefix(3))")
                }
            }
            for r in replicas {
                let ok = await eventually("\(r.name) global totals true", seconds: 60) {
                    (try? await Self.globalFailures(r.base, simBase))?.isEmpty ?? false
                }
                let left = (try? await Self.globalFailures(r.base, simBase)) ?? []
                #expect(ok, "\(r.name): \(left)")
            }
            let sockets = try await Self.maxOpenSockets(simBase)
            #expect(sockets.values.allSatisfy { $0 == 1 }, "\(sockets)")

            // The same epoch and seq everywhere: a client moved from one replica to another resumes.
            let leaders = try #require(await Self.leaders(replicas))
            let usLeader = try #require(leaders["us"])
            let followers = replicas.filter { $0.name != usLeader }
            let a = StreamProbe(), b = StreamProbe()
            let probeA = Task { await a.run(url: Self.streamURL(followers[0].base)) }
            a.send(#"{"op":"subscribe","topic":"org:us"}"#)
            #expect(await eventually("deltas of org:us on \(followers[0].name)", seconds: 30) { a.received(type: "delta").count >= 3 })
            let last = try #require(a.received(type: "delta").last)
            let epoch = try #require(last["epoch"] as? String), seq = try #require(last["seq"] as? Int)
            a.stop()
            probeA.cancel()
            let probeB = Task { await b.run(url: Self.streamURL(followers[1].base)) }
            b.send(#"{"op":"subscribe","topic":"org:us","since":{"epoch":"\#(epoch)","seq":\#(seq)}}"#)
            #expect(await eventually("resumed on \(followers[1].name)", seconds: 15) { !b.received(type: "recovered").isEmpty },
                    "\(b.messages.withLock { $0.prefix(3) })")
            #expect(b.received(type: "snapshot").isEmpty, "a resume within the history needs no snapshot")
            b.stop()
            probeB.cancel()

            // Settled: no org alert in force anywhere (a hand-over at the start is shown stale until its org opens).
            for r in replicas {
                #expect(await eventually("\(r.name) has no org alert in force", seconds: 30) {
                    guard let json = try? await DemoFixture.json("\(r.base)/v1/alerts", token: Self.token) else { return false }
                    return (json["active"] as? [[String: Any]] ?? []).allSatisfy { $0["org"] == nil }
                })
            }
            // kill -9 the leader of us: a survivor leads it, its clients saw us stale then recovered, nothing else.
            let watchers = followers.map { _ in StreamProbe() }
            let watching = followers.enumerated().map { i, f in Task { await watchers[i].run(url: Self.streamURL(f.base)) } }
            for w in watchers { w.send(#"{"op":"subscribe","topic":"global"}"#) }
            let subscribed = await eventually("watchers subscribed", seconds: 15) {
                watchers.allSatisfy { !$0.received(type: "snapshot").isEmpty }
            }
            #expect(subscribed, "\(watchers.map { $0.events.withLock { $0 } + $0.messages.withLock { $0.prefix(2).map { String($0.prefix(300)) } } })")
            let killed = try #require(replicas.first { $0.name == usLeader })
            let killedAt = ContinuousClock.now
            await killed.process.kill9()
            let survivors = followers
            #expect(await eventually("a survivor leads us", seconds: 30) { (await Self.leaders(survivors))?["us"] != nil })
            let takeover = ContinuousClock.now - killedAt
            #expect(await eventually("us open again everywhere", seconds: 30) {
                for r in survivors where !(await Self.allOpen(r.base)) { return false }
                return true
            })
            print("cluster: kill -9 → us led again and open on every survivor in \(takeover) (leader), \(ContinuousClock.now - killedAt) (open)")
            let recovered = await eventually("us recovered on the watchers", seconds: 30) {
                watchers.allSatisfy { w in w.received(type: "alert").contains { $0["org"] as? String == "us" && $0["kind"] as? String == "upstream-recovered" } }
            }
            #expect(recovered)
            let history = replicas.map { r in "\(r.name): " + Self.leadershipLines(r.process).joined(separator: " | ") }
            for w in watchers {
                let alerts = w.received(type: "alert")
                #expect(alerts.contains { $0["org"] as? String == "us" && $0["kind"] as? String == "upstream-stale" }, "\(alerts)")
                #expect(alerts.contains { $0["org"] as? String == "us" && $0["kind"] as? String == "upstream-recovered" }, "\(alerts)")
                #expect(!alerts.contains { ($0["org"] as? String).map { $0 != "us" } ?? false }, "another org flickered: \(alerts) — \(history)")
                // Recovered only once the new leader says us is open, not when a replica merely holds its lock.
                let recoveries = alerts.filter { $0["org"] as? String == "us" && $0["kind"] as? String == "upstream-recovered" }
                #expect(recoveries.allSatisfy { ($0["message"] as? String)?.contains("open again") ?? false }, "\(recoveries)")
                w.stop()
            }
            for t in watching { t.cancel() }
            for r in survivors {
                let ok = await eventually("\(r.name) us true after the fail-over", seconds: 60) {
                    (try? await Self.failures(r.base, simBase, org: "us"))?.isEmpty ?? false
                }
                let left = (try? await Self.failures(r.base, simBase, org: "us")) ?? []
                #expect(ok, "\(r.name): \(left.prefix(3))")
            }
            for r in survivors {
                let ok = await eventually("\(r.name) global totals true after the fail-over", seconds: 60) {
                    (try? await Self.globalFailures(r.base, simBase))?.isEmpty ?? false
                }
                let left = (try? await Self.globalFailures(r.base, simBase)) ?? []
                #expect(ok, "\(r.name): \(left)")
            }
            let afterFailover = try await Self.maxOpenSockets(simBase)
            #expect(afterFailover.values.allSatisfy { $0 == 1 }, "two connectors of one org at once: \(afterFailover)")

            // PostgreSQL stopped for 30 s: every replica keeps serving; no org ever has two connectors.
            try pg.pause()
            let downUntil = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < downUntil {
                for r in survivors {
                    let (status, _) = try await DemoFixture.get("\(r.base)/v1/views/global", token: Self.token)
                    #expect(status == 200, "\(r.name) stopped serving while the database was down")
                }
                try await Task.sleep(for: .seconds(2))
            }
            try pg.resume()
            let converged = await eventually("every org led once again", seconds: 60) {
                guard let leaders = await Self.leaders(survivors) else { return false }
                return Set(leaders.keys) == Set(Self.orgs)
            }
            let after = await Self.leaders(survivors) ?? [:]
            #expect(converged, "\(after)")
            for r in survivors {
                #expect(await eventually("\(r.name) every org open after the outage", seconds: 60) { await Self.allOpen(r.base) })
                for org in Self.orgs {
                    let ok = await eventually("\(r.name) \(org) true after the outage", seconds: 60) {
                        (try? await Self.failures(r.base, simBase, org: org))?.isEmpty ?? false
                    }
                    let left = (try? await Self.failures(r.base, simBase, org: org)) ?? []
                    let ready = (try? await DemoFixture.json("\(r.base)/readyz", token: Self.token))?["cluster"] ?? "?"
                    let lines = Self.leadershipLines(r.process).suffix(12)
                    #expect(ok, "\(r.name) \(org): \(left.prefix(3)) — \(ready) — \(lines)")
                }
            }
            for r in survivors {
                let ok = await eventually("\(r.name) global totals true after the outage", seconds: 60) {
                    (try? await Self.globalFailures(r.base, simBase))?.isEmpty ?? false
                }
                let left = (try? await Self.globalFailures(r.base, simBase)) ?? []
                #expect(ok, "\(r.name): \(left)")
            }
            let afterOutage = try await Self.maxOpenSockets(simBase)
            #expect(afterOutage.values.allSatisfy { $0 == 1 }, "two connectors of one org at once: \(afterOutage)")

            // A graceful stop hands the orgs over.
            for r in survivors { #expect(await r.process.terminate() == 0, "\(r.name): \(r.process.stderr.suffix(2000))") }
        }
    }

    static func config(replica: String, rig: ClusterTestRig, options: SimulatorOptions) -> String {
        var yaml = rig.head(replica: replica)
        for org in orgs {
            yaml += rig.org(org, options: options) + """
                    tunables:
                      heartbeatTimeout: 5s
                      pingAfterQuiet: 2s

                """
        }
        return yaml
    }

    /// The replica's log lines about leadership and the view stream.
    static func leadershipLines(_ p: RunningProcess) -> [String] {
        p.stderr.split(separator: "\n").filter { $0.contains("leading") || $0.contains("view stream") || $0.contains("history resumed for") }
            .map { String($0.prefix(220)) }
    }

    static func streamURL(_ base: String) -> String {
        base.replacingOccurrences(of: "http://", with: "ws://") + "/v1/stream?access_token=\(token)"
    }

    /// org → the replica leading it, from every replica's `/readyz`; nil when one does not answer or two claim one org.
    static func leaders(_ replicas: [Replica]) async -> [String: String]? {
        var out: [String: String] = [:]
        for r in replicas {
            guard let json = try? await DemoFixture.json("\(r.base)/readyz", token: token),
                  let cluster = json["cluster"] as? [String: Any], let leading = cluster["leading"] as? [[String: Any]]
            else { return nil }
            for l in leading {
                guard let org = l["org"] as? String else { continue }
                if out[org] != nil { return nil }
                out[org] = r.name
            }
        }
        return out
    }

    static func allOpen(_ base: String) async -> Bool {
        guard let json = try? await DemoFixture.json("\(base)/readyz", token: token),
              let orgs = json["orgs"] as? [[String: Any]], orgs.count == Self.orgs.count else { return false }
        return orgs.allSatisfy { $0["status"] as? String == "open" }
    }

    static func maxOpenSockets(_ simBase: String) async throws -> [String: Int] {
        let json = try await DemoFixture.json("\(simBase)/_sim/orgs")
        var out: [String: Int] = [:]
        for o in json["orgs"] as? [[String: Any]] ?? [] {
            if let id = o["id"] as? String { out[id] = (o["maxOpenSockets"] as? NSNumber)?.intValue ?? -1 }
        }
        return out
    }

    /// The global totals (`occupancy` of `global`: Σ of every org, merged on each replica from the leaders' parts)
    /// against Σ of the orgs' truth; empty when within 2 s per agent + 1 %.
    static func globalFailures(_ base: String, _ simBase: String) async throws -> [String] {
        let snapshot = try await DemoFixture.json("\(base)/v1/views/global", token: token)
        let occupancy = try #require((snapshot["data"] as? [String: Any])?["occupancy"] as? [String: Any])
        var want = (h: 0.0, p: 0.0), at: EpochMillis = 0, agents = 0.0
        for org in orgs {
            let truth = try await DemoFixture.json("\(simBase)/_sim/truth?org=\(org)")
            at = max(at, (truth["atMillis"] as? NSNumber)?.int64Value ?? 0)
            agents += Double((truth["agents"] as? [Any])?.count ?? 0)
            let totals = truth["totals"] as? [String: Any] ?? [:]
            want.h += ((totals["handlingMs"] as? [String: Any])?["today"] as? NSNumber)?.doubleValue ?? -1
            want.p += ((totals["productiveMs"] as? [String: Any])?["today"] as? NSNumber)?.doubleValue ?? -1
        }
        var out: [String] = []
        for (key, w) in [("handlingMs", want.h), ("productiveMs", want.p)] {
            let got = SnapshotTruthTests.ticked(occupancy, key, to: at) ?? -1
            if abs(got - w) > 2_000 * agents + 0.01 * w { out.append("global \(key).today \(Int(got)) vs truth \(Int(w))") }
        }
        return out
    }

    /// Agents of `org` whose `today` differs from the truth (RestartTests's comparison, with this suite's token).
    static func failures(_ base: String, _ simBase: String, org: String) async throws -> [String] {
        try await RestartTests.failures(base, simBase, org: org, token: token)
    }
}
