import SwitchboardConfig
import SwitchboardCore

/// The live views: folds ``BridgeEvent``s from every org into per-agent timelines, queue tiles and
/// org/global totals, and publishes ``EntityChange``s (encoded once) to a ``ViewChangeSink``.
///
/// - ``ingest(org:events:)`` emits at once the agents whose state, presence, routing status, name or
///   band changed, queues whose figures changed, and the org entity when its connector status changed.
/// - ``refresh()`` (call it periodically, e.g. every `server.refreshInterval`, and once after creation)
///   moves the rolling windows and the day, folds old history, and emits what moved materially plus
///   the org and global totals when they changed. ``sweep()`` (every flush interval) spreads agents'
///   figure updates between refreshes. See docs/views.md.
public actor ViewEngine: BridgeEventSink, LiveEntitySource {
    /// In a cluster, the figures of the orgs other replicas lead (``attach(remoteFigures:)``).
    private var remoteFigures: RemoteOrgTotals?
    private var state: ViewState
    private let clock: any WallClock
    private let sink: any ViewChangeSink
    private var history: (any HistorySink)?

    /// - Parameters:
    ///   - occupancy: productive presences, bands and band window.
    ///   - orgs: the orgs to show, in display order.
    ///   - clock: business time (shared with the simulator in demos and tests).
    ///   - sink: where changes and alerts go (the hub).
    ///   - tuning: traffic thresholds and retention; defaults documented on ``ViewTuning``.
    ///   - thresholds: the wall's badge thresholds (YAML `thresholds:`), carried by queue, org and totals entities.
    public init(occupancy: OccupancyConfig, orgs: [ViewOrg], clock: any WallClock, sink: any ViewChangeSink,
                tuning: ViewTuning = ViewTuning(), thresholds: ThresholdsConfig = ThresholdsConfig()) {
        self.state = ViewState(occupancy: occupancy, orgs: orgs, tuning: tuning, thresholds: thresholds)
        self.clock = clock
        self.sink = sink
    }

    /// Folds one batch of an org's events. Events for unknown orgs, or whose ids name another org,
    /// are dropped; duplicates and late events are placed by event time (idempotent).
    public func ingest(org: OrgID, events: [BridgeEvent]) async {
        publish(state.ingest(org: org, events: events, now: clock.now()))
    }

    /// Hot reload of the org list: added orgs appear, removed orgs' entities are removed (removal
    /// changes emitted), a renamed org re-emits, a changed time zone restarts `today` for that org.
    public func setOrgs(_ orgs: [ViewOrg]) {
        publish(state.setOrgs(orgs, now: clock.now()))
    }

    /// Applies new productive presences, bands or band window, then refreshes.
    public func updateOccupancyConfig(_ config: OccupancyConfig) {
        publish(state.updateOccupancy(config, now: clock.now()))
    }

    /// Applies new badge thresholds (hot reload), then refreshes: what carries them is re-emitted.
    public func updateThresholds(_ config: ThresholdsConfig) {
        publish(state.updateThresholds(config, now: clock.now()))
    }

    /// Recomputes rolling windows and day rollover, folds history older than the longest window plus
    /// grace, and emits what changed materially.
    public func refresh() {
        publish(state.refresh(now: clock.now(), remote: remoteFigures?.snapshot))
    }

    /// In a cluster: the orgs led elsewhere count in the global totals with their leaders' figures.
    public func attach(remoteFigures: RemoteOrgTotals) { self.remoteFigures = remoteFigures }

    /// An org's part of the global totals now, for the other replicas (nil for an unknown org).
    public func totalsShare(of org: OrgID) -> OrgTotalsShare? {
        state.orgs[org].map { OrgTotalsShare(org: org, at: clock.now(), state: $0) }
    }

    /// Between refreshes: re-checks the figures of the agents whose turn came since the last refresh or
    /// sweep (``ViewTuning/figureTurnMs``) and emits those that moved materially. Call it every flush
    /// interval so figure updates arrive as an even trickle rather than one burst per refresh.
    public func sweep() {
        publish(state.sweep(now: clock.now()))
    }

    /// An agent's figures now; nil for an unknown agent.
    public func agentFigures(_ id: EntityID) -> AgentFigures? {
        state.agentFigures(id, now: clock.now())
    }

    /// An agent's figures as of `at` (business epoch ms, not in the future and within the views' 65-minute
    /// history), from what the views hold now: for comparing with a truth taken at that instant (the bench's soak
    /// reads the simulator's truth over HTTP, a second or more before it can read the views).
    public func agentFigures(_ id: EntityID, at: Int64) -> AgentFigures? {
        state.agentFigures(id, now: min(at, clock.now()))
    }

    /// An org's totals and connector health now; nil for an unknown org.
    public func orgFigures(_ org: OrgID) -> OrgFigures? {
        state.orgFigures(org, now: clock.now())
    }

    /// Totals over every org now (each org's `today` in its own time zone).
    public func globalFigures() -> GlobalFigures {
        state.globalFigures(now: clock.now())
    }

    /// A queue tile now; nil for a queue never observed or named.
    public func queueTile(_ id: EntityID) -> QueueTileFigures? {
        state.queueTile(id, now: clock.now())
    }

    /// Every visible queue tile of an org now (for metrics: waiting and occupancy per queue).
    public func queueTiles(_ org: OrgID) -> [QueueTileFigures] {
        guard let o = state.orgs[org] else { return [] }
        return o.liveQueueTiles(now: clock.now(), ctx: state.ctx).compactMap { $0 }
    }

    /// Runs `body` with every org, totals, agent and queue entity of `org` (nil: all, plus the global
    /// totals) computed and encoded now. Nothing is published in between (the actor is busy), so the hub
    /// can overlay them on what it holds and serve a snapshot that is true at `at`.
    public func withLiveEntities<R: Sendable>(org: OrgID?, _ body: @Sendable (LiveEntities) -> R) -> R {
        let now = clock.now()
        return body(LiveEntities(at: now, kinds: ViewState.liveKinds, changes: state.liveEntities(org: org, now: now)))
    }

    /// The last connector status of every org.
    public func orgStatuses() -> [OrgID: ConnectorStatus] {
        state.orgStatuses()
    }

    /// Every entity emitted so far in its current state, for a consumer that starts late.
    public func currentEntities() -> [EntityChange] {
        state.currentEntities(now: clock.now())
    }

    /// What the views hold now, by part (``ViewFootprint``). Walks every agent: for benches and diagnostics,
    /// not for a hot path.
    public func footprint() -> ViewFootprint { state.footprint() }

    /// Events dropped because their org is unknown or their ids name another org.
    public func droppedEvents() -> Int {
        state.dropped + state.orgs.values.reduce(0) { $0 + $1.dropped }
    }

    /// Hands closed 15-minute buckets and day totals to `sink` from now on (docs/store.md).
    public func attachHistory(_ sink: any HistorySink) {
        history = sink
        state.ctx.recordsHistory = true
    }

    /// Forgets everything held for `org` and starts it over empty (in a cluster, before this replica leads an org
    /// again: what it held from an earlier leadership is stale). Removals are emitted as for a reload.
    public func reset(org: OrgID) {
        let all = state.orgs.values.map(\.org)
        guard all.contains(where: { $0.id == org }) else { return }
        publish(state.setOrgs(all.filter { $0.id != org }, now: clock.now()))
        publish(state.setOrgs(all, now: clock.now()))
    }

    /// A restart's stored history for one org (before its connector starts): today's stored totals become
    /// the agents' baselines (the connector then reads the platform only for what came after), and buckets
    /// resume where the stored ones end.
    public func resume(_ r: HistoryResume) {
        guard let idx = state.orgs.index(forKey: r.org) else { return }
        let now = clock.now()
        let events = state.orgs.values[idx].resume(r, now: now)
        if !events.isEmpty { publish(state.ingest(org: r.org, events: events, now: now)) }
    }

    private func publish(_ out: ViewOutput) {
        if let history, !out.history.isEmpty {
            history.record(buckets: out.history.buckets, dayTotals: out.history.dayTotals)
        }
        if !out.changes.isEmpty { sink.publish(out.changes) }
        for alert in out.alerts { sink.publish(alert: alert) }
    }
}
