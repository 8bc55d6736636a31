import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import SwitchboardCore

/// The connector's child tasks: discoveries, sockets, lookups, region reports. Each reports back to the loop
/// through ``SeedAudioConnector/input``; none holds state of its own beyond its socket.
extension SeedAudioConnector {
    /// A child task the loop asks for.
    enum Spawn: Sendable {
        case discover(connection: Int)
        case socket(connection: Int, socket: Int, uri: String, commands: AsyncStream<SocketCommand>)
        case lookup(UUID)
        case region(String)
    }

    /// What the loop tells a socket.
    enum SocketCommand: Sendable {
        case text(String)
        case ping
        case close
    }

    func perform(_ spawn: Spawn) async {
        switch spawn {
        case .discover(let connection):
            await discover(connection: connection)
        case .socket(let connection, let socket, let uri, let commands):
            await runSocket(connection: connection, socket: socket, uri: uri, commands: commands)
        case .lookup(let id):
            await lookup(id)
        case .region(let region):
            await onRegion(region)
        }
    }

    private func discover(connection: Int) async {
        do {
            let body = try await transport.discover()
            do throws(SeedMessageError) {
                input.yield(.discovered(connection: connection, try SeedDiscovery.decode(body), failure: nil))
            } catch {
                input.yield(.discovered(connection: connection, nil, failure: "\(error.code): \(error.message)"))
            }
        } catch is CancellationError {
        } catch {
            let code = (error as? any CodedError).map { "\($0.code): \($0.message)" } ?? "\(error)"
            input.yield(.discovered(connection: connection, nil, failure: code))
        }
    }

    private func lookup(_ id: UUID) async {
        let conversation = id.uuidString.lowercased()
        do {
            let hints = try await transport.lookup(conversation)
            if hints == nil {
                logger.notice("""
                    the conversation of an interaction without metadata is unknown to the platform (404); its session \
                    goes on without agent and queue hints
                    """,
                              metadata: ["conversationId": "\(conversation)"])
            }
            input.yield(.lookedUp(id, hints))
        } catch is CancellationError {
        } catch {
            logger.warning("""
                could not look up the conversation of an interaction without metadata \
                (GET /api/v2/conversations/{id}); its session goes on without agent and queue hints
                """,
                           metadata: ["conversationId": "\(conversation)", "error": "\(error)"])
            input.yield(.lookedUp(id, nil))
        }
    }

    /// One WebSocket to a discovered URI: only the URI's own token authenticates it (no `Authorization`
    /// header). Text and binary messages go to the loop; commands come from it. The library answers the server's
    /// pings and pings on its own every `pingAfterQuiet`, closing a connection whose pong does not come.
    private func runSocket(connection: Int, socket: Int, uri: String, commands: AsyncStream<SocketCommand>) async {
        let input = self.input
        let maxSize = configuration.maxMessageBytes
        let opened = OpenedFlag()
        var config = WebSocketClientConfiguration(maxFrameSize: maxSize, closeTimeout: .seconds(2))
        config.autoPing = .enabled(timePeriod: configuration.connection.pingAfterQuiet)
        let redacted = SeedDiscovery(uri: uri, connectionId: "", region: "").redactedURI
        var socketLogger = logger
        socketLogger[metadataKey: "uri"] = "\(redacted)"
        socketLogger.logLevel = max(logger.logLevel, .info)  // the library's trace lines would carry the full URI
        do {
            let client = WebSocketClient(url: uri, configuration: config, logger: socketLogger) { inbound, outbound, _ in
                opened.set()
                input.yield(.socketOpened(connection: connection, socket: socket))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await command in commands {
                            switch command {
                            case .text(let text):
                                try await outbound.write(.text(text))
                            case .ping:
                                try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())))
                                input.yield(.pinged(connection: connection, socket: socket))
                            case .close:
                                try? await outbound.close(.normalClosure, reason: nil)
                                return
                            }
                        }
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: maxSize) {
                            switch message {
                            case .text(let text):
                                input.yield(.text(connection: connection, socket: socket, text))
                            case .binary(let buffer):
                                input.yield(.binary(connection: connection, socket: socket, Array(buffer.readableBytesView)))
                            }
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
            let close = try await client.run()
            if opened.isSet {
                input.yield(.socketClosed(connection: connection, socket: socket,
                                          code: close.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) },
                                          reason: close?.reason))
            } else {
                input.yield(.socketFailed(connection: connection, socket: socket, reason: "the upgrade did not complete"))
            }
        } catch {
            // Error texts name hosts and ports, not the query; redact anyway in case one quotes the URI.
            let reason = "\(error)".replacingOccurrences(of: uri, with: redacted)
            if opened.isSet {
                input.yield(.socketClosed(connection: connection, socket: socket, code: nil, reason: reason))
            } else {
                input.yield(.socketFailed(connection: connection, socket: socket, reason: reason))
            }
        }
    }
}

/// Set once by a socket's handler when the upgrade completed.
final class OpenedFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
