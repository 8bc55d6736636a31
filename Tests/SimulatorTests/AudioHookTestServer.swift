import Audio
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
@testable import Simulator
import Synchronization
import SwitchboardCore
import Testing

/// A tiny AudioHook server for the client tests: verifies each upgrade with the bridge's verifier
/// (refusing with 401 what fails), records every message and frame, and answers `open` with `opened`
/// (unless told not to), `ping` with `pong` and `close` with `closed`.
final class AudioHookTestServer: Sendable {
    struct Received: Sendable {
        var upgrade: String  // "ok" or the verifier's error code
        var texts: [String] = []
        var frames: [Int] = []  // binary message sizes
        var socketClosed = false
    }

    let credentials: AudioHookCredentials
    let answerOpen: Bool
    private let state = Mutex<(sessions: [String: Received], order: [String], nonces: AudioHookNonceCache)>(([:], [], AudioHookNonceCache()))

    init(credentials: AudioHookCredentials, answerOpen: Bool = true) {
        self.credentials = credentials
        self.answerOpen = answerOpen
    }

    /// Sessions by upgrade order (refused upgrades included, keyed by their session id header).
    var sessions: [Received] { state.withLock { s in s.order.compactMap { s.sessions[$0] } } }
    func session(_ id: String) -> Received? { state.withLock { $0.sessions[id] } }

    func application(port: Int = 0) -> some ApplicationProtocol {
        Application(
            router: Router(),
            server: .http1WebSocketUpgrade { [self] request, _, _ in
                var headers: [(name: String, value: String)] = [("Host", request.authority ?? "")]
                for field in request.headerFields { headers.append((field.name.rawName, field.value)) }
                let upgrade = AudioHookUpgradeRequest(target: request.path ?? "", headers: headers)
                let sessionID = upgrade.header("Audiohook-Session-Id") ?? "?"
                let verdict: String = state.withLock { s in
                    let result = Result { () throws(AudioHookError) in
                        try AudioHookSignature.verify(upgrade, credentials: credentials, now: SystemClock.realNow(), nonces: &s.nonces)
                    }
                    let verdict: String
                    switch result {
                    case .success: verdict = "ok"
                    case .failure(let e): verdict = e.code
                    }
                    s.sessions[sessionID] = Received(upgrade: verdict)
                    s.order.append(sessionID)
                    return verdict
                }
                guard verdict == "ok" else { return .dontUpgrade }
                return .upgrade([:]) { inbound, outbound, _ in
                    await self.serve(sessionID, inbound, outbound)
                }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { [self] channel in listening.withLock { $0 = channel.localAddress?.port } })
    }

    let listening = Mutex<Int?>(nil)

    private func serve(_ id: String, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async {
        var seq = 0
        do {
            for try await message in inbound.messages(maxSize: 1 << 20) {
                switch message {
                case .binary(let b):
                    state.withLock { $0.sessions[id]?.frames.append(b.readableBytes) }
                case .text(let text):
                    state.withLock { $0.sessions[id]?.texts.append(text) }
                    guard let m = SimAudioHookWire.parse(text) else { continue }
                    let reply: String? = switch m.type {
                    case "open" where answerOpen:
                        #"{"media":[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}],"startPaused":false}"#
                    case "ping": "{}"
                    case "close": "{}"
                    default: nil
                    }
                    guard let reply else { continue }
                    seq += 1
                    let type = m.type == "open" ? "opened" : m.type == "ping" ? "pong" : "closed"
                    try await outbound.write(.text(
                        "{\"version\":\"2\",\"id\":\"\(id)\",\"type\":\"\(type)\",\"seq\":\(seq),\"clientseq\":\(m.seq),\"parameters\":\(reply)}"))
                }
            }
        } catch {}
        state.withLock { $0.sessions[id]?.socketClosed = true }
    }
}

/// Runs `server` and a ``SimAudioHookClient`` aimed at it; `body` gets the client and the server's URL.
func withAudioHookLoopback(
    server: AudioHookTestServer, openedTimeout: Duration = .seconds(5), ping: Duration = .milliseconds(400),
    _ body: @Sendable (SimAudioHookClient, String) async throws -> Void
) async throws {
    var logger = Logger(label: "audiohook-test")
    logger.logLevel = .warning
    var options = SimulatorOptions()
    options.audioHookShare = 1
    options.audioHookOpenedTimeout = openedTimeout
    options.audioHookPingInterval = ping
    let client = SimAudioHookClient(options: options, organizationIDs: ["us": "1b2c3d4e-0000-4000-8000-00000000000a"], logger: logger)
    let app = server.application()
    try await withThrowingTaskGroup(of: Void.self) { group in
        let serverGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        group.addTask { try await serverGroup.run() }
        group.addTask { await client.run() }
        var port: Int?
        for _ in 0..<500 where port == nil {
            port = server.listening.withLock { $0 }
            if port == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let url = "ws://127.0.0.1:\(try #require(port))/audiohook/v1"
        client.setTarget(url: url, credentials: ["us": SimAudioHookCredentials(apiKey: server.credentials.apiKey,
                                                                               clientSecret: server.credentials.clientSecret)])
        do {
            try await body(client, url)
        } catch {
            client.stop()
            await serverGroup.triggerGracefulShutdown()
            throw error
        }
        client.stop()
        await serverGroup.triggerGracefulShutdown()
        try await group.waitForAll()
    }
}

/// Polls `condition` (every 20 ms, up to `seconds`): waits for an event on the wire, not for time to pass.
func eventually(_ what: String, seconds: Double = 10, _ condition: () -> Bool) async throws {
    let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while !condition() {
        if ContinuousClock.now > end {
            Issue.record("timed out waiting until \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
