import Normalizer
import SwitchboardCore
import Testing

/// The queue's configured service level from the queues directory, and the service aggregates.
@Suite struct QueueServiceNormalizerTests {
    static func profile(_ events: [BridgeEvent]) -> [QueueProfile] {
        events.compactMap { if case .queueProfile(let p) = $0 { p } else { nil } }
    }

    @Test func queuesPageReadsTheConfiguredServiceLevel() {
        let body = Array(#"""
        {"entities":[
          {"id":"q1","name":"Sales","mediaSettings":{"call":{"alertingTimeoutSeconds":8,"serviceLevel":{"percentage":0.8,"durationMs":20000}},
                                                     "chat":{"serviceLevel":{"percentage":0.9,"durationMs":30000}}}},
          {"id":"q2","name":"Chat only","mediaSettings":{"chat":{"serviceLevel":{"percentage":0.9,"durationMs":30000}}}},
          {"id":"q3","name":"No settings"},
          {"id":"q4","name":"Odd","mediaSettings":{"call":{"serviceLevel":{"percentage":"high","durationMs":20000}}}},
          {"id":"q5","name":"Zero","mediaSettings":{"call":{"serviceLevel":{"percentage":0,"durationMs":20000}}}},
          {"id":"q6","name":"Not a map","mediaSettings":[1,2]}
        ]}
        """#.utf8)
        let all = Self.profile(RESTNormalizer.queuesPage(body, org: "us"))
        #expect(all.map(\.name) == ["Sales", "Chat only", "No settings", "Odd", "Zero", "Not a map"],
                "an odd mediaSettings costs the queue nothing but its target")
        #expect(all[0].serviceLevel == ServiceLevelTarget(percentage: 0.8, durationMs: 20_000), "voice first")
        #expect(all[1].serviceLevel == ServiceLevelTarget(percentage: 0.9, durationMs: 30_000))
        #expect(all[2...].allSatisfy { $0.serviceLevel == nil })
        let chat = Self.profile(RESTNormalizer.queuesPage(body, org: "us", mediaTypes: ["chat"]))
        #expect(chat[0].serviceLevel == ServiceLevelTarget(percentage: 0.9, durationMs: 30_000),
                "an org counting chat only shows the chat target")
    }

    /// A queue's week as the platform reports it (offered 877 = answered 787 + abandoned 83 + 7 flow-outs;
    /// 373 answered over the target): oServiceLevel is (787 − 373) ÷ (787 + 83), flow-outs left out.
    @Test func serviceAggregatesUseThePlatformsServiceLevel() throws {
        let body = Array(#"""
        {"results":[
          {"group":{"queueId":"q1","mediaType":"voice"},"data":[{"interval":"2026-05-07T08:00:00.000Z/2026-05-07T08:30:00.000Z","metrics":[
            {"metric":"nOffered","stats":{"count":877}},
            {"metric":"tAnswered","stats":{"max":451577,"min":2324,"count":787,"sum":40279740}},
            {"metric":"tAbandon","stats":{"max":219470,"min":94,"count":83,"sum":5750770}},
            {"metric":"nOverSla","stats":{"count":373}},
            {"metric":"oServiceLevel","stats":{"ratio":0.47586206896551725,"numerator":414,"denominator":870,"target":0.8}}]}]},
          {"group":{"queueId":"q1","mediaType":"chat"},"data":[{"interval":"2026-05-07T08:00:00.000Z/2026-05-07T08:30:00.000Z","metrics":[
            {"metric":"nOffered","stats":{"count":3}},
            {"metric":"tAnswered","stats":{"count":3,"sum":3000}},
            {"metric":"nOverSla","stats":{"count":1}}]}]},
          {"group":{"queueId":"q2","mediaType":"voice"},"data":[
            {"interval":"2026-05-07T07:30:00.000Z/2026-05-07T08:00:00.000Z","metrics":[{"metric":"nOffered","stats":{"count":9}}]},
            {"interval":"2026-05-07T08:30:00.000Z/2026-05-07T09:00:00.000Z","metrics":[{"metric":"tAbandon","stats":{"count":2,"sum":50000}}]}]}
        ]}
        """#.utf8)
        let from = Timestamp.parse("2026-05-07T08:00:00.000Z")!
        let parsed = try RESTNormalizer.queueServiceAggregates(body, from: from, to: from + 3_600_000).get()
        let q1 = try #require(parsed["q1"]?.first)
        #expect(q1.start == from)
        // Voice from oServiceLevel; chat (no oServiceLevel) from nOverSla: 3 answered, 1 over, nothing abandoned.
        #expect(q1.counts == QueueServiceCounts(offered: 880, answered: 790, answerWaitMs: 40_282_740, abandoned: 83,
                                                withinTarget: 416, serviceLevelCalls: 873))
        #expect(parsed["q2"]?.map(\.start) == [from + 1_800_000], "buckets before `from` are left out")
        #expect(parsed["q2"]?.first?.counts.serviceLevelCalls == 0, "no oServiceLevel, no nOverSla: nothing judged")
        #expect(throws: SwitchboardError.self) { try RESTNormalizer.queueServiceAggregates(Array("nope".utf8), from: 0, to: 1).get() }
    }

    @Test func countsDeriveRatiosFromSums() {
        let c = QueueServiceCounts(offered: 10, answered: 8, answerWaitMs: 100_001, abandoned: 2, withinTarget: 6,
                                   serviceLevelCalls: 10)
        #expect(c.serviceLevel == 0.6 && c.abandonRate == 0.2 && c.asaMs == 12_500)
        #expect(QueueServiceCounts().serviceLevel == nil && QueueServiceCounts().abandonRate == nil && QueueServiceCounts().asaMs == nil)
        #expect((c + c).serviceLevel == 0.6 && (c + QueueServiceCounts(withinTarget: 4, serviceLevelCalls: 4)).serviceLevel == 10.0 / 14.0)
    }
}
