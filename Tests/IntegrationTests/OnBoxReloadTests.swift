import Bridge
import Foundation
import ServiceLifecycle
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// A bridge run from a watched YAML file: `speechText.onBox` switched on and off by reloads applies at once (the
/// org's on-box figures appear on and leave `/readyz`), and a keyword the spotter's dictionary lacks refuses the
/// reload like any other mistake — `/readyz` `configErrors` names the phrase's line — while the running
/// configuration stays in force.
@Suite(.serialized, .timeLimit(.minutes(3)),
       .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/pocketsphinx/model/en-us/en-us/mdef"),
                "needs pocketsphinx-en-us (make deps)"))
struct OnBoxReloadTests {
    static let admin = ClientToken.generate()

    static func yaml(simulator: String, speechText: String) -> String {
        """
        server:
          listen: 127.0.0.1:0
        clients:
          - name: ops
            tokenSha256: \(ClientCredential.sha256Hex(admin))
            scopes: [admin]
        store: none
        orgs:
          - id: us
            apiBase: \(simulator)
            loginBase: \(simulator)
            clientId: \(SimulatorOptions.clientID(for: "us"))
            clientSecretFile: us.secret
            timezone: America/New_York
            audio:
              apiKeyFile: us.apikey
              clientSecretFile: us.audiosecret
        \(speechText)
        """
    }

    static func speechText(onBox: Bool, phrase: String = "cancel my account") -> String {
        """
            speechText:
              onBox: \(onBox)
              transcription: false
              keywords:
                - phrase: \(phrase)
                  label: churn-risk
        """
    }

    @Test func onBoxFollowsReloadsAndAnUnknownWordIsRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-onbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (file, text) in [("us.secret", SimulatorOptions.clientSecret(for: "us")), ("us.apikey", "an-api-key"),
                             ("us.audiosecret", Data("the integration's client secret!".utf8).base64EncodedString())] {
            try text.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let path = dir.appendingPathComponent("orgs.yaml").path
        func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

        var options = SimulatorOptions()
        options.orgCount = 1
        options.agentsPerOrg = 4
        options.port = 0
        options.heartbeatInterval = .milliseconds(400)
        let clock = ScaledClock(origin: testBusinessHours, speed: 1)
        let simulator = GenesysSimulator(options: options, clock: clock)
        let bridgePort = Mutex<Int?>(nil)
        let group = ServiceGroup(configuration: .init(services: [simulator], gracefulShutdownSignals: [],
                                                      logger: .switchboard("test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let sim = "http://127.0.0.1:\(await simulator.waitUntilListening())"
            try write(Self.yaml(simulator: sim, speechText: Self.speechText(onBox: false)))
            let bridge = Bridge(source: .file(path: path, initial: try ConfigLoader.load(path: path, environment: [:])),
                                clock: clock) { _, port in bridgePort.withLock { $0 = port } }
            let bridgeGroup = ServiceGroup(configuration: .init(services: [bridge], gracefulShutdownSignals: [],
                                                                logger: .switchboard("test")))
            tasks.addTask { try await bridgeGroup.run() }
            #expect(await eventually("bridge listening") { bridgePort.withLock { $0 } != nil })
            let base = "http://127.0.0.1:\(try #require(bridgePort.withLock { $0 }))"
            @Sendable func readyz() async -> [String: Any]? { try? await DemoFixture.json("\(base)/readyz", token: Self.admin) }
            @Sendable func onBox() async -> [String: Any]? {
                ((await readyz()?["orgs"] as? [[String: Any]])?.first)?["onBox"] as? [String: Any]
            }
            let parts = try #require(bridge.parts)
            #expect(parts.spotting.pool == nil, "no org on-box: no pool")
            #expect(await onBox() == nil)

            // 1. onBox switched on: spotted at once, its figures on /readyz.
            try write(Self.yaml(simulator: sim, speechText: Self.speechText(onBox: true)))
            #expect(await eventually("onBox on /readyz") { await onBox() != nil })
            #expect(parts.spotting.listens(to: "us") && parts.spotting.pool != nil)
            let figures = await onBox()
            #expect(figures?["refused"] as? Int == 0)

            // 2. A word the dictionary lacks: the reload is refused at the phrase, the running configuration stays.
            try write(Self.yaml(simulator: sim, speechText: Self.speechText(onBox: true, phrase: "cancel my acount")))
            #expect(await eventually("the unknown word refused on /readyz") {
                (await readyz()?["configErrors"] as? [String])?.contains {
                    $0.contains("orgs.yaml:22:") && $0.contains("speechText.keywords[0].phrase")
                        && $0.contains("'acount'") && $0.contains("pronunciation dictionary")
                } == true
            })
            #expect(parts.spotting.listens(to: "us"))

            // 3. onBox switched off: no longer spotted, gone from /readyz.
            try write(Self.yaml(simulator: sim, speechText: Self.speechText(onBox: false)))
            #expect(await eventually("onBox gone from /readyz") {
                let gone = await onBox() == nil
                let errors = await readyz()?["configErrors"] as? [String]
                return gone && errors?.isEmpty == true
            })
            #expect(!parts.spotting.listens(to: "us"))

            await bridgeGroup.triggerGracefulShutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
