import SpeechText
import SwitchboardCore
import Testing

/// Random Unicode and random bytes through the matcher and the analyzer: no crash, results within their
/// bounds, and the work bounded (a seeded generator, fixed sizes; the time limit is a generous net, not a
/// performance check).
@Suite struct SpeechTextFuzzTests {
    /// SplitMix64: the same inputs on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Pieces that exercise the rules: words, modifiers, negations, idioms, apostrophes, marks, emoji, controls.
    static let pieces = [
        "good", "BAD", "not", "n't", "isn't", "don’t", "very", "kind", "of", "kind of", "but", "But", "least", "at",
        "no", "nor", "never", "so", "this", "without", "doubt", "the shit", "bad ass", "yeah right", ":)", ":D",
        "!", "?", "???", "!!!!!!", "'", "’", "ʼ", "-", "...", " ", "  ", "\t", "\n", "\u{0}", "\u{1C}", "\u{85}",
        "\u{2028}", "\u{301}", "\u{200D}", "👍🏽", "🇩🇪", "é", "e\u{301}", "İ", "ß", "ǅ", "Σ", "解約", "٣", "½",
        "\u{FEFF}", "\u{FFFD}", "cancel", "my", "account", "supervisor",
    ]

    static func randomText(_ g: inout Generator) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...60, using: &g) {
            switch Int.random(in: 0..<4, using: &g) {
            case 0:
                // Any scalar (surrogates are not scalars: skip them).
                if let u = Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &g)) { s.unicodeScalars.append(u) }
            default:
                s += pieces.randomElement(using: &g)!
            }
        }
        return s
    }

    static let phrases = [
        KeywordPhrase(phrase: "cancel my account", label: "churn"),
        KeywordPhrase(phrase: "supervisor", label: "esc", channel: .customer),
        KeywordPhrase(phrase: "don't", label: "neg", channel: .agent),
        KeywordPhrase(phrase: "解約", label: "ja"),
        KeywordPhrase(phrase: "é é é é é é é é", label: "long"),
        KeywordPhrase(phrase: "good good", label: "gg"),
    ]

    @Test(.timeLimit(.minutes(2))) func randomUnicodeAndBytes() throws {
        let analyzer = try SentimentAnalyzer.bundled()
        let matcher = KeywordMatcher(Self.phrases)
        var g = Generator(state: 0x5EED_0017)
        for round in 0..<3_000 {
            let text: String
            if round % 3 == 0 {
                let bytes = (0..<Int.random(in: 0...200, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                text = Self.randomText(&g)
            }
            let score = analyzer.score(text)
            #expect((-1...1).contains(score.compound), "\(text.debugDescription)")
            let parts = score.positive + score.neutral + score.negative
            #expect(score.wordCount == 0 ? parts == 0 : abs(parts - 1) < 1e-9, "\(text.debugDescription)")
            let side = [SpeechChannel.customer, .agent, nil][round % 3]
            for hit in matcher.hits(in: text, channel: side) {
                #expect(hit.phrase.accepts(side))
                // The matched text normalises to exactly the phrase.
                #expect(KeywordPhrase.normalizedWords(String(text[hit.range])) == hit.phrase.normalizedWords,
                        "\(text.debugDescription)")
            }
        }
    }

    @Test(.timeLimit(.minutes(2))) func longAndRepetitiveTextStaysLinear() throws {
        let analyzer = try SentimentAnalyzer.bundled()
        // Every position starts a near-match of the eight-word phrase.
        let text = String(repeating: "é ", count: 20_000)
        let hits = KeywordMatcher(Self.phrases).hits(in: text, channel: nil)
        #expect(hits.count == 20_000 - 7)
        let butText = String(repeating: "good but bad ", count: 5_000)
        #expect((-1...1).contains(analyzer.score(butText).compound))
    }
}
