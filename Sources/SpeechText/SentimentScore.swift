/// VADER's scores for one text (docs/speech-text.md, "Sentiment").
public struct SentimentScore: Sendable, Equatable {
    /// The normalised sum of the words' valences: −1 (most negative) … +1 (most positive). VADER's authors call
    /// ≥ 0.05 positive, ≤ −0.05 negative and the rest neutral.
    public var compound: Double
    /// The shares of the text that read positive, neutral and negative (sum ≈ 1; all 0 for a text with no word).
    public var positive: Double
    public var neutral: Double
    public var negative: Double
    /// Whitespace-separated tokens the analyzer read (the weight of the text in a rolling score).
    public var wordCount: Int

    public init(compound: Double, positive: Double, neutral: Double, negative: Double, wordCount: Int) {
        self.compound = compound
        self.positive = positive
        self.neutral = neutral
        self.negative = negative
        self.wordCount = wordCount
    }

    /// The score of a text with no word.
    public static let empty = SentimentScore(compound: 0, positive: 0, neutral: 0, negative: 0, wordCount: 0)
}
