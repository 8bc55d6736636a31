import Foundation
import SwitchboardCore

/// Truth and the analytics queries, all answered from the recorded state history.
extension OrgModel {
    /// Handling and productive milliseconds of agent `a` over [from, to).
    func totals(_ a: Int, from: EpochMillis, to: EpochMillis) -> (handling: Int64, productive: Int64) {
        let tl = agents[a].timeline
        var handling: Int64 = 0
        var productive: Int64 = 0
        var i = tl.count - 1
        while i >= 0 {
            let s = tl[i]
            let end = i + 1 < tl.count ? tl[i + 1].start : now
            if end <= from { break }
            let lo = max(s.start, from), hi = min(end, to)
            if hi > lo {
                if s.handling { handling += hi - lo }
                if s.handling || s.presence.isProductive { productive += hi - lo }
            }
            i -= 1
        }
        return (handling, productive)
    }

    func windows(_ a: Int, dayStart: EpochMillis) -> (SimTruth.Windows, SimTruth.Windows) {
        let t = totals(a, from: dayStart, to: now)
        let r15 = totals(a, from: now - 15 * 60_000, to: now)
        let r60 = totals(a, from: now - 60 * 60_000, to: now)
        return (SimTruth.Windows(today: t.handling, rolling15m: r15.handling, rolling60m: r60.handling),
                SimTruth.Windows(today: t.productive, rolling15m: r15.productive, rolling60m: r60.productive))
    }

    /// The ground truth at the model's current time.
    func truth() -> SimTruth {
        let dayStart = Timestamp.startOfDay(now, in: timeZone)
        var agentTruths: [SimTruth.Agent] = []
        agentTruths.reserveCapacity(agents.count)
        var perAgent: [(SimTruth.Windows, SimTruth.Windows)] = []
        var orgH = SimTruth.Windows(), orgP = SimTruth.Windows()
        for a in agents.indices {
            let (h, p) = windows(a, dayStart: dayStart)
            perAgent.append((h, p))
            orgH = orgH + h
            orgP = orgP + p
            let agent = agents[a]
            agentTruths.append(SimTruth.Agent(
                id: agent.id, name: agent.name, presence: agent.presence.platformSpelling,
                routingStatus: agent.routing.rawValue, queueIds: agent.queues.map { queues[$0].id },
                handlingMs: h, productiveMs: p, dateHire: agent.hireDay.map(CalendarDay.format)))
        }
        let service = serviceTruth(at: now)
        let queueTruths = queues.indices.map { q -> SimTruth.Queue in
            var h = SimTruth.Windows(), p = SimTruth.Windows()
            for a in queues[q].members {
                h = h + perAgent[a].0
                p = p + perAgent[a].1
            }
            let queue = queues[q]
            return SimTruth.Queue(
                id: queue.id, name: queue.name, waiting: queue.waiting.count, interacting: queue.interacting,
                alerting: queue.alerting, onQueueAgents: queue.onQueueMembers, memberCount: queue.members.count,
                longestWaitMs: longestWait(q), handlingMs: h, productiveMs: p,
                serviceLevelTarget: service.queues[q].target, service: service.queues[q].service)
        }
        var truth = SimTruth(
            org: org, at: Timestamp.format(now), atMillis: now, timeZone: timeZone.identifier,
            dayStart: Timestamp.format(dayStart), agents: agentTruths, queues: queueTruths,
            totals: SimTruth.Totals(handlingMs: orgH, productiveMs: orgP), serviceTotals: service.totals,
            utilization: utilizationTruth(dayStart: dayStart), quality: qualityTruth(dayStart: dayStart),
            queueUtilization: queueUtilizationTruth(dayStart: dayStart), queueQuality: queueQualityTruth(dayStart: dayStart))
        truth.transcripts = transcriptTruth()
        truth.journeys = journeyTruth()
        return truth
    }

    // MARK: - Users aggregates

    /// `POST /api/v2/analytics/users/aggregates/query`: per user, per bucket of `granularity`
    /// (aligned to the interval start), the milliseconds in each routing status
    /// (`tAgentRoutingStatus`), system presence (`tSystemPresence`, qualifier `ON_QUEUE`, …) and
    /// org presence (`tOrganizationPresence`, qualifier the presence definition id). Time after the
    /// model's now is not reported; empty buckets are left out.
    func usersAggregates(from: EpochMillis, to: EpochMillis, granularity: EpochMillis?, userIDs: Set<String>?,
                         metrics: Set<String>) -> [UInt8] {
        let end = min(to, now)
        let step = granularity ?? max(1, to - from)
        var w = JSONWriter(capacity: 4096)
        w.object { w in
            w.array("results") { w in
                guard end > from else { return }
                for a in agents.indices {
                    if let userIDs, !userIDs.contains(agents[a].id) { continue }
                    writeUserBuckets(&w, a, from: from, end: end, intervalEnd: to, step: step, metrics: metrics)
                }
            }
        }
        return w.bytes
    }

