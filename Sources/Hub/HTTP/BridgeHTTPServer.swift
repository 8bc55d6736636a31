import Foundation
import Hummingbird
import Store
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import SwitchboardConfig
import SwitchboardCore

/// Builds the bridge's HTTP server (SPEC §3): `/v1/stream` (WebSocket), `/v1/views/{topic}`,
/// `/healthz`, `/readyz`, `/metrics` and the dashboard (`/`, `/assets/…`, `/<file>`).
///
/// Every connection passes a ``ConnectionGate`` first (header-read timeout, header size, the cap on
/// unauthenticated connections, stream admission); every routed response gets an access-log line and
/// the security headers; every `/v1/…` request is authenticated before its route runs
/// (docs/security.md).
///
/// Run the returned application as a `Service` next to the hub (which flushes deltas):
/// ```swift
/// let app = makeBridgeApplication(hub: hub, configuration: config.server, readiness: { await bridge.readiness() },
///                                 onListening: { port in print("listening on http://127.0.0.1:\(port)") })
/// let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// ```
/// - Parameters:
///   - hub: the stream hub (auth, snapshots, metrics).
///   - configuration: listen address, listener timeouts and limits, frame and connection limits, ping interval.
///   - readiness: the report `/readyz` serves.
///   - drillDown: runs `GET /v1/utilization/details` through the org's connector (nil: 503).
///   - journeys: the journey views behind `GET /v1/journeys…` and `POST /v1/ingest/eventbridge/<org>` (nil: 404).
///   - upgradeRoutes: other WebSocket endpoints (AudioHook's `/audiohook/v1`), each decided before its upgrade.
///   - onListening: called with the bound port once the server listens (port 0 picks a free one).
public func makeBridgeApplication(
    hub: StreamHub,
    configuration: ServerConfig,
    readiness: @escaping @Sendable () async -> ReadinessReport,
    drillDown: (any UtilizationDrillDown)? = nil,
    history: (any HistoryStore)? = nil,
    journeys: (any JourneyQueries)? = nil,
    upgradeRoutes: [WebSocketUpgradeRoute] = [],
    logger: Logger = .switchboard("http"),
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: HubRequestContext.self)
    router.add(middleware: AccessLogMiddleware(logger: logger))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: BearerAuthMiddleware(hub: hub))
    BridgeRoutes(hub: hub, readiness: readiness, drillDown: drillDown, history: history, journeys: journeys)
        .register(on: router)

    let stream = StreamUpgrade(hub: hub, configuration: configuration, logger: logger)
    let policy = ConnectionGatePolicy(configuration: configuration, streamPath: "/v1/stream", metrics: hub.metrics,
                                      logger: logger, routes: upgradeRoutes) { head in
        await BridgeRoutes.streamAdmission(StreamRequestFacts(head), hub: hub) == nil
    }
    return Application(
        router: router,
        server: .streamServer(configuration: streamChannelConfiguration(configuration), policy: policy) { head, channel in
            // A route the gate accepted for this connection (its handler waits there); else the stream.
            if let handler = policy.pendingRoutes.take(for: channel) { return .route([:], handler) }
            return await stream.decide(head, channel: channel)
        },
        configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port),
                             serverName: "switchboard"),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

