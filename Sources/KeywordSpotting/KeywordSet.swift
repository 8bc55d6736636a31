import Foundation
import SwitchboardCore

/// A set of keyword phrases prepared for PocketSphinx: each phrase normalised to dictionary words, its
/// pronunciation looked up, its threshold chosen (the phrase's own, else the default for its length).
/// Built once per org and channel (`SpotterModel.prepare`), when the configuration is loaded, so a word
/// missing from the dictionary is refused there, not in the audio path. Sendable and immutable.
public struct KeywordSet: Sendable, Equatable {
    /// One phrase PocketSphinx listens for; several configured phrases that normalise to the same words
    /// share one entry (they are reported together).
    public struct Entry: Sendable, Equatable {
        /// Dictionary words joined by single spaces, e.g. `cancel my account`: what PocketSphinx reports.
        public var words: String
        /// The configured phrases it stands for (as written, with their labels).
        public var phrases: [KeywordPhrase]
        /// PocketSphinx `kws_threshold` used (the lowest of the phrases' own, else the length default).
        public var threshold: Double
        /// Phones in the first pronunciation: what the default threshold is chosen by.
        public var phones: Int
    }

    public let entries: [Entry]
    /// The dictionary lines for the entries' words (`word PH ON ES`, alternatives as `word(2) …`).
    let dictionaryText: String
    /// The keyword list PocketSphinx reads (`words /threshold/` per line).
    let keywordListText: String

    public var isEmpty: Bool { entries.isEmpty }

    /// The entry PocketSphinx's reported phrase (which may carry trailing spaces) stands for.
    func entry(reported: String) -> Entry? {
        let trimmed = reported.trimmingSpaces
        return entries.first { $0.words == trimmed }
    }

    init(entries: [Entry], pronunciations: [String: [String]]) {
        self.entries = entries
        var dictionary: [String] = []
        for word in pronunciations.keys.sorted() {
            for (i, phones) in pronunciations[word]!.enumerated() {
                dictionary.append(i == 0 ? "\(word) \(phones)" : "\(word)(\(i + 1)) \(phones)")
            }
        }
        dictionaryText = dictionary.joined(separator: "\n") + "\n"
        keywordListText = entries.map { "\($0.words) /\(KeywordSet.format($0.threshold))/" }.joined(separator: "\n") + "\n"
    }

    /// A threshold as PocketSphinx's `atof` reads it (`1e-20`).
    static func format(_ threshold: Double) -> String {
        let exponent = log10(threshold)
        if exponent == exponent.rounded() { return "1e\(Int(exponent))" }
        return "\(threshold)"
    }

    /// A phrase's words as the dictionary spells them: lower case, letters, digits and apostrophes inside
    /// a word kept (`don't` is a dictionary word), every other character a word break.
    public static func words(of phrase: String) -> [String] {
        var words: [String] = []
        var current = ""
        for ch in phrase.lowercased() {
            if ch.isLetter || ch.isNumber || (ch == "'" && !current.isEmpty) {
                current.append(ch)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { word in
            var w = word
            while w.last == "'" { w.removeLast() }
            return w
        }.filter { !$0.isEmpty }
    }
}

extension SpotterModel {
    /// Prepares `phrases` for the spotter. Throws `kws.unknown-word` naming the first word (and its phrase)
    /// the dictionary does not have, `kws.bad-phrase` for a phrase with no words, `kws.bad-threshold` for a
    /// threshold that is not a positive finite number.
    public func prepare(_ phrases: [KeywordPhrase], tuning: KeywordSpotterTuning = .standard) throws -> KeywordSet {
        var grouped: [(words: [String], phrases: [KeywordPhrase])] = []
        for phrase in phrases {
            let words = KeywordSet.words(of: phrase.phrase)
            guard !words.isEmpty else { throw KeywordSpotterError.emptyPhrase(phrase.phrase) }
            if let t = phrase.threshold, !(t > 0 && t.isFinite) {
                throw KeywordSpotterError.badThreshold(t, phrase: phrase.phrase)
            }
            if let i = grouped.firstIndex(where: { $0.words == words }) {
                grouped[i].phrases.append(phrase)
            } else {
                grouped.append((words, [phrase]))
            }
        }
        let pronunciations = try pronunciations(of: Set(grouped.flatMap(\.words)))
        var entries: [KeywordSet.Entry] = []
        for group in grouped {
            for word in group.words where pronunciations[word] == nil {
                throw KeywordSpotterError.unknownWord(word, phrase: group.phrases[0].phrase, dictionary: dictionary)
            }
            let phones = group.words.reduce(0) { $0 + pronunciations[$1]![0].split(separator: " ").count }
            let own = group.phrases.compactMap(\.threshold).min()
            entries.append(KeywordSet.Entry(words: group.words.joined(separator: " "), phrases: group.phrases,
                                            threshold: own ?? tuning.defaultThreshold(phones: phones), phones: phones))
        }
        let used = Set(grouped.flatMap(\.words))
        return KeywordSet(entries: entries, pronunciations: pronunciations.filter { used.contains($0.key) })
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\n" { s.removeLast() }
        return String(s)
    }
}
