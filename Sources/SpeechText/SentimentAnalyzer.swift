import Foundation
import SwitchboardCore

/// Sentiment of one utterance by VADER (Hutto & Gilbert, 2014): the words' valences from a human-rated lexicon
/// (7,500 entries, `VADER/vader_lexicon.txt`, MIT licence, shipped unchanged as a resource), adjusted by its
/// rules — boosters and dampeners ("very", "kind of"), negation up to three words back (incl. `n't`), ALL CAPS
/// emphasis when other words are not in capitals, the contrastive "but", "least", `!` and `?` emphasis and a
/// few idioms — then summed and normalised to a compound score in −1…1 (docs/speech-text.md, "Sentiment").
///
/// A port of the reference implementation (cjhutto/vaderSentiment `vaderSentiment.py`); its known differences
/// are listed in docs/speech-text.md. Immutable and `Sendable`; ``bundled()`` loads the shipped lexicon once.
public struct SentimentAnalyzer: Sendable {
    /// Lower-case word or emoticon → mean human rating, −4…4.
    public let lexicon: [String: Double]

    public init(lexicon: [String: Double]) {
        self.lexicon = lexicon
    }

    /// The analyzer over the shipped lexicon, loaded on first use and shared.
    public static func bundled() throws(SpeechTextError) -> SentimentAnalyzer {
        try shared.get()
    }

