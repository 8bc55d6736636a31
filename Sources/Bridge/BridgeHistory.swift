import Connector
import Crypto
import Foundation
import JourneyViews
import Logging
import Prometheus
import Store
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Views

/// The bridge's side of the store (docs/store.md): opens it (refusing a foreign or corrupt file), picks up
/// where a previous run left off — today's totals become the views' baselines, today's utilization and quality
/// documents are shown again, buckets resume after the last stored one, and each connector is told what not
/// to re-read — and hands the views' closed buckets, the config audit and the hub's state to the one
/// ``StoreWriter`` (polled documents reach it through the ``DocumentTap``).
final class BridgeHistory: HistorySink, Sendable {
    let store: any HistoryStore
    let writer: StoreWriter
    /// In a cluster, whether this replica writes `org`'s figures (it leads it); nil: every org.
    private let writes = Mutex<CallbackBox<@Sendable (OrgID) -> Bool>?>(nil)  // a box: CallbackBox says why
    private let warm: Mutex<[OrgID: WarmStart]>
    private let seeds: Mutex<[OrgID: UtilizationSeed]>
    private let logger: Logger

    private init(store: any HistoryStore, writer: StoreWriter, warm: [OrgID: WarmStart],
                 seeds: [OrgID: UtilizationSeed], logger: Logger) {
        self.store = store
        self.writer = writer
        self.warm = Mutex(warm)
        self.seeds = Mutex(seeds)
        self.logger = logger
    }

    /// Opens the store at `config.path` and resumes every org of `orgs` in `views`.
    /// - Throws: ``StoreError`` when the file is not a Switchboard store, is corrupt or is newer than this build.
    /// - Parameter metrics: where `switchboard_store_*` go (the `/metrics` registry).
    static func open(_ config: StoreConfig, path: String, orgs: [OrgConfig], views: ViewEngine, clock: any WallClock,
                     metrics: PrometheusCollectorRegistry? = nil,
                     finalize: @escaping @Sendable () async -> StoreBatch?, logger: Logger) async throws -> BridgeHistory {
        let factory = metrics.map { PrometheusMetricsFactory(registry: $0) }
        let store = try SQLiteHistoryStore(path: path, logger: logger, metricsFactory: factory)
        return try await open(config, store: store, orgs: orgs, views: views, clock: clock, metrics: metrics,
                              finalize: finalize, logger: logger)
    }

    /// Resumes every org of `orgs` in `views` from `store` (the embedded file, or PostgreSQL in a cluster).
    static func open(_ config: StoreConfig, store: any HistoryStore, orgs: [OrgConfig], views: ViewEngine,
                     clock: any WallClock, metrics: PrometheusCollectorRegistry? = nil,
                     finalize: @escaping @Sendable () async -> StoreBatch?, logger: Logger) async throws -> BridgeHistory {
        let factory = metrics.map { PrometheusMetricsFactory(registry: $0) }
        let now = clock.now()
        var warm: [OrgID: WarmStart] = [:]
        var seeds: [OrgID: UtilizationSeed] = [:]
        for org in orgs {
            let resume = try await Self.resume(org: org, store: store, now: now)
            await views.resume(resume)
            if let t = resume.today {
                warm[org.id] = WarmStart(dayStart: t.dayStart, asOf: t.asOf, users: Set(t.agents.keys))
            }
            logger.info("history resumed", metadata: [
                "org": "\(org.id)",
                "lastBucketEnd": "\(resume.lastBucketEnd.map(Timestamp.format) ?? "none")",
                "todayAsOf": "\(resume.today.map { Timestamp.format($0.asOf) } ?? "none")",
                "agents": "\(resume.today?.agents.count ?? 0)"])
            let restored = try await Self.restoreDocuments(org: org, store: store, now: now, logger: logger)
            if !restored.events.isEmpty { await views.ingest(org: org.id, events: restored.events) }
            seeds[org.id] = restored.seed
        }
        let r = config.retention
        var retention = StoreRetention()
        retention.occupancyMs = r.occupancy.milliseconds
        retention.utilizationMs = r.utilization.milliseconds
        retention.qualityMs = r.quality.milliseconds
        retention.auditMs = r.audit.milliseconds
        retention.journeyMs = r.journeys.milliseconds
        retention.speechMs = r.speech.milliseconds
        retention.journeyMsByOrg = journeyRetention(orgs)
        retention.eventBridgeMsByOrg = eventBridgeReplayWindow(orgs)
        let writer = StoreWriter(store: store, retention: retention, clock: clock, metricsFactory: factory, logger: logger,
                                 finalize: finalize)
        let history = BridgeHistory(store: store, writer: writer, warm: warm, seeds: seeds, logger: logger)
        await views.attachHistory(history)
        return history
    }

