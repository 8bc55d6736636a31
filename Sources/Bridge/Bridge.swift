import AsyncHTTPClient
import Connector
import Foundation
import Hub
import Logging
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Views

/// The production bridge as one `Service`: connectors (through the supervisor) → normalizer → views →
/// hub → HTTP/WebSocket server, plus the periodic view refresh.
///
/// It runs its parts in a `ServiceGroup` of its own (as Hummingbird's `Application` does), so it can
/// sit beside the simulator in `demo` and still shut down gracefully when its parent group does.
public final class Bridge: Service, Sendable {
    /// Where the configuration comes from.
    public enum ConfigurationSource: Sendable {
        /// A YAML file: loaded now, watched for edits and re-read on SIGHUP.
        case file(path: String, initial: SwitchboardConfiguration)
        /// Built in code once something is ready (the demo waits for its simulator's port). Not watched.
        case provided(@Sendable () async throws -> SwitchboardConfiguration)
    }

    let source: ConfigurationSource
    let clock: any WallClock
    let logger: Logger
    let onListening: @Sendable (String, Int) async -> Void
    private let readyParts = LockedParts()

    /// - Parameters:
    ///   - source: the configuration and whether to watch it.
    ///   - clock: business time for the views (a `ScaledClock` shared with the simulator in the demo).
    ///   - onListening: called with host and bound port once the HTTP server listens.
    public init(source: ConfigurationSource, clock: any WallClock = SystemClock(),
                logger: Logger = .switchboard("bridge"),
                onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) {
        self.source = source
        self.clock = clock
        self.logger = logger
        self.onListening = onListening
    }

    /// The running parts, once `run()` has built them (for tests and the demo).
    public var parts: BridgeParts? { readyParts.value }

    public func run() async throws {
        let config: SwitchboardConfiguration
        let path: String?
        switch source {
        case .file(let p, let initial):
            config = initial
            path = p
        case .provided(let make):
            config = try await make()
            path = nil
        }
        try Bridge.checkAuthPolicy(config)

        let metrics = HubMetrics()
        let hub = try await StreamHub(configuration: config.server, auth: config.auth, metrics: metrics, clock: clock,
                                      logger: .switchboard("hub"))
        hub.setOrgs(config.orgs.map(\.id))
        let views = ViewEngine(occupancy: config.occupancy, orgs: config.orgs.map(ViewOrg.init(config:)), clock: clock,
                               sink: hub, thresholds: config.thresholds)
        hub.attachLiveSource(views)
        let observer = BridgeObserver(hub: hub, views: views, metrics: metrics, clock: clock, logger: logger)
        let supervisor = Supervisor(
            configPath: path, initial: config, observer: observer,
            makeConnector: Supervisor.connectorFactory(
                http: HTTPClient.shared, sink: views, clock: clock, observer: observer,
                onAlert: { alert in hub.publish(alert: alert) }))
        let parts = BridgeParts(hub: hub, views: views, supervisor: supervisor, metrics: metrics, observer: observer)
        readyParts.set(parts)

        let host = config.server.listen.host
        let onListening = self.onListening
        let app = makeBridgeApplication(
            hub: hub, configuration: config.server,
            readiness: { await observer.readiness(supervisor: supervisor) },
            drillDown: supervisor,
            logger: .switchboard("http"),
            onListening: { port in await onListening(host, port) })
        let refresher = ViewRefreshService(views: views, observer: observer, interval: config.server.refreshInterval,
                                           sweepInterval: config.server.flushInterval)

        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: hub),
                .init(service: refresher),
                .init(service: supervisor),
                .init(service: app),
            ],
            gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        try await group.run()
    }

    /// `auth: none` is for the demo and loopback only (SPEC §3).
    static func checkAuthPolicy(_ config: SwitchboardConfiguration) throws(BridgeError) {
        if config.auth.disabled && !config.server.listen.isLoopback {
            throw BridgeError(
                code: "bridge.auth-none-not-loopback",
                message: "auth: none is allowed only on a loopback listen address, but server.listen is \(config.server.listen); declare clients with tokens or listen on 127.0.0.1")
        }
    }
}

/// The running parts of a bridge.
public struct BridgeParts: Sendable {
    public let hub: StreamHub
    public let views: ViewEngine
    public let supervisor: Supervisor
    public let metrics: HubMetrics
    let observer: BridgeObserver
}

/// Errors from composing the bridge.
public struct BridgeError: CodedError, Equatable {
    public let code: String
    public let message: String
}

extension ViewOrg {
    init(config: OrgConfig) {
        self.init(id: config.id, name: config.name, timeZone: config.timezone)
    }
}

/// A tiny lock-protected optional for values published once from `run()`.
final class LockedParts: Sendable {
    private let box = Mutex<BridgeParts?>(nil)
    var value: BridgeParts? { box.withLock { $0 } }
    func set(_ parts: BridgeParts) { box.withLock { $0 = parts } }
}
