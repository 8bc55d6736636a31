import GenesysAPI
import Logging
import Normalizer
import SwitchboardConfig
import SwitchboardCore

/// Utilization by 30-minute interval for one org (docs/utilization.md): polls
/// `analytics/conversations/aggregates/query` (PT30M, groupBy userId) on a ``PollSchedule``,
/// keeps closed intervals, refreshes the open one every `utilizationPollInterval`, and sends each
/// agent whose intervals changed as one ``AgentUtilization`` event. 429 and 5xx are retried by the
/// REST client's policy; a poll that still fails leaves everything as it was and is retried.
struct UtilizationPoller: Sendable {
    /// Today's intervals per user platform id, sorted by start; what the views were last sent.
    struct Day: Sendable, Equatable {
        var dayStart: EpochMillis = .min
        var intervals: [String: [UtilizationInterval]] = [:]

        /// Replaces [from, to) with `fetched` and marks open intervals; returns the users whose
        /// list changed (with their new list).
        mutating func merge(_ fetched: [String: [UtilizationInterval]], fetch f: PollSchedule.Fetch,
                            schedule: PollSchedule) -> [(String, [UtilizationInterval])] {
            var changed: [(String, [UtilizationInterval])] = []
            if f.newDay {
                for (user, list) in intervals.sorted(by: { $0.key < $1.key }) where !list.isEmpty && fetched[user] == nil {
                    changed.append((user, []))
                }
                intervals = [:]
                dayStart = f.dayStart
            }
            let users = Set(intervals.keys).union(fetched.keys).sorted()
            for user in users {
                let old = intervals[user] ?? []
                var list = old.filter { $0.start < f.from || $0.start >= f.to }
                list += (fetched[user] ?? []).filter { !$0.isEmpty }
                list.sort { $0.start < $1.start }
                for k in list.indices { list[k].open = !schedule.isClosed(list[k].start) }
                if list != old {
                    intervals[user] = list
                    changed.append((user, list))
                }
            }
            return changed
        }
    }

    let org: OrgConfig
    let rest: GenesysRESTClient
    let sink: any BridgeEventSink
    let clock: any WallClock
    let chunk: Int
    let tick: Duration
    let logger: Logger
    let observer: any ConnectorObserver
    /// The watched users (platform ids) once the first re-sync listed them.
    let users: @Sendable () -> [String]?
    /// The watched queues (platform ids) once the first re-sync listed them (per-queue rollups).
    var queues: @Sendable () -> [String]? = { [] }

    /// One poll's result: intervals per user and per queue platform id.
    struct Fetched: Sendable {
        var users: [String: [UtilizationInterval]] = [:]
        var queues: [String: [UtilizationInterval]] = [:]
    }

    /// Records or clears a feature that does not work (the connector's org card / `/readyz` line).
    var reportProblem: @Sendable (String, String?) async -> Void = { _, _ in }

    /// - Parameter seed: what a previous run stored for today: kept as if this poller had fetched it, so the
    ///   intervals that were closed are not fetched again (the open ones are, at the first poll).
    func run(seed: UtilizationSeed? = nil) async {
        let every = EpochMillis(org.tunables.utilizationPollInterval.components.seconds * 1000)
        var schedule = PollSchedule(every: every, offset: PollSchedule.orgOffset(org.id.rawValue, every: every),
                                    zone: org.timezone, now: clock.now())
        var day = Day()
        var queueDay = Day()
        if let seed {
            schedule.resume(dayStart: seed.dayStart, lastSuccessAt: seed.asOf, now: clock.now())
            if schedule.dayStart == seed.dayStart {
                day = Day(dayStart: seed.dayStart, intervals: seed.agents)
                queueDay = Day(dayStart: seed.dayStart, intervals: seed.queues)
                logger.info("utilization resumed from the store", metadata: [
                    "agents": "\(seed.agents.count)", "queues": "\(seed.queues.count)",
                    "closedThrough": "\(Timestamp.format(schedule.closedThrough))"])
            }
        }
        while !Task.isCancelled {
            let now = clock.now()
            if let users = users(), let fetch = schedule.due(now: now) {
                do {
                    let fetched = try await self.fetch(fetch, users: users, queues: queues() ?? [])
                    schedule.succeeded(fetch)
                    let changed = day.merge(fetched.users, fetch: fetch, schedule: schedule)
                    let changedQueues = queueDay.merge(fetched.queues, fetch: fetch, schedule: schedule)
                    let events = changed.map { user, list in
                        BridgeEvent.utilization(AgentUtilization(
                            agent: EntityID(org: org.id, platformID: user), dayStart: fetch.dayStart,
                            asOf: fetch.asOf, intervals: list))
                    } + changedQueues.map { queue, list in
                        BridgeEvent.utilization(AgentUtilization(
                            agent: EntityID(org: org.id, platformID: queue), dayStart: fetch.dayStart,
                            asOf: fetch.asOf, intervals: list, subject: .queue))
                    }
                    if !events.isEmpty { await sink.ingest(org: org.id, events: events) }
                    observer.poll(org: org.id, feed: "utilization", ok: true)
                    await reportProblem("utilization", nil)
                    logger.debug("utilization polled", metadata: ["changed": "\(events.count)",
                                                                  "from": "\(Timestamp.format(fetch.from))"])
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    schedule.failed(now: clock.now())
                    observer.poll(org: org.id, feed: "utilization", ok: false)
                    if let refusal = ConnectorProblem.permission(error, feature: "utilization",
                                                                 endpoint: "POST /api/v2/analytics/conversations/aggregates/query") {
                        schedule.refused(until: clock.now() + ConnectorProblem.refusedBackoff(every: every))
                        await reportProblem("utilization", refusal)
                    } else {
                        logger.warning("utilization poll failed; keeping what we have and retrying",
                                       metadata: ["error": "\(error)"])
                    }
                }
                continue
            }
            // Sleep the business-time delay in real time, but wake at least every tick (clock jumps, users).
            let wait = Double(schedule.delay(now: now)) / max(clock.speed, 0.001)
            let cap = Double(tick.components.seconds) * 1000 + Double(tick.components.attoseconds) / 1e15
            do { try await Task.sleep(for: .milliseconds(Int64(max(1, min(wait, cap))))) } catch { return }
        }
    }

    /// All chunks of users, then of queues; any failure fails the whole fetch (nothing half-applied).
    func fetch(_ f: PollSchedule.Fetch, users: [String], queues: [String] = []) async throws -> Fetched {
        var out = Fetched()
        let size = max(1, chunk)
        for start in stride(from: 0, to: users.count, by: size) {
            let body = try await rest.conversationsAggregates(users: Array(users[start..<min(start + size, users.count)]),
                                                              from: f.from, to: f.to, timeZone: org.timezone,
                                                              mediaTypes: org.tunables.utilizationMediaTypes)
            let parsed = try RESTNormalizer.conversationsAggregates(body, from: f.from, to: f.to).get()
            out.users.merge(parsed) { a, _ in a }
        }
        for start in stride(from: 0, to: queues.count, by: size) {
            let body = try await rest.conversationsAggregates(queues: Array(queues[start..<min(start + size, queues.count)]),
                                                              from: f.from, to: f.to, timeZone: org.timezone,
                                                              mediaTypes: org.tunables.utilizationMediaTypes)
            let parsed = try RESTNormalizer.conversationsAggregates(body, from: f.from, to: f.to, by: .queue).get()
            out.queues.merge(parsed) { a, _ in a }
        }
        return out
    }
}
