import GenesysAPI
import Normalizer
import SwitchboardConfig
import SwitchboardCore

extension OrgConnector {
    /// The REST re-sync: directory (names, current presence and routing status), the users' recent
    /// presence and routing-status history (the rolling windows' change points), queue observations
    /// (queue tiles) and today's users aggregates (agent baselines). The Notification API has no
    /// replay, so this restores a baseline after any gap. Returns the topics to subscribe.
    func resync(rest: GenesysRESTClient) async throws -> [String] {
        let at = clock.now()
        let id = org.id
        var users: [String] = []
        let wantedUsers: Set<String>? = if case .ids(let ids) = org.users { Set(ids) } else { nil }
        // Held back until the users' history is in, so every agent is first shown with its past.
        var directory: [BridgeEvent] = []
        for page in try await rest.usersPages() {
            var events = RESTNormalizer.usersPage(page.body, org: id, at: at)
            if let wantedUsers { events = events.filter { Self.platformID(of: $0).map(wantedUsers.contains) ?? true } }
            users += page.ids.filter { wantedUsers?.contains($0) ?? true }
            directory += events
        }
        var queues: [String] = []
        let wantedQueues: Set<String>? = if case .ids(let ids) = org.queues { Set(ids) } else { nil }
        for page in try await rest.queuesPages() {
            var events = RESTNormalizer.queuesPage(page.body, org: id, mediaTypes: org.tunables.utilizationMediaTypes)
            if let wantedQueues { events = events.filter { Self.platformID(of: $0).map(wantedQueues.contains) ?? true } }
            queues += page.ids.filter { wantedQueues?.contains($0) ?? true }
            if !events.isEmpty { await sink.ingest(org: id, events: events) }
        }
        state.box.withLock {
            $0.users = users
            $0.queues = queues
        }
        // Listed ids the directory does not hold are shown on the org card and /readyz, not silently dropped.
        if let wantedUsers { await problem("users", ConnectorProblem.unknownIDs("users", wanted: wantedUsers, found: Set(users))) }
        if let wantedQueues {
            await problem("queues", ConnectorProblem.unknownIDs("queues", wanted: wantedQueues, found: Set(queues)))
        }
        // The directory as it is now: agents and queues the views hold that are gone leave them.
        await sink.ingest(org: id, events: [.directory(OrgDirectory(org: id, users: Set(users), queues: Set(queues)))])
        let chunk = max(1, options.analyticsChunk)
        // After a restart the store holds today's totals up to `warm.asOf`: the history is read from there
        // (not only the rolling hour) and today's aggregates only for agents the store does not know.
        let first = state.box.value.historySync == nil
        var warm = state.box.value.warmStart
        if warm == nil && first {
            warm = await options.warmStart(id)
            state.box.withLock { $0.warmStart = warm }
        }
        let continuous = try await ingestHistory(rest: rest, users: users, directory: directory, chunk: chunk,
                                                 since: first ? warm?.asOf : nil)
        // A baseline the OAuth client may not read is a problem of that feature, not of the org: the socket
        // still brings live changes (ConnectorProblem).
        try await tolerateRefusal("queue baselines", endpoint: "POST /api/v2/analytics/queues/observations/query") {
            for start in stride(from: 0, to: queues.count, by: chunk) {
                let body = try await rest.queueObservations(queues: Array(queues[start..<min(start + chunk, queues.count)]))
                let events = RESTNormalizer.queueObservationsQuery(body, org: id, at: clock.now())
                if !events.isEmpty { await sink.ingest(org: id, events: events) }
            }
        }
        let asOf = clock.now()
        let dayStart = Timestamp.startOfDay(asOf, in: org.timezone)
        let warmToday = warm.flatMap { $0.dayStart == dayStart ? $0 : nil }
        if let warmToday { recordBaselines(warmToday.users, dayStart: dayStart) }
        let cold = Self.usersNeedingBaseline(users, dayStart: dayStart, known: state.box.value.baselined,
                                             historyContinuous: continuous || warmToday != nil)
        if let warm = warmToday {
            logger.info("warm start: today's totals come from the store", metadata: [
                "asOf": "\(Timestamp.format(warm.asOf))", "stored": "\(users.count - cold.count)", "queried": "\(cold.count)"])
        }
        try await tolerateRefusal("today's baseline", endpoint: "POST /api/v2/analytics/users/aggregates/query") {
            for start in stride(from: 0, to: cold.count, by: chunk) {
                let ids = Array(cold[start..<min(start + chunk, cold.count)])
                let body = try await rest.usersAggregates(users: ids, dayStart: dayStart, asOf: asOf, timeZone: org.timezone)
                let events = RESTNormalizer.usersAggregates(body, org: id, dayStart: dayStart, asOf: asOf,
                                                            productivePresences: productivePresences)
                if !events.isEmpty { await sink.ingest(org: id, events: events) }
                recordBaselines(ids, dayStart: dayStart)
            }
        }
        observer.resync(org: id, ok: true)
        logger.info("re-sync done", metadata: ["users": "\(users.count)", "queues": "\(queues.count)",
                                               "baselinesQueried": "\(cold.count)"])
        return Self.topics(users: users, queues: queues, journeys: options.journeys != nil && org.journeys != nil && !usesSeedEventStream)
    }

