import GenesysAPI
import Logging
import Normalizer
import SwitchboardConfig
import SwitchboardCore

/// Queue service figures for one org (docs/queues.md): offered, answered, abandoned, average speed of
/// answer and the platform's service level per queue, for today and the rolling 15 and 60 minutes.
///
/// Every `queueServicePollInterval` (default 1 min, on a ``PollSchedule``) it sends two conversation
/// aggregates queries grouped by `queueId` (chunked by `analyticsChunk` queues), both ending at the
/// same instant `t`, the poll time truncated to the minute:
///
/// - **today**: [first unclosed 30-minute interval, t) with `granularity: PT30M`. Intervals closed by
///   the schedule are kept and never fetched again, as for utilization; today = closed + fetched.
/// - **rolling**: [t − 60 min, t) with `granularity: PT15M`, buckets aligned to the interval start:
///   rolling15m is the last bucket, rolling60m the four together.
///
/// Every window therefore ends exactly at `t`, which the report carries as `asOf`. A poll that fails
/// (after the REST client's own retries) changes nothing and is retried; results are applied only when
/// every chunk of both queries succeeded.
struct QueueServicePoller: Sendable {
    let org: OrgConfig
    let rest: GenesysRESTClient
    let sink: any BridgeEventSink
    let clock: any WallClock
    let chunk: Int
    let tick: Duration
    let logger: Logger
    let observer: any ConnectorObserver
    /// The watched queues (platform ids) once the first re-sync listed them.
    let queues: @Sendable () -> [String]?

    /// Closed 30-minute intervals of today per queue platform id; what today's figure is built on.
    struct Day: Sendable, Equatable {
        var dayStart: EpochMillis = .min
        var closed: [String: [EpochMillis: QueueServiceCounts]] = [:]

        /// Keeps the fetched intervals the schedule now calls closed; returns each queue's windows at `t`.
        mutating func apply(today fetched: [String: [RESTNormalizer.QueueServiceBucket]],
                            rolling: [String: [RESTNormalizer.QueueServiceBucket]], queues: [String],
                            fetch f: PollSchedule.Fetch, t: EpochMillis,
                            schedule: PollSchedule) -> [(String, QueueServiceWindows)] {
            if f.newDay || dayStart != f.dayStart {
                closed = [:]
                dayStart = f.dayStart
            }
            var out: [(String, QueueServiceWindows)] = []
            for q in queues {
                var w = QueueServiceWindows()
                for (_, c) in closed[q] ?? [:] { w.today += c }
                for b in fetched[q] ?? [] where b.start >= f.from {
                    w.today += b.counts
                    if schedule.isClosed(b.start) { closed[q, default: [:]][b.start] = b.counts }
                }
                for b in rolling[q] ?? [] {
                    w.rolling60m += b.counts
                    if b.start >= t - 15 * 60_000 { w.rolling15m += b.counts }
                }
                out.append((q, w))
            }
            return out
        }
    }

    func run() async {
        let every = EpochMillis(org.tunables.queueServicePollInterval.components.seconds * 1000)
        var schedule = PollSchedule(every: every, offset: PollSchedule.orgOffset(org.id.rawValue, every: every),
                                    zone: org.timezone, now: clock.now())
        var day = Day()
        while !Task.isCancelled {
            let now = clock.now()
            if let queues = queues(), let fetch = schedule.due(now: now) {
                do {
                    let t = fetch.asOf - fetch.asOf % 60_000
                    let fetched = try await self.fetch(fetch, t: t, queues: queues)
                    schedule.succeeded(fetch)
                    let windows = day.apply(today: fetched.today, rolling: fetched.rolling, queues: queues,
                                            fetch: fetch, t: t, schedule: schedule)
                    let events = windows.map { q, w in
                        BridgeEvent.queueService(QueueServiceReport(
                            queue: EntityID(org: org.id, platformID: q), dayStart: fetch.dayStart, asOf: t, windows: w))
                    }
                    if !events.isEmpty { await sink.ingest(org: org.id, events: events) }
                    observer.poll(org: org.id, feed: "queueService", ok: true)
                    logger.debug("queue service polled", metadata: ["queues": "\(events.count)", "asOf": "\(Timestamp.format(t))"])
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    schedule.failed(now: clock.now())
                    observer.poll(org: org.id, feed: "queueService", ok: false)
                    logger.warning("queue service poll failed; keeping what we have and retrying",
                                   metadata: ["error": "\(error)"])
                }
                continue
            }
            let wait = Double(schedule.delay(now: now)) / max(clock.speed, 0.001)
            let cap = Double(tick.components.seconds) * 1000 + Double(tick.components.attoseconds) / 1e15
            do { try await Task.sleep(for: .milliseconds(Int64(max(1, min(wait, cap))))) } catch { return }
        }
    }

    struct Fetched: Sendable {
        var today: [String: [RESTNormalizer.QueueServiceBucket]] = [:]
        var rolling: [String: [RESTNormalizer.QueueServiceBucket]] = [:]
    }

    /// Both queries for every chunk of queues; any failure fails the whole poll (nothing half-applied).
    func fetch(_ f: PollSchedule.Fetch, t: EpochMillis, queues: [String]) async throws -> Fetched {
        var out = Fetched()
        let size = max(1, chunk)
        let media = org.tunables.utilizationMediaTypes
        for start in stride(from: 0, to: queues.count, by: size) {
            let ids = Array(queues[start..<min(start + size, queues.count)])
            if t > f.from {
                let body = try await rest.queueServiceAggregates(queues: ids, from: f.from, to: t, granularity: "PT30M",
                                                                 timeZone: org.timezone, mediaTypes: media)
                out.today.merge(try RESTNormalizer.queueServiceAggregates(body, from: f.from, to: t).get()) { a, _ in a }
            }
            let from = t - 60 * 60_000
            let body = try await rest.queueServiceAggregates(queues: ids, from: from, to: t, granularity: "PT15M",
                                                             timeZone: org.timezone, mediaTypes: media)
            out.rolling.merge(try RESTNormalizer.queueServiceAggregates(body, from: from, to: t).get()) { a, _ in a }
        }
        return out
    }
}
