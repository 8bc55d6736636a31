import SwitchboardCore

/// The limits a wall badge is judged by, as written at one level of the YAML (top-level `thresholds:`,
/// an org's `thresholds:`, or one of its `queues:` entries). Every field is optional: an unset field is
/// inherited from the level above (docs/configuration.md, "Thresholds").
public struct ThresholdSet: Sendable, Equatable {
    /// Service level goal, a ratio in (0, 1].
    public var serviceLevelTarget: Double?
    /// How far below the goal (ratio points) is critical rather than a warning.
    public var serviceLevelCriticalMargin: Double?
    /// The window the badge judges the service level on.
    public var serviceLevelWindow: OccupancyWindow?
    /// Least conversations (answered + abandoned) in that window before the service level is judged.
    public var serviceLevelMinCalls: Int?
    /// Longest wait above which the badge warns / is critical.
    public var longestWaitWarn: Duration?
    public var longestWaitCritical: Duration?
    /// Conversations waiting above which the badge warns / is critical.
    public var waitingWarn: Int?
    public var waitingCritical: Int?
    /// Occupancy bands for queue, org and global figures (default `occupancy.bands`).
    public var occupancyUnder: Double?
    public var occupancyHealthy: Double?
    public var occupancyElevated: Double?

    public init() {}

    /// Each field of `self`, else `base`'s.
    public func over(_ base: ThresholdSet) -> ThresholdSet {
        var r = base
        if let v = serviceLevelTarget { r.serviceLevelTarget = v }
        if let v = serviceLevelCriticalMargin { r.serviceLevelCriticalMargin = v }
        if let v = serviceLevelWindow { r.serviceLevelWindow = v }
        if let v = serviceLevelMinCalls { r.serviceLevelMinCalls = v }
        if let v = longestWaitWarn { r.longestWaitWarn = v }
        if let v = longestWaitCritical { r.longestWaitCritical = v }
        if let v = waitingWarn { r.waitingWarn = v }
        if let v = waitingCritical { r.waitingCritical = v }
        if let v = occupancyUnder { r.occupancyUnder = v }
        if let v = occupancyHealthy { r.occupancyHealthy = v }
        if let v = occupancyElevated { r.occupancyElevated = v }
        return r
    }
}

/// One `orgs[].thresholds.queues[]` entry: the queue by platform id or display name.
public struct QueueThresholds: Sendable, Equatable {
    /// A queue platform id or its display name, as written (names match case-insensitively).
    public var queue: String
    public var set: ThresholdSet
    public init(queue: String, set: ThresholdSet) {
        self.queue = queue
        self.set = set
    }

    func matches(id: String, name: String?) -> Bool {
        queue == id || (name.map { $0.lowercased() == queue.lowercased() } ?? false)
    }
}

/// One org's `thresholds:`.
public struct OrgThresholds: Sendable, Equatable {
    public var set: ThresholdSet
    public var queues: [QueueThresholds]
    public init(set: ThresholdSet = .init(), queues: [QueueThresholds] = []) {
        self.set = set
        self.queues = queues
    }
}

/// Every level's thresholds. Kept apart from ``OrgConfig`` on purpose: editing a threshold never restarts
/// a connector, it only re-judges the wall.
public struct ThresholdsConfig: Sendable, Equatable {
    /// Top-level `thresholds:`.
    public var defaults: ThresholdSet
    /// `orgs[].thresholds:` by org.
    public var orgs: [OrgID: OrgThresholds]

    public init(defaults: ThresholdSet = .init(), orgs: [OrgID: OrgThresholds] = [:]) {
        self.defaults = defaults
        self.orgs = orgs
    }

    /// The limits for an org's own figures (org card, org header): org over top level over the built-in
    /// defaults; the service level goal is the org's or top level's `target`, else 0.8.
    public func resolved(org: OrgID, bands: BandThresholds) -> ResolvedThresholds {
        let set = (orgs[org]?.set ?? ThresholdSet()).over(defaults)
        return ResolvedThresholds(set, bands: bands, target: set.serviceLevelTarget)
    }

    /// The limits for the global figures: top level over the built-in defaults.
    public func resolvedGlobal(bands: BandThresholds) -> ResolvedThresholds {
        ResolvedThresholds(defaults, bands: bands, target: defaults.serviceLevelTarget)
    }

    /// The limits for one queue: its `queues:` entry (matched by id first, then by name) over the org over
    /// the top level. The service level goal is the entry's `target`, else the queue's own configured
    /// percentage on the platform (`platformTarget`), else the org's or top level's `target`, else 0.8.
    public func resolved(org: OrgID, queueID: String, queueName: String?, platformTarget: Double?,
                         bands: BandThresholds) -> ResolvedThresholds {
        let o = orgs[org]
        let entry = o?.queues.first { $0.queue == queueID }
            ?? o?.queues.first { $0.matches(id: queueID, name: queueName) }
        let inherited = (o?.set ?? ThresholdSet()).over(defaults)
        let set = (entry?.set ?? ThresholdSet()).over(inherited)
        let target = entry?.set.serviceLevelTarget ?? platformTarget ?? inherited.serviceLevelTarget
        return ResolvedThresholds(set, bands: bands, target: target)
    }
}

/// Thresholds with every level and default applied: what the stream carries (`"thresholds":{…}`) and a
/// wall judges a badge by.
public struct ResolvedThresholds: Sendable, Equatable {
    public var serviceLevelTarget: Double = 0.8
    public var serviceLevelCriticalMargin: Double = 0.1
    public var serviceLevelWindow: OccupancyWindow = .rolling60m
    public var serviceLevelMinCalls: Int = 5
    public var longestWaitWarnMs: Int64 = 60_000
    public var longestWaitCriticalMs: Int64 = 180_000
    public var waitingWarn: Int = 5
    public var waitingCritical: Int = 15
    public var occupancy: BandThresholds = .init()

    public init() {}

    /// `set` over the built-in defaults; occupancy bands over `bands` (`occupancy.bands`).
    public init(_ set: ThresholdSet, bands: BandThresholds, target: Double?) {
        if let v = target { serviceLevelTarget = v }
        if let v = set.serviceLevelCriticalMargin { serviceLevelCriticalMargin = v }
        if let v = set.serviceLevelWindow { serviceLevelWindow = v }
        if let v = set.serviceLevelMinCalls { serviceLevelMinCalls = v }
        if let v = set.longestWaitWarn { longestWaitWarnMs = Self.millis(v) }
        if let v = set.longestWaitCritical { longestWaitCriticalMs = Self.millis(v) }
        if let v = set.waitingWarn { waitingWarn = v }
        if let v = set.waitingCritical { waitingCritical = v }
        occupancy = BandThresholds(under: set.occupancyUnder ?? bands.under, healthy: set.occupancyHealthy ?? bands.healthy,
                                   elevated: set.occupancyElevated ?? bands.elevated)
    }

    static func millis(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }
}
