import Foundation
import SwitchboardCore

/// One moment in a queue's service record: a conversation entered the queue (offered), was answered, or
/// the caller hung up while waiting (abandoned). `waitMs` is the wait from entering the queue (0 for offers).
struct QueueCallRecord: Sendable {
    enum Kind: UInt8, Sendable { case offered, answered, abandoned }
    let at: EpochMillis
    let queue: Int32
    let kind: Kind
    let waitMs: Int64
}

/// The service statistics of one bucket: what `nOffered`, `tAnswered`, `tAbandon`, `tAcd`, `nOverSla` and
/// `oServiceLevel` report, each counted in the bucket of its own moment (offer, answer, abandon).
struct ServiceSums: Sendable, Equatable {
    var offered = 0
    var answered = 0, answeredSum: Int64 = 0, answeredMax: Int64 = 0, answeredMin: Int64 = .max
    var abandoned = 0, abandonedSum: Int64 = 0, abandonedMax: Int64 = 0, abandonedMin: Int64 = .max
    /// Answered after the queue's service-level duration.
    var overSla = 0

    var withinTarget: Int { answered - overSla }
    /// The platform's default options: answered + abandoned (short abandons counted, flow-outs not; the
    /// simulator has neither short abandons nor flow-outs).
    var serviceLevelCalls: Int { answered + abandoned }
    var isEmpty: Bool { offered == 0 && answered == 0 && abandoned == 0 }

    mutating func add(_ r: QueueCallRecord, targetMs: Int64) {
        switch r.kind {
        case .offered: offered += 1
        case .answered:
            answered += 1
            answeredSum += r.waitMs
            answeredMax = max(answeredMax, r.waitMs)
            answeredMin = min(answeredMin, r.waitMs)
            if r.waitMs > targetMs { overSla += 1 }
        case .abandoned:
            abandoned += 1
            abandonedSum += r.waitMs
            abandonedMax = max(abandonedMax, r.waitMs)
            abandonedMin = min(abandonedMin, r.waitMs)
        }
    }

    mutating func merge(_ o: ServiceSums) {
        offered += o.offered
        answered += o.answered
        answeredSum += o.answeredSum
        answeredMax = max(answeredMax, o.answeredMax)
        answeredMin = min(answeredMin, o.answeredMin)
        abandoned += o.abandoned
        abandonedSum += o.abandonedSum
        abandonedMax = max(abandonedMax, o.abandonedMax)
        abandonedMin = min(abandonedMin, o.abandonedMin)
        overSla += o.overSla
    }

    var truth: SimTruth.Service {
        SimTruth.Service(
            offered: offered, answered: answered, abandoned: abandoned, answeredWithinTarget: withinTarget,
            serviceLevelCalls: serviceLevelCalls, answerWaitMs: answeredSum,
            serviceLevel: serviceLevelCalls > 0 ? Double(withinTarget) / Double(serviceLevelCalls) : nil,
            asaMs: answered > 0 ? Int64((Double(answeredSum) / Double(answered)).rounded()) : nil,
            abandonRate: offered > 0 ? Double(abandoned) / Double(offered) : nil)
    }
}

extension OrgModel {
    /// Queue `q`'s configured service level for voice (`mediaSettings.call.serviceLevel`): the platform's
    /// default 80 % in 20 s for most queues, some stricter or looser, fixed by the queue's position (no
    /// random draw, so adding it changed nothing else).
    func serviceLevelTarget(_ q: Int) -> (percentage: Double, durationMs: Int64) {
        let table: [(Double, Int64)] = [(0.8, 20_000), (0.8, 20_000), (0.9, 30_000), (0.8, 60_000), (0.85, 15_000),
                                        (0.8, 20_000), (0.95, 10_000), (0.75, 30_000)]
        return table[q % table.count]
    }

    /// How long a caller waits before hanging up: one in ten is impatient (30 s – 2 min), the rest wait
    /// 1–10 min. Without the impatient few, abandons were too rare (under 1 %) for a wall to show them.
    func callerPatience() -> Int64 {
        rng.chance(0.1) ? rng.millis(30, 120) : rng.millis(60, 600)
    }

    /// The queue's `mediaSettings` as `GET /api/v2/routing/queues` shows it: one entry per media type with
    /// `alertingTimeoutSeconds`, `enableAutoAnswer` and `serviceLevel {percentage, durationMs}`. Calls carry
    /// the queue's own target (``serviceLevelTarget(_:)``); the other media the platform's usual defaults.
    func writeQueueMediaSettings(_ w: inout JSONWriter, _ q: Int) {
        let voice = serviceLevelTarget(q)
        let media: [(String, Int, Double, Int64)] = [
            ("call", 8, voice.percentage, voice.durationMs), ("callback", 30, 0.8, 20_000), ("chat", 30, 0.8, 20_000),
            ("email", 300, 0.8, 86_400_000), ("message", 30, 0.8, 20_000),
        ]
        w.object("mediaSettings") { w in
            for (name, alerting, percentage, duration) in media {
                w.object(name) { w in
                    w.field("alertingTimeoutSeconds", alerting)
                    w.field("enableAutoAnswer", false)
                    w.object("serviceLevel") { w in
                        w.key("percentage")
                        w.raw(Array(String(percentage).utf8))
                        w.field("durationMs", duration)
                    }
                }
            }
        }
    }

    /// Records a conversation entering queue `q` (a new call, or a transfer into it). A call re-queued after
    /// a missed alert is still the same offer.
    func recordOffered(_ q: Int) {
        queueCalls.append(QueueCallRecord(at: now, queue: Int32(q), kind: .offered, waitMs: 0))
    }