    /// Remembers that the views hold a baseline of `dayStart` for `users` (``BaselineSync``).
    private func recordBaselines(_ users: some Sequence<String>, dayStart: EpochMillis) {
        state.box.withLock { values in
            var known = values.baselined ?? BaselineSync(dayStart: dayStart, users: [])
            known.add(users, dayStart: dayStart)
            values.baselined = known
        }
    }

    /// The users whose today's totals a re-sync must ask (users aggregates) for the local day starting at
    /// `dayStart`: those without a baseline of that day in the views (`known`), when the history the views hold is
    /// continuous since that baseline — this re-sync's history query reached back to the previous one, or a restart's
    /// store totals were just read with the history from their end; every user otherwise (docs/connector.md, "No new
    /// baselines after a short gap").
    static func usersNeedingBaseline(_ users: [String], dayStart: EpochMillis, known: BaselineSync?,
                                     historyContinuous: Bool) -> [String] {
        guard historyContinuous, let known, known.dayStart == dayStart else { return users }
        return users.filter { !known.users.contains($0) }
    }

    /// The first session's topics before any baseline: the directory's user and queue ids only (⌈U / 500⌉ + ⌈Q / 100⌉
    /// requests, 11 at 5,000 users). Nothing is shown from it: the one re-sync runs once the sockets are open, with
    /// them already carrying every change (docs/connector.md, "Start-up"). A full re-sync here, as before, cost a
    /// second re-sync's requests at every start — 268 of the 300-a-minute budget, so the second was paced into the
    /// next minute and the live events it held were shown 30–60 s late.
    func discoverTopics(rest: GenesysRESTClient) async throws -> [String] {
        var users: [String] = []
        let wantedUsers: Set<String>? = if case .ids(let ids) = org.users { Set(ids) } else { nil }
        for page in try await rest.usersPages() { users += page.ids.filter { wantedUsers?.contains($0) ?? true } }
        var queues: [String] = []
        let wantedQueues: Set<String>? = if case .ids(let ids) = org.queues { Set(ids) } else { nil }
        for page in try await rest.queuesPages() { queues += page.ids.filter { wantedQueues?.contains($0) ?? true } }
        logger.info("topics discovered", metadata: ["users": "\(users.count)", "queues": "\(queues.count)"])
        return Self.topics(users: users, queues: queues, journeys: options.journeys != nil && org.journeys != nil && !usesSeedEventStream)
    }

    /// The first sockets did not open (a refused subscription, an unreachable streaming endpoint): the REST
    /// baseline is shown meanwhile, as it was before any socket, and the sessions that follow re-sync again when
    /// theirs open. True when it was read.
    func baselineWithoutSocket(rest: GenesysRESTClient, topics: inout [String]?) async -> Bool {
        guard !Task.isCancelled else { return false }
        logger.info("no socket yet: reading the REST baseline meanwhile")
        guard let fresh = try? await resync(rest: rest) else { return false }
        topics = fresh
        return true
    }

    /// Runs `body`; a 403 becomes a problem of `feature` (shown on the org card and `/readyz`) instead of
    /// failing the re-sync, and a success clears it. Other errors are thrown.
    func tolerateRefusal(_ feature: String, endpoint: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
            await problem(feature, nil)
        } catch {
            guard let refusal = ConnectorProblem.permission(error, feature: feature, endpoint: endpoint) else { throw error }
            await problem(feature, refusal)
        }
    }

    /// The notification topics for the watched users and queues; with `journeys`, each queue's conversations too
    /// (one topic per queue carries every media: calls, callbacks, chats, emails, messages; docs/journeys.md).
    public static func topics(users: [String], queues: [String], journeys: Bool = false) -> [String] {
        var topics: [String] = []
        topics.reserveCapacity(users.count * 2 + queues.count * (journeys ? 2 : 1) + 1)
        for u in users {
            topics.append("v2.users.\(u).activity")
            topics.append("v2.users.\(u).conversations")
        }
        for q in queues { topics.append("v2.analytics.queues.\(q).observations") }
        if journeys {
            for q in queues { topics.append("v2.routing.queues.\(q).conversations") }
        }
        // Quality: an evaluation event schedules an early, debounced quality poll (docs/quality.md).
        topics.append("v2.quality.evaluations")
        return topics
    }

    static func platformID(of event: BridgeEvent) -> String? {
        switch event {
        case .agentStatus(let e): e.agent.platformID
        case .agentProfile(let e): e.agent.platformID
        case .agentInteraction(let e): e.agent.platformID
        case .agentBaseline(let e): e.agent.platformID
        case .queueProfile(let e): e.queue.platformID
        case .queueObservation(let e): e.queue.platformID
        case .utilization(let e): e.agent.platformID
        case .queueService(let e): e.queue.platformID
        case .quality, .connector, .directory: nil
        }
    }
}
