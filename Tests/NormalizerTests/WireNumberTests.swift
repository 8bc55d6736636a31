import Normalizer
import SwitchboardCore
import Testing

/// JSON numbers of any magnitude in the aggregate and detail bodies read as bounded whole numbers, never a
/// trap (`Int(1e300)`), and the readers' sums stay in range (the fuzz run's FuzzRESTBodies crash).
@Suite struct WireNumberTests {
    @Test func boundsEveryValue() {
        #expect(WireNumber.millis(nil) == 0)
        #expect(WireNumber.millis(-5) == 0)
        #expect(WireNumber.millis(.nan) == 0)
        #expect(WireNumber.millis(.infinity) == WireNumber.limit)
        #expect(WireNumber.millis(-.infinity) == 0)
        #expect(WireNumber.millis(1.5) == 2)
        #expect(WireNumber.millis(1e300) == WireNumber.limit)
        #expect(WireNumber.count(1e19) == Int(WireNumber.limit))
        #expect(WireNumber.count(41.6) == 42)
    }

    private let day = Timestamp.parse("2026-05-07T00:00:00.000Z")!

    private func aggregates(_ group: String, _ metrics: String, copies: Int = 1) -> [UInt8] {
        let datum = #"{"interval":"2026-05-07T09:00:00.000Z/2026-05-07T09:30:00.000Z","metrics":[\#(metrics)]}"#
        let data = Array(repeating: datum, count: copies).joined(separator: ",")
        return Array(#"{"results":[{"group":{\#(group)},"data":[\#(data)]}]}"#.utf8)
    }

    @Test func queueServiceCountsAreBounded() throws {
        let huge = #"{"metric":"nOffered","stats":{"count":1e300}},{"metric":"tAnswered","stats":{"count":9.3e18,"sum":1e308}},"#
            + #"{"metric":"oServiceLevel","stats":{"numerator":-1e300,"denominator":1e20}}"#
        let r = try RESTNormalizer.queueServiceAggregates(aggregates(#""queueId":"q1""#, huge, copies: 3),
                                                          from: day, to: day + 86_400_000).get()
        let c = try #require(r["q1"]?.first).counts
        #expect(c.offered == 3 * Int(WireNumber.limit))
        #expect(c.answered == 3 * Int(WireNumber.limit))
        #expect(c.answerWaitMs == 3 * WireNumber.limit)
        #expect(c.withinTarget == 0)
        #expect(c.serviceLevelCalls == 3 * Int(WireNumber.limit))
    }

    @Test func utilizationSumsAreBounded() throws {
        let huge = #"{"metric":"tHandle","stats":{"sum":1e300,"count":1e300}},{"metric":"tTalk","stats":{"sum":-4e18}}"#
        let r = try RESTNormalizer.conversationsAggregates(aggregates(#""userId":"u1""#, huge, copies: 2),
                                                           from: day, to: day + 86_400_000).get()
        let i = try #require(r["u1"]?.first)
        #expect(i.handleMs == 2 * WireNumber.limit)
        #expect(i.handleCount == 2 * Int(WireNumber.limit))
        #expect(i.talkMs == 0)

        let detail = #"{"conversations":[{"conversationId":"c1","conversationStart":"2026-05-07T09:00:00.000Z","participants":[{"purpose":"agent","userId":"u1","sessions":[{"metrics":[{"name":"tHandle","value":1e300},{"name":"tTalk","value":-1e300}]}]}]}]}"#
        let d = try RESTNormalizer.conversationDetails([Array(detail.utf8)], userID: "u1").get()
        #expect(d.first?.handleMs == WireNumber.limit)
        #expect(d.first?.talkMs == 0)
    }

    @Test func baselinesAndQualityCountsAreBounded() throws {
        // Two presence sums of 1e308 add up to +infinity: still the limit, not 0.
        let huge = #"{"metric":"tAgentRoutingStatus","qualifier":"INTERACTING","stats":{"sum":1e300}},"#
            + #"{"metric":"tSystemPresence","qualifier":"On Queue","stats":{"sum":1e308}},"#
            + #"{"metric":"tSystemPresence","qualifier":"ON_QUEUE","stats":{"sum":1e308}}"#
        let events = RESTNormalizer.usersAggregates(aggregates(#""userId":"u1""#, huge), org: "us", dayStart: day,
                                                    asOf: day + 86_400_000, productivePresences: [.onQueue])
        guard case .agentBaseline(let b)? = events.first else { Issue.record("no baseline: \(events)"); return }
        #expect(b.handlingMs == WireNumber.limit)
        #expect(b.productiveMs == WireNumber.limit)

        let evals = #"{"metric":"nEvaluations","stats":{"count":1e300}},{"metric":"oTotalScore","stats":{"sum":1e308,"count":1e308}}"#
        let q = try RESTNormalizer.evaluationsAggregates(aggregates(#""userId":"u1","formId":"f1""#, evals)).get()
        #expect(q["u1"]?.first?.count == Int(WireNumber.limit))

        let seed = #"[{"entityId":"u1","metrics":{"count":{"value":-1e300},"averageScore":{"value":80}}}]"#
        #expect(try RESTNormalizer.seedQualityMetrics(Array(seed.utf8)).get().first?.quality.count == 0)
    }
}
