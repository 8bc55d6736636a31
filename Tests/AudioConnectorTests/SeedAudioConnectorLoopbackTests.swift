import AudioConnector
import Foundation
import Hummingbird
import HummingbirdWebSocket
import MetricsTestKit
import NIOCore
import OpusCodec
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `SeedAudioConnector` over real sockets on loopback, against a small Audio Connector server written here (the
/// simulator's full one is exercised by the integration tests): discovery, single-use URIs, subscribe, Opus
/// fragments, metadata, and the speech events that come out.
@Suite(.timeLimit(.minutes(2))) struct SeedAudioConnectorLoopbackTests {
    static let interaction = UUID(uuidString: "5A1B2C3D-0000-4000-8000-00000000C0DE")!
    static let rate = 16000

    /// 2 s of stereo Opus in 20 ms packets: the customer (channel 0) talks the first second, the agent the second.
    static func callPackets() throws -> [[UInt8]] {
        var pcm = OpusTestSignals.speechLike(sampleRate: rate, seconds: 2)
        let half = rate  // samples per channel in one second
        for i in 0..<half { pcm[2 * i + 1] = 0 }  // agent quiet in the first second
        for i in half..<(2 * half) { pcm[2 * i] = 0 }  // customer quiet in the second
        let encoder = try OpusEncoder(sampleRate: rate, channels: 2)
        let frame = rate / 50
        return try stride(from: 0, to: 2 * half, by: frame).map { start in
            try encoder.encode(pcm[(2 * start)..<(2 * (start + frame))], frameSamples: frame)
        }
    }

    @Test func aCallStreamsIntoSpeechEventsAndA4401CloseIsFollowedByAFreshDiscovery() async throws {
        let server = FakeAudioConnectorServer(packets: try Self.callPackets(), interaction: Self.interaction,
                                              rejectFirstConnection: true)
        let serverTask = Task { try await server.application().runService() }
        defer { serverTask.cancel() }
        let port = try await server.waitForPort()
        let sink = CollectingSink()
        let metrics = TestMetrics()
        var configuration = SeedAudioConnector.Configuration()
        configuration.connection.backoffInitial = .milliseconds(50)
        configuration.interactions.metadataGrace = .milliseconds(200)
        let org = OrgConfig(id: "us", name: "US", apiBase: "http://127.0.0.1:1", loginBase: "http://127.0.0.1:1",
                            clientId: "c", clientSecret: Secret("s"), timezone: TimeZone(identifier: "UTC")!,
                            upstreamProtocol: .seed, seedAudio: SeedAudioConfig(sampleRate: Self.rate))
        let regions = Mutex<[String]>([])
        let connector = SeedAudioConnector(
            org: org, transport: SeedAudioTransport(discover: { server.discover(port: port) }, lookup: { _ in nil }),
            sink: sink, clock: ManualClock(1_790_000_000_000), configuration: configuration, metricsFactory: metrics,
            onRegion: { region in regions.withLock { $0.append(region) } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await connector.run() }
            try await sink.wait { $0.contains { if case .ended = $0 { true } else { false } } }
            #expect(connector.status.connections == 1)
            #expect(connector.status.region == "eu-west-1")
            group.cancelAll()
        }
        #expect(server.discoveries == 2)  // the 4401 close was followed by a fresh discovery
        #expect(server.upgrades == 2)
        #expect(regions.withLock { $0 } == ["eu-west-1"])

        let events = sink.events
        let session = "seed/" + Self.interaction.uuidString.lowercased()
        guard case .opened(let opened) = events.first else {
            Issue.record("the first event is .opened: \(events)")
            return
        }
        #expect(opened.session == session && opened.conversationID == Self.interaction.uuidString.lowercased())
        #expect(opened.agentID == "agent-1" && opened.queueID == "queue-1" && opened.direction == "inbound")
        #expect(opened.openedAt == 1_789_999_990_000)  // the metadata's startTime
        #expect(events.contains { if case .progress = $0 { true } else { false } })
        guard case .ended(let ended) = events.last else {
            Issue.record("the last event is .ended: \(events)")
            return
        }
        #expect(ended.reason == "completed")
        let m = ended.metrics
        #expect(abs(m.analysedMs - 2000) <= 40, "analysed \(m.analysedMs) ms")
        let customer = m.customer?.talkMs ?? 0, agent = m.agent?.talkMs ?? 0
        #expect(abs(customer - 1000) <= 100, "customer talk \(customer) ms")
        #expect(abs(agent - 1000) <= 100, "agent talk \(agent) ms")
        #expect(m.overtalkMs <= 100)
        #expect(m.gapMs == 0)
        #expect(try metrics.expectCounter("switchboard_seed_audio_connects_total", [("org", "us")]).totalValue == 2)
        #expect(try metrics.expectCounter("switchboard_seed_audio_connect_failures_total",
                                          [("org", "us"), ("code", "seed.token-rejected")]).totalValue == 1)
        #expect(try metrics.expectCounter("switchboard_seed_audio_packets_total",
                                          [("org", "us"), ("outcome", "decoded")]).totalValue == 100)
        #expect(try metrics.expectGauge("switchboard_seed_audio_connections_open", [("org", "us")]).lastValue == 0)
        #expect(try metrics.expectGauge("switchboard_seed_audio_interactions_active", [("org", "us")]).lastValue == 0)
    }
}

