import Foundation
import KeywordSpotting
import MetricsTestKit
import SwitchboardCore
import Testing

@Suite("Keyword spotting pool", .serialized,
       .enabled(if: (try? SpotterModel()) != nil, "needs pocketsphinx-en-us (make deps)"))
struct KeywordSpottingPoolTests {
    let org = OrgID("us")

    func chunk(_ conversation: String, ms: Int, channel: SpeechChannel = .customer) -> SpottingChunk {
        SpottingChunk(org: org, conversationID: conversation, channel: channel, sampleRate: 8000,
                      samples: [Int16](repeating: 7, count: ms * 8))
    }

    /// With no worker running nothing drains: the first interaction is admitted until its own backlog goes
    /// over the bound, then shed whole (its queued audio dropped, every later chunk dropped); a new
    /// interaction is refused while the pool's queue is over its bound. `offer` answers at once every time.
    @Test func shedsWholeInteractionsUnderOverload() throws {
        let metrics = TestMetrics()
        let sink = RecordingTranscriptSink()
        let pool = KeywordSpottingPool(
            configuration: .init(workers: 1, maxQueuedMs: 1_000, maxInteractionBacklogMs: 3_000),
            model: try SpotterModel(), sink: sink, clock: FixedClock(), metricsFactory: metrics)
        try pool.setKeywords(testPhrases, for: org)

        // Interaction a: 200 ms chunks; admitted (queue empty), queued until its backlog would pass 3 s.
        var results: [KeywordSpottingPool.OfferResult] = []
        for _ in 0..<20 { results.append(pool.offer(chunk("a", ms: 200))) }
        #expect(results.prefix(15).allSatisfy { $0 == .queued })
        #expect(results[15] == .dropped)  // 16 × 200 ms > 3,000 ms: shed
        #expect(results.suffix(4).allSatisfy { $0 == .dropped })
        var stats = pool.stats
        #expect(stats.admitted == 1 && stats.shed == 1 && stats.active == 0)
        #expect(stats.queuedMs == 0)  // its queued audio went with it

        // Interaction b: admitted (queue empty again), fills the queue over 1 s.
        for _ in 0..<6 { #expect(pool.offer(chunk("b", ms: 200)) == .queued) }
        // Interaction c: new while the queue is over its bound: refused, and stays refused.
        #expect(pool.offer(chunk("c", ms: 200)) == .refused)
        #expect(pool.offer(chunk("c", ms: 200)) == .dropped)
        // b is already being spotted: it keeps going although the queue is over the bound.
        #expect(pool.offer(chunk("b", ms: 200)) == .queued)
        stats = pool.stats
        #expect(stats.admitted == 2 && stats.refused == 1 && stats.shed == 1 && stats.active == 1)
        #expect(pool.shedInteractions == 2)
        #expect(stats.queuedMs == 1_400)
        let shed = try metrics.expectCounter("switchboard_kws_interactions_total", [("outcome", "shed")])
        let refused = try metrics.expectCounter("switchboard_kws_interactions_total", [("outcome", "refused")])
        #expect(shed.totalValue == 1 && refused.totalValue == 1)

        // Per org (`/readyz`): the same figures, and none for another org.
        var perOrg = KeywordSpottingPool.OrgStats()
        perOrg.active = 1
        perOrg.queuedMs = 1_400
        perOrg.admitted = 2
        perOrg.refused = 1
        perOrg.shed = 1
        #expect(pool.stats(of: org) == perOrg)
        #expect(pool.stats(of: "emea") == KeywordSpottingPool.OrgStats())

        // Ending a refused interaction forgets it: a later one with the same id starts afresh.
        pool.end(org: org, conversationID: "a")
        pool.end(org: org, conversationID: "c")
        #expect(pool.stats.active == 1)
        pool.end(org: org, conversationID: "b")
        #expect(pool.stats(of: org).active == 0)
        #expect(sink.all.isEmpty)
    }

    /// Chunks for an org without keywords, or for a channel none of its phrases listens to, are ignored.
    @Test func ignoresAudioWithoutKeywords() throws {
        let pool = KeywordSpottingPool(configuration: .init(workers: 1), model: try SpotterModel(),
                                       sink: RecordingTranscriptSink(), metricsFactory: TestMetrics())
        #expect(pool.offer(chunk("x", ms: 20)) == .ignored)
        try pool.setKeywords([KeywordPhrase(phrase: "cancel my account", label: "churn", channel: .customer)], for: org)
        #expect(pool.offer(chunk("x", ms: 20, channel: .agent)) == .ignored)
        #expect(pool.offer(chunk("x", ms: 20, channel: .customer)) == .queued)
        #expect(pool.offer(SpottingChunk(org: org, conversationID: "x", channel: .customer, sampleRate: 8000,
                                         samples: [])) == .ignored)
        #expect(throws: KeywordSpotterError.self) {
            try pool.setKeywords([KeywordPhrase(phrase: "qwzxv", label: "x")], for: org)
        }
    }

    /// Under a flood the workers are busy and the queue over its bound, yet every offer returns; new
    /// interactions are refused, and once the flood is over and the interactions end nothing is left.
    @Test func floodNeverBlocksOffer() async throws {
        let sink = RecordingTranscriptSink()
        let pool = KeywordSpottingPool(
            configuration: .init(workers: 1, maxQueuedMs: 2_000, maxInteractionBacklogMs: 4_000),
            model: try SpotterModel(), sink: sink, clock: FixedClock(), metricsFactory: TestMetrics())
        try pool.setKeywords(testPhrases, for: org)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            var rng = SeededGenerator(seed: 9)
            var counts: [KeywordSpottingPool.OfferResult: Int] = [:]
            for round in 0..<400 {
                for call in 0..<10 {
                    let samples = (0..<1600).map { _ in Int16.random(in: -3000...3000, using: &rng) }
                    let result = pool.offer(SpottingChunk(org: org, conversationID: "call-\(call)", channel: .customer,
                                                          sampleRate: 8000, samples: samples))
                    counts[result, default: 0] += 1
                }
                if round % 50 == 0 { await Task.yield() }
            }
            #expect(counts.values.reduce(0, +) == 4_000)
            #expect((counts[.refused] ?? 0) + (counts[.dropped] ?? 0) > 0, "\(counts)")
            #expect(pool.shedInteractions > 0)
            for call in 0..<10 { pool.end(org: org, conversationID: "call-\(call)") }
            let admitted = pool.stats.admitted - pool.stats.shed
            while pool.stats.finished < admitted { try await Task.sleep(for: .milliseconds(20)) }
            #expect(pool.stats.active == 0 && pool.stats.queuedMs == 0)
            group.cancelAll()
        }
    }

    /// End to end: a spoken call through the pool reaches the sink as `.spotted`, placed on the stream time
    /// line the chunks carry.
    @Test(.enabled(if: speechAvailable, "needs espeak-ng and sox (make test-deps)"))
    func spottedKeywordReachesTheSink() async throws {
        let call = try SpokenCall.render(["the internet has been slow since Tuesday", "I want to cancel my account today",
                                          "let me find the letter you sent me"], voice: "en-us+f2")
        let sink = RecordingTranscriptSink()
        let clock = FixedClock()
        // The whole call is offered at once (faster than real time): a backlog bound that fits it.
        let pool = KeywordSpottingPool(configuration: .init(workers: 2, maxInteractionBacklogMs: 600_000),
                                       model: try SpotterModel(), sink: sink,
                                       clock: clock, metricsFactory: TestMetrics())
        try pool.setKeywords(testPhrases.map { p in
            var p = p
            if p.label == "thanks" { p.channel = .agent }
            return p
        }, for: org)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            // The call's customer channel, starting 60 s into the stream, in 20 ms chunks.
            var offset: Int64 = 60_000
            for start in stride(from: 0, to: call.samples.count, by: 160) {
                let samples = Array(call.samples[start..<min(call.samples.count, start + 160)])
                #expect(pool.offer(SpottingChunk(org: org, conversationID: "conv-1", channel: .customer,
                                                 sampleRate: 8000, samples: samples, offsetMs: offset)) == .queued)
                offset += 20
            }
            pool.end(org: org, conversationID: "conv-1")
            // The end job runs after the last chunk and emits the final hits: wait for it.
            while pool.stats.finished < 1 { try await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
        }
        let hits = sink.spotted
        #expect(hits.count == 1, "\(hits)")
        let hit = try #require(hits.first)
        #expect(hit.org == org && hit.conversationID == "conv-1" && hit.channel == .customer)
        #expect(hit.phrase == "cancel my account" && hit.label == "churn-risk")
        #expect(hit.at == clock.now())
        let span = try #require(call.span(containing: "cancel my account"))
        #expect(hit.offsetMs >= 60_000 + span.startMs - 300 && hit.offsetMs <= 60_000 + span.endMs, "\(hit.offsetMs)")
    }
}