    private static let shared: Result<SentimentAnalyzer, SpeechTextError> = {
        guard let dir = Bundle.module.url(forResource: "VADER", withExtension: nil) else {
            return .failure(SpeechTextError(code: "speech-text.lexicon-missing", message: "the VADER lexicon "
                + "resource (VADER/vader_lexicon.txt) is not in the SpeechText bundle; rebuild the package"))
        }
        let url = dir.appendingPathComponent("vader_lexicon.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            return .failure(SpeechTextError(code: "speech-text.lexicon-unreadable", message: "cannot read the "
                + "VADER lexicon at \(url.path) as UTF-8; reinstall the package"))
        }
        return Result { () throws(SpeechTextError) in SentimentAnalyzer(lexicon: try parseLexicon(text)) }
    }()

    /// Reads the lexicon's lines, `word<TAB>mean<TAB>sd<TAB>[ratings]`: word and mean are used.
    public static func parseLexicon(_ text: String) throws(SpeechTextError) -> [String: Double] {
        var lexicon: [String: Double] = [:]
        lexicon.reserveCapacity(8_000)
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            let fields = trimmed.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, let mean = Double(fields[1]), mean.isFinite else {
                throw SpeechTextError(code: "speech-text.lexicon-line", message: "VADER lexicon line \(n + 1) is not "
                    + "'word<TAB>mean…'; restore the file shipped with the package")
            }
            lexicon[String(fields[0])] = mean
        }
        guard !lexicon.isEmpty else {
            throw SpeechTextError(code: "speech-text.lexicon-empty",
                                  message: "the VADER lexicon is empty; restore the file shipped with the package")
        }
        return lexicon
    }

    /// The scores of `text`. Never fails; a text with no token scores ``SentimentScore/empty``.
    public func score(_ text: String) -> SentimentScore {
        let tokens = Self.tokens(text)
        guard !tokens.isEmpty else { return .empty }
        let capsDiffer = Self.capsDiffer(tokens)
        var sentiments: [Double] = []
        sentiments.reserveCapacity(tokens.count)
        for i in tokens.indices {
            let word = tokens[i].lower
            // Modifiers carry no valence of their own.
            if VADERRules.boosters[word] != nil
                || (word == "kind" && i + 1 < tokens.count && tokens[i + 1].lower == "of") {
                sentiments.append(0)
                continue
            }
            sentiments.append(valence(at: i, tokens, capsDiffer: capsDiffer))
        }
        butShift(tokens, &sentiments)
        return Self.summarize(sentiments, text: text)
    }

    /// The score of a final utterance (a partial scores ``SentimentScore/empty``: its final will be scored).
    public func score(_ utterance: TranscriptUtterance) -> SentimentScore {
        utterance.isFinal ? score(utterance.text) : .empty
    }

    // MARK: - Rules

    private func valence(at i: Int, _ t: [Token], capsDiffer: Bool) -> Double {
        let word = t[i].lower
        guard let base = lexicon[word] else { return 0 }
        var valence = base
        // "no" before another lexicon word negates it rather than counting itself.
        if word == "no", i + 1 < t.count, lexicon[t[i + 1].lower] != nil { valence = 0 }
        if (i > 0 && t[i - 1].lower == "no") || (i > 1 && t[i - 2].lower == "no")
            || (i > 2 && t[i - 3].lower == "no" && (t[i - 1].lower == "or" || t[i - 1].lower == "nor")) {
            valence = base * VADERRules.negationScalar
        }
        if t[i].isUpper && capsDiffer {
            valence += valence > 0 ? VADERRules.capsIncrease : -VADERRules.capsIncrease
        }
        for back in 0..<3 where i > back && lexicon[t[i - (back + 1)].lower] == nil {
            var s = scalar(t[i - (back + 1)], valence: valence, capsDiffer: capsDiffer)
            if back == 1 { s *= 0.95 }
            if back == 2 { s *= 0.9 }
            valence += s
            valence = negation(valence, t, back: back, i: i)
            if back == 2 { valence = idioms(valence, t, i: i) }
        }
        return least(valence, t, i: i)
    }

    /// A booster's or dampener's push on a word's valence (away from zero or towards it), more in ALL CAPS.
    private func scalar(_ modifier: Token, valence: Double, capsDiffer: Bool) -> Double {
        guard var s = VADERRules.boosters[modifier.lower] else { return 0 }
        if valence < 0 { s = -s }
        if modifier.isUpper && capsDiffer {
            s += valence > 0 ? VADERRules.capsIncrease : -VADERRules.capsIncrease
        }
        return s
    }

    /// Negation by the word `back + 1` places before; "never so/this" intensifies, "without doubt" does not negate.
    private func negation(_ valence: Double, _ t: [Token], back: Int, i: Int) -> Double {
        let w = { (k: Int) in t[i - k].lower }
        switch back {
        case 0:
            return VADERRules.negates(w(1)) ? valence * VADERRules.negationScalar : valence
        case 1:
            if w(2) == "never" && (w(1) == "so" || w(1) == "this") { return valence * 1.25 }
            if w(2) == "without" && w(1) == "doubt" { return valence }
            return VADERRules.negates(w(2)) ? valence * VADERRules.negationScalar : valence
        default:
            // As the reference reads it: (never + so/this two back) or so/this just before.
            if (w(3) == "never" && (w(2) == "so" || w(2) == "this")) || (w(1) == "so" || w(1) == "this") {
                return valence * 1.25
            }
            if w(3) == "without" && (w(2) == "doubt" || w(1) == "doubt") { return valence }
            return VADERRules.negates(w(3)) ? valence * VADERRules.negationScalar : valence
        }
    }

    /// Idioms around the word ("the shit", "bad ass", "yeah right") replace its valence; "kind of" and other
    /// two-word dampeners before it lower it. Reached only with three words before `i`.
    private func idioms(_ valence: Double, _ t: [Token], i: Int) -> Double {
        let w = { (k: Int) in t[i + k].lower }
        var valence = valence
        let oneZero = "\(w(-1)) \(w(0))", twoOneZero = "\(w(-2)) \(w(-1)) \(w(0))", twoOne = "\(w(-2)) \(w(-1))"
        let threeTwoOne = "\(w(-3)) \(w(-2)) \(w(-1))", threeTwo = "\(w(-3)) \(w(-2))"
        for seq in [oneZero, twoOneZero, twoOne, threeTwoOne, threeTwo] {
            if let v = VADERRules.specialCases[seq] {
                valence = v
                break
            }
        }
        if t.count - 1 > i, let v = VADERRules.specialCases["\(w(0)) \(w(1))"] { valence = v }
        if t.count - 1 > i + 1, let v = VADERRules.specialCases["\(w(0)) \(w(1)) \(w(2))"] { valence = v }
        for gram in [threeTwoOne, threeTwo, twoOne] {
            if let b = VADERRules.boosters[gram] { valence += b }
        }
        return valence
    }

    /// "least" before a word negates it, except in "at least" and "very least".
    private func least(_ valence: Double, _ t: [Token], i: Int) -> Double {
        guard i > 0, t[i - 1].lower == "least", lexicon["least"] == nil else { return valence }
        if i > 1 {
            let before = t[i - 2].lower
            return before != "at" && before != "very" ? valence * VADERRules.negationScalar : valence
        }
        return valence * VADERRules.negationScalar
    }

    /// The contrastive "but" (its first occurrence): words before it count half, words after it 1.5 times.
    private func butShift(_ t: [Token], _ sentiments: inout [Double]) {
        guard let b = t.firstIndex(where: { $0.lower == "but" }) else { return }
        for k in sentiments.indices where k != b {
            sentiments[k] *= k < b ? 0.5 : 1.5
        }
    }

    // MARK: - Scores

    private static func summarize(_ sentiments: [Double], text: String) -> SentimentScore {
        var sum = sentiments.reduce(0, +)
        let emphasis = punctuationEmphasis(text)
        if sum > 0 { sum += emphasis } else if sum < 0 { sum -= emphasis }
        var compound = sum / (sum * sum + VADERRules.alpha).squareRoot()
        if !compound.isFinite { compound = sum > 0 ? 1 : (sum < 0 ? -1 : 0) }
        compound = min(1, max(-1, compound))

        var positive = 0.0, negative = 0.0, neutral = 0.0
        for s in sentiments {
            if s > 0 { positive += s + 1 }  // +1: a neutral word counts 1
            if s < 0 { negative += s - 1 }
            if s == 0 { neutral += 1 }
        }
        if positive > abs(negative) { positive += emphasis } else if positive < abs(negative) { negative -= emphasis }
        let total = positive + abs(negative) + neutral
        guard total > 0, total.isFinite else { return .empty }
        return SentimentScore(compound: compound, positive: abs(positive / total), neutral: abs(neutral / total),
                              negative: abs(negative / total), wordCount: sentiments.count)
    }

    /// `!` adds 0.292 each (up to 4); two or three `?` add 0.18 each, more add 0.96.
    private static func punctuationEmphasis(_ text: String) -> Double {
        var bangs = 0, questions = 0
        for s in text.unicodeScalars {
            if s == "!" { bangs += 1 } else if s == "?" { questions += 1 }
        }
        let q = questions > 3 ? 0.96 : (questions > 1 ? Double(questions) * 0.18 : 0)
        return Double(min(bangs, 4)) * 0.292 + q
    }
}

/// A SpeechText failure (only the shipped lexicon can fail to load).
public struct SpeechTextError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