/// The speech events the connector sent.
final class CollectingSink: SpeechEventSink {
    private let state = Mutex<[SpeechEvent]>([])
    func ingest(speech events: [SpeechEvent]) { state.withLock { $0 += events } }
    var events: [SpeechEvent] { state.withLock { $0 } }

    /// Waits (up to 30 s) until the events so far satisfy `done`.
    func wait(_ done: ([SpeechEvent]) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !done(events) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for speech events; got \(events.count)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A minimal Audio Connector: single-use tokens (a reused one, and the first connection when asked, are closed
/// with 4401 right after the upgrade), `subscribed` answers, and one call streamed on the first subscription of
/// an accepted connection: metadata, each packet in two fragments sent in reverse order, `interactionEnded`.
final class FakeAudioConnectorServer: Sendable {
    struct State {
        var port: Int?
        var issued = 0
        var used: Set<String> = []
        var discoveries = 0
        var upgrades = 0
        var streamed = false
    }
    let packets: [[UInt8]]
    let interaction: UUID
    let rejectFirstConnection: Bool
    /// A hold after this packet (no packets for `pause`, the sequence standing still).
    let pauseAfterPacket: Int?
    let pause: Duration
    private let state = Mutex(State())

    init(packets: [[UInt8]], interaction: UUID, rejectFirstConnection: Bool, pauseAfterPacket: Int? = nil,
         pause: Duration = .milliseconds(1500)) {
        self.packets = packets
        self.interaction = interaction
        self.rejectFirstConnection = rejectFirstConnection
        self.pauseAfterPacket = pauseAfterPacket
        self.pause = pause
    }

    var discoveries: Int { state.withLock { $0.discoveries } }
    var upgrades: Int { state.withLock { $0.upgrades } }

    func waitForPort() async throws -> Int {
        for _ in 0..<1000 {
            if let port = state.withLock({ $0.port }) { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }

    /// The discovery answer: a fresh single-use URI.
    func discover(port: Int) -> [UInt8] {
        let token = state.withLock { s -> String in
            s.discoveries += 1
            s.issued += 1
            return "t\(s.issued)"
        }
        return Array(#"{"uri":"ws://127.0.0.1:\#(port)/audioconnector/ws?token=\#(token)","connectionId":"c-\#(token)","region":"eu-west-1","expiresIn":3600}"#.utf8)
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        let ws = Router(context: BasicWebSocketRequestContext.self)
        ws.ws("/audioconnector/ws") { [self] inbound, outbound, context in
            let token = context.request.uri.queryParameters["token"].map(String.init) ?? ""
            let accept = state.withLock { s -> Bool in
                s.upgrades += 1
                let fresh = s.used.insert(token).inserted && token.hasPrefix("t")
                return fresh && !(rejectFirstConnection && s.upgrades == 1)
            }
            guard accept else {
                // A moment after the upgrade: a close frame sent with the 101 answer may be lost by the client.
                try? await Task.sleep(for: .milliseconds(50))
                try? await outbound.close(.unknown(4401), reason: "connection token reused or expired")
                return
            }
            var subscriptions = 0
            for try await message in inbound.messages(maxSize: 1 << 16) {
                guard case .text(let text) = message, let decoded = try? SeedMessage.decode(text),
                      case .subscribe = decoded else { continue }
                subscriptions += 1
                try await outbound.write(.text(SeedMessage.subscribed(subscriptionId: "s\(subscriptions)", status: "active").json))
                guard state.withLock({ s in defer { s.streamed = true }; return !s.streamed }) else { continue }
                try await stream(outbound)
            }
        }
        return Application(router: router,
                           server: .http1WebSocketUpgrade(webSocketRouter: ws),
                           configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { [self] channel in state.withLock { $0.port = channel.localAddress?.port } })
    }

    private func stream(_ outbound: WebSocketOutboundWriter) async throws {
        let id = interaction.uuidString.lowercased()
        let metadata = SeedInteraction(interactionId: id, direction: .inbound, agentId: "agent-1", queueId: "queue-1",
                                       startTime: 1_789_999_990_000, channels: ["customer", "agent"])
        try await outbound.write(.text(SeedMessage.interaction(metadata).json))
        for (sequence, packet) in packets.enumerated() {
            let fragments = try SeedAudioFrame.fragments(of: packet, interaction: interaction, sequence: UInt32(sequence),
                                                         maxPayload: max(1, packet.count / 2 + 1))
            for fragment in fragments.reversed() {
                try await outbound.write(.binary(ByteBuffer(bytes: fragment.encoded())))
            }
            // Twice real time: progress reports go out while the call streams.
            try await Task.sleep(for: .milliseconds(10))
            if sequence == pauseAfterPacket { try await Task.sleep(for: pause) }
        }
        try await outbound.write(.text(SeedMessage.interactionEnded(interactionId: id, endTime: nil).json))
    }
}