/// The listener's HTTP/1 and WebSocket settings (shared with the conformance tests' echo server, so
/// what the fuzzing client checks is what the stream runs).
func streamChannelConfiguration(_ configuration: ServerConfig) -> HTTP1WebSocketUpgradeChannel.Configuration {
    // No per-connection auto-ping task: the hub pings all connections in one pass (StreamHub.run).
    // Protocol checks are the libraries' (docs/security.md): swift-nio's frame decoder fails oversized
    // frames (1009) and fragmented or oversized control frames (1002); WSCore fails reserved bits and
    // opcodes and continuation errors (1002), oversized fragmented messages (1009) and, with
    // `validateUTF8` (off by default), text that is not UTF-8 (1007). Masking is ours (UnmaskedFrameGuard).
    let ws = WebSocketServerConfiguration(
        maxFrameSize: configuration.maxInboundFrameBytes,
        autoPing: .disabled,
        closeTimeout: .seconds(5),
        validateUTF8: true
    )
    // Hummingbird's idle timeout covers kept-alive HTTP connections; the gate covers the first request.
    let http1 = HTTP1Channel.Configuration(
        idleTimeout: TimeAmount(configuration.idleTimeout),
        httpDecoderConfiguration: .init(maxHeaderFieldSize: configuration.maxHeaderBytes,
                                        maxHeaderListSize: configuration.maxHeaderBytes))
    return .init(http1: http1, ws: ws)
}

/// The plain HTTP routes.
struct BridgeRoutes {
    let hub: StreamHub
    let readiness: @Sendable () async -> ReadinessReport
    var drillDown: (any UtilizationDrillDown)? = nil
    var history: (any HistoryStore)? = nil
    /// The journey views (`GET /v1/journeys…`, `POST /v1/ingest/eventbridge/<org>`); nil: every org has none.
    var journeys: (any JourneyQueries)? = nil
    /// The largest EventBridge body read.
    static let maxEventBridgeBody = 1 << 20

