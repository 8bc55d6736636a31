import SwitchboardCore

/// Finds an org's keyword phrases in transcript text (docs/speech-text.md, "Matching").
///
/// Text and phrases are cut into words by the same function (``KeywordPhrase/words(in:)``); a phrase matches a
/// run of whole words. The phrases are held in a trie keyed by word, so a text of *n* words costs at most
/// *n* × (the longest phrase's word count) dictionary look-ups however many phrases there are. Every
/// occurrence of every phrase is reported, overlapping ones included. Immutable and `Sendable`: build one per
/// configuration and share it.
public struct KeywordMatcher: Sendable {
    /// One trie node: the next words, and the phrases (indices into ``phrases``) that end here.
    private struct Node: Sendable {
        var next: [String: Int32] = [:]
        var ends: [Int] = []
    }

    /// The phrases as given (phrases with no word are kept here but never match).
    public let phrases: [KeywordPhrase]
    private var nodes: [Node] = [Node()]
    /// The longest phrase's word count.
    public private(set) var longestPhrase = 0

    public init(_ phrases: [KeywordPhrase]) {
        self.phrases = phrases
        for (index, phrase) in phrases.enumerated() {
            let words = phrase.normalizedWords
            guard !words.isEmpty else { continue }
            var node = 0
            for word in words {
                if let child = nodes[node].next[word] {
                    node = Int(child)
                } else {
                    nodes.append(Node())
                    let child = nodes.count - 1
                    nodes[node].next[word] = Int32(child)
                    node = child
                }
            }
            nodes[node].ends.append(index)
            longestPhrase = max(longestPhrase, words.count)
        }
    }

    /// Whether no phrase can ever match.
    public var isEmpty: Bool { longestPhrase == 0 }

    /// Every occurrence in `text` of every phrase whose channel accepts `channel` (nil: the side is unknown,
    /// which only `both` phrases accept), ordered by position, then shorter first, then in the phrases' order.
    public func hits(in text: String, channel: SpeechChannel?) -> [KeywordHit] {
        guard !isEmpty, !text.isEmpty else { return [] }
        let words = KeywordPhrase.words(in: text)
        var hits: [KeywordHit] = []
        for start in words.indices {
            var node = 0
            var i = start
            while i < words.endIndex, let child = nodes[node].next[words[i].text] {
                node = Int(child)
                for index in nodes[node].ends where phrases[index].accepts(channel) {
                    hits.append(KeywordHit(phrase: phrases[index], phraseIndex: index, channel: channel,
                                           wordOffset: start, wordCount: i - start + 1,
                                           range: words[start].range.lowerBound..<words[i].range.upperBound))
                }
                i += 1
            }
        }
        return hits
    }

    /// The hits in a final utterance, on its channel. A partial utterance gives none: it may still change, and
    /// its final repeats it.
    public func hits(in utterance: TranscriptUtterance) -> [KeywordHit] {
        guard utterance.isFinal else { return [] }
        return hits(in: utterance.text, channel: utterance.channel)
    }
}

/// One occurrence of a keyword phrase in a text.
public struct KeywordHit: Sendable, Equatable {
    /// The phrase as configured.
    public var phrase: KeywordPhrase
    /// Its position in ``KeywordMatcher/phrases``.
    public var phraseIndex: Int
    /// The side that said it (the utterance's channel; nil when unknown).
    public var channel: SpeechChannel?
    /// Index of the first matched word among the text's words (``KeywordPhrase/words(in:)``).
    public var wordOffset: Int
    /// How many words matched (the phrase's word count).
    public var wordCount: Int
    /// Where the match stands in the text, from its first word's first character to its last word's last.
    public var range: Range<String.Index>

    public var label: String { phrase.label }

    public init(phrase: KeywordPhrase, phraseIndex: Int, channel: SpeechChannel?, wordOffset: Int, wordCount: Int,
                range: Range<String.Index>) {
        self.phrase = phrase
        self.phraseIndex = phraseIndex
        self.channel = channel
        self.wordOffset = wordOffset
        self.wordCount = wordCount
        self.range = range
    }
}
