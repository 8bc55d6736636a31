import Foundation
import SwitchboardConfig
import SwitchboardCore

/// Handling and productive time over one window (SPEC §5).
public struct OccupancyFigures: Sendable, Equatable, Hashable {
    public var handlingMs: Int64
    public var productiveMs: Int64

    public init(handlingMs: Int64 = 0, productiveMs: Int64 = 0) {
        self.handlingMs = handlingMs
        self.productiveMs = productiveMs
    }

    /// handling ÷ productive; nil (undefined) when productive time is 0.
    public var occupancy: Double? { productiveMs > 0 ? Double(handlingMs) / Double(productiveMs) : nil }

    static func + (a: OccupancyFigures, b: OccupancyFigures) -> OccupancyFigures {
        OccupancyFigures(handlingMs: a.handlingMs + b.handlingMs, productiveMs: a.productiveMs + b.productiveMs)
    }
    static func += (a: inout OccupancyFigures, b: OccupancyFigures) { a = a + b }
}

/// How many agents' handling and productive time is growing at one instant. Between updates a client
/// ticks a figure as `value + accrual × (now − asOf)` (docs/protocol.md, "Ticking"): exact for `today`,
/// an upper bound for the rolling windows (their tail also drops old time, which the next update brings).
public struct Accrual: Sendable, Equatable, Hashable {
    /// Agents whose handling time is running (talking, on hold, in after-call work).
    public var handling: Int32
    /// Agents whose productive time is running (handling, or on queue and idle).
    public var productive: Int32

    public init(handling: Int32 = 0, productive: Int32 = 0) {
        self.handling = handling
        self.productive = productive
    }

    static func += (a: inout Accrual, b: Accrual) {
        a.handling += b.handling
        a.productive += b.productive
    }
}

/// Figures for the three windows (`today`, `rolling15m`, `rolling60m`).
public struct WindowedFigures: Sendable, Equatable, Hashable {
    public var today = OccupancyFigures()
    public var rolling15m = OccupancyFigures()
    public var rolling60m = OccupancyFigures()

    public init() {}

    public subscript(_ window: OccupancyWindow) -> OccupancyFigures {
        get {
            switch window {
            case .today: today
            case .rolling15m: rolling15m
            case .rolling60m: rolling60m
            }
        }
        set {
            switch window {
            case .today: today = newValue
            case .rolling15m: rolling15m = newValue
            case .rolling60m: rolling60m = newValue
            }
        }
    }

    static func + (a: WindowedFigures, b: WindowedFigures) -> WindowedFigures {
        var r = WindowedFigures()
        r.today = a.today + b.today
        r.rolling15m = a.rolling15m + b.rolling15m
        r.rolling60m = a.rolling60m + b.rolling60m
        return r
    }
    static func += (a: inout WindowedFigures, b: WindowedFigures) { a = a + b }
}

/// One agent's current view.
public struct AgentFigures: Sendable, Equatable {
    public var id: EntityID
    /// Display name; the platform id until a profile arrives.
    public var name: String
    public var presence: SystemPresence?
    public var routingStatus: RoutingStatus?
    /// `interacting`, `acw`, `idle`, `notResponding`, `offQueue`, `onQueue`, `offline` or `unknown`.
    public var state: String
    public var stateSince: EpochMillis?
    /// Band on the configured band window; nil while occupancy is undefined.
    public var band: OccupancyBand?
    public var figures: WindowedFigures
    /// Whether the agent's handling / productive time is running (0 or 1 each) at `asOf`.
    public var accrual: Accrual
    /// The business time the figures were computed at.
    public var asOf: EpochMillis

    public func handlingMs(_ w: OccupancyWindow) -> Int64 { figures[w].handlingMs }
    public func productiveMs(_ w: OccupancyWindow) -> Int64 { figures[w].productiveMs }
    public func occupancy(_ w: OccupancyWindow) -> Double? { figures[w].occupancy }
}

/// One org's totals and connector health.
public struct OrgFigures: Sendable, Equatable {
    public var id: OrgID
    public var name: String
    public var timeZone: TimeZone
    public var status: OrgStatus
    public var lastHeartbeatAt: EpochMillis?
    public var lastEventAt: EpochMillis?
    /// Tracked agents.
    public var agents: Int
    /// Time-weighted totals: Σ handling ÷ Σ productive over the org's agents.
    public var figures: WindowedFigures
    /// Agents whose handling / productive time is running.
    public var accrual: Accrual
    /// Σ over the org's queues (service level as Σ within target ÷ Σ judged, never a mean of ratios);
    /// nil before any queue reported.
    public var service: QueueServiceWindows?
    public var serviceAsOf: EpochMillis?
}

/// Totals over every org.
public struct GlobalFigures: Sendable, Equatable {
    public var orgs: Int
    public var agents: Int
    public var figures: WindowedFigures
    public var accrual: Accrual
    /// Orgs left out because they are stale or disconnected (their state is unknown).
    public var leftOut: [OrgID]
    /// Σ over the live orgs' queues; nil before any reported. `serviceAsOf` is the oldest org's.
    public var service: QueueServiceWindows?
    public var serviceAsOf: EpochMillis?
}

/// One queue tile.
public struct QueueTileFigures: Sendable, Equatable {
    public var id: EntityID
    /// Display name; the platform id until a profile arrives.
    public var name: String
    /// Conversations waiting, summed over media types.
    public var waiting: Int
    public var interacting: Int
    public var alerting: Int
    public var onQueueAgents: Int
    /// Now minus the oldest waiting conversation's start, else the platform's `oLongestWaiting`;
    /// 0 when nothing waits; nil when something waits and no age is known.
    public var longestWaitMs: Int64?
    public var oldestWaitingSince: EpochMillis?
    /// Time-weighted over agents whose active queues include this one; nil when none is known.
    public var occupancy: WindowedFigures?
    /// Member agents whose handling / productive time is running (with `occupancy`).
    public var accrual: Accrual?
    /// The business time the member figures were computed at.
    public var asOf: EpochMillis?
    /// The queue's configured service level (directory), nil when it has none.
    public var serviceLevelTarget: ServiceLevelTarget?
    /// Offered, answered, abandoned, service level per window (conversation aggregates); nil before the
    /// first poll reported.
    public var service: QueueServiceWindows?
    /// The instant `service`'s windows end at.
    public var serviceAsOf: EpochMillis?
    /// The limits the tile's badge is judged by (YAML `thresholds:`, the queue's own target).
    public var thresholds: ResolvedThresholds
}
