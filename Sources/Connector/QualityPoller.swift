import GenesysAPI
import Logging
import Normalizer
import SwitchboardConfig
import SwitchboardCore
import Synchronization

/// Quality scores for one org (docs/quality.md): every `qualityPollInterval` (15 min) on the quarter
/// hour plus the org's offset, and early — debounced — after a `v2.quality.evaluations` event
/// (``QualityTrigger``). Real orgs use the evaluations aggregates query (per agent and form); `protocol:
/// seed` orgs the seed's `GET /api/v2/quality/metrics`. A failed poll keeps what the views have.
struct QualityPoller: Sendable {
    let org: OrgConfig
    let rest: GenesysRESTClient
    let sink: any BridgeEventSink
    let clock: any WallClock
    let tick: Duration
    let logger: Logger
    let observer: any ConnectorObserver
    let trigger: QualityTrigger
    /// Records or clears a feature that does not work (the connector's org card / `/readyz` line).
    var reportProblem: @Sendable (String, String?) async -> Void = { _, _ in }
    /// Set once the platform refused the passing-score view: later polls leave it out.
    let passViewRefused = AtomicFlag()
    /// Early refreshes come this long after the first event of a burst.
    static let debounce: EpochMillis = 30_000

    func run() async {
        let every = EpochMillis(org.tunables.qualityPollInterval.components.seconds * 1000)
        var schedule = PollSchedule(every: every, offset: PollSchedule.orgOffset(org.id.rawValue, every: every),
                                    interval: 15 * 60_000, settle: 0, zone: org.timezone, now: clock.now())
        var forms = FormNames()
        while !Task.isCancelled {
            let now = clock.now()
            if trigger.take() { schedule.markDue(at: now + Self.debounce) }
            if let fetch = schedule.due(now: now) {
                do {
                    var (agents, queues) = try await self.fetch(from: fetch.dayStart, to: now)
                    schedule.succeeded(fetch)
                    await nameForms(&agents, &queues, cache: &forms)
                    let report = QualityReport(org: org.id, asOf: now, minEvaluations: org.tunables.qualityMinEvaluations,
                                               agents: agents, queues: queues, dayStart: fetch.dayStart)
                    // The views emit only agents whose scores changed, plus the org's lastUpdatedAt.
                    await sink.ingest(org: org.id, events: [.quality(report)])
                    observer.poll(org: org.id, feed: "quality", ok: true)
                    await reportProblem("quality", nil)
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    schedule.failed(now: clock.now())
                    observer.poll(org: org.id, feed: "quality", ok: false)
                    if let refusal = ConnectorProblem.permission(error, feature: "quality",
                                                                 endpoint: "POST /api/v2/analytics/evaluations/aggregates/query") {
                        schedule.refused(until: clock.now() + ConnectorProblem.refusedBackoff(every: every))
                        await reportProblem("quality", refusal)
                    } else {
                        logger.warning("quality poll failed; keeping what we have and retrying", metadata: ["error": "\(error)"])
                    }
                }
                continue
            }
            let wait = Double(schedule.delay(now: now)) / max(clock.speed, 0.001)
            let cap = Double(tick.components.seconds) * 1000 + Double(tick.components.attoseconds) / 1e15
            do { try await Task.sleep(for: .milliseconds(Int64(max(1, min(wait, cap))))) } catch { return }
        }
    }

    /// Per agent and per queue (both sorted by id). Any failure fails the poll (nothing half-applied).
    func fetch(from: EpochMillis, to: EpochMillis) async throws -> ([AgentQuality], [QueueQuality]) {
        if org.upstreamProtocol == .seed {
            let body = try await rest.seedQualityMetrics(from: from, to: to)
            let agents = try RESTNormalizer.seedQualityMetrics(body).get().map { r in
                AgentQuality(agent: EntityID(org: org.id, platformID: r.user), name: r.name, forms: [r.quality])
            }.sorted { $0.agent < $1.agent }
            let byQueue = try await rest.seedQualityMetricsByQueue(from: from, to: to)
            let queues = try RESTNormalizer.seedQualityMetrics(byQueue).get().map { r in
                QueueQuality(queue: EntityID(org: org.id, platformID: r.user), forms: [r.quality])
            }.sorted { $0.queue < $1.queue }
            return (agents, queues)
        }
        // The pass count rides on the same calls as a `views` entry. A platform that refuses the query with
        // the view (400) but answers it without is not asked for the view again: passRate stays null for
        // this org (docs/quality.md). A 400 for another reason fails the poll as before.
        guard !passViewRefused.value else { return try await aggregates(from: from, to: to, passScore: nil) }
        do {
            return try await aggregates(from: from, to: to, passScore: org.tunables.qualityPassScore)
        } catch let e as GenesysAPIError where e.code == "genesys.bad-request" {
            let plain = try await aggregates(from: from, to: to, passScore: nil)
            passViewRefused.value = true
            logger.warning("""
                the platform refused the passing-score view of the evaluations aggregates; \
                quality passRate stays null for this org (docs/quality.md)
                """, metadata: ["error": "\(e)"])
            return plain
        }
    }

