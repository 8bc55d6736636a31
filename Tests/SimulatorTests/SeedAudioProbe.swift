import AudioConnector
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
@testable import Simulator
import Synchronization
import Testing

/// A plain seed Audio Connector client for the tests: records every message in arrival order (text, or a
/// decoded binary frame) and how the connection ended.
final class SeedProbe: Sendable {
    enum Item: Sendable {
        case text(String)
        case frame(SeedAudioFrame)
    }

    enum Ending: Sendable, Equatable {
        case running
        /// The server sent a close frame with this code.
        case closed(Int)
        /// The connection ended without a close frame.
        case dropped
    }

    private let received = Mutex<[Item]>([])
    private let ending = Mutex<Ending>(.running)
    private let outgoing: AsyncStream<String>
    private let outgoingContinuation: AsyncStream<String>.Continuation

    init() {
        (outgoing, outgoingContinuation) = AsyncStream.makeStream(of: String.self)
    }

    func send(_ text: String) { outgoingContinuation.yield(text) }
    /// Closes from the client's side.
    func close() { outgoingContinuation.finish() }

    var items: [Item] { received.withLock { $0 } }
    var texts: [String] { items.compactMap { if case .text(let t) = $0 { t } else { nil } } }
    var messages: [SeedMessage] { texts.compactMap { try? SeedMessage.decode($0) } }
    var frames: [SeedAudioFrame] { items.compactMap { if case .frame(let f) = $0 { f } else { nil } } }
    var end: Ending { ending.withLock { $0 } }

    /// Frames of one interaction, in arrival order.
    func frames(of interaction: String) -> [SeedAudioFrame] { frames.filter { $0.interactionId == interaction } }

    /// Connects and runs until either side closes.
    func run(url: String) async {
        let outgoing = self.outgoing
        var logger = Logger(label: "seed-probe")
        logger.logLevel = .critical
        let client = WebSocketClient(url: url, configuration: .init(maxFrameSize: 1 << 20), logger: logger) {
            inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await text in outgoing { try await outbound.write(.text(text)) }
                }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        switch message {
                        case .text(let s): self.received.withLock { $0.append(.text(s)) }
                        case .binary(let b):
                            if let f = try? SeedAudioFrame.decode(Array(b.readableBytesView)) {
                                self.received.withLock { $0.append(.frame(f)) }
                            }
                        }
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }
        let result: Ending
        do {
            if let frame = try await client.run() {
                result = .closed(Int(UInt16(webSocketErrorCode: frame.closeCode)))
            } else {
                result = .dropped
            }
        } catch {
            result = .dropped
        }
        ending.withLock { $0 = result }
    }
}

extension SimClient {
    /// `GET /api/v2/audioconnector/connections` for `org`'s token.
    func discover(_ token: String) async throws -> [String: Any] {
        let reply = try await request("GET", "/api/v2/audioconnector/connections", token: token)
        #expect(reply.status == 200, "\(reply.text)")
        return try reply.json()
    }

    /// A fresh URI for `token`.
    func seedURI(_ token: String) async throws -> String {
        try #require(try await discover(token)["uri"] as? String)
    }
}

/// Runs `body` with probes connected to fresh URIs (or the URI given) as it asks for them; closes them all and
/// waits for their ends afterwards.
func withSeedProbes(_ client: SimClient, token: String,
                    _ body: @Sendable (_ connect: @Sendable (String?) async throws -> SeedProbe) async throws -> Void)
    async throws {
    let running = Mutex<[(SeedProbe, Task<Void, Never>)]>([])
    let connect: @Sendable (String?) async throws -> SeedProbe = { uri in
        let url: String
        if let uri { url = uri } else { url = try await client.seedURI(token) }
        let probe = SeedProbe()
        let task = Task { await probe.run(url: url) }
        running.withLock { $0.append((probe, task)) }
        return probe
    }
    var failure: (any Error)?
    do { try await body(connect) } catch { failure = error }
    for (probe, task) in running.withLock({ $0 }) {
        probe.close()
        await task.value
    }
    if let failure { throw failure }
}

/// A synthetic call milestone for the seed server.
func seedEvent(_ conversation: String, _ kind: SimCallAudioEvent.Kind, queue: String = SeedAudioConnectorTests.queue)
    -> SimCallAudioEvent {
    SimCallAudioEvent(conversationId: conversation, kind: kind, at: testBusinessHours + 60_000,
                      agentId: "5a2c3d4e-0000-4000-8000-0000000000a1", queueId: queue,
                      conversationStart: testBusinessHours)
}

func seedConnected(_ conversation: String, queue: String = SeedAudioConnectorTests.queue) -> SimCallAudioEvent {
    seedEvent(conversation, .connected(participantId: "5a2c3d4e-0000-4000-8000-0000000000b1", ani: "tel:+15550001111",
                                       dnis: "tel:+18005550100"), queue: queue)
}
