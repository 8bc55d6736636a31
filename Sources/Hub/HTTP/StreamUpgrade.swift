import Foundation
import NIOHTTP1
import NIOWebSocket
import Logging
import NIOCore
import SwitchboardConfig
import SwitchboardCore

/// The `/v1/stream` upgrade: the decision on the connection's first request (already admitted by the
/// ``ConnectionGate``) and the ``StreamChannelHandler`` it installs once the upgrade is answered.
///
/// Why not `Router.ws(_:shouldUpgrade:onUpgrade:)`: the router form stores the request context in the
/// context's own `WebSocketHandlerReference` (a box the context holds), a reference cycle that is never
/// broken (hummingbird-websocket 2.8.1), so every upgrade leaked its context — and with it, because our
/// ``HubRequestContext`` keeps the channel, the whole channel: pipeline, buffers, ≈ 5 KiB per closed
/// stream (`make bench` `churn`, docs/performance.md). And the stream is served by a channel handler, with no
/// task per connection (``StreamServerChannel``).
struct StreamUpgrade: Sendable {
    let hub: StreamHub
    let path: String
    let maxInboundBytes: Int
    let maxOutboundFrameBytes: Int
    let perMessageDeflate: Bool
    /// `TCP_USER_TIMEOUT` for stream sockets, in milliseconds.
    let userTimeoutMs: SocketOptionValue
    let logger: Logger

    init(hub: StreamHub, configuration: ServerConfig, path: String = "/v1/stream", logger: Logger) {
        self.hub = hub
        self.path = path
        maxInboundBytes = configuration.maxInboundFrameBytes
        maxOutboundFrameBytes = max(configuration.maxOutboundFrameBytes, 1024)
        perMessageDeflate = configuration.perMessageDeflate
        userTimeoutMs = SocketOptionValue(clamping: configuration.pongTimeout.components.seconds * 1000
            + configuration.pongTimeout.components.attoseconds / 1_000_000_000_000_000)
        self.logger = logger
    }

    /// Upgrades the stream path while a slot is free and the credential holds. The gate decided token, scopes and
    /// capacity before the upgrader saw the request; what is refused here (the last slot taken meanwhile, a token
    /// that expired in between) gets a bare `400`.
    func decide(_ head: HTTPRequestHead, channel: any Channel) async -> StreamServerChannel.UpgradeDecision {
        let target = head.uri
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let remote = channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-"
        guard pathPart == path, hub.hasCapacity else {
            logAccess(head, status: 400, remote: remote)
            return .refuse
        }
        let query = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
        let token = HubAuthenticator.token(authorization: head.headers.first(name: "authorization"), query: query)
        guard case .success(let principal) = await hub.authenticator.authenticate(token) else {
            logAccess(head, status: 400, remote: remote)
            return .refuse
        }
        logAccess(head, status: 101, remote: remote)
        // permessage-deflate: the same decision the pipeline's installer makes from the same request
        // (`UnmaskedFrameGuard.Installer`), which puts the inflater in when it holds.
        var headers = HTTPHeaders()
        let offers = head.headers[canonicalForm: "sec-websocket-extensions"].map(String.init)
        let deflate = perMessageDeflate && PerMessageDeflate.applies(path: target, streamPath: path, offers: offers)
        if deflate { headers.add(name: "Sec-WebSocket-Extensions", value: PerMessageDeflate.response) }
        let secret = token.map(Secret.init)
        return .stream(headers) { channel in try install(on: channel, principal: principal, token: secret, deflate: deflate) }
    }

    /// Registers the connection with the hub and puts its handler last in the pipeline (on the channel's event
    /// loop, after the `101`). A hub that filled up meanwhile gets `{"type":"error","code":"limit"}` and a close
    /// `1013` instead.
    private func install(on channel: any Channel, principal: HubPrincipal, token: Secret?, deflate: Bool) throws {
        // Dead peers: the hub pings every connection each `pingInterval`; data a peer leaves unacknowledged
        // for `pongTimeout` makes the kernel abort the connection (Linux TCP_USER_TIMEOUT, milliseconds).
        try? channel.syncOptions?.setOption(ChannelOptions.tcpOption(.init(rawValue: 18)), value: userTimeoutMs)
        guard let conn = hub.connect(principal: principal, token: token, deflate: deflate,
                                     forceClose: { [weak channel] in channel?.close(mode: .all, promise: nil) })
        else {
            let full = HubFrame.error("limit", "too many connections; retry later")
            var close = channel.allocator.buffer(capacity: 16)
            close.write(webSocketErrorCode: .unknown(ClientConnection.CloseCode.tryAgainLater))
            close.writeString("server-full")
            channel.write(WebSocketFrame(fin: true, opcode: .text, data: full), promise: nil)
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: close)).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        }
        do {
            try channel.pipeline.syncOperations.addHandler(StreamChannelHandler(
                hub: hub, conn: conn, logger: logger, maxFrameBytes: maxOutboundFrameBytes,
                maxInboundBytes: maxInboundBytes, deflate: deflate))
        } catch {
            // The peer left between the upgrade and now (a closed channel's pipeline takes no handler): the
            // connection must not stay counted.
            hub.disconnect(conn)
            throw error
        }
    }

    /// The access-log line of the upgrade request (docs/security.md, "Audit trail"): `101` when accepted.
    private func logAccess(_ head: HTTPRequestHead, status: Int, remote: String) {
        let target = head.uri
        var shown = target
        if let q = target.firstIndex(of: "?") {
            shown = String(target[..<q]) + "?" + AccessLogMiddleware.masked(query: String(target[target.index(after: q)...]))
        }
        let path = String(target.prefix { $0 != "?" })
        logger.info("\(head.method.rawValue) \(shown) \(status) 0ms \(remote)", metadata: [
            "method": "\(head.method.rawValue)", "path": "\(path)", "status": "\(status)", "ms": "0", "remote": "\(remote)",
        ])
    }
}
