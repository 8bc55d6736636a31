import AsyncHTTPClient
import Connector
import Foundation
import GenesysAPI
import Logging
import Simulator
import Synchronization
import SwitchboardCore
import Testing

/// A notification channel id is the credential of the upstream socket: the connector's log lines name
/// channels by a short SHA-256 prefix only.
// A hang must fail this suite, not stall CI.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ChannelIDLoggingTests {
    final class Store: Sendable {
        private let m = Mutex<[String]>([])
        var lines: [String] { m.withLock { $0 } }
        func append(_ line: String) { m.withLock { $0.append(line) } }
    }

    struct Handler: LogHandler {
        let store: Store
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            var all = metadata
            for (k, v) in event.metadata ?? [:] { all[k] = v }
            store.append(([event.message.description] + all.map { "\($0.key)=\($0.value)" }).joined(separator: " "))
        }
    }

    @Test func channelsAreLoggedAsAShortHash() async throws {
        let options = ConnectorSimulatorTests.simulatorOptions(seed: 3)
        let clock = ScaledClock(origin: testBusinessHours, speed: 20)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        let store = Store()
        let logger = Logger(label: "test.connector") { _ in Handler(store: store) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            let sink = RecordingSink()
            let connector = OrgConnector(org: ConnectorSimulatorTests.orgConfig(sim, options), http: HTTPClient.shared,
                                         sink: sink, clock: clock, options: ConnectorSimulatorTests.fastOptions(),
                                         logger: logger)
            group.addTask { try await connector.run() }
            #expect(await eventually("open") { await sink.last == .open })
            // A dropped socket logs its channel, and the reconnect verifies and reuses it. (The simulator attaches the
            // socket a moment after the connector reports `open`; a close before that closes nothing.)
            #expect(await eventually("a live socket") { await sim.liveSockets(org: "us") > 0 })
            let mark = await sink.count
            await sim.inject(.close, org: "us")
            #expect(await eventually("reopened") {
                let seq = await sink.since(mark)
                return seq.count >= 2 && seq.last == .open
            })

            let token = try await OAuthClient(http: HTTPClient.shared, loginBase: sim.baseURL,
                                              clientID: SimulatorOptions.clientID(for: "us"),
                                              clientSecret: Secret(SimulatorOptions.clientSecret(for: "us")),
                                              timeout: .seconds(5), logger: logger).fetchToken()
            let rest = GenesysRESTClient(http: HTTPClient.shared, apiBase: sim.baseURL, tokens: FixedToken(token: token),
                                         logger: logger)
            let ids = try await rest.listChannels().map(\.id)
            #expect(!ids.isEmpty)
            let lines = store.lines
            #expect(lines.contains { $0.hasPrefix("channel created") && $0.contains("channel=sha256:") })
            #expect(lines.contains { $0.hasPrefix("socket closed") && $0.contains("channel=sha256:") })
            for id in ids {
                #expect(lines.contains { $0.contains(Redaction.shortHash(id)) })
                for line in lines { #expect(!line.contains(id), "channel id logged: \(line)") }
            }
            group.cancelAll()
        }
    }
}
