import FuzzDriver
import SwitchboardCore
import SpeechText

// Speech text (docs/speech-text.md): VADER sentiment and keyword matching over any transcript text, and
// the lexicon parser. Scores stay within [-1, 1] and add up; keyword hits lie inside the text.
let analyzer = try! SentimentAnalyzer.bundled()
let matcher = KeywordMatcher([
    KeywordPhrase(phrase: "cancel my account", label: "churn"), KeywordPhrase(phrase: "supervisor", label: "escalation"),
    KeywordPhrase(phrase: "don't", label: "apostrophe", channel: .customer), KeywordPhrase(phrase: "解約", label: "cjk"),
])

runFuzzer { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    let s = analyzer.score(text)
    for v in [s.compound, s.positive, s.negative, s.neutral] where !(v >= -1 && v <= 1) {
        fuzzFailure("score out of range: \(s)")
    }
    for hit in matcher.hits(in: text, channel: nil)
        where hit.wordOffset < 0 || hit.wordCount < 1 || hit.range.upperBound > text.endIndex {
        fuzzFailure("hit out of the text: \(hit)")
    }
    _ = try? SentimentAnalyzer.parseLexicon(text)
}