    private func writeUserBuckets(_ w: inout JSONWriter, _ a: Int, from: EpochMillis, end: EpochMillis,
                                  intervalEnd: EpochMillis, step: EpochMillis, metrics: Set<String>) {
        let tl = agents[a].timeline
        // Sums per bucket: presence (9) then routing (5).
        var buckets: [(Int64, [Int64])] = []
        var current: (Int64, [Int64])?
        var i = 0
        while i + 1 < tl.count && tl[i + 1].start <= from { i += 1 }
        while i < tl.count {
            let s = tl[i]
            let segEnd = i + 1 < tl.count ? tl[i + 1].start : now
            var lo = max(s.start, from)
            let hi = min(segEnd, end)
            while lo < hi {
                let bucket = (lo - from) / step
                let bucketStart = from + bucket * step
                let bucketEnd = min(bucketStart + step, intervalEnd)
                let piece = min(hi, bucketEnd) - lo
                if current?.0 != bucketStart {
                    if let c = current { buckets.append(c) }
                    current = (bucketStart, Array(repeating: 0, count: 14))
                }
                current!.1[Int(s.presence.rawValue)] += piece
                current!.1[9 + s.routing.index] += piece
                lo += piece
            }
            if segEnd >= end { break }
            i += 1
        }
        if let c = current { buckets.append(c) }
        guard !buckets.isEmpty else { return }
        w.object { w in
            w.object("group") { w in w.field("userId", plain: agents[a].id) }
            w.array("data") { w in
                for (start, sums) in buckets {
                    w.object { w in
                        w.field("interval", "\(Timestamp.format(start))/\(Timestamp.format(min(start + step, intervalEnd)))")
                        w.array("metrics") { w in
                            for p in Presence.allCases where sums[Int(p.rawValue)] > 0 {
                                if metrics.contains("tSystemPresence") {
                                    writeSum(&w, "tSystemPresence", p.qualifier, sums[Int(p.rawValue)])
                                }
                                if metrics.contains("tOrganizationPresence") {
                                    writeSum(&w, "tOrganizationPresence", presenceIDs[Int(p.rawValue)], sums[Int(p.rawValue)])
                                }
                            }
                            if metrics.contains("tAgentRoutingStatus") {
                                for r in RoutingStatus.allCases where sums[9 + r.index] > 0 {
                                    writeSum(&w, "tAgentRoutingStatus", r.rawValue, sums[9 + r.index])
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func writeSum(_ w: inout JSONWriter, _ metric: String, _ qualifier: String, _ sum: Int64) {
        w.object { w in
            w.field("metric", plain: metric)
            w.field("qualifier", plain: qualifier)
            w.object("stats") { w in w.field("sum", sum) }
        }
    }

    // MARK: - Queue observations query

    /// `POST /api/v2/analytics/queues/observations/query`: per queue the user-level group and the
    /// voice group, restricted to `metrics`; `detailMetrics` containing `oWaiting` / `oInteracting`
    /// adds `observations` with each conversation's `observationDate` (wait or connect start).
    func observationsQuery(queueIDs: [String]?, metrics: Set<String>, detailMetrics: Set<String>) -> [UInt8] {
        let selected: [Int] = queueIDs.map { ids in ids.compactMap { queueIndex[$0] } } ?? Array(queues.indices)
        var w = JSONWriter(capacity: 4096)
        w.object { w in
            w.array("results") { w in
                for q in selected {
                    for users in [true, false] {
                        let ms = observationMetrics(q, users: users).filter { metrics.contains($0.metric) }
                        if ms.isEmpty { continue }
                        w.object { w in
                            w.object("group") { w in
                                w.field("queueId", plain: queues[q].id)
                                if !users { w.field("mediaType", plain: "voice") }
                            }
                            w.array("data") { w in
                                for m in ms {
                                    w.object { w in
                                        w.field("metric", plain: m.metric)
                                        if let qual = m.qualifier { w.field("qualifier", plain: qual) }
                                        w.object("stats") { w in w.field(m.stat, m.value) }
                                        if detailMetrics.contains(m.metric) { writeDetails(&w, q, metric: m.metric) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return w.bytes
    }

    private func writeDetails(_ w: inout JSONWriter, _ q: Int, metric: String) {
        var rows: [(EpochMillis, Conversation, Int?)] = []
        if metric == "oWaiting" {
            for c in queues[q].waiting { if let conv = conversations[c] { rows.append((conv.waitingSince ?? conv.start, conv, nil)) } }
        } else if metric == "oInteracting" {
            for conv in conversations.values where conv.queue == q {
                if let p = conv.participants.last(where: { $0.kind == .agent && $0.connected != nil && $0.end == nil }) {
                    rows.append((p.connected!, conv, p.agent))
                }
            }
            rows.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.id < $1.1.id }
        } else {
            return
        }
        w.field("truncated", false)
        w.array("observations") { w in
            for (date, conv, agent) in rows {
                w.object { w in
                    w.field("observationDate", time: date)
                    w.field("conversationId", plain: conv.id)
                    w.field("sessionId", conv.participants[0].communicationID)
                    w.field("routingPriority", 0)
                    w.field("participantName", "Caller")
                    if let agent { w.field("userId", plain: agents[agent].id) }
                    w.field("direction", "inbound")
                    w.field("ani", conv.customerAddress)
                    w.field("dnis", "tel:+18005550100")
                }
            }
        }
    }
}