    /// Records the end of a wait in `q` that began at `since`: answered by an agent, or abandoned.
    func recordWaitEnded(_ q: Int, since: EpochMillis, answered: Bool) {
        queueCalls.append(QueueCallRecord(at: now, queue: Int32(q), kind: answered ? .answered : .abandoned,
                                          waitMs: max(0, now - since)))
    }

    /// Index of the first record at or after `t` (records are in time order).
    func firstQueueCall(atOrAfter t: EpochMillis) -> Int {
        var lo = 0, hi = queueCalls.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if queueCalls[mid].at < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Per queue index, per bucket start: the service sums of records in [from, min(to, now + 1)), restricted
    /// to `queueIDs` when given.
    func serviceBuckets(from: EpochMillis, to: EpochMillis, step: EpochMillis,
                        queueIDs: Set<String>?) -> [Int: [EpochMillis: ServiceSums]] {
        var out: [Int: [EpochMillis: ServiceSums]] = [:]
        let end = min(to, now + 1)
        var i = firstQueueCall(atOrAfter: from)
        while i < queueCalls.count, queueCalls[i].at < end {
            let r = queueCalls[i]
            i += 1
            let q = Int(r.queue)
            if let queueIDs, !queueIDs.contains(queues[q].id) { continue }
            let bucket = from + (r.at - from) / step * step
            out[q, default: [:]][bucket, default: ServiceSums()].add(r, targetMs: serviceLevelTarget(q).durationMs)
        }
        return out
    }

    /// The service metrics of one bucket, those in `metrics` with something to report (the platform leaves
    /// zero counts out). `target` is the queue's percentage (`oServiceLevel.stats.target`), nil for groups
    /// spanning queues.
    func writeService(_ w: inout JSONWriter, _ s: ServiceSums, target: Double?, metrics: Set<String>) {
        func stat(_ name: String, count: Int, sum: Int64? = nil, max: Int64? = nil, min: Int64? = nil) {
            guard metrics.contains(name), count > 0 else { return }
            w.object { w in
                w.field("metric", plain: name)
                w.object("stats") { w in
                    if let max { w.field("max", max) }
                    if let min { w.field("min", min) }
                    w.field("count", Int64(count))
                    if let sum { w.field("sum", sum) }
                }
            }
        }
        stat("nOffered", count: s.offered)
        stat("tAnswered", count: s.answered, sum: s.answeredSum, max: s.answeredMax, min: s.answeredMin)
        stat("tAbandon", count: s.abandoned, sum: s.abandonedSum, max: s.abandonedMax, min: s.abandonedMin)
        stat("tAcd", count: s.answered + s.abandoned, sum: s.answeredSum + s.abandonedSum,
             max: Swift.max(s.answeredMax, s.abandonedMax), min: Swift.min(s.answeredMin, s.abandonedMin))
        stat("nOverSla", count: s.overSla)
        if metrics.contains("oServiceLevel"), s.serviceLevelCalls > 0 {
            w.object { w in
                w.field("metric", plain: "oServiceLevel")
                w.object("stats") { w in
                    w.key("ratio")
                    w.raw(Array(String(Double(s.withinTarget) / Double(s.serviceLevelCalls)).utf8))
                    w.field("numerator", s.withinTarget)
                    w.field("denominator", s.serviceLevelCalls)
                    if let target {
                        w.key("target")
                        w.raw(Array(String(target).utf8))
                    }
                }
            }
        }
    }

    /// Every queue's service over [from, to) (to ≤ now), indexed like `queues`.
    func serviceSums(from: EpochMillis, to: EpochMillis) -> [ServiceSums] {
        var out = [ServiceSums](repeating: ServiceSums(), count: queues.count)
        for (q, buckets) in serviceBuckets(from: from, to: to, step: max(1, to - from), queueIDs: nil) {
            for (_, s) in buckets { out[q].merge(s) }
        }
        return out
    }

    /// The service truth at `at` (≤ now): per queue and in total, today (from local midnight of `at`),
    /// rolling 15 and 60 minutes, every window ending at `at`.
    func serviceTruth(at: EpochMillis) -> SimTruth.ServiceReport {
        let at = min(at, now)
        let dayStart = Timestamp.startOfDay(at, in: timeZone)
        var totals = [ServiceSums](repeating: ServiceSums(), count: 3)
        let windows = [serviceSums(from: dayStart, to: at), serviceSums(from: at - 15 * 60_000, to: at),
                       serviceSums(from: at - 60 * 60_000, to: at)]
        let rows = queues.indices.map { q -> SimTruth.QueueService in
            let t = serviceLevelTarget(q)
            let w = windows.map { $0[q] }
            for k in 0..<3 { totals[k].merge(w[k]) }
            return SimTruth.QueueService(
                id: queues[q].id, name: queues[q].name,
                target: SimTruth.ServiceTarget(percentage: t.percentage, durationMs: t.durationMs),
                service: SimTruth.ServiceWindows(today: w[0].truth, rolling15m: w[1].truth, rolling60m: w[2].truth))
        }
        return SimTruth.ServiceReport(
            org: org, at: Timestamp.format(at), atMillis: at, dayStart: Timestamp.format(dayStart), queues: rows,
            totals: SimTruth.ServiceWindows(today: totals[0].truth, rolling15m: totals[1].truth,
                                            rolling60m: totals[2].truth))
    }
}
