import SwitchboardCore

/// Maps queue observation metrics (topic bodies and the observations query) to ``QueueObservation``s.
///
/// - `oWaiting`, `oInteracting`, `oAlerting` → counts; `oOnQueueUsers` → summed over qualifiers;
///   `oUserRoutingStatuses` → qualifier → count; `oLongestWaiting` → `longestWaitMs` (`max`, else
///   `calculatedMetricValue`, else `current`).
/// - Observation details (`observations[].observationDate`) on `oWaiting` → the oldest is
///   `oldestWaitingSince`.
/// - `t*`/`n*` interval aggregates are ignored; a group with no `o*` metric yields no observation.
/// - Counts and durations that are not finite or do not fit an integer are left out.
///
/// Both readers of a topic body fill a ``Snapshot`` (``snapshot(_:)`` from the decoded
/// ``GenesysWire/ObservationBody``, `FastBodies.observations` straight from the frame bytes), metric
/// by metric in body order, so the mapping itself exists once (``Tally/add(_:)``).
enum ObservationReducer {
    /// The `o*` metrics read; everything else is ignored.
    enum Kind {
        case waiting, interacting, alerting, onQueueUsers, userRoutingStatuses, longestWaiting

        init?(_ name: String?) {
            switch name {
            case "oWaiting": self = .waiting
            case "oInteracting": self = .interacting
            case "oAlerting": self = .alerting
            case "oOnQueueUsers": self = .onQueueUsers
            case "oUserRoutingStatuses": self = .userRoutingStatuses
            case "oLongestWaiting": self = .longestWaiting
            default: return nil
            }
        }
    }

    /// What one metric contributes.
    struct MetricFacts {
        var kind: Kind
        /// `stats.count`.
        var count: Double?
        /// `stats.max ?? stats.calculatedMetricValue ?? stats.current`.
        var longest: Double?
        /// The qualifier as a routing status (`oUserRoutingStatuses`).
        var status: RoutingStatus?
        /// The oldest parsable `observations[].observationDate`.
        var oldestObservation: EpochMillis?
    }

    /// A ``QueueObservation`` under construction (queue and time are set at the end).
    struct Tally {
        var obs = QueueObservation(queue: EntityID(org: "", platformID: ""), at: 0)
        var any = false

        mutating func add(_ m: MetricFacts) {
            let count = m.count.flatMap(ObservationReducer.int)
            switch m.kind {
            case .waiting:
                if let count { obs.waiting = (obs.waiting ?? 0) &+ count; any = true }
                if let t = m.oldestObservation {
                    obs.oldestWaitingSince = min(obs.oldestWaitingSince ?? t, t)
                    any = true
                }
            case .interacting:
                if let count { obs.interacting = (obs.interacting ?? 0) &+ count; any = true }
            case .alerting:
                if let count { obs.alerting = (obs.alerting ?? 0) &+ count; any = true }
            case .onQueueUsers:
                if let count { obs.onQueueAgents = (obs.onQueueAgents ?? 0) &+ count; any = true }
            case .userRoutingStatuses:
                if let count, let status = m.status {
                    obs.routingStatuses = obs.routingStatuses ?? [:]
                    obs.routingStatuses?[status, default: 0] &+= count
                    any = true
                }
            case .longestWaiting:
                if let v = m.longest, let ms = ObservationReducer.int(v) {
                    obs.longestWaitMs = Int64(ms)
                    any = true
                }
            }
        }

        func observation(queue: EntityID, mediaType: String?, at: EpochMillis) -> QueueObservation? {
            guard any else { return nil }
            var o = obs
            o.queue = queue
            o.at = at
            o.mediaType = mediaType
            return o
        }
    }

    /// What a topic body gives, before the queue and time are known.
    struct Snapshot {
        /// `group.queueId`.
        var queueID: String?
        /// `group.mediaType`.
        var mediaType: String?
        /// The newest time in the body (interval starts, observation dates).
        var newest: EpochMillis?
        var tally = Tally()

        mutating func see(_ t: EpochMillis?) {
            if let t { newest = max(newest ?? t, t) }
        }
    }

    /// A `Double` count or duration as an `Int`, truncated; nil when not finite or out of range.
    static func int(_ v: Double) -> Int? {
        Int(exactly: v.rounded(.towardZero))
    }

    /// The start of an `interval` (`start/end`).
    static func intervalStart(_ interval: String?) -> EpochMillis? {
        guard let interval, let slash = interval.firstIndex(of: "/") else { return nil }
        return Timestamp.parse(String(interval[..<slash]))
    }

    static func facts(_ m: GenesysWire.Metric) -> MetricFacts? {
        guard let kind = Kind(m.metric) else { return nil }
        var oldest: EpochMillis?
        if kind == .waiting {
            for o in m.observations ?? [] {
                if let t = NotificationNormalizer.time(o.observationDate) { oldest = min(oldest ?? t, t) }
            }
        }
        return MetricFacts(kind: kind, count: m.stats?.count,
                           longest: m.stats?.max ?? m.stats?.calculatedMetricValue ?? m.stats?.current,
                           status: kind == .userRoutingStatuses ? NotificationNormalizer.routing(m.qualifier) : nil,
                           oldestObservation: oldest)
    }

    /// The decoded topic body as a ``Snapshot``.
    static func snapshot(_ body: GenesysWire.ObservationBody) -> Snapshot {
        var s = Snapshot(queueID: body.group?.queueId, mediaType: body.group?.mediaType)
        for datum in body.data ?? [] {
            s.see(intervalStart(datum.interval))
            for m in datum.metrics ?? [] {
                for o in m.observations ?? [] { s.see(NotificationNormalizer.time(o.observationDate)) }
                if let f = facts(m) { s.tally.add(f) }
            }
        }
        return s
    }

    /// Topic body → observations. `at` = `receivedAt`, else the newest time in the body (observation
    /// dates, interval start).
    static func observations(_ body: GenesysWire.ObservationBody, queue topicQueue: EntityID,
                             receivedAt: EpochMillis?) -> [BridgeEvent] {
        observations(snapshot(body), queue: topicQueue, receivedAt: receivedAt)
    }

    static func observations(_ s: Snapshot, queue topicQueue: EntityID, receivedAt: EpochMillis?) -> [BridgeEvent] {
        guard let at = receivedAt ?? s.newest else { return [] }
        let queue = s.queueID.flatMap { $0.isEmpty ? nil : EntityID(org: topicQueue.org, platformID: $0) } ?? topicQueue
        let mediaType = s.mediaType.flatMap { $0.isEmpty ? nil : $0 }
        guard let obs = s.tally.observation(queue: queue, mediaType: mediaType, at: at) else { return [] }
        return [.queueObservation(obs)]
    }

    static func observation(queue: EntityID, mediaType: String?, metrics: [GenesysWire.Metric],
                            at: EpochMillis) -> QueueObservation? {
        var tally = Tally()
        for m in metrics {
            if let f = facts(m) { tally.add(f) }
        }
        return tally.observation(queue: queue, mediaType: mediaType, at: at)
    }
}
