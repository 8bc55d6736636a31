import Bridge
import Foundation
import ServiceLifecycle
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// A `protocol: seed` org with `audio:`: the simulator's seed Audio Connector → the bridge's `SeedAudioConnector`
/// (inside the org's connector) → speech views → `speech:` topics, compared with the simulator's ground truth
/// (`/_sim/truth` `speech`, sessions `seed/<conversationId>`): talk, silence and overtalk within 5 % (or 200 ms),
/// every seed-audio fault survived with the other calls unaffected, and a live filter change that reconnects
/// nothing. The bridge runs from a watched YAML file, as `switchboard run` does.
@Suite(.serialized, .timeLimit(.minutes(6))) struct SeedSpeechEndToEndTests {
    static let admin = ClientToken.generate()

    struct Running: Sendable {
        let simulator: GenesysSimulator
        let base: String
        let simulatorBase: String
        let path: String
        let yaml: @Sendable (_ audio: String) -> String
    }

    /// One seed org (`us`) with `audio:` (`audio` is the section's body) against a one-org simulator at `speed`.
    static func run(speed: Double = 30, audio: String = "      sampleRate: 16000\n",
                    _ body: (Running) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try SimulatorOptions.clientSecret(for: "us").write(to: dir.appendingPathComponent("us.secret"), atomically: true,
                                                           encoding: .utf8)
        let path = dir.appendingPathComponent("orgs.yaml").path
        var options = SimulatorOptions()
        options.orgCount = 1
        options.agentsPerOrg = 6
        options.port = 0
        options.seed = 7
        options.heartbeatInterval = .milliseconds(400)
        options.seedAudioRegions = ["us-east-1", "eu-west-1"]
        let clock = ScaledClock(origin: testBusinessHours, speed: speed)
        let simulator = GenesysSimulator(options: options, clock: clock)
        let simGroup = ServiceGroup(configuration: .init(services: [simulator], gracefulShutdownSignals: [],
                                                         logger: .switchboard("test")))
        let simRunning = Task { try await simGroup.run() }
        defer { simRunning.cancel() }
        let sim = "http://127.0.0.1:\(await simulator.waitUntilListening())"
        let yaml: @Sendable (String) -> String = { audio in
            """
            server:
              listen: 127.0.0.1:0
            clients:
              - name: ops
                tokenSha256: \(ClientCredential.sha256Hex(admin))
                scopes: [admin, global]
            store: none
            orgs:
              - id: us
                apiBase: \(sim)
                loginBase: \(sim)
                clientId: \(SimulatorOptions.clientID(for: "us"))
                clientSecretFile: us.secret
                timezone: America/New_York
                protocol: seed
                audio:
            \(audio)
            """
        }
        try yaml(audio).write(toFile: path, atomically: true, encoding: .utf8)
        let bridgePort = Mutex<Int?>(nil)
        let bridge = Bridge(source: .file(path: path, initial: try ConfigLoader.load(path: path, environment: [:])),
                            clock: clock) { _, port in bridgePort.withLock { $0 = port } }
        let group = ServiceGroup(configuration: .init(services: [bridge], gracefulShutdownSignals: [],
                                                      logger: .switchboard("test")))
        let running = Task { try await group.run() }
        do {
            #expect(await eventually("bridge listening") { bridgePort.withLock { $0 } != nil })
            let port = try #require(bridgePort.withLock { $0 })
            try await body(Running(simulator: simulator, base: "http://127.0.0.1:\(port)", simulatorBase: sim, path: path,
                                   yaml: yaml))
        } catch {
            try? await DemoFixture.stopGracefully(group, running)
            throw error
        }
        try await DemoFixture.stopGracefully(group, running)
    }

    // MARK: Reading

    static func readyz(_ run: Running) async -> [String: Any]? {
        try? await DemoFixture.json("\(run.base)/readyz", token: admin)
    }

    /// `/readyz` `orgs[0].audio`.
    static func audio(_ run: Running) async -> [String: Any]? {
        ((await readyz(run))?["orgs"] as? [[String: Any]])?.first?["audio"] as? [String: Any]
    }

    static func open(_ run: Running) async -> Bool {
        (((await readyz(run))?["orgs"] as? [[String: Any]])?.first?["status"] as? String) == "open"
    }

    static func calls(_ run: Running) async throws -> [String: [String: Any]] {
        let view = try await DemoFixture.json("\(run.base)/v1/views/speech:us", token: admin)
        let calls = ((view["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
        var out: [String: [String: Any]] = [:]
        for c in calls { if let id = c["id"] as? String { out[id] = c } }
        return out
    }

    /// A Prometheus counter or gauge of the org (`name{org="us"…}`), summed over the other labels.
    static func metric(_ run: Running, _ name: String, _ labels: String = "") async -> Double {
        guard let (status, body) = try? await DemoFixture.get("\(run.base)/metrics", token: admin), status == 200 else {
            return -1
        }
        var total = 0.0
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix(name + "{") && line.contains(#"org="us""#) && (labels.isEmpty || line.contains(labels)) {
            total += Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return total
    }

    static func metricLines(_ run: Running) async -> String {
        guard let (_, body) = try? await DemoFixture.get("\(run.base)/metrics", token: admin) else { return "" }
        return String(decoding: body, as: UTF8.self).split(separator: "\n").filter { $0.contains("seed_audio") }
            .joined(separator: "\n")
    }

    struct Compared: Sendable {
        var sessions = Set<String>()
        var problems: [String] = []
    }

    /// Compares every session closed in truth and ended on the bridge (skipping those `skip` names).
    static func compareEnded(_ run: Running, into compared: inout Compared, skip: (SimSpeechSession) -> Bool) async throws {
        let byID = try await calls(run)
        for t in run.simulator.speechTruth(org: "us") where t.state == "closed" && t.session.hasPrefix("seed/") {
            let id = "us/\(t.session)"
            guard !skip(t), !compared.sessions.contains(id), let c = byID[id], c["state"] as? String == "ended" else { continue }
            compared.sessions.insert(id)
            compared.problems += SpeechEndToEndTests.differences(id: id, call: c, truth: t, org: "us")
        }
    }

    static func compareUntil(_ run: Running, sessions: Int, seconds: Double,
                             skip: @escaping @Sendable (SimSpeechSession) -> Bool = { _ in false }) async -> Compared {
        let compared = Mutex(Compared())
        _ = await eventually("\(sessions) ended seed sessions compared with truth", seconds: seconds) {
            var c = compared.withLock { $0 }
            try? await Self.compareEnded(run, into: &c, skip: skip)
            compared.withLock { $0 = c }
            return c.sessions.count >= sessions
        }
        return compared.withLock { $0 }
    }

    // MARK: Tests

    @Test func seedSessionsMatchTruth() async throws {
        try await Self.run { run in
            #expect(await eventually("the org open", seconds: 60) { await Self.open(run) })
            #expect(await eventually("an Audio Connector connection open", seconds: 30) {
                (await Self.audio(run))?["connections"] as? Int == 1
            })
            let audio = try #require(await Self.audio(run))
            #expect(audio["transport"] as? String == "seed" && audio["region"] as? String == "us-east-1")
            #expect(audio["planned"] as? Int == 1)
            // live sessions on the bridge, with their seed session ids
            #expect(await eventually("live seed sessions", seconds: 30) {
                ((try? await Self.calls(run)) ?? [:]).values.contains { $0["state"] as? String == "live" }
            })
            let c = await Self.compareUntil(run, sessions: 8, seconds: 120)
            #expect(c.sessions.count >= 8)
            #expect(c.problems.isEmpty, "\(c.problems.count) figure(s) off truth:\n\(c.problems.joined(separator: "\n"))")
            // the org entity carries the region; the metrics count the audio
            let global = try await DemoFixture.json("\(run.base)/v1/views/org:us", token: Self.admin)
            let org = (((global["data"] as? [String: Any])?["orgs"] as? [[String: Any]]) ?? []).first
            #expect(org?["audioRegion"] as? String == "us-east-1")
            #expect(await Self.metric(run, "switchboard_seed_audio_connects_total") == 1)
            #expect(await Self.metric(run, "switchboard_seed_audio_packets_total", #"outcome="decoded""#) > 500)
            #expect(await Self.metric(run, "switchboard_seed_audio_connections_open") == 1)
        }
    }

    /// Each of the simulator's seed-audio faults, one at a time: the bridge reconnects where it must, the calls
    /// the fault touched still end, and every call it did not touch matches truth; the org stays open throughout.
    @Test func everyFaultIsSurvivedAndOtherCallsAreUnaffected() async throws {
        try await Self.run { run in
            #expect(await eventually("the org open", seconds: 60) { await Self.open(run) })
            #expect(await eventually("audio streaming", seconds: 30) {
                run.simulator.speechTruth(org: "us").contains { $0.state == "open" && $0.session.hasPrefix("seed/") }
            })
            // Connection faults first. An expired URI shows at the next discovery: a drop makes one.
            let rejectedBefore = await Self.metric(run, "switchboard_seed_audio_connect_failures_total",
                                                   #"code="seed.token-rejected""#)
            _ = await run.simulator.inject(.seedAudio(.expiredURI), org: "us")
            _ = await run.simulator.inject(.seedAudio(.drop), org: "us")
            #expect(await eventually("a 4401 after the drop's rediscovery", seconds: 30) {
                await Self.metric(run, "switchboard_seed_audio_connect_failures_total",
                                  #"code="seed.token-rejected""#) > rejectedBefore
            })
            #expect(await eventually("connected again", seconds: 30) {
                (await Self.audio(run))?["connections"] as? Int == 1
            })
            _ = await run.simulator.inject(.seedAudio(.rotate), org: "us")
            #expect(await eventually("the new region after the rotation", seconds: 30) {
                let a = await Self.audio(run)
                return a?["region"] as? String == "eu-west-1" && a?["connections"] as? Int == 1
            })
            // Packet and metadata faults: each taken by one call.
            let calls: [SimSeedAudioFault] = [.missingFragment, .duplicateFragment, .reorder, .garbageOpus,
                                              .metadataLate, .metadataNever]
            for fault in calls {
                _ = await run.simulator.inject(.seedAudio(fault), org: "us")
                #expect(await eventually("\(fault.rawValue) taken by a call", seconds: 60) {
                    run.simulator.speechTruth(org: "us").contains { $0.faults.contains(fault.kind) }
                })
            }
            // Every call a packet or metadata fault touched ends on the bridge `completed` (seen while it lingers).
            // A call a connection fault touched may have ended while the connection was down: its
            // `interactionEnded` then never came and it ends by `timeout` after a minute without audio.
            let completed = Mutex<Set<String>>([])
            #expect(await eventually("the calls with packet or metadata faults ended on the bridge", seconds: 120) {
                guard let byID = try? await Self.calls(run) else { return false }
                let truth = run.simulator.speechTruth(org: "us").filter { t in calls.contains { t.faults.contains($0.kind) } }
                for t in truth where byID["us/\(t.session)"].map({
                    $0["state"] as? String == "ended" && $0["endReason"] as? String == "completed"
                }) == true {
                    completed.withLock { _ = $0.insert(t.session) }
                }
                let done = completed.withLock { $0 }
                return truth.allSatisfy { done.contains($0.session) }
                    && calls.allSatisfy { f in truth.contains { $0.faults.contains(f.kind) } }
            })
            let c = await Self.compareUntil(run, sessions: 6, seconds: 120) { !$0.faults.isEmpty }
            #expect(c.sessions.count >= 6)
            #expect(c.problems.isEmpty, "\(c.problems.count) figure(s) off truth:\n\(c.problems.joined(separator: "\n"))")
            // A call without metadata still gets its agent (the conversation join, the REST lookup at 10 s).
            let never = run.simulator.speechTruth(org: "us").first { $0.faults.contains(SimSeedAudioFault.metadataNever.kind) }
            if let never, let call = try await Self.calls(run)["us/\(never.session)"] {
                #expect((call["agent"] as? String)?.hasPrefix("us/") == true, "\(call)")
            }
            #expect(await Self.open(run))
            // The garbage packet was concealed (the packet with a missing fragment is too, unless it was a call's
            // very first packet: a loss before the first packet is not concealed); the duplicate fragment was dropped.
            let lost = await Self.metric(run, "switchboard_seed_audio_packets_total", #"outcome="lost""#)
            let lines = await Self.metricLines(run)
            #expect(lost >= 1, "\(lines)")
            #expect(await Self.metric(run, "switchboard_seed_audio_fragments_dropped_total", #"reason="duplicate""#) >= 1,
                    "\(lines)")
        }
    }

    /// A reload that changes only the org's `audio:` filters: nothing reconnects (the connector is not restarted,
    /// no new discovery), and calls that connect afterwards stream only from the queue the filter names.
    @Test func aLiveFilterChangeReconnectsNothing() async throws {
        try await Self.run { run in
            #expect(await eventually("the org open", seconds: 60) { await Self.open(run) })
            #expect(await eventually("audio streaming", seconds: 30) {
                run.simulator.speechTruth(org: "us").contains { $0.state == "open" && $0.session.hasPrefix("seed/") }
            })
            let queues = try #require(await run.simulator.truth(org: "us")?.queues.map(\.id).sorted())
            try #require(queues.count >= 2)
            let connects = await Self.metric(run, "switchboard_seed_audio_connects_total")
            #expect(connects == 1)
            let discoveries = try await Self.discoveries(run)
            try run.yaml("      sampleRate: 16000\n      filters:\n        queueIds: [\(queues[0])]\n")
                .write(toFile: run.path, atomically: true, encoding: .utf8)
            let changedAt = SystemClock.realNow()
            // The swap: calls that start after it come from queues[0] only (matching is decided when the agent
            // connects); wait for a few of them.
            #expect(await eventually("calls of the filtered queue after the change", seconds: 120) {
                guard let byID = try? await Self.calls(run) else { return false }
                let after = run.simulator.speechTruth(org: "us").filter {
                    $0.session.hasPrefix("seed/") && (Timestamp.parse($0.startedAt) ?? 0) > changedAt + 2000
                }
                let joined = after.compactMap { byID["us/\($0.session)"]?["queue"] as? String }
                return joined.count >= 3
            })
            let byID = try await Self.calls(run)
            let after = run.simulator.speechTruth(org: "us").filter {
                $0.session.hasPrefix("seed/") && (Timestamp.parse($0.startedAt) ?? 0) > changedAt + 2000
            }
            for t in after {
                guard let queue = byID["us/\(t.session)"]?["queue"] as? String else { continue }
                #expect(queue == "us/\(queues[0])", "\(t.session) streamed from \(queue) after the filter change")
            }
            #expect(await Self.metric(run, "switchboard_seed_audio_connects_total") == connects)
            #expect(try await Self.discoveries(run) == discoveries)
            #expect((await Self.audio(run))?["connections"] as? Int == 1)
            #expect(await Self.open(run))
        }
    }

    /// Discoveries answered so far (`GET /_sim/requests`).
    static func discoveries(_ run: Running) async throws -> Int {
        let counts = try await DemoFixture.json("\(run.simulatorBase)/_sim/requests")
        return (counts["GET /api/v2/audioconnector/connections"] as? Int) ?? 0
    }
}
