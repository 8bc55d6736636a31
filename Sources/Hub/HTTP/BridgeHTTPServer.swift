import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SwitchboardConfig
import SwitchboardCore

/// Builds the bridge's HTTP server (SPEC §3): `/v1/stream` (WebSocket), `/v1/views/{topic}`,
/// `/healthz`, `/readyz`, `/metrics` and the dashboard (`/`, `/assets/…`, `/<file>`).
///
/// Run the returned application as a `Service` next to the hub (which flushes deltas):
/// ```swift
/// let app = makeBridgeApplication(hub: hub, configuration: config.server, readiness: { await bridge.readiness() },
///                                 onListening: { port in print("listening on http://127.0.0.1:\(port)") })
/// let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// ```
/// - Parameters:
///   - hub: the stream hub (auth, snapshots, metrics).
///   - configuration: listen address, frame and connection limits, ping interval.
///   - readiness: the report `/readyz` serves.
///   - drillDown: runs `GET /v1/utilization/details` through the org's connector (nil: 503).
///   - onListening: called with the bound port once the server listens (port 0 picks a free one).
public func makeBridgeApplication(
    hub: StreamHub,
    configuration: ServerConfig,
    readiness: @escaping @Sendable () async -> ReadinessReport,
    drillDown: (any UtilizationDrillDown)? = nil,
    logger: Logger = .switchboard("http"),
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: HubRequestContext.self)
    BridgeRoutes(hub: hub, readiness: readiness, drillDown: drillDown).register(on: router)

    let wsRouter = Router(context: HubRequestContext.self)
    let maxInbound = configuration.maxInboundFrameBytes
    let maxOutboundFrame = max(configuration.maxOutboundFrameBytes, 1024)
    let userTimeoutMs = SocketOptionValue(clamping: configuration.pongTimeout.components.seconds * 1000
        + configuration.pongTimeout.components.attoseconds / 1_000_000_000_000_000)
    wsRouter.ws("/v1/stream") { request, _ in
        switch await BridgeRoutes.authenticate(request, hub: hub) {
        case .failure: throw HTTPError(.unauthorized)
        case .success:
            guard hub.hasCapacity else { throw HTTPError(.serviceUnavailable) }
            return .upgrade([:])
        }
    } onUpgrade: { inbound, outbound, context in
        let token = BridgeRoutes.token(context.request)
        guard case .success(let principal) = await hub.authenticator.authenticate(token) else {
            try await outbound.close(.policyViolation, reason: "unauthorized")
            return
        }
        let channel = context.requestContext.channel
        // Dead peers: the hub pings every connection each `pingInterval`; data a peer leaves unacknowledged
        // for `pongTimeout` makes the kernel abort the connection (Linux TCP_USER_TIMEOUT, milliseconds).
        try? await channel.setOption(ChannelOptions.tcpOption(.init(rawValue: 18)), value: userTimeoutMs)
        guard let conn = hub.connect(principal: principal, token: token.map(Secret.init),
                                     forceClose: { channel.close(mode: .all, promise: nil) })
        else {
            try await outbound.write(.text(String(buffer: HubFrame.error("limit", "too many connections; retry later"))))
            try await outbound.close(.unknown(ClientConnection.CloseCode.tryAgainLater), reason: "server-full")
            return
        }
        let session = StreamSession(hub: hub, conn: conn, logger: context.logger, maxFrameBytes: maxOutboundFrame,
                                    maxInboundBytes: maxInbound)
        try await session.run(inbound: inbound, outbound: outbound)
    }

    // No per-connection auto-ping task: the hub pings all connections in one pass (StreamHub.run).
    let ws = WebSocketServerConfiguration(
        maxFrameSize: maxInbound,
        autoPing: .disabled,
        closeTimeout: .seconds(5)
    )
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: wsRouter, configuration: .init(ws: ws)),
        configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port),
                             serverName: "switchboard"),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

/// The plain HTTP routes.
struct BridgeRoutes {
    let hub: StreamHub
    let readiness: @Sendable () async -> ReadinessReport
    var drillDown: (any UtilizationDrillDown)? = nil

    static let json: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    func register(on router: Router<HubRequestContext>) {
        let hub = self.hub, readiness = self.readiness
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ in
            let report = await readiness()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(report)
            return Response(status: report.ready ? .ok : .serviceUnavailable, headers: Self.json,
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: hub.metrics.render())))
        }
        router.get("/v1/views/{topic}") { request, context in
            let topic = try context.parameters.require("topic")
            switch await Self.authenticate(request, hub: hub) {
            case .failure(let failure): return Self.error(.unauthorized, failure.code, "a valid bearer token is required")
            case .success(let principal):
                switch await hub.snapshot(topic: topic, for: principal) {
                case .success(let frame): return Response(status: .ok, headers: Self.json, body: .init(byteBuffer: frame))
                case .failure(.forbidden): return Self.error(.forbidden, "forbidden", "the token does not cover \(topic)")
                case .failure(.unknownTopic): return Self.error(.notFound, "unknown-topic", "no topic \(topic)")
                }
            }
        }
        // Reached when the WebSocket upgrade was refused or not asked for.
        router.get("/v1/stream") { request, _ in
            switch await Self.authenticate(request, hub: hub) {
            case .failure(let failure): return Self.error(.unauthorized, failure.code, "a valid bearer token is required")
            case .success:
                guard hub.hasCapacity else { return Self.error(.serviceUnavailable, "limit", "too many connections") }
                return Self.error(.upgradeRequired, "bad-request", "this endpoint is a WebSocket")
            }
        }
        UtilizationExport.register(on: router, hub: hub)
        UtilizationDetailsExport.register(on: router, hub: hub, drillDown: drillDown)
        QualityExport.register(on: router, hub: hub)
        AlertsEndpoint.register(on: router, hub: hub)
        let dashboard = DashboardFiles()
        router.get("/") { _, _ in dashboard.response(for: "index.html") }
        router.get("/assets/**") { request, _ in dashboard.response(for: String(request.uri.path.dropFirst())) }
        router.get("/{file}") { _, context in dashboard.response(for: try context.parameters.require("file")) }
    }

    static func token(_ request: Request) -> String? {
        HubAuthenticator.token(authorization: request.headers[.authorization], query: request.uri.query)
    }

    static func authenticate(_ request: Request, hub: StreamHub) async -> Result<HubPrincipal, HubAuthFailure> {
        await hub.authenticator.authenticate(token(request))
    }

    /// What an export may read: the snapshot of `topic` for the request's token, or the response refusing it.
    enum SnapshotAccess {
        case allowed(ByteBuffer)
        case refused(Response)
    }

    /// Authenticates `request` and returns the snapshot of `topic` its token covers (the exports read the
    /// same snapshot as the stream, so they are scoped exactly like it).
    static func snapshot(_ request: Request, hub: StreamHub, topic: String) async -> SnapshotAccess {
        switch await authenticate(request, hub: hub) {
        case .failure(let failure):
            return .refused(error(.unauthorized, failure.code, "a valid bearer token is required"))
        case .success(let principal):
            switch await hub.snapshot(topic: topic, for: principal) {
            case .failure(.forbidden): return .refused(error(.forbidden, "forbidden", "the token does not cover \(topic)"))
            case .failure(.unknownTopic): return .refused(error(.notFound, "unknown-topic", "no such topic \(topic)"))
            case .success(let frame): return .allowed(frame)
            }
        }
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        var headers = json
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: HubFrame.error(code, message)))
    }
}
