import Foundation
import SwitchboardCore

/// One quality evaluation of an agent's call, released at `createdAt`.
struct SimEvaluation: Sendable {
    let id: String
    let agent: Int
    /// The queue of the evaluated call (one of the agent's queues).
    let queue: Int
    let form: Int
    let createdAt: EpochMillis
    /// Total and critical scores, whole numbers 0…100 (sums stay exact).
    let score: Int64
    let criticalScore: Int64
    /// Passed: total score at least ``OrgModel/passMark``.
    var passed: Bool { score >= OrgModel.passMark }
}

/// A derived metric of an aggregates query: the values of `target` in [gte, lt).
struct SimView: Sendable, Equatable {
    let name: String
    let target: String
    let gte: Double?
    let lt: Double?

    func contains(_ v: Double) -> Bool { (gte.map { v >= $0 } ?? true) && (lt.map { v < $0 } ?? true) }
}

/// Quality: evaluations arriving over the day, the evaluations aggregates query and the seed
/// documents' `GET /api/v2/quality/metrics`, all from the same plan (never from the call model's
/// random sequence, so adding quality changed no other figure).
extension OrgModel {
    static let evaluationForms: [(id: String, name: String, contextID: String)] = [
        ("5d0c8a1e-0f5e-4f3e-9a57-0a0000000001", "Inbound Voice QA", "7a1e0c44-2b1d-4c55-8e0f-c0ffee000001"),
        ("5d0c8a1e-0f5e-4f3e-9a57-0a0000000002", "Compliance", "7a1e0c44-2b1d-4c55-8e0f-c0ffee000002"),
    ]
    static let passMark: Int64 = 80