    /// What the store holds for `org`: the end of its last bucket (looked for in the last 8 days) and today's
    /// totals when they belong to today in the org's time zone.
    static func resume(org: OrgConfig, store: any HistoryStore, now: EpochMillis) async throws -> HistoryResume {
        let points = try await store.series(.org(org.id), from: now - 8 * 86_400_000, to: now + Bucket.widthMs,
                                            step: .buckets(1))
        let last = points.last.map { $0.start + Bucket.widthMs }
        let today = try await store.dayTotals(org: org.id, dayStart: Timestamp.startOfDay(now, in: org.timezone))
        return HistoryResume(org: org.id, lastBucketEnd: last, today: today)
    }

    /// For ``OrgConnector/Options/warmStart``: given once per org (a later re-sync is not a restart).
    func takeWarmStart(_ org: OrgID) -> WarmStart? {
        warm.withLock { $0.removeValue(forKey: org) }
    }

    /// For ``OrgConnector/Options/utilizationSeed``: given once per org (a connector restarted later polls
    /// its day afresh).
    func takeUtilizationSeed(_ org: OrgID) -> UtilizationSeed? {
        seeds.withLock { $0.removeValue(forKey: org) }
    }

    /// Today's stored utilization and quality documents of `org` (docs/store.md, "Documents") as the events
    /// the views were last given, so both show at once after a restart, and the utilization poller's seed.
    /// A document this build cannot read is logged and left out (the next poll replaces it).
    static func restoreDocuments(org: OrgConfig, store: any HistoryStore, now: EpochMillis, logger: Logger) async throws
        -> (events: [BridgeEvent], seed: UtilizationSeed?)
    {
        let day = Timestamp.startOfDay(now, in: org.timezone)
        var events: [BridgeEvent] = []
        var agents: [String: [UtilizationInterval]] = [:]
        var queues: [String: [UtilizationInterval]] = [:]
        var asOf: EpochMillis = .min
        for document in try await store.documents(kind: .utilization, org: org.id, dayStart: day) {
            do {
                let u = try document.utilization()
                guard u.agent.org == org.id, u.dayStart == day else { continue }
                events.append(.utilization(u))
                if u.subject == .queue { queues[u.agent.platformID] = u.intervals } else { agents[u.agent.platformID] = u.intervals }
                asOf = max(asOf, u.asOf)
            } catch {
                logger.warning("a stored utilization document is left out", metadata: ["org": "\(org.id)", "error": "\(error)"])
            }
        }
        for document in try await store.documents(kind: .quality, org: org.id, dayStart: day)
        where document.key == StoredDocument.qualityKey {
            do {
                let q = try document.quality()
                if q.org == org.id { events.append(.quality(q)) }
            } catch {
                logger.warning("a stored quality document is left out", metadata: ["org": "\(org.id)", "error": "\(error)"])
            }
        }
        if !events.isEmpty {
            logger.info("today's utilization and quality restored from the store", metadata: [
                "org": "\(org.id)", "utilization": "\(agents.count + queues.count)",
                "quality": "\(events.count - agents.count - queues.count)"])
        }
        let seed = asOf == .min ? nil : UtilizationSeed(dayStart: day, asOf: asOf, agents: agents, queues: queues)
        return (events, seed)
    }