    /// The evaluations aggregates by agent and by queue (real orgs), with the passing-score view when
    /// `passScore` is given.
    private func aggregates(from: EpochMillis, to: EpochMillis, passScore: Double?) async throws
        -> ([AgentQuality], [QueueQuality])
    {
        let view = passScore == nil ? nil : GenesysRESTClient.passingScoreView
        let body = try await rest.evaluationsAggregates(from: from, to: to, timeZone: org.timezone, passScore: passScore)
        let byQueue = try await rest.evaluationsAggregatesByQueue(from: from, to: to, timeZone: org.timezone,
                                                                  passScore: passScore)
        let agents = try RESTNormalizer.evaluationsAggregates(body, passView: view).get().map { user, forms in
            AgentQuality(agent: EntityID(org: org.id, platformID: user), forms: forms)
        }.sorted { $0.agent < $1.agent }
        let queues = try RESTNormalizer.evaluationsAggregates(byQueue, by: .queue, passView: view).get().map { queue, forms in
            QueueQuality(queue: EntityID(org: org.id, platformID: queue), forms: forms)
        }.sorted { $0.queue < $1.queue }
        return (agents, queues)
    }

    /// Fills `formName` from the org's published forms (the aggregates give ids only). The listing is read
    /// when a form id appears that the cache has not looked for yet; a failed read leaves names null and
    /// is retried at the next poll (the scores are applied either way).
    func nameForms(_ agents: inout [AgentQuality], _ queues: inout [QueueQuality], cache: inout FormNames) async {
        let ids = Set(agents.flatMap { $0.forms.compactMap(\.formID) } + queues.flatMap { $0.forms.compactMap(\.formID) })
        if cache.needsRefresh(ids) {
            do {
                var names: [String: String] = [:]
                var page = 1, pages = 1
                repeat {
                    let body = try await rest.publishedEvaluationForms(pageNumber: page)
                    let listing = try RESTNormalizer.publishedEvaluationForms(body).get()
                    names.merge(listing.names) { _, new in new }
                    pages = listing.pageCount
                    page += 1
                } while page <= pages && page <= 50
                cache.refreshed(names, looked: ids)
                logger.debug("evaluation form names read", metadata: ["forms": "\(names.count)"])
            } catch is CancellationError {
                return
            } catch {
                logger.warning("evaluation form names unavailable; showing form ids until the next poll",
                               metadata: ["error": "\(error)"])
            }
        }
        func named(_ forms: [FormQuality]) -> [FormQuality] {
            forms.map { f in
                var f = f
                if let id = f.formID, f.formName == nil { f.formName = cache.names[id] }
                return f
            }
        }
        for i in agents.indices { agents[i].forms = named(agents[i].forms) }
        for i in queues.indices { queues[i].forms = named(queues[i].forms) }
    }
}

/// The org's evaluation form names, cached: read again only when a form id turns up that no earlier
/// read was asked about (a newly published form), so an unknown id costs one listing, not one per poll.
public struct FormNames: Sendable, Equatable {
    public private(set) var names: [String: String] = [:]
    /// Ids some read already looked for (found or not).
    public private(set) var looked: Set<String> = []
    public private(set) var reads = 0

    public init() {}

    /// True when `ids` holds a form id no read has looked for yet.
    public func needsRefresh(_ ids: Set<String>) -> Bool { !ids.isSubset(of: looked) }

    /// Records a read of the listing (`fresh`) made while `ids` were wanted.
    public mutating func refreshed(_ fresh: [String: String], looked ids: Set<String>) {
        names = fresh
        looked = ids.union(fresh.keys)
        reads += 1
    }
}

/// A flag a `Sendable` poller can set from its own task.
final class AtomicFlag: Sendable {
    private let state = Atomic<Bool>(false)
    var value: Bool {
        get { state.load(ordering: .relaxed) }
        set { state.store(newValue, ordering: .relaxed) }
    }
}

/// Set by the session when a `v2.quality.evaluations` event arrives; taken by the ``QualityPoller``.
final class QualityTrigger: Sendable {
    private let pending = Atomic<Bool>(false)
    func fire() { pending.store(true, ordering: .relaxed) }
    func take() -> Bool { pending.exchange(false, ordering: .relaxed) }
}
