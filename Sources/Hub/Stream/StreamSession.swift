import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import SwitchboardCore

/// One client → server frame (docs/protocol.md).
struct ClientOp: Decodable {
    /// `42` or `"a"`: echoed in the pong as given.
    enum PingID: Decodable {
        case int(Int64)
        case string(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int64.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
        var json: String {
            switch self {
            case .int(let i): return String(i)
            case .string(let s):
                var o: [UInt8] = []
                JSONText.appendString(s, to: &o)
                return String(decoding: o, as: UTF8.self)
            }
        }
    }
    var op: String
    var topic: String?
    var since: ResumePoint?
    /// `subscribe` only: deltas with field-level patches (docs/protocol.md "Patches").
    var patches: Bool?
    var token: String?
    var id: PingID?
}

/// Runs one stream connection: the reader (in the handler's task) and one writer task draining the
/// connection's queue. Token expiry, write timeouts and forced closes are the hub's watchdog
/// (``StreamHub/checkConnections(now:)``): one pass over all connections per tick instead of one
/// sleeping task per connection. Returning ends the WebSocket.
struct StreamSession {
    let hub: StreamHub
    let conn: ClientConnection
    let logger: Logger
    /// Outgoing messages larger than this are sent as fragmented messages (continuation frames).
    let maxFrameBytes: Int
    let maxInboundBytes: Int
    /// The client negotiated `permessage-deflate`: snapshots and deltas go out in their shared compressed form.
    var deflate = false

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        defer { hub.disconnect(conn) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await writeLoop(outbound) }
            defer { group.cancelAll() }
            for try await message in inbound.messages(maxSize: maxInboundBytes) {
                guard case .text(let text) = message else {
                    conn.push(.control(HubFrame.error("bad-request", "frames are JSON text")))
                    continue
                }
                await handle(text)
            }
        }
    }

    private func handle(_ text: String) async {
        guard let op = try? JSONDecoder().decode(ClientOp.self, from: Data(text.utf8)) else {
            conn.push(.control(HubFrame.error("bad-request", "expected a JSON object with an \"op\" (subscribe, unsubscribe, ping, auth)")))
            return
        }
        switch op.op {
        case "subscribe":
            guard let topic = op.topic else { return badRequest("subscribe needs a \"topic\"") }
            await hub.subscribe(conn, topicName: topic, since: op.since, patches: op.patches ?? false)
        case "unsubscribe":
            guard let topic = op.topic else { return badRequest("unsubscribe needs a \"topic\"") }
            hub.unsubscribe(conn, topicName: topic)
        case "ping":
            conn.push(.control(HubFrame.pong(idJSON: op.id?.json)))
        case "auth":
            guard let token = op.token else { return badRequest("auth needs a \"token\"") }
            switch await hub.authenticator.authenticate(token) {
            case .success(let principal):
                hub.apply(principal: principal, token: Secret(token), to: conn)
                conn.push(.control(HubFrame.authenticated(expiresAt: principal.expiresAt, scopes: principal.scopeNames)))
            case .failure(let failure):
                hub.metrics.authRefused(status: 401)
                logger.notice("in-band authentication failed", metadata: ["reason": "\(failure.reason)",
                                                                         "client": "\(conn.principal.name)"])
                conn.push(.control(HubFrame.error(failure.code, "the new token was refused; the current one stays in force")))
            }
        default:
            badRequest("unknown op \"\(op.op)\"")
        }
    }

    private func badRequest(_ message: String) {
        conn.push(.control(HubFrame.error("bad-request", message)))
    }

    private func writeLoop(_ outbound: WebSocketOutboundWriter) async {
        for await _ in conn.wakeups {
            while let item = conn.beginWrite() {
                defer { conn.endWrite() }
                do {
                    switch item {
                    case .close(let code, let reason):
                        try await outbound.close(.unknown(code), reason: reason)
                        return
                    case .ping:
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())))
                        hub.metrics.messageOut(type: "ping", bytes: 0)
                    case .snapshot(_, let frame):
                        let bytes = try await send(frame, outbound)
                        hub.metrics.messageOut(type: "snapshot", bytes: bytes)
                    case .delta(let delta):
                        let patched = delta.patchFrame.flatMap { conn.wantsPatches(delta.topic) ? $0 : nil }
                        let bytes = try await send(patched ?? delta.frame, outbound)
                        hub.metrics.messageOut(type: "delta", bytes: bytes)
                        hub.metrics.latency.record(.now - delta.publishedAt)
                    case .control(let buffer):
                        try await send(buffer, outbound)
                        hub.metrics.messageOut(type: "control", bytes: buffer.readableBytes)
                    }
                } catch {
                    logger.debug("stream write failed", metadata: ["error": "\(error)"])
                    conn.forceClose()
                    return
                }
            }
        }
    }

    /// Writes a shared message, compressed when the client negotiated `permessage-deflate` (RSV1 on the first
    /// frame, RFC 7692 §6); returns the payload bytes written.
    private func send(_ frame: SharedFrame, _ outbound: WebSocketOutboundWriter) async throws -> Int {
        guard deflate else {
            try await send(frame.buffer, outbound)
            return frame.buffer.readableBytes
        }
        let compressed = await frame.deflated()
        try await send(compressed, outbound, compressed: true)
        return compressed.readableBytes
    }

    /// Writes one text message, fragmented at `maxFrameBytes`. Frames go straight to the handler
    /// (`.custom`) rather than through `withTextMessageWriter`: one async call level less per write, and
    /// every level's frame stays allocated in the writer task for the connection's lifetime.
    private func send(_ buffer: ByteBuffer, _ outbound: WebSocketOutboundWriter, compressed: Bool = false) async throws {
        var rest = buffer
        var opcode = WebSocketOpcode.text
        var rsv1 = compressed
        repeat {
            let slice = rest.readSlice(length: min(maxFrameBytes, rest.readableBytes))!
            try await outbound.write(.custom(WebSocketFrame(fin: rest.readableBytes == 0, rsv1: rsv1, opcode: opcode, data: slice)))
            opcode = .continuation
            rsv1 = false
        } while rest.readableBytes > 0
    }
}