    /// Each org's `journeys.retention` (orgs without journeys fall back to `store.retention.journeys`).
    static func journeyRetention(_ orgs: [OrgConfig]) -> [OrgID: Int64] {
        Dictionary(orgs.compactMap { o in o.journeys.map { (o.id, $0.retention.milliseconds) } },
                   uniquingKeysWith: { a, _ in a })
    }

    /// How long each org's EventBridge deliveries are kept: what a restart replays (the session timeout plus the
    /// idle grace, ``JourneyViewEngine/replayWindow(_:)``), and as long again for a restart that comes late.
    static func eventBridgeReplayWindow(_ orgs: [OrgConfig]) -> [OrgID: Int64] {
        Dictionary(orgs.compactMap { o in o.journeys.map { (o.id, 2 * JourneyViewEngine.replayWindow($0)) } },
                   uniquingKeysWith: { a, _ in a })
    }

    /// A reload's retention for stored journeys and EventBridge deliveries (from the next sweep).
    func setJourneyRetention(_ orgs: [OrgConfig]) {
        writer.setJourneyRetention(Self.journeyRetention(orgs), eventBridge: Self.eventBridgeReplayWindow(orgs))
    }

    // MARK: HistorySink

    func record(buckets: [ClosedBucket], dayTotals: [DayTotals]) {
        var batch = StoreBatch()
        if let writes = writes.withLock({ $0 })?.call {
            // Another replica leads the others: their figures here are not kept up, and theirs are written there.
            batch.buckets = buckets.filter { writes($0.org) }
            batch.dayTotals = dayTotals.filter { writes($0.org) }
            guard !batch.buckets.isEmpty || !batch.dayTotals.isEmpty else { return }
        } else {
            batch.buckets = buckets
            batch.dayTotals = dayTotals
        }
        writer.submit(batch)
    }

    /// In a cluster, before this replica leads `org`: its views start over from what the store holds now (the
    /// previous leader's figures), as after a restart, and its connector gets the warm start and utilization seed
    /// that go with them.
    func resumeOrg(_ org: OrgConfig, views: ViewEngine, now: EpochMillis) async throws {
        // Whatever was kept for the org before (a start-up resume, a prepare that was released before its connector
        // started) goes first: should this resume fail, the connector must ask every baseline afresh rather than
        // take an old warm start for views that no longer hold its totals.
        forget(org.id)
        await views.reset(org: org.id)
        let resume = try await Self.resume(org: org, store: store, now: now)
        await views.resume(resume)
        let restored = try await Self.restoreDocuments(org: org, store: store, now: now, logger: logger)
        if !restored.events.isEmpty { await views.ingest(org: org.id, events: restored.events) }
        warm.withLock { $0[org.id] = resume.today.map { WarmStart(dayStart: $0.dayStart, asOf: $0.asOf, users: Set($0.agents.keys)) } }
        seeds.withLock { $0[org.id] = restored.seed }
        logger.info("history resumed for leading the org", metadata: [
            "org": "\(org.id)", "todayAsOf": "\(resume.today.map { Timestamp.format($0.asOf) } ?? "none")",
            "agents": "\(resume.today?.agents.count ?? 0)"])
    }

    /// Drops the warm start and utilization seed kept for `org` (its connector then starts cold).
    func forget(_ org: OrgID) {
        warm.withLock { $0[org] = nil }
        seeds.withLock { $0[org] = nil }
    }

    /// In a cluster: write only the figures of the orgs `writes` accepts (those this replica leads).
    func onlyWrite(_ writes: @escaping @Sendable (OrgID) -> Bool) { self.writes.withLock { $0 = CallbackBox(writes) } }

    /// Records one accepted or refused (re)load of the configuration file at `path`.
    func audit(path: String?, outcome: AuditEntry.Outcome, summary: String, at: EpochMillis) {
        var batch = StoreBatch()
        batch.audit = [AuditEntry(at: at, fileHash: Self.fileHash(path), outcome: outcome, summary: summary)]
        writer.submit(batch)
    }

    /// SHA-256 of the file's bytes, hex; `-` when there is no file (a configuration built in code) or it
    /// cannot be read.
    static func fileHash(_ path: String?) -> String {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return "-" }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

