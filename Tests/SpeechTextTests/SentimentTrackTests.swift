import SpeechText
import SwitchboardCore
import Testing

/// The rolling per-channel score and the customer's trend, with time passed in.
@Suite struct SentimentTrackTests {
    @Test func rollingIsTheWordWeightedMeanOverTheWindow() throws {
        var track = SentimentTrack(window: 120_000, trendLag: 60_000)
        #expect(track.rolling(.customer, at: 0) == nil)
        track.add(compound: 0.5, words: 2, channel: .customer, at: 10_000)
        track.add(compound: -0.5, words: 6, channel: .customer, at: 20_000)
        // (0.5·2 − 0.5·6) / 8
        #expect(try #require(track.rolling(.customer, at: 20_000)) == -0.25)
        // The agent's side is separate, and so is the unknown side.
        #expect(track.rolling(.agent, at: 20_000) == nil)
        track.add(compound: 0.9, words: 3, channel: nil, at: 20_000)
        #expect(track.rolling(nil, at: 20_000) == 0.9)
        #expect(track.rolling(.customer, at: 20_000) == -0.25)
        // Utterances heard after `now` do not count; those older than the window drop out.
        #expect(track.rolling(.customer, at: 15_000) == 0.5)
        #expect(track.rolling(.customer, at: 130_000) == -0.5)  // 10 000 is out, 20 000 still in
        #expect(track.rolling(.customer, at: 140_000) == nil)   // window is (now − 120 s, now]
    }

    @Test func theCustomerTrendIsNowMinusAMinuteEarlier() throws {
        var track = SentimentTrack(window: 120_000, trendLag: 60_000)
        track.add(compound: 0.6, words: 5, channel: .customer, at: 0)
        #expect(track.customerTrend(at: 30_000) == nil)  // nothing a minute before
        track.add(compound: -0.8, words: 5, channel: .customer, at: 70_000)
        // At 70 s: mean(0.6, −0.8) = −0.1; at 10 s: 0.6 → trend −0.7.
        let trend = try #require(track.customerTrend(at: 70_000))
        #expect(abs(trend - -0.7) < 1e-9)
        // The agent's scores never make a customer trend.
        var agentOnly = SentimentTrack()
        agentOnly.add(compound: -1, words: 3, channel: .agent, at: 0)
        agentOnly.add(compound: -1, words: 3, channel: .agent, at: 70_000)
        #expect(agentOnly.customerTrend(at: 70_000) == nil)
    }

    @Test func finalUtterancesOnlyAndEmptyOnesCarryNoWeight() {
        var track = SentimentTrack()
        var u = TranscriptUtterance(org: "us", conversationID: "c", utteranceID: "u", channel: .customer,
                                    text: "awful", isFinal: false, offsetMs: 0, durationMs: 1, at: 1_000)
        track.add(u, score: SentimentScore(compound: -0.5, positive: 0, neutral: 0, negative: 1, wordCount: 1))
        #expect(track.isEmpty)
        u.isFinal = true
        track.add(u, score: SentimentScore(compound: -0.5, positive: 0, neutral: 0, negative: 1, wordCount: 1))
        track.add(u, score: .empty)
        track.add(compound: .nan, words: 4, channel: .customer, at: 1_000)
        #expect(track.rolling(.customer, at: 1_000) == -0.5)
    }

    @Test func lateUtterancesKeepTimeOrderAndOldOnesAreDropped() {
        var track = SentimentTrack(window: 10_000, trendLag: 5_000, maxUtterances: 3)
        track.add(compound: 0.1, words: 1, channel: .agent, at: 5_000)
        track.add(compound: 0.2, words: 1, channel: .agent, at: 3_000)  // late
        #expect(track.entries[.agent]?.map(\.at) == [3_000, 5_000])
        track.add(compound: 0.3, words: 1, channel: .agent, at: 19_000)  // 3 000 is past window + lag
        #expect(track.entries[.agent]?.map(\.at) == [5_000, 19_000])
        for t in 0..<5 { track.add(compound: 0, words: 1, channel: .agent, at: 19_001 + Int64(t)) }
        #expect(track.entries[.agent]?.count == 3)  // capped
        track.prune(at: 100_000)
        #expect(track.isEmpty)
    }

    @Test func oddTimesDoNotTrap() {
        var track = SentimentTrack(window: .max, trendLag: .max)
        track.add(compound: 1, words: 1, channel: .customer, at: .min)
        track.add(compound: 1, words: 1, channel: .customer, at: .max)
        _ = track.rolling(.customer, at: .min)
        _ = track.customerTrend(at: .min)
        track.prune(at: .min)
        #expect(!track.isEmpty)
    }
}
