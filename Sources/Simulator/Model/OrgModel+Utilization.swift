import Foundation
import SwitchboardCore

/// One completed agent leg: answered, talked (with holds), wrapped up. Utilization metrics are
/// reported in the interval in which the leg completed (the end of after-call work), so a closed
/// interval never changes afterwards.
struct HandledLeg: Sendable {
    let agent: Int
    /// The queue the agent handled the call for (the queue it was offered from; a blind transfer
    /// moves the conversation on, not this leg).
    let queue: Int
    let conversationID: String
    let connected: EpochMillis
    let completed: EpochMillis
    let talkMs: Int64
    let heldMs: Int64
    let acwMs: Int64
    var handleMs: Int64 { talkMs + heldMs + acwMs }
    /// For the details query's segments: when the talk ended (after-call work began), when the hold
    /// began (nil: no hold), how the agent's call ended and the wrap-up code.
    var disconnected: EpochMillis = 0
    var holdStart: EpochMillis? = nil
    var disconnectType: String? = nil
    var wrapupCode: String? = nil
}

/// Sums of one bucket: the `tHandle`, `tTalk`, `tHeld`, `tAcw`, `nConnected` statistics.
struct UtilizationSums: Sendable, Equatable {
    var handleSum: Int64 = 0, handleCount = 0, handleMax: Int64 = 0
    var talkSum: Int64 = 0, talkCount = 0
    var heldSum: Int64 = 0, heldCount = 0
    var acwSum: Int64 = 0, acwCount = 0
    var connected = 0

    mutating func add(_ leg: HandledLeg) {
        handleSum += leg.handleMs
        handleCount += 1
        handleMax = max(handleMax, leg.handleMs)
        talkSum += leg.talkMs
        talkCount += 1
        if leg.heldMs > 0 {
            heldSum += leg.heldMs
            heldCount += 1
        }
        acwSum += leg.acwMs
        acwCount += 1
        connected += 1
    }
}

extension OrgModel {
    func recordHandled(_ conv: Conversation, participant p: Participant, agent a: Int) {
        guard let connected = p.connected, let end = p.end, let acwStart = p.acwStart, let acwEnd = p.acwEnd else { return }
        handled.append(HandledLeg(agent: a, queue: p.queue ?? conv.queue, conversationID: conv.id, connected: connected, completed: acwEnd,
                                  talkMs: max(0, end - connected - p.heldMs), heldMs: p.heldMs,
                                  acwMs: max(0, acwEnd - acwStart), disconnected: end, holdStart: p.firstHeldAt,
                                  disconnectType: p.disconnectType, wrapupCode: p.wrapupCode))
    }

