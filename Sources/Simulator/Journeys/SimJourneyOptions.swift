import SwitchboardCore

/// Customer journeys in the simulator (docs/simulator.md, "Customer journeys"): simulated customers who contact
/// an org over voice, chat, message, email and callback, come back within or after the session timeout, are
/// transferred between queues and media; delivered as the platform delivers them (conversation snapshots on the
/// queue topics and their media variants, per-conversation detail events, and optionally pushed to an Amazon
/// EventBridge API destination), with a ground truth of every journey.
public struct SimJourneyOptions: Sendable {
    /// The orgs with journeys; nil: every org.
    public var orgs: Set<String>? = nil
    /// New customers (first contacts) per simulated hour per org, shaped by the business day like the calls.
    public var customersPerHour: Double = 120
    /// The session timeout (business milliseconds) the truth uses and the generator keeps its margins from: a
    /// contact joins a customer's journey when it starts within this of the journey's last event (or while a
    /// contact of it is in progress). Set the bridge's `journeys.sessionTimeout` alike. Default 5 min.
    public var sessionTimeout: EpochMillis = 300_000
    /// How long a silent contact stays idle before it is closed as timed out (the bridge's `journeys.idleGrace`).
    /// Default 5 min.
    public var idleGrace: EpochMillis = 300_000
    /// Journeys kept in the truth per org (the oldest closed ones are forgotten first).
    public var truthCapacity: Int = 2000
    /// Journey messages kept per org for the `journey-replay` fault (sent again to the next socket to attach).
    public var replayMessages: Int = 500
    /// `journey-reorder`: the least real time a held contact's messages stay behind the org's next voice message.
    public var reorderDelay: Duration = .milliseconds(500)
    /// `journey-reorder`: held messages go out after this much real time even when no voice message came.
    public var reorderMaxHold: Duration = .seconds(3)
    /// Push the detail events to an Amazon EventBridge API destination (the bridge's
    /// `POST /v1/ingest/eventbridge/<org>`); also settable at run time
    /// (``GenesysSimulator/setEventBridgeTarget(_:)``).
    public var eventBridge: SimEventBridgeOptions? = nil

    public init() {}

    /// Whether `org` has journeys.
    public func covers(_ org: String) -> Bool { orgs?.contains(org) ?? true }
}

/// Where and how the simulator pushes detail events as Amazon EventBridge events.
public struct SimEventBridgeOptions: Sendable, Equatable {
    /// The endpoint without the org: events of org `us` go to `<url>/us` (`http://127.0.0.1:8080/v1/ingest/eventbridge`).
    public var url: String
    /// The `x-api-key` per org; orgs without one are not pushed.
    public var apiKeys: [String: String]
    /// Events per request (a JSON array); 1 sends one event object per request. Default 10.
    public var batch: Int = 10
    /// The event source suffix of `source` (`aws.partner/genesys.com/cloud/<organizationId>/<suffix>`).
    public var sourceSuffix: String = "switchboard"
    /// Real time a request may take before it counts as failed (and is retried).
    public var timeout: Duration = .seconds(5)
    /// First retry delay; doubled per failed attempt up to ``maxBackoff``.
    public var initialBackoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(5)
    /// Events waiting per org (about 1 KB each); past it the oldest are dropped (and counted).
    public var maxPending: Int = 20_000

    public init(url: String, apiKeys: [String: String], batch: Int = 10) {
        self.url = url
        self.apiKeys = apiKeys
        self.batch = batch
    }
}
