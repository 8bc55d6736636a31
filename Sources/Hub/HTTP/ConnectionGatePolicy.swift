import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// What every ``ConnectionGate`` of one listener shares: the limits, the count of connections that
/// are not (yet) an authenticated stream, and the stream admission decision.
final class ConnectionGatePolicy: Sendable {
    /// Why the gate closed a connection (a metric label).
    enum CloseReason: String, Sendable {
        case headerTimeout = "header-timeout"
        case overCapacity = "unauthenticated-limit"
        case headerTooLarge = "header-too-large"
        case badRequest = "bad-request"
    }

    let headerReadTimeout: TimeAmount
    let maxUnauthenticated: Int
    let maxHeaderBytes: Int
    let streamPath: String
    /// Whether stream upgrades may negotiate `permessage-deflate`, and the largest client message.
    let perMessageDeflate: Bool
    let maxInboundFrameBytes: Int
    /// Decides a stream upgrade request: true lets it through to the upgrader.
    let admit: @Sendable (HTTPRequestHead) async -> Bool
    /// Other WebSocket endpoints, decided by their own routes.
    let routes: [WebSocketUpgradeRoute]
    /// Route upgrades accepted and waiting for the upgrader.
    let pendingRoutes = PendingRouteUpgrades()
    let metrics: HubMetrics
    let logger: Logger
    private let unauthenticated = Atomic<Int>(0)
    /// When the last "limit reached" warning was logged (uptime ns), so a flood logs one line per 10 s.
    private let lastWarning = Atomic<UInt64>(0)

    init(configuration: ServerConfig, streamPath: String, metrics: HubMetrics, logger: Logger,
         routes: [WebSocketUpgradeRoute] = [],
         admit: @escaping @Sendable (HTTPRequestHead) async -> Bool) {
        self.routes = routes
        headerReadTimeout = TimeAmount(configuration.headerReadTimeout)
        maxUnauthenticated = configuration.maxUnauthenticatedConnections
        maxHeaderBytes = configuration.maxHeaderBytes
        self.streamPath = streamPath
        perMessageDeflate = configuration.perMessageDeflate
        maxInboundFrameBytes = configuration.maxInboundFrameBytes
        self.metrics = metrics
        self.logger = logger
        self.admit = admit
    }

    /// Connections counted now.
    var unauthenticatedCount: Int { unauthenticated.load(ordering: .relaxed) }

    /// Counts a new connection; false (and not counted) when the cap is reached.
    func enter() -> Bool {
        let (exchanged, _) = unauthenticated.compareExchangeLoop { $0 < maxUnauthenticated ? $0 + 1 : nil }
        if exchanged { metrics.unauthenticatedConnections.increment() }
        return exchanged
    }

    /// A counted connection closed or became a stream.
    func leave() {
        unauthenticated.subtract(1, ordering: .relaxed)
        metrics.unauthenticatedConnections.decrement()
    }

    func kind(of head: HTTPRequestHead) -> ConnectionGate.StateMachine.HeadKind {
        let upgrade = head.headers[canonicalForm: "upgrade"]
        guard !upgrade.isEmpty else { return .plain }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let websocket = upgrade.contains { $0.lowercased() == "websocket" }
        guard websocket else { return .otherUpgrade }
        if path == streamPath { return .streamUpgrade }
        return route(for: head) != nil ? .routeUpgrade : .otherUpgrade
    }

    /// The route whose path the head asks for.
    func route(for head: HTTPRequestHead) -> WebSocketUpgradeRoute? {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return routes.first { $0.path == path }
    }

    func closed(_ reason: CloseReason, remote: SocketAddress?) {
        metrics.gateClosed(reason: reason.rawValue)
        switch reason {
        case .overCapacity:
            let now = NIODeadline.now().uptimeNanoseconds
            let last = lastWarning.load(ordering: .relaxed)
            if last == 0 || now &- last > 10_000_000_000,
               lastWarning.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged {
                logger.warning("connection refused: too many connections that are not an authenticated stream",
                               metadata: ["limit": "\(maxUnauthenticated)", "remote": "\(remote.map(Self.describe) ?? "-")"])
            }
        case .headerTimeout, .headerTooLarge, .badRequest:
            logger.debug("connection closed", metadata: ["reason": "\(reason.rawValue)",
                                                         "remote": "\(remote.map(Self.describe) ?? "-")"])
        }
    }

    /// `ip:port` without NIO's `[IPv4]` decoration.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return "\(address)" }
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return address.port.map { "\(host):\($0)" } ?? host
    }
}

extension Atomic where Value == Int {
    /// Applies `next` until the exchange succeeds; stops (not exchanged) when `next` returns nil.
    fileprivate func compareExchangeLoop(_ next: (Int) -> Int?) -> (exchanged: Bool, value: Int) {
        var current = load(ordering: .relaxed)
        while let desired = next(current) {
            let (done, original) = compareExchange(expected: current, desired: desired, ordering: .relaxed)
            if done { return (true, desired) }
            current = original
        }
        return (false, current)
    }
}