    static let json: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    func register(on router: Router<HubRequestContext>) {
        let hub = self.hub, readiness = self.readiness
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        // Without a token a probe learns only what it needs (ready, ok|degraded); the details (orgs, problems,
        // configuration errors) need an admin token, and the metrics a metrics (or admin) token: both name
        // every org, which an org-scoped token must not see (docs/security.md).
        router.get("/readyz") { request, context in
            let report = await readiness()
            let status: HTTPResponse.Status = report.ready ? .ok : .serviceUnavailable
            switch await Self.operatorAccess(request, context: context, hub: hub, what: "the readiness details",
                                             scope: "admin", allowAnonymous: true, check: \.isAdmin) {
            case .refused(let response): return response
            case .anonymous: return Self.encoded(report.summary, status: status)
            case .allowed: return Self.encoded(report, status: status)
            }
        }
        router.get("/metrics") { request, context in
            switch await Self.operatorAccess(request, context: context, hub: hub, what: "the metrics",
                                             scope: "metrics", allowAnonymous: false, check: \.canReadMetrics) {
            case .refused(let response): return response
            case .anonymous, .allowed:
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(bytes: hub.metrics.render())))
            }
        }
        router.get("/v1/views/{topic}") { request, context in
            let topic = try context.parameters.require("topic")
            switch await Self.snapshot(request, context: context, hub: hub, topic: topic) {
            case .allowed(let frame): return Response(status: .ok, headers: Self.json, body: .init(byteBuffer: frame))
            case .refused(let response): return response
            }
        }
        // Reached by a plain GET, and by an upgrade the ConnectionGate refused (it removed the Upgrade
        // header, so the refusal is answered here with a real status).
        router.get("/v1/stream") { request, context in
            switch await Self.streamAdmission(StreamRequestFacts(request), hub: hub) {
            case .some(let refusal):
                refusal.record(path: request.uri.path, remote: Self.remote(context), metrics: hub.metrics,
                               logger: context.logger)
                return refusal.response
            case .none where request.headers[.secWebSocketKey] != nil:
                // An upgrade refused for capacity, whose slot freed up since: still a refusal.
                return HTTPRefusal.full.response
            case .none:
                var response = Self.error(.upgradeRequired, "bad-request", "this endpoint is a WebSocket")
                response.headers[.upgrade] = "websocket"
                response.headers[.connection] = "Upgrade"
                return response
            }
        }
        let history = self.history
        UtilizationExport.register(on: router, hub: hub, store: { history })
        UtilizationDetailsExport.register(on: router, hub: hub, drillDown: drillDown)
        QualityExport.register(on: router, hub: hub, store: { history })
        AlertsEndpoint.register(on: router, hub: hub)
        HistoryEndpoint.register(on: router, hub: hub, store: { history })
        ReportsEndpoint.register(on: router, hub: hub, store: { history })
        AuditEndpoint.register(on: router, hub: hub, store: { history })
        JourneysEndpoint.register(on: router, hub: hub, journeys: journeys, maxBody: Self.maxEventBridgeBody)
        // What this bridge is and who the caller is, for the dashboard:
        // `{"notice":"…"|null,"client":"…","scopes":[…],"topics":[…]}` — the demo's notice for the footer, and the
        // topics the caller's token can read by default (`global`, or one `org:<id>` per org scope), so a
        // screen opened with an org-scoped token shows its orgs without a refused `global` first.
        router.get("/v1/about") { _, context in
            var o: [UInt8] = Array(#"{"notice":"#.utf8)
            if let n = hub.configuration.notice { JSONText.appendString(n, to: &o) } else { o.append(contentsOf: "null".utf8) }
            if let principal = context.principal {
                o.append(contentsOf: #","client":"#.utf8)
                JSONText.appendString(principal.name, to: &o)
                o.append(contentsOf: #","scopes":"#.utf8)
                Self.appendStrings(principal.scopes.map(\.description).sorted(), to: &o)
                o.append(contentsOf: #","topics":"#.utf8)
                Self.appendStrings(principal.defaultTopics, to: &o)
            }
            o.append(UInt8(ascii: "}"))
            return Response(status: .ok, headers: Self.json, body: .init(byteBuffer: ByteBuffer(bytes: o)))
        }
        let dashboard = DashboardFiles()
        router.get("/") { _, _ in dashboard.response(for: "index.html") }
        router.get("/assets/**") { request, _ in dashboard.response(for: String(request.uri.path.dropFirst())) }
        router.get("/{file}") { _, context in dashboard.response(for: try context.parameters.require("file")) }
    }

    static func token(_ request: Request) -> String? {
        HubAuthenticator.token(authorization: request.headers[.authorization], query: request.uri.query)
    }

    /// The token of a raw request head (the ConnectionGate decides before Hummingbird parses it).
    static func token(_ head: HTTPRequestHead) -> String? {
        let query = head.uri.firstIndex(of: "?").map { String(head.uri[head.uri.index(after: $0)...]) }
        return HubAuthenticator.token(authorization: head.headers.first(name: "authorization"), query: query)
    }

    /// The peer's `ip:port` for logs.
    static func remote(_ context: HubRequestContext) -> String {
        context.channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-"
    }

    /// Whether a stream may open for this request: nil, or why not. The page's origin must be allowed
    /// (``OriginCheck``; decided first, so a foreign page learns nothing about its token), the token
    /// must authenticate and hold at least one scope a stream serves (a JWT whose scopes are all unknown holds
    /// none; `metrics` alone serves nothing on a stream),
    /// and a slot must be free.
    static func streamAdmission(_ request: StreamRequestFacts, hub: StreamHub) async -> HTTPRefusal? {
        let allowed = hub.configuration.allowedOrigins
        if case .refused(let origin) = OriginCheck.verdict(origins: request.origins, host: request.host, allowed: allowed) {
            return .originNotAllowed(origin)
        }
        switch await hub.authenticator.authenticate(request.token) {
        case .failure(let failure): return .unauthenticated(failure)
        case .success(let principal):
            guard principal.canStream else {
                return .insufficientScope(scope: nil, message: "the token holds no scope a stream serves (global, org:<id> or admin)")
            }
            return hub.hasCapacity ? nil : .full
        }
    }

    /// What an export may read: the snapshot of `topic` for the request's token, or the response refusing it.
    enum SnapshotAccess {
        case allowed(ByteBuffer)
        case refused(Response)
    }

    /// The snapshot of `topic` the request's principal (set by ``BearerAuthMiddleware``) covers (the
    /// exports read the same snapshot as the stream, so they are scoped exactly like it).
    static func snapshot(_ request: Request, context: HubRequestContext, hub: StreamHub, topic: String) async -> SnapshotAccess {
        guard let principal = context.principal else {
            return .refused(HTTPRefusal.unauthenticated(.missing).response)
        }
        // `?select={…}` (URL-encoded JSON): the kinds and fields a stream `subscribe` would select (docs/protocol.md).
        var selection: StreamSelection?
        if let raw = request.uri.queryParameters.get("select") {
            let spec = (try? JSONDecoder().decode(SelectSpec.self, from: Data(raw.utf8))) ?? .invalid
            switch StreamSelection.make(spec) {
            case .success(let s): selection = s
            case .failure(let e): return .refused(error(.badRequest, e.code, e.message))
            }
        }
        switch await hub.snapshot(topic: topic, for: principal).map({ frame in selection.map { $0.snapshot(frame) } ?? frame }) {
        case .failure(.forbidden):
            let refusal = HTTPRefusal.insufficientScope(scope: topic, message: "the token does not cover \(topic)")
            refusal.record(path: request.uri.path, remote: remote(context), metrics: hub.metrics, logger: context.logger)
            return .refused(refusal.response)
        case .failure(.unknownTopic): return .refused(error(.notFound, "unknown-topic", "no such topic \(topic)"))
        case .success(let frame): return .allowed(frame)
        }
    }

    /// Who may read an operator endpoint (`/readyz` details, `/metrics`), which sit outside `/v1/` and so
    /// are not authenticated by ``BearerAuthMiddleware``.
    enum OperatorAccess {
        /// No token was sent and the endpoint has an anonymous answer.
        case anonymous
        case allowed
        case refused(Response)
    }

    /// No token: `.anonymous` when `allowAnonymous`, else 401. A bad token: 401. A valid token that fails
    /// `check`: 403 naming `scope`. With `auth: none` every request is allowed.
    static func operatorAccess(_ request: Request, context: HubRequestContext, hub: StreamHub, what: String,
                               scope: String, allowAnonymous: Bool,
                               check: (HubPrincipal) -> Bool) async -> OperatorAccess {
        let token = Self.token(request)
        if token == nil && allowAnonymous && !hub.authenticator.isDisabled { return .anonymous }
        let refusal: HTTPRefusal
        switch await hub.authenticator.authenticate(token) {
        case .success(let principal) where check(principal): return .allowed
        case .success: refusal = .insufficientScope(scope: scope, message: "\(what) need a token with the \(scope) scope")
        case .failure(let failure): refusal = .unauthenticated(failure)
        }
        refusal.record(path: request.uri.path, remote: remote(context), metrics: hub.metrics, logger: context.logger)
        return .refused(refusal.response)
    }

    /// For `/v1/` endpoints (authenticated by ``BearerAuthMiddleware``) that only admins may read: nil when the
    /// request's principal is an admin, else the 401/403 response (recorded like every refusal).
    static func refuseUnlessAdmin(_ request: Request, context: HubRequestContext, hub: StreamHub, what: String) -> Response? {
        guard let principal = context.principal else { return HTTPRefusal.unauthenticated(.missing).response }
        guard !principal.isAdmin else { return nil }
        let refusal = HTTPRefusal.insufficientScope(scope: "admin", message: "\(what) needs a token with the admin scope")
        refusal.record(path: request.uri.path, remote: remote(context), metrics: hub.metrics, logger: context.logger)
        return refusal.response
    }

    static func encoded(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: json, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func appendStrings(_ strings: [String], to o: inout [UInt8]) {
        o.append(UInt8(ascii: "["))
        for (i, s) in strings.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            JSONText.appendString(s, to: &o)
        }
        o.append(UInt8(ascii: "]"))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        Response(status: status, headers: json, body: .init(byteBuffer: HubFrame.error(code, message)))
    }
}
