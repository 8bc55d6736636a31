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
    /// Early refreshes come this long after the first event of a burst.
    static let debounce: EpochMillis = 30_000

    func run() async {
        let every = EpochMillis(org.tunables.qualityPollInterval.components.seconds * 1000)
        var schedule = PollSchedule(every: every, offset: PollSchedule.orgOffset(org.id.rawValue, every: every),
                                    interval: 15 * 60_000, settle: 0, zone: org.timezone, now: clock.now())
        while !Task.isCancelled {
            let now = clock.now()
            if trigger.take() { schedule.markDue(at: now + Self.debounce) }
            if let fetch = schedule.due(now: now) {
                do {
                    let agents = try await self.fetch(from: fetch.dayStart, to: now)
                    schedule.succeeded(fetch)
                    let report = QualityReport(org: org.id, asOf: now, minEvaluations: org.tunables.qualityMinEvaluations,
                                               agents: agents)
                    // The views emit only agents whose scores changed, plus the org's lastUpdatedAt.
                    await sink.ingest(org: org.id, events: [.quality(report)])
                    observer.poll(org: org.id, feed: "quality", ok: true)
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    schedule.failed(now: clock.now())
                    observer.poll(org: org.id, feed: "quality", ok: false)
                    logger.warning("quality poll failed; keeping what we have and retrying", metadata: ["error": "\(error)"])
                }
                continue
            }
            let wait = Double(schedule.delay(now: now)) / max(clock.speed, 0.001)
            let cap = Double(tick.components.seconds) * 1000 + Double(tick.components.attoseconds) / 1e15
            do { try await Task.sleep(for: .milliseconds(Int64(max(1, min(wait, cap))))) } catch { return }
        }
    }

    func fetch(from: EpochMillis, to: EpochMillis) async throws -> [AgentQuality] {
        if org.upstreamProtocol == .seed {
            let body = try await rest.seedQualityMetrics(from: from, to: to)
            return try RESTNormalizer.seedQualityMetrics(body).get().map { r in
                AgentQuality(agent: EntityID(org: org.id, platformID: r.user), name: r.name, forms: [r.quality])
            }.sorted { $0.agent < $1.agent }
        }
        let body = try await rest.evaluationsAggregates(from: from, to: to, timeZone: org.timezone)
        return try RESTNormalizer.evaluationsAggregates(body).get().map { user, forms in
            AgentQuality(agent: EntityID(org: org.id, platformID: user), forms: forms)
        }.sorted { $0.agent < $1.agent }
    }
}

/// Set by the session when a `v2.quality.evaluations` event arrives; taken by the ``QualityPoller``.
final class QualityTrigger: Sendable {
    private let pending = Atomic<Bool>(false)
    func fire() { pending.store(true, ordering: .relaxed) }
    func take() -> Bool { pending.exchange(false, ordering: .relaxed) }
}
