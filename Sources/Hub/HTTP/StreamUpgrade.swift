import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import SwitchboardConfig
import SwitchboardCore

/// The `/v1/stream` upgrade: hummingbird-websocket's `shouldUpgrade` callback (the connection's first
/// request, already admitted by the ``ConnectionGate``) and the stream handler it returns.
///
/// Why not `Router.ws(_:shouldUpgrade:onUpgrade:)`: the router form stores the request context in the
/// context's own `WebSocketHandlerReference` (a box the context holds), a reference cycle that is never
/// broken (hummingbird-websocket 2.8.1), so every upgrade leaked its context — and with it, because our
/// ``HubRequestContext`` keeps the channel, the whole channel: pipeline, buffers, ≈ 5 KiB per closed
/// stream (`make bench` `churn`, docs/performance.md). The callback form keeps nothing after the
/// handler returns.
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

    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    /// Upgrades the stream path while a slot is free. The gate decided token, scopes and capacity before
    /// the upgrader saw the request; what is refused here (the last slot taken meanwhile) gets
    /// hummingbird-websocket's bare `400`.
    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) -> ShouldUpgradeResult<Handler> {
        let target = request.path ?? "/"
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let remote = channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-"
        guard pathPart == path, hub.hasCapacity else {
            logAccess(request, target: target, status: 400, remote: remote)
            return .dontUpgrade
        }
        logAccess(request, target: target, status: 101, remote: remote)
        let query = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
        let token = HubAuthenticator.token(authorization: request.headerFields[.authorization], query: query)
        // permessage-deflate: the same decision the pipeline's installer makes from the same request
        // (`UnmaskedFrameGuard.Installer`), which puts the inflater in when it holds.
        var headers = HTTPFields()
        let offers = request.headerFields[values: .secWebSocketExtensions]
        let deflate = perMessageDeflate && PerMessageDeflate.applies(path: target, streamPath: path, offers: offers)
        if deflate { headers[.secWebSocketExtensions] = PerMessageDeflate.response }
        return .upgrade(headers) { inbound, outbound, _ in
            try await run(inbound: inbound, outbound: outbound, token: token, channel: channel, remote: remote, deflate: deflate)
        }
    }

    private func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, token: String?,
                     channel: any Channel, remote: String, deflate: Bool) async throws {
        guard case .success(let principal) = await hub.authenticator.authenticate(token) else {
            try await outbound.close(.policyViolation, reason: "unauthorized")
            return
        }
        // Dead peers: the hub pings every connection each `pingInterval`; data a peer leaves unacknowledged
        // for `pongTimeout` makes the kernel abort the connection (Linux TCP_USER_TIMEOUT, milliseconds).
        try? await channel.setOption(ChannelOptions.tcpOption(.init(rawValue: 18)), value: userTimeoutMs).get()
        guard let conn = hub.connect(principal: principal, token: token.map(Secret.init), deflate: deflate,
                                     forceClose: { [weak channel] in channel?.close(mode: .all, promise: nil) })
        else {
            try await outbound.write(.text(String(buffer: HubFrame.error("limit", "too many connections; retry later"))))
            try await outbound.close(.unknown(ClientConnection.CloseCode.tryAgainLater), reason: "server-full")
            return
        }
        let opened = ContinuousClock.now
        logger.info("stream opened", metadata: ["client": "\(principal.name)", "remote": "\(remote)"])
        defer {
            logger.info("stream closed", metadata: ["client": "\(principal.name)", "remote": "\(remote)",
                                                    "seconds": "\((ContinuousClock.now - opened).components.seconds)"])
        }
        let session = StreamSession(hub: hub, conn: conn, logger: logger, maxFrameBytes: maxOutboundFrameBytes,
                                    maxInboundBytes: maxInboundBytes, deflate: deflate)
        try await session.run(inbound: inbound, outbound: outbound)
    }

    /// The access-log line of the upgrade request (docs/security.md, "Audit trail"): `101` when accepted.
    private func logAccess(_ request: HTTPRequest, target: String, status: Int, remote: String) {
        var shown = target
        if let q = target.firstIndex(of: "?") {
            shown = String(target[..<q]) + "?" + AccessLogMiddleware.masked(query: String(target[target.index(after: q)...]))
        }
        let path = String(target.prefix { $0 != "?" })
        logger.info("\(request.method) \(shown) \(status) 0ms \(remote)", metadata: [
            "method": "\(request.method)", "path": "\(path)", "status": "\(status)", "ms": "0", "remote": "\(remote)",
        ])
    }
}
