import Prometheus
import Synchronization
import SwitchboardCore

/// Switchboard's Prometheus metrics, served on `/metrics`.
///
/// Owns its `PrometheusCollectorRegistry` (inject one per process; tests make their own). Every label
/// is bounded: org ids, topic names (one per org plus `global`), queue ids from the config, connector
/// states, windows. Nothing is labelled per agent or per client.
public final class HubMetrics: Sendable {
    /// The registry `/metrics` renders; other layers may register their own collectors in it.
    public let registry: PrometheusCollectorRegistry

    let connections: Gauge
    let queueBytes: Gauge
    let merges: Counter
    let bytesOut: Counter
    let latency: DurationHistogram
    let rejectedConnections: Counter
    let unauthenticatedConnections: Gauge
    let maxConnections: Gauge
    /// `switchboard_hub_messages_out_total` per message type, made once: the writers count every message they
    /// send (tens of thousands a second at fan-out), and a registry lookup builds the descriptor and hashes the
    /// labels under the registry's lock each time.
    private let messagesOut: [String: Counter]
    let pacedBacklog: Gauge
    /// `switchboard_upstream_events_total` per org and topic family, made on first use: counted once per upstream
    /// frame (10,000 a second in a storm), where a registry lookup — descriptor built, labels joined and hashed under
    /// the registry's lock — was 5 % of the bridge's CPU in the relay scenario's profile (docs/performance.md).
    private let upstreamCounters = Mutex<[UpstreamKey: Counter]>([:])
    private struct UpstreamKey: Hashable {
        var org: OrgID
        var topic: String
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        connections = registry.makeGauge(descriptor: Self.name("hub", "connections", "", "Open stream connections"))
        queueBytes = registry.makeGauge(descriptor: Self.name(
            "hub", "queue", "bytes", "Bytes waiting in all clients' outbound queues"))
        merges = registry.makeCounter(descriptor: Self.name(
            "hub", "queue_merges", "total", "Times a client's queued deltas were merged because its queue was full"))
        bytesOut = registry.makeCounter(descriptor: Self.name("hub", "bytes_out", "total", "Bytes written to stream clients"))
        latency = registry.makeDurationHistogram(
            descriptor: Self.name("hub", "event_to_send", "seconds",
                                  "From a change reaching the hub to its delta being written to a client"),
            buckets: [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                      .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10)])
        rejectedConnections = registry.makeCounter(descriptor: Self.name(
            "hub", "connections_rejected", "total", "Stream upgrades refused because max connections was reached"))
        unauthenticatedConnections = registry.makeGauge(descriptor: Self.name(
            "http", "unauthenticated_connections", "", "Open connections that are not an authenticated stream"))
        maxConnections = registry.makeGauge(descriptor: Self.name(
            "hub", "max_connections", "", "Stream connections allowed (server.maxConnections)"))
        pacedBacklog = registry.makeGauge(descriptor: Self.name(
            "hub", "paced_backlog", "", "Polled entity changes waiting for a later delta (server.pacedBytesPerFlush), after the last flush"))
        var byType: [String: Counter] = [:]
        for type in ["snapshot", "delta", "control", "ping"] {
            byType[type] = registry.makeCounter(descriptor: Self.messagesOutDescriptor, labels: [("type", type)])
        }
        messagesOut = byType
        // Series the alert rules and the Grafana board read exist from the start, at 0 (deploy/prometheus).
        _ = registry.makeCounter(descriptor: Self.evictions, labels: [("reason", "slow-consumer")])
        for outcome in ["accepted", "unchanged", "refused"] {
            _ = registry.makeCounter(descriptor: Self.reloads, labels: [("outcome", outcome)])
        }
    }

    // MARK: Listener

    /// A connection closed by the listener's gate (`header-timeout`, `unauthenticated-limit`,
    /// `header-too-large`, `bad-request`).
    func gateClosed(reason: String) {
        registry.makeCounter(descriptor: Self.name("http", "connections_closed", "total",
                                                   "Connections closed by the listener before a complete request"),
                             labels: [("reason", reason)]).increment()
    }

    /// A request refused for its credential (`401`, `403`), counted by status.
    func authRefused(status: Int) {
        registry.makeCounter(descriptor: Self.name("http", "auth_refused", "total",
                                                   "Requests and upgrades refused for their credential"),
                             labels: [("status", String(status))]).increment()
    }

    /// A stream upgrade refused because of the page's `Origin` (`server.allowedOrigins`).
    func originRefused() {
        registry.makeCounter(descriptor: Self.name("http", "origin_refused", "total",
                                                   "Stream upgrades refused because server.allowedOrigins does not allow the page's origin"))
            .increment()
    }

    // MARK: Hub internals

    private static var messagesOutDescriptor: MetricNameDescriptor { name("hub", "messages_out", "total", "Messages written to stream clients") }

    func messageOut(type: String, bytes: Int) {
        (messagesOut[type] ?? registry.makeCounter(descriptor: Self.messagesOutDescriptor, labels: [("type", type)]))
            .increment()
        bytesOut.increment(by: Int64(bytes))
    }

    func eviction(reason: String) {
        registry.makeCounter(descriptor: Self.evictions, labels: [("reason", reason)]).increment()
    }

    func subscriptions(topic: String, delta: Double) {
        registry.makeGauge(descriptor: Self.name("hub", "subscriptions", "", "Active subscriptions per topic"),
                           labels: [("topic", topic)]).increment(by: delta)
    }

    func deltaPublished(topic: String, changes: Int) {
        registry.makeCounter(descriptor: Self.name("hub", "deltas", "total", "Deltas encoded per topic"),
                             labels: [("topic", topic)]).increment()
        registry.makeCounter(descriptor: Self.name("hub", "entity_changes", "total", "Entity changes flushed per topic"),
                             labels: [("topic", topic)]).increment(by: Int64(changes))
    }

    // MARK: For connectors, views and the composition root

    /// One upstream event received for `org` on a notification topic family (e.g. `users.activity`,
    /// `queues.observations`; pass the family, never a topic containing an id).
    public func upstreamEvent(org: OrgID, topic: String, count: Int = 1) {
        let key = UpstreamKey(org: org, topic: topic)
        let counter = upstreamCounters.withLock { counters in
            if let c = counters[key] { return c }
            let c = registry.makeCounter(descriptor: Self.name("upstream", "events", "total", "Upstream events received"),
                                         labels: [("org", org.rawValue), ("topic", topic)])
            counters[key] = c
            return c
        }
        counter.increment(by: Int64(count))
    }

    /// Sets the connector state of `org`: the gauge of `status` is 1, the others 0.
    public func connectorState(org: OrgID, status: OrgStatus) {
        for s in [OrgStatus.open, .connecting, .stale, .disconnected] {
            registry.makeGauge(descriptor: Self.name("connector", "state", "", "1 for the org's current connector state"),
                               labels: [("org", org.rawValue), ("state", s.rawValue)]).set(to: s == status ? 1.0 : 0.0)
        }
    }

    /// Seconds since the org's last upstream message or heartbeat.
    public func orgStaleness(org: OrgID, seconds: Double) {
        registry.makeGauge(descriptor: Self.name("org", "staleness", "seconds", "Seconds since the last upstream message"),
                           labels: [("org", org.rawValue)]).set(to: seconds)
    }

    /// How far behind the platform the org's socket readers are (0 when they have read everything sent): the views
    /// slower than the upstream. The watchdog counts a reader handing frames on as life, so only this shows it.
    public func upstreamLag(org: OrgID, seconds: Double) {
        registry.makeGauge(descriptor: Self.name("upstream", "lag", "seconds",
                                                 "How far behind the platform the org's socket readers are (0: caught up)"),
                           labels: [("org", org.rawValue)]).set(to: seconds)
    }

    /// The org's `tunables.heartbeatTimeout`: silence after which its watchdog turns it `stale` and reconnects. The
    /// alert rules compare ``orgStaleness(org:seconds:)`` with it, so a demo's short timeout needs no other rules.
    public func heartbeatTimeout(org: OrgID, seconds: Double) {
        registry.makeGauge(descriptor: Self.name("connector", "heartbeat_timeout", "seconds",
                                                 "Silence after which the org's watchdog reconnects (tunables.heartbeatTimeout)"),
                           labels: [("org", org.rawValue)]).set(to: seconds)
    }

    /// The org's time-weighted occupancy over `window` (0…1); nil (undefined) is exported as NaN.
    public func orgOccupancy(org: OrgID, window: OccupancyWindow, value: Double?) {
        registry.makeGauge(descriptor: Self.name("org", "occupancy", "ratio", "Org occupancy (handling / productive)"),
                           labels: [("org", org.rawValue), ("window", window.rawValue)]).set(to: value ?? .nan)
    }

    /// Interactions waiting in `queue` (a configured queue id or name).
    public func queueWaiting(org: OrgID, queue: String, count: Int) {
        registry.makeGauge(descriptor: Self.name("queue", "waiting", "", "Interactions waiting per queue"),
                           labels: [("org", org.rawValue), ("queue", queue)]).set(to: Double(count))
    }

    /// The queue's time-weighted occupancy over `window`.
    public func queueOccupancy(org: OrgID, queue: String, window: OccupancyWindow, value: Double?) {
        registry.makeGauge(descriptor: Self.name("queue", "occupancy", "ratio", "Queue occupancy (handling / productive)"),
                           labels: [("org", org.rawValue), ("queue", queue), ("window", window.rawValue)])
            .set(to: value ?? .nan)
    }

    /// Agents per occupancy band in an org (bounded: four bands).
    public func agentsInBand(org: OrgID, band: OccupancyBand, count: Int) {
        registry.makeGauge(descriptor: Self.name("org", "agents_in_band", "", "Agents per occupancy band"),
                           labels: [("org", org.rawValue), ("band", band.rawValue)]).set(to: Double(count))
    }

    /// The org's Genesys transcription topics (docs/speech-text.md): subscribed, waiting for room, and 1 while the
    /// channel budget is exhausted.
    public func transcriptionTopics(org: OrgID, topics: Int, queued: Int, budgetExhausted: Bool) {
        let labels = [("org", org.rawValue)]
        registry.makeGauge(descriptor: Self.name("transcription", "topics", "", "Transcription topics subscribed"),
                           labels: labels).set(to: Double(topics))
        registry.makeGauge(descriptor: Self.name("transcription", "queued", "",
                                                 "Live calls waiting for room for their transcription topic"),
                           labels: labels).set(to: Double(queued))
        registry.makeGauge(descriptor: Self.name("transcription", "budget_exhausted", "",
                                                 "1 while calls wait because the org's channels are full"),
                           labels: labels).set(to: budgetExhausted ? 1 : 0)
    }

    /// A token request of `org` failed (`failed`: the failure counter goes up, the failing gauge is 1) or a token
    /// was issued (the gauge is 0). docs/connector.md, "Token lifecycle".
    public func tokenRequest(org: OrgID, failed: Bool) {
        let labels = [("org", org.rawValue)]
        let failures = registry.makeCounter(
            descriptor: Self.name("token", "renewal_failures", "total",
                                  "Failed token requests (renewals and first fetches) per org"),
            labels: labels)
        if failed { failures.increment() }
        registry.makeGauge(descriptor: Self.name("token", "renewal_failing", "",
                                                 "1 while the org's token requests fail (until one succeeds)"),
                           labels: labels).set(to: failed ? 1 : 0)
    }

    /// One REST response of `org` (`status` nil: the request failed in transport, no answer), and the share of
    /// the org's rate-limit budget left in the current window when the response carried the `inin-ratelimit-*`
    /// headers (docs/deploy.md, "Metrics").
    public func restResponse(org: OrgID, status: Int?, budgetRemaining: Double?) {
        let labels = [("org", org.rawValue)]
        registry.makeCounter(descriptor: Self.name("rest", "responses", "total",
                                                   "Genesys REST responses per org and status class (each retry counts)"),
                             labels: labels + [("code", Self.statusClass(status))]).increment()
        if let budgetRemaining {
            registry.makeGauge(descriptor: Self.name("rest", "ratelimit_remaining", "ratio",
                                                     "Share of the org's REST rate-limit budget left in the current window"),
                               labels: labels).set(to: budgetRemaining)
        }
    }

    /// `2xx`, `3xx`, `4xx`, `429` (rate limited, kept apart from other 4xx), `5xx`, `transport` (no answer).
    static func statusClass(_ status: Int?) -> String {
        guard let status else { return "transport" }
        if status == 429 { return "429" }
        return (100...599).contains(status) ? "\(status / 100)xx" : "other"
    }

    /// A configuration reload: `accepted` (a new configuration is in force), `unchanged` or `refused` (the running
    /// configuration stays; `switchboard_config_reload_refused` is 1 until a reload is accepted). `outcome` nil: the
    /// configuration the process started with (nothing counted, the gauge set).
    public func configReload(outcome: String?, refused: Bool) {
        if let outcome {
            registry.makeCounter(descriptor: Self.reloads, labels: [("outcome", outcome)]).increment()
        }
        registry.makeGauge(descriptor: Self.name("config", "reload_refused", "",
                                                 "1 while the configuration file holds an edit that was refused"))
            .set(to: refused ? 1 : 0)
    }

    /// Restart-only settings the configuration in force changes (0: none waits for a restart).
    public func restartPending(settings: Int) {
        registry.makeGauge(descriptor: Self.name("config", "restart_pending_settings", "",
                                                 "Changed settings that take effect only after a restart"))
            .set(to: Double(settings))
    }

    /// Prometheus text exposition of everything registered.
    public func render() -> [UInt8] { registry.emitToBuffer() }

    private static var evictions: MetricNameDescriptor { name("hub", "evictions", "total", "Stream clients closed by the server") }
    private static var reloads: MetricNameDescriptor { name("config", "reloads", "total", "Configuration reloads by outcome") }

    private static func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "switchboard", subsystem: subsystem, metricName: metric, unitName: unit,
                             helpText: help)
    }
}
