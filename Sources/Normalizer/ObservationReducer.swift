import SwitchboardCore

/// Maps queue observation metrics (topic bodies and the observations query) to ``QueueObservation``s.
///
/// - `oWaiting`, `oInteracting`, `oAlerting` → counts; `oOnQueueUsers` → summed over qualifiers;
///   `oUserRoutingStatuses` → qualifier → count; `oLongestWaiting` → `longestWaitMs` (`max`, else
///   `calculatedMetricValue`, else `current`).
/// - Observation details (`observations[].observationDate`) on `oWaiting` → the oldest is
///   `oldestWaitingSince`.
/// - `t*`/`n*` interval aggregates are ignored; a group with no `o*` metric yields no observation.
enum ObservationReducer {
    /// Topic body → observations. `at` = `receivedAt`, else the newest time in the body (observation
    /// dates, interval start).
    static func observations(_ body: GenesysWire.ObservationBody, queue topicQueue: EntityID,
                             receivedAt: EpochMillis?) -> [BridgeEvent] {
        let queue = body.group?.queueId.flatMap { $0.isEmpty ? nil : EntityID(org: topicQueue.org, platformID: $0) }
            ?? topicQueue
        var metrics: [GenesysWire.Metric] = []
        var newest: EpochMillis?
        for datum in body.data ?? [] {
            if let interval = datum.interval, let slash = interval.firstIndex(of: "/"),
                let start = Timestamp.parse(String(interval[..<slash]))
            {
                newest = max(newest ?? start, start)
            }
            metrics.append(contentsOf: datum.metrics ?? [])
        }
        for m in metrics {
            for o in m.observations ?? [] {
                if let t = NotificationNormalizer.time(o.observationDate) { newest = max(newest ?? t, t) }
            }
        }
        guard let at = receivedAt ?? newest else { return [] }
        let mediaType = body.group?.mediaType.flatMap { $0.isEmpty ? nil : $0 }
        guard let obs = observation(queue: queue, mediaType: mediaType, metrics: metrics, at: at) else { return [] }
        return [.queueObservation(obs)]
    }

    static func observation(queue: EntityID, mediaType: String?, metrics: [GenesysWire.Metric],
                            at: EpochMillis) -> QueueObservation? {
        var obs = QueueObservation(queue: queue, at: at, mediaType: mediaType)
        var any = false
        for m in metrics {
            let count = m.stats?.count.map { Int($0) }
            switch m.metric {
            case "oWaiting":
                if let count { obs.waiting = (obs.waiting ?? 0) + count; any = true }
                for o in m.observations ?? [] {
                    if let t = NotificationNormalizer.time(o.observationDate) {
                        obs.oldestWaitingSince = min(obs.oldestWaitingSince ?? t, t)
                        any = true
                    }
                }
            case "oInteracting":
                if let count { obs.interacting = (obs.interacting ?? 0) + count; any = true }
            case "oAlerting":
                if let count { obs.alerting = (obs.alerting ?? 0) + count; any = true }
            case "oOnQueueUsers":
                if let count { obs.onQueueAgents = (obs.onQueueAgents ?? 0) + count; any = true }
            case "oUserRoutingStatuses":
                if let count, let status = NotificationNormalizer.routing(m.qualifier) {
                    obs.routingStatuses = obs.routingStatuses ?? [:]
                    obs.routingStatuses?[status, default: 0] += count
                    any = true
                }
            case "oLongestWaiting":
                if let v = m.stats?.max ?? m.stats?.calculatedMetricValue ?? m.stats?.current, v.isFinite {
                    obs.longestWaitMs = Int64(v)
                    any = true
                }
            default:
                continue
            }
        }
        return any ? obs : nil
    }
}
