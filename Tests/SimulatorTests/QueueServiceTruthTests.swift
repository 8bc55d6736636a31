import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// The queue service truth (offered, answered, abandoned, service level) and the conversation aggregates
/// that report it, driven through `advance(to:)`.
@Suite("Queue service truth")
struct QueueServiceTruthTests {
    static let t0 = ModelTests.t0

    static func model(agents: Int = 60, queues: Int = 4) -> OrgModel {
        let m = ModelTests.model(agents: agents, queues: queues)
        m.start(at: t0)
        return m
    }

    /// A supervisor's wall needs something to judge: the workload must make some callers wait past the
    /// target and some hang up.
    @Test func workloadHasAbandonsAndWaitsOverTarget() {
        let m = Self.model()
        m.advance(to: Self.t0 + 3 * 3_600_000)
        let t = m.truth().serviceTotals.today
        #expect(t.offered > 500)
        #expect(t.abandoned > 0)
        #expect(t.answeredWithinTarget < t.answered)
        #expect(t.answeredWithinTarget > 0)
        #expect(t.serviceLevelCalls == t.answered + t.abandoned)
        let sl = try? #require(t.serviceLevel)
        #expect((sl ?? 0) > 0.3 && (sl ?? 1) < 1)
        #expect(t.asaMs.map { $0 > 2000 } ?? false, "every answer waits at least the 2–6 s of alerting")
    }

    /// Every offer ends answered or abandoned, or is still waiting or ringing: per queue, today's offered
    /// equals answered + abandoned + waiting + alerting (the model's day began after local midnight).
    @Test func everyOfferIsAccountedFor() {
        let m = Self.model()
        m.advance(to: Self.t0 + 2 * 3_600_000 + 77_777)
        let truth = m.truth()
        for q in truth.queues {
            let s = q.service.today
            #expect(s.offered == s.answered + s.abandoned + q.waiting + q.alerting, "queue \(q.name)")
        }
        #expect(truth.queues.map(\.serviceLevelTarget.durationMs) == [20_000, 20_000, 30_000, 60_000])
    }

    /// `serviceTruth(at:)` for an instant in the past is what the truth said at that instant.
    @Test func truthAtAPastInstantEqualsTheTruthThen() {
        let m = Self.model()
        let t1 = Self.t0 + 95 * 60_000 + 4_321
        m.advance(to: t1)
        let then = m.truth()
        m.advance(to: t1 + 40 * 60_000)
        let later = m.serviceTruth(at: t1)
        #expect(later.atMillis == t1)
        #expect(later.totals == then.serviceTotals)
        #expect(later.queues.map(\.service) == then.queues.map(\.service))
        #expect(m.serviceTruth(at: t1 + 40 * 60_000).totals == m.truth().serviceTotals)
    }

    /// The aggregates query grouped by queue reports the truth: PT30M buckets from midnight add up to today,
    /// a PT15M query over the last hour gives rolling15m as its last bucket and rolling60m in all four.
    @Test func aggregatesAddUpToTheTruth() throws {
        let m = Self.model()
        let t = Self.t0 + 2 * 3_600_000 + 30_000
        m.advance(to: t + 5 * 60_000)
        let truth = m.serviceTruth(at: t)
        let dayStart = try #require(Timestamp.parse(truth.dayStart))
        let metrics: Set<String> = ["nOffered", "tAnswered", "tAbandon", "tAcd", "nOverSla", "oServiceLevel"]
        func sums(_ body: [UInt8], from: EpochMillis? = nil) throws -> [String: SimTruth.Service] {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            var out: [String: SimTruth.Service] = [:]
            for r in json["results"] as? [[String: Any]] ?? [] {
                let q = try #require((r["group"] as? [String: Any])?["queueId"] as? String)
                var s = SimTruth.Service(offered: 0, answered: 0, abandoned: 0, answeredWithinTarget: 0, serviceLevelCalls: 0,
                                         answerWaitMs: 0, serviceLevel: nil, asaMs: nil, abandonRate: nil)
                for d in r["data"] as? [[String: Any]] ?? [] {
                    let interval = try #require(d["interval"] as? String)
                    if let from, Timestamp.parse(String(interval.split(separator: "/")[0]))! < from { continue }
                    for metric in d["metrics"] as? [[String: Any]] ?? [] {
                        let stats = try #require(metric["stats"] as? [String: Any])
                        let count = (stats["count"] as? Int) ?? 0
                        switch metric["metric"] as? String {
                        case "nOffered": s.offered += count
                        case "tAnswered":
                            s.answered += count
                            s.answerWaitMs += Int64(stats["sum"] as? Int ?? 0)
                        case "tAbandon": s.abandoned += count
                        case "tAcd": #expect(count > 0)
                        case "oServiceLevel":
                            s.answeredWithinTarget += stats["numerator"] as? Int ?? 0
                            s.serviceLevelCalls += stats["denominator"] as? Int ?? 0
                            #expect(stats["target"] as? Double != nil)
                        default: break
                        }
                    }
                }
                out[q] = s
            }
            return out
        }
        let today = try sums(m.conversationsAggregates(from: dayStart, to: t, granularity: 30 * 60_000, groupByUser: false,
                                                       groupByQueue: true, userIDs: nil, metrics: metrics))
        let rolling = m.conversationsAggregates(from: t - 3_600_000, to: t, granularity: 15 * 60_000, groupByUser: false,
                                                groupByQueue: true, userIDs: nil, metrics: metrics)
        let r60 = try sums(rolling)
        let r15 = try sums(rolling, from: t - 15 * 60_000)
        func strip(_ s: SimTruth.Service) -> [Int64] {
            [Int64(s.offered), Int64(s.answered), Int64(s.abandoned), Int64(s.answeredWithinTarget),
             Int64(s.serviceLevelCalls), s.answerWaitMs]
        }
        for q in truth.queues {
            let zero = [Int64](repeating: 0, count: 6)
            #expect(today[q.id].map(strip) ?? zero == strip(q.service.today), "today \(q.name)")
            #expect(r60[q.id].map(strip) ?? zero == strip(q.service.rolling60m), "60m \(q.name)")
            #expect(r15[q.id].map(strip) ?? zero == strip(q.service.rolling15m), "15m \(q.name)")
        }
        #expect(truth.totals.today.offered > 0)
    }
}

