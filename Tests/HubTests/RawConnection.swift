import NIOCore
import NIOPosix
import Synchronization

/// A raw TCP connection to a test server: sends bytes exactly as given and records what comes back,
/// for the cases an HTTP client library will not produce (silence, half-sent heads, huge headers).
final class RawConnection: Sendable {
    struct Received: Sendable {
        var bytes: [UInt8] = []
        var closed = false
    }

    private let state: Received.Box
    private let channel: any Channel

    private init(channel: any Channel, state: Received.Box) {
        self.channel = channel
        self.state = state
    }

    static func open(port: Int) async throws -> RawConnection {
        let state = Received.Box()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Collector(state: state)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, state: state)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Everything received so far.
    var bytes: [UInt8] { state.value.bytes }

    func close() async {
        try? await channel.close().get()
    }

    var text: String { String(decoding: state.value.bytes, as: UTF8.self) }
    var isClosed: Bool { state.value.closed }

    /// The status code of the first response, once its status line has arrived.
    var status: Int? {
        let t = text
        guard t.hasPrefix("HTTP/1.1 "), t.count >= 12 else { return nil }
        return Int(t.dropFirst(9).prefix(3))
    }

    /// The value of `name` in the first response head (case-insensitive), if any.
    func header(_ name: String) -> String? {
        let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == name.lowercased() {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// Waits until the server closed the connection; false when it is still open after `timeout`.
    func waitClosed(timeout: Duration = .seconds(20)) async throws -> Bool {
        try await eventually(timeout: timeout) { self.isClosed }
    }

    /// Waits for a complete response head.
    func waitHead(timeout: Duration = .seconds(20)) async throws -> Bool {
        try await eventually(timeout: timeout) { self.text.contains("\r\n\r\n") }
    }

    /// A WebSocket upgrade request for the stream, with `token` in the query when given.
    static func upgradeRequest(token: String?, path: String = "/v1/stream") -> String {
        "GET \(path)\(token.map { "?access_token=\($0)" } ?? "") HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    }
}

extension RawConnection.Received {
    final class Box: Sendable {
        private let m = Mutex(RawConnection.Received())
        var value: RawConnection.Received { m.withLock { $0 } }
        func append(_ bytes: [UInt8]) { m.withLock { $0.bytes += bytes } }
        func close() { m.withLock { $0.closed = true } }
    }
}

private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let state: RawConnection.Received.Box

    init(state: RawConnection.Received.Box) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        state.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.close()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