    /// Index of the first leg completed at or after `t` (legs are in completion order).
    func firstHandled(atOrAfter t: EpochMillis) -> Int {
        var lo = 0, hi = handled.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if handled[mid].completed < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Per agent index (or per queue index with `byQueue`), per bucket start: the sums of legs completed
    /// in [from, min(to, now)), restricted to `userIDs` and `queueIDs` when given.
    func utilizationBuckets(from: EpochMillis, to: EpochMillis, step: EpochMillis, userIDs: Set<String>?,
                            queueIDs: Set<String>? = nil, byQueue: Bool = false) -> [Int: [(EpochMillis, UtilizationSums)]] {
        var out: [Int: [EpochMillis: UtilizationSums]] = [:]
        let end = min(to, now + 1)
        var i = firstHandled(atOrAfter: from)
        while i < handled.count, handled[i].completed < end {
            let leg = handled[i]
            i += 1
            if let userIDs, !userIDs.contains(agents[leg.agent].id) { continue }
            if let queueIDs, !queueIDs.contains(queues[leg.queue].id) { continue }
            let bucket = from + (leg.completed - from) / step * step
            out[byQueue ? leg.queue : leg.agent, default: [:]][bucket, default: UtilizationSums()].add(leg)
        }
        return out.mapValues { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// `POST /api/v2/analytics/conversations/aggregates/query` grouped by `userId` or `queueId` (or not
    /// grouped): per bucket of `granularity` aligned to the interval start, `tHandle`, `tTalk`, `tHeld`, `tAcw`
    /// (`count`, `sum`, `max` for tHandle) and `nConnected` (`count`), and the queue service metrics
    /// (``serviceMetricNames``; not for `userId` groups or filters). Empty buckets are left out.
    func conversationsAggregates(from: EpochMillis, to: EpochMillis, granularity: EpochMillis?, groupByUser: Bool,
                                 groupByQueue: Bool = false, userIDs: Set<String>?, queueIDs: Set<String>? = nil,
                                 metrics: Set<String>) -> [UInt8] {
        let step = granularity ?? max(1, to - from)
        let byQueue = groupByQueue && !groupByUser
        let wantsUtilization = !metrics.isDisjoint(with: ["tHandle", "tTalk", "tHeld", "tAcw", "nConnected"])
        var perAgent = wantsUtilization
            ? utilizationBuckets(from: from, to: to, step: step, userIDs: userIDs, queueIDs: queueIDs, byQueue: byQueue)
            : [:]
        let wantsService = !metrics.isDisjoint(with: Self.serviceMetricNames) && !groupByUser && userIDs == nil
        var service = wantsService ? serviceBuckets(from: from, to: to, step: step, queueIDs: queueIDs) : [:]
        if !groupByUser && !byQueue {
            var all: [EpochMillis: UtilizationSums] = [:]
            for (_, buckets) in perAgent {
                for (start, s) in buckets { all[start, default: UtilizationSums()].merge(s) }
            }
            perAgent = [-1: all.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }]
            var allService: [EpochMillis: ServiceSums] = [:]
            for (_, buckets) in service {
                for (start, s) in buckets { allService[start, default: ServiceSums()].merge(s) }
            }
            service = allService.isEmpty ? [:] : [-1: allService]
        }
        let keys = Set(perAgent.keys).union(service.keys).sorted()
        var w = JSONWriter(capacity: 4096)
        w.object { w in
            w.array("results") { w in
                for key in keys {
                    let util = Dictionary(uniqueKeysWithValues: perAgent[key] ?? [])
                    let svc = service[key] ?? [:]
                    let starts = Set(util.keys).union(svc.keys).sorted()
                    guard !starts.isEmpty else { continue }
                    w.object { w in
                        w.object("group") { w in
                            if key >= 0 && byQueue { w.field("queueId", plain: queues[key].id) }
                            if key >= 0 && !byQueue { w.field("userId", plain: agents[key].id) }
                            w.field("mediaType", plain: "voice")
                        }
                        w.array("data") { w in
                            for start in starts {
                                w.object { w in
                                    w.field("interval", "\(Timestamp.format(start))/\(Timestamp.format(min(start + step, to)))")
                                    w.array("metrics") { w in
                                        if let u = util[start] { writeUtilization(&w, u, metrics: metrics) }
                                        if let s = svc[start] {
                                            writeService(&w, s, target: key >= 0 ? serviceLevelTarget(key).percentage : nil,
                                                         metrics: metrics)
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

    /// The queue service metrics the conversation aggregates answer (docs/simulator.md).
    static let serviceMetricNames: Set<String> = ["nOffered", "tAnswered", "tAbandon", "tAcd", "nOverSla", "oServiceLevel"]

    private func writeUtilization(_ w: inout JSONWriter, _ s: UtilizationSums, metrics: Set<String>) {
        func stat(_ name: String, count: Int, sum: Int64?, max: Int64? = nil) {
            guard metrics.contains(name), count > 0 else { return }
            w.object { w in
                w.field("metric", plain: name)
                w.object("stats") { w in
                    if let max { w.field("max", max) }
                    w.field("count", Int64(count))
                    if let sum { w.field("sum", sum) }
                }
            }
        }
        stat("tHandle", count: s.handleCount, sum: s.handleSum, max: s.handleMax)
        stat("tTalk", count: s.talkCount, sum: s.talkSum)
        stat("tHeld", count: s.heldCount, sum: s.heldSum)
        stat("tAcw", count: s.acwCount, sum: s.acwSum)
        stat("nConnected", count: s.connected, sum: nil)
    }

    /// The per-queue utilization truth: today's 30-minute buckets per queue the legs were handled for.
    func queueUtilizationTruth(dayStart: EpochMillis) -> [SimTruth.QueueUtilization] {
        let buckets = utilizationBuckets(from: dayStart, to: now + 1, step: 30 * 60_000, userIDs: nil, byQueue: true)
        return buckets.keys.sorted().map { q in
            SimTruth.QueueUtilization(queueId: queues[q].id, intervals: buckets[q]!.map { start, s in
                SimTruth.UtilizationInterval(
                    start: Timestamp.format(start), startMillis: start, handleMs: s.handleSum, handleCount: s.handleCount,
                    talkMs: s.talkSum, heldMs: s.heldSum, acwMs: s.acwSum, connected: s.connected)
            })
        }
    }

    /// The utilization truth: today's 30-minute buckets per agent (agents with no handled leg omitted).
    func utilizationTruth(dayStart: EpochMillis) -> [SimTruth.AgentUtilization] {
        let buckets = utilizationBuckets(from: dayStart, to: now + 1, step: 30 * 60_000, userIDs: nil)
        return buckets.keys.sorted().map { a in
            SimTruth.AgentUtilization(agentId: agents[a].id, intervals: buckets[a]!.map { start, s in
                SimTruth.UtilizationInterval(
                    start: Timestamp.format(start), startMillis: start, handleMs: s.handleSum, handleCount: s.handleCount,
                    talkMs: s.talkSum, heldMs: s.heldSum, acwMs: s.acwSum, connected: s.connected)
            })
        }
    }
}

extension UtilizationSums {
    mutating func merge(_ o: UtilizationSums) {
        handleSum += o.handleSum
        handleCount += o.handleCount
        handleMax = max(handleMax, o.handleMax)
        talkSum += o.talkSum
        talkCount += o.talkCount
        heldSum += o.heldSum
        heldCount += o.heldCount
        acwSum += o.acwSum
        acwCount += o.acwCount
        connected += o.connected
    }
}
