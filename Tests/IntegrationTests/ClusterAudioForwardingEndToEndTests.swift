import Bridge
import Foundation
import Simulator
import SwitchboardCore
import Synchronization
import Testing

/// AudioHook on any replica (docs/scale-out.md), end to end: two `switchboard run` processes on a throw-away
/// PostgreSQL server, the simulator with two orgs that both have an `audio:` section, each replica leading one. The
/// simulator's AudioHook client monitors every voice call of `emea` and sends each session to the replica that does
/// *not* lead `emea`. That replica forwards what its session views make of them to the leader through
/// `cluster_forwarded_audio`; the leader's speech views publish them: `speech:emea` shows the calls on both
/// replicas. (Without the forwarding, the leader's speech views never hear of these sessions and the replica that
/// hosts them does not publish `emea`: both show none.)
@Suite(.serialized, .timeLimit(.minutes(5))) struct ClusterAudioForwardingEndToEndTests {
    static let token = ClusterEndToEndTests.token
    static let orgs = ["us", "emea"]
    /// The integration's credentials (the same in every org's `audio:` and in the simulator's client).
    static let apiKey = "cluster-audiohook-api-key-0123456789"
    static let clientSecret = Data("the cluster test's client secret".utf8).base64EncodedString()

    @Test func audioHookSessionsOnAReplicaNotLeadingTheOrgShowOnEveryReplica() async throws {
        var options = ClusterFamilyTotalsEndToEndTests.simulatorOptions(seed: 35, customersPerHour: 60)
        options.audioHookShare = 1.0
        try await ClusterTestRig.run(options: options, speed: 10, orgs: Self.orgs, token: Self.token,
                                     environment: ["AH_KEY": Self.apiKey, "AH_SECRET": Self.clientSecret],
                                     prefix: "sb-cluster-audio") { [options] rig in
            var replicas: [ClusterEndToEndTests.Replica] = []
            for name in ["r1", "r2"] {
                replicas.append(try await rig.start(name, config: Self.config(replica: name, rig: rig, options: options)))
            }
            let all = replicas
            defer { for r in all where r.process.isRunning { r.process.kill9Now() } }
            #expect(await ClusterFamilyTotalsEndToEndTests.spread(all))
            let leaders = try #require(await ClusterEndToEndTests.leaders(all))
            let other = try #require(all.first { $0.name != leaders["emea"] })
            let organizationId = try #require(rig.simulator.organizationID(org: "emea"))
            let port = try #require(Int(other.base.split(separator: ":").last ?? ""))
            rig.simulator.setAudioHookTarget(
                url: DemoConfiguration.audioHookURL(host: "127.0.0.1", port: port),
                credentials: ["emea": SimAudioHookCredentials(apiKey: Secret(Self.apiKey), clientSecret: Secret(Self.clientSecret),
                                                              organizationId: organizationId)])
            let streamed = await eventually("the simulator streams emea's calls to \(other.name)", seconds: 60) {
                rig.simulator.speechTruth(org: "emea").filter { $0.state != "refused" }.count >= 2
            }
            #expect(streamed, "\(rig.simulator.speechTruth(org: "emea").map { "\($0.session) \($0.state)" })")
            for r in all {
                let base = r.base
                let ok = await eventually("\(r.name) shows emea's AudioHook calls", seconds: 60) {
                    await Self.calls(base, org: "emea") >= 2
                }
                let seen = await Self.calls(base, org: "emea")
                #expect(ok, "\(r.name) (\(r.name == other.name ? "hosting the sessions" : "leading emea")): \(seen) calls today")
            }
            // /readyz: the host wrote the rows, the leader read them.
            let hostForwarding = await Self.forwarding(other.base)
            let leaderForwarding = await Self.forwarding(try #require(all.first { $0.name == leaders["emea"] }).base)
            #expect((hostForwarding["eventsForwarded"] as? Int ?? 0) > 0, "\(hostForwarding)")
            #expect((leaderForwarding["eventsReceived"] as? Int ?? 0) > 0, "\(leaderForwarding)")
            #expect(leaderForwarding["refused"] as? Int == 0 && hostForwarding["dropped"] as? Int == 0)
            for r in all { #expect(await r.process.terminate() == 0, "\(r.name): \(r.process.stderr.suffix(2000))") }
        }
    }

    /// `/readyz` `cluster.audioForwarding` of the replica at `base` (empty when it cannot be read).
    static func forwarding(_ base: String) async -> [String: Any] {
        guard let json = try? await DemoFixture.json("\(base)/readyz", token: token),
              let cluster = json["cluster"] as? [String: Any] else { return [:] }
        return cluster["audioForwarding"] as? [String: Any] ?? [:]
    }

    /// The calls of the day `speech:<org>`'s totals count on the replica at `base` (0 when it cannot be read).
    static func calls(_ base: String, org: String) async -> Int {
        guard let snapshot = try? await DemoFixture.json("\(base)/v1/views/speech:\(org)", token: token),
              let data = snapshot["data"] as? [String: Any], let totals = data["totals"] as? [String: Any] else { return 0 }
        return (totals["calls"] as? NSNumber)?.intValue ?? 0
    }

    /// Both orgs with an `audio:` section naming the simulator's organization id (a replica that does not lead an org
    /// never learns the id from the org's connector) and the test's integration credentials.
    static func config(replica: String, rig: ClusterTestRig, options: SimulatorOptions) -> String {
        var yaml = rig.head(replica: replica, extra: "server:\n  refreshInterval: 1s\n")
        for org in orgs {
            yaml += rig.org(org, options: options) + """
                    audio:
                      organizationId: \(rig.simulator.organizationID(org: org) ?? "")
                      apiKey: ${AH_KEY}
                      clientSecret: ${AH_SECRET}

                """
        }
        return yaml
    }
}
