import Audio
import Bridge
import Foundation
import HTTPTypes
import Hub
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The bridge's listener (hub + `/audiohook/v1` through the Bridge's route) on a free loopback port,
/// with one AudioHook org, for one test.
struct AudioHookHarness {
    static let organizationId = "1b2c3d4e-0000-4000-8000-00000000abcd"
    static let credentials = AudioHookCredentials(apiKey: Secret("SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh"),
                                                  clientSecret: Secret(Data("the integration's client secret!".utf8).base64EncodedString()))
    static let openedAt: EpochMillis = 1_790_000_000_000

    let audio: AudioHookServer
    let sink: RecordingSpeechSink
    let port: Int

    static func run(configuration: AudioHookServer.Configuration = .init(),
                    orgs: [AudioHookOrgRegistry.Org] = [.init(org: "us", organizationId: organizationId, credentials: credentials)],
                    tap: (any SpeechAudioTap)? = nil,
                    _ body: @Sendable (AudioHookHarness) async throws -> Void) async throws {
        var logger = Logger(label: "audiohook-tests")
        logger.logLevel = .warning
        var server = ServerConfig()
        server.listen = .init(host: "127.0.0.1", port: 0)
        var auth = AuthConfig()
        auth.clients = [ClientConfig(name: "ops", token: Secret("ops-token-0123456789"), scopes: [.global])]
        let hub = try await StreamHub(configuration: server, auth: auth, metrics: HubMetrics(), logger: logger)
        let sink = RecordingSpeechSink()
        let audio = AudioHookServer(orgs: orgs, sink: sink, tap: tap, clock: ManualClock(openedAt),
                                    configuration: configuration, logger: logger)
        let (ports, portCont) = AsyncStream.makeStream(of: Int.self)
        let app = makeBridgeApplication(
            hub: hub, configuration: server,
            readiness: { ReadinessReport(ready: true, configLoadedAt: "2026-01-01T00:00:00.000Z", orgs: []) },
            upgradeRoutes: [audio.upgradeRoute],
            logger: logger, onListening: { port in portCont.yield(port); portCont.finish() })
        let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            do {
                try await body(AudioHookHarness(audio: audio, sink: sink, port: port))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tg.waitForAll()
        }
    }

    /// Waits (bounded) until no session runs, so every event of the closed ones was reported.
    func settled(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while audio.activeSessions > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(audio.activeSessions == 0)
    }

    /// The signed upgrade headers Genesys would send.
    func headers(sessionId: String, organizationId: String = organizationId, apiKey: String? = nil,
                 credentials: AudioHookCredentials = credentials, nonce: String = AudioHookHarness.nonce(),
                 created: Int64 = Int64(Date().timeIntervalSince1970), signed: Bool = true) -> [(name: String, value: String)] {
        let correlationId = UUID().uuidString.lowercased()
        var h: [(name: String, value: String)] = [
            ("Audiohook-Organization-Id", organizationId), ("Audiohook-Session-Id", sessionId),
            ("Audiohook-Correlation-Id", correlationId), ("X-API-KEY", apiKey ?? credentials.apiKey.reveal()),
        ]
        if signed {
            h += AudioHookSignature.signUpgrade(target: AudioHookServer.path, authority: "127.0.0.1:\(port)",
                                                organizationId: organizationId, sessionId: sessionId,
                                                correlationId: correlationId,
                                                credentials: AudioHookCredentials(apiKey: Secret(apiKey ?? credentials.apiKey.reveal()),
                                                                                  clientSecret: credentials.clientSecret),
                                                nonce: nonce, created: created)
        }
        return h
    }

    static func nonce() -> String {
        Data((0..<18).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// A raw upgrade request: the status line and body of the answer, and how long it took.
    func rawUpgrade(_ headers: [(name: String, value: String)]) async throws -> (status: Int, text: String, elapsed: Duration) {
        var request = "GET \(AudioHookServer.path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let started = ContinuousClock.now
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { ch in
                ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
            }
        let text = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var text = ""
            for try await buffer in inbound {
                text += String(buffer: buffer)
                if text.hasPrefix("HTTP/1.1 101") && text.contains("\r\n\r\n") { break }
            }
            return text
        }
        let elapsed = ContinuousClock.now - started
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? -1
        return (status, text, elapsed)
    }
}

/// Records every speech event.
final class RecordingSpeechSink: SpeechEventSink {
    private let box = Mutex<[SpeechEvent]>([])
    func ingest(speech events: [SpeechEvent]) { box.withLock { $0 += events } }
    var events: [SpeechEvent] { box.withLock { $0 } }
    func events(session: String) -> [SpeechEvent] { events.filter { $0.session == session } }
}

/// A Genesys-side AudioHook client over a real socket: a script of sends and reads.
struct AudioHookScript {
    let sessionId: String
    var seq = 0
    var serverseq = 0
    var position: Int64 = 0  // samples
    var inbound: WebSocketInboundMessageStream.AsyncIterator
    let outbound: WebSocketOutboundWriter

    mutating func send(_ parameters: AudioHookMessage.Parameters) async throws {
        seq += 1
        let message = AudioHookMessage(id: sessionId, seq: seq, serverseq: serverseq,
                                       position: AudioHookDuration(samples: position, rate: 8000), parameters)
        try await outbound.write(.text(message.json))
    }

    mutating func sendRaw(_ text: String) async throws { try await outbound.write(.text(text)) }

    mutating func audio(_ bytes: [UInt8]) async throws {
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
        position += Int64(bytes.count / 2)
    }

    /// The next server message (text), decoded loosely.
    mutating func read() async throws -> [String: Any] {
        while let message = try await inbound.next() {
            guard case .text(let text) = message else { continue }
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            if let s = object["seq"] as? Int { serverseq = s }
            return object
        }
        throw CancellationError()
    }

    /// Connects with `headers` and runs `body`; returns when the server closed or `body` returned.
    static func connect(port: Int, sessionId: String, headers: [(name: String, value: String)],
                        _ body: @escaping @Sendable (inout AudioHookScript) async throws -> Void) async throws {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        var logger = Logger(label: "audiohook-client")
        logger.logLevel = .warning
        _ = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)\(AudioHookServer.path)",
                                              configuration: .init(maxFrameSize: 1 << 16, additionalHeaders: fields),
                                              logger: logger) { inbound, outbound, _ in
            var script = AudioHookScript(sessionId: sessionId, inbound: inbound.messages(maxSize: 1 << 20).makeAsyncIterator(),
                                         outbound: outbound)
            try await body(&script)
        }
    }
}

/// Synthetic call audio, PCMU stereo (external, internal) at 8 kHz: steady tones in the given spurts.
enum CallAudio {
    static func pcmu(seconds: Double, external: [(Double, Double)], internal: [(Double, Double)]) -> [UInt8] {
        let n = Int(seconds * 8000)
        var out: [UInt8] = []
        out.reserveCapacity(2 * n)
        for i in 0..<n {
            let t = Double(i) / 8000
            for (c, spurts) in [external, `internal`].enumerated() {
                let on = spurts.contains { t >= $0.0 && t < $0.1 }
                let f = c == 0 ? 440.0 : 300.0
                let v = on ? 8000 * sin(2 * .pi * f * t) : 0
                out.append(PCMU.encode(Int16(v.rounded())))
            }
        }
        return out
    }

    /// 200 ms frames.
    static func frames(_ bytes: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: 3200).map { Array(bytes[$0..<min($0 + 3200, bytes.count)]) }
    }
}
