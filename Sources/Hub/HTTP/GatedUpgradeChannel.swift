import Hummingbird
import HummingbirdCore
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// hummingbird-websocket's HTTP/1 + WebSocket upgrade channel with a ``ConnectionGate`` placed right
/// after the request decoder, ahead of the upgrader, on every accepted connection, and an
/// ``UnmaskedFrameGuard/Installer`` at the end, which puts the masking check behind the frame decoder
/// when the connection becomes a WebSocket.
struct GatedUpgradeChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let inner: HTTP1WebSocketUpgradeChannel
    let policy: ConnectionGatePolicy

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(ConnectionGate(policy: policy), position: .after(decoder))
            try pipeline.addHandler(UnmaskedFrameGuard.Installer(logger: policy.logger, deflate: policy.perMessageDeflate
                ? .init(streamPath: policy.streamPath, maxBytes: policy.maxInboundFrameBytes) : nil))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades decided by `shouldUpgrade`, every connection behind a gate.
    static func gatedWebSocketUpgrade(
        configuration: HTTP1WebSocketUpgradeChannel.Configuration, policy: ConnectionGatePolicy,
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel, Logger) throws
            -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    ) -> HTTPServerBuilder {
        .init { responder in
            GatedUpgradeChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: configuration,
                                                    shouldUpgrade: shouldUpgrade),
                policy: policy)
        }
    }
}