    /// Plans the day's evaluations: every fifth agent gets none (the zero-count case), the others 1…6
    /// spread over the 14 hours after `begin`, on either form.
    func planEvaluations(from begin: EpochMillis) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in organizationID.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var r = SimRandom(seed: h)
        var plan: [SimEvaluation] = []
        // Demo load: enough evaluations early in the day for scores (the threshold is 3 per agent and form).
        let spread: Double = demoLoad ? 3 : 14
        for a in agents.indices where a % 5 != 4 {
            let n = demoLoad ? r.int(4...9) : r.int(1...6)
            for k in 0..<n {
                let at = begin + Int64(r.unit() * spread * 3_600_000)
                let form = r.int(0...(Self.evaluationForms.count - 1))
                let score = Int64(r.int(55...100))
                let critical = Int64(r.int(60...100))
                // The queue comes from the agent's memberships, not the random sequence (same plan as before).
                let queue = agents[a].queues[k % agents[a].queues.count]
                plan.append(SimEvaluation(id: r.uuid(), agent: a, queue: queue, form: form, createdAt: at, score: score,
                                          criticalScore: critical))
            }
        }
        evaluations = plan.sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.id < $1.id }
    }

    /// Publishes `v2.quality.evaluations` (when subscribed) for every evaluation created before `limit`,
    /// each stamped with its creation time.
    func announceEvaluations(before limit: EpochMillis) {
        let topic = "v2.quality.evaluations"
        while evaluationCursor < evaluations.count && evaluations[evaluationCursor].createdAt < limit {
            let e = evaluations[evaluationCursor]
            evaluationCursor += 1
            guard wants(topic) else { continue }
            let form = Self.evaluationForms[e.form]
            var w = JSONWriter(capacity: 512)
            w.object { w in
                w.field("id", plain: e.id)
                w.object("agent") { w in w.field("id", plain: agents[e.agent].id) }
                w.field("evaluationFormId", plain: form.id)
                w.field("formName", form.name)
                w.field("status", plain: "Finished")
                w.field("eventType", plain: "Update")
                w.field("eventTime", time: e.createdAt)
                w.field("changedDate", time: e.createdAt)
            }
            outbox.append(SimMessage(topic: topic, body: w.bytes, at: e.createdAt))
        }
    }

    /// Evaluations created in [from, min(to, now)].
    func visibleEvaluations(from: EpochMillis, to: EpochMillis) -> ArraySlice<SimEvaluation> {
        let end = min(to, now + 1)
        let lo = evaluations.firstIndex { $0.createdAt >= from } ?? evaluations.count
        let hi = evaluations.firstIndex { $0.createdAt >= end } ?? evaluations.count
        return lo < hi ? evaluations[lo..<hi] : []
    }

    /// `POST /api/v2/analytics/evaluations/aggregates/query` grouped by any of `userId`, `formId` (one
    /// data entry spanning the interval): `nEvaluations` (`count`), `oTotalScore` and
    /// `oTotalCriticalScore` (`count`, `sum`, `min`, `max`). Agents with no evaluation are left out.
    /// Each `rangeBound` view gives the same stats over the target's values within its range, under
    /// `data[].views[]`; a view with no value in range is left out of that group, like an empty metric.
    func evaluationsAggregates(from: EpochMillis, to: EpochMillis, byUser: Bool, byForm: Bool, byQueue: Bool = false,
                               userIDs: Set<String>?, queueIDs: Set<String>? = nil, metrics: Set<String>,
                               views: [SimView] = []) -> [UInt8] {
        struct Key: Hashable, Comparable {
            var agent: Int, queue: Int, form: Int
            static func < (a: Key, b: Key) -> Bool { (a.agent, a.queue, a.form) < (b.agent, b.queue, b.form) }
        }
        var groups: [Key: [SimEvaluation]] = [:]
        for e in visibleEvaluations(from: from, to: to) {
            if let userIDs, !userIDs.contains(agents[e.agent].id) { continue }
            if let queueIDs, !queueIDs.contains(queues[e.queue].id) { continue }
            groups[Key(agent: byUser ? e.agent : -1, queue: byQueue ? e.queue : -1, form: byForm ? e.form : -1),
                   default: []].append(e)
        }
        var w = JSONWriter(capacity: 4096)
        w.object { w in
            w.array("results") { w in
                for key in groups.keys.sorted() {
                    let list = groups[key]!
                    w.object { w in
                        w.object("group") { w in
                            if key.agent >= 0 { w.field("userId", plain: agents[key.agent].id) }
                            if key.queue >= 0 { w.field("queueId", plain: queues[key.queue].id) }
                            if key.form >= 0 { w.field("formId", plain: Self.evaluationForms[key.form].id) }
                        }
                        w.array("data") { w in
                            w.object { w in
                                w.field("interval", "\(Timestamp.format(from))/\(Timestamp.format(to))")
                                w.array("metrics") { w in
                                    if metrics.contains("nEvaluations") {
                                        w.object { w in
                                            w.field("metric", plain: "nEvaluations")
                                            w.object("stats") { w in w.field("count", Int64(list.count)) }
                                        }
                                    }
                                    for (name, values) in [("oTotalScore", list.map(\.score)),
                                                           ("oTotalCriticalScore", list.map(\.criticalScore))]
                                    where metrics.contains(name) {
                                        w.object { w in
                                            w.field("metric", plain: name)
                                            w.object("stats") { w in
                                                w.field("max", values.max() ?? 0)
                                                w.field("min", values.min() ?? 0)
                                                w.field("count", Int64(values.count))
                                                w.field("sum", values.reduce(0, +))
                                            }
                                        }
                                    }
                                }
                                let viewed: [(String, [Int64])] = views.compactMap { v in
                                    let all: [Int64]
                                    switch v.target {
                                    case "oTotalScore": all = list.map(\.score)
                                    case "oTotalCriticalScore": all = list.map(\.criticalScore)
                                    case "nEvaluations": all = list.map { _ in 1 }
                                    default: all = []
                                    }
                                    let inRange = all.filter { v.contains(Double($0)) }
                                    return inRange.isEmpty ? nil : (v.name, inRange)
                                }
                                if !viewed.isEmpty {
                                    w.array("views") { w in
                                        for (name, values) in viewed {
                                            w.object { w in
                                                w.field("name", name)
                                                w.object("stats") { w in
                                                    w.field("max", values.max() ?? 0)
                                                    w.field("min", values.min() ?? 0)
                                                    w.field("count", Int64(values.count))
                                                    w.field("sum", values.reduce(0, +))
                                                }
                                            }
                                        }
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

    /// The seed documents' `GET /api/v2/quality/metrics?groupBy=agent&metrics=averageScore,count,passRate`:
    /// a bare array, one record per agent — including agents with no evaluation, with `count` 0 and
    /// `averageScore` 0 (the "ghost agent" trap the seed describes).
    /// With `byQueue` (`groupBy=queue`), one record per queue instead, zero counts included too.
    func seedQualityMetrics(from: EpochMillis, to: EpochMillis, formID: String?, metrics: Set<String>,
                            byQueue: Bool = false) -> [UInt8] {
        let form = formID.flatMap { id in Self.evaluationForms.firstIndex { $0.id == id } }
        let entities: [(id: String, name: String)] = byQueue ? queues.map { ($0.id, $0.name) } : agents.map { ($0.id, $0.name) }
        var per = Array(repeating: (count: Int64(0), sum: Int64(0), passed: Int64(0)), count: entities.count)
        for e in visibleEvaluations(from: from, to: to) where form == nil || e.form == form {
            let k = byQueue ? e.queue : e.agent
            per[k].count += 1
            per[k].sum += e.score
            per[k].passed += e.passed ? 1 : 0
        }
        func decimal(_ w: inout JSONWriter, _ k: String, _ v: Double) {
            w.key(k)
            w.raw(Array(String(format: "%.2f", v).utf8))
        }
        var w = JSONWriter(capacity: 4096)
        w.beginArray()
        do {
            for a in entities.indices {
                let p = per[a]
                w.object { w in
                    w.field("entityId", plain: entities[a].id)
                    w.field("entityName", entities[a].name)
                    w.object("metrics") { w in
                        if metrics.contains("averageScore") {
                            w.object("averageScore") { w in
                                decimal(&w, "value", p.count > 0 ? Double(p.sum) / Double(p.count) : 0)
                                w.field("unit", plain: "percentage")
                            }
                        }
                        if metrics.contains("count") { w.object("count") { w in w.field("value", p.count) } }
                        if metrics.contains("passRate") {
                            w.object("passRate") { w in
                                decimal(&w, "value", p.count > 0 ? Double(p.passed) * 100 / Double(p.count) : 0)
                                w.field("unit", plain: "percentage")
                            }
                        }
                    }
                }
            }
        }
        w.endArray()
        return w.bytes
    }

    /// Today's evaluations so far, tallied per subject (an agent or a queue id) and form, in key order.
    private func qualityTally(dayStart: EpochMillis, subject: (SimEvaluation) -> String)
        -> [(subject: String, form: (id: String, name: String), count: Int, scoreSum: Int64, criticalScoreSum: Int64, passed: Int)]
    {
        var groups: [String: (subject: String, form: Int, count: Int, score: Int64, critical: Int64, passed: Int)] = [:]
        for e in visibleEvaluations(from: dayStart, to: now + 1) {
            let who = subject(e)
            let key = "\(who)/\(Self.evaluationForms[e.form].id)"
            var g = groups[key] ?? (who, e.form, 0, 0, 0, 0)
            g.count += 1
            g.score += e.score
            g.critical += e.criticalScore
            g.passed += e.passed ? 1 : 0
            groups[key] = g
        }
        return groups.keys.sorted().map { k in
            let g = groups[k]!
            let form = Self.evaluationForms[g.form]
            return (g.subject, (form.id, form.name), g.count, g.score, g.critical, g.passed)
        }
    }

    /// The per-queue quality truth: per queue and form, today's evaluations so far.
    func queueQualityTruth(dayStart: EpochMillis) -> [SimTruth.QueueQualityGroup] {
        qualityTally(dayStart: dayStart) { queues[$0.queue].id }.map {
            SimTruth.QueueQualityGroup(queueId: $0.subject, formId: $0.form.id, formName: $0.form.name, count: $0.count,
                                       scoreSum: $0.scoreSum, criticalScoreSum: $0.criticalScoreSum, passed: $0.passed)
        }
    }

    /// The quality truth: per agent and form, today's evaluations so far.
    func qualityTruth(dayStart: EpochMillis) -> [SimTruth.QualityGroup] {
        qualityTally(dayStart: dayStart) { agents[$0.agent].id }.map {
            SimTruth.QualityGroup(agentId: $0.subject, formId: $0.form.id, formName: $0.form.name, count: $0.count,
                                  scoreSum: $0.scoreSum, criticalScoreSum: $0.criticalScoreSum, passed: $0.passed)
        }
    }
}
