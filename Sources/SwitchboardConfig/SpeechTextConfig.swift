import SwitchboardCore

/// An org's `speechText:` section (docs/speech-text.md, docs/configuration.md): the keyword phrases to watch
/// for, where words come from, whether transcript text may reach dashboards, and what makes a call "hot".
public struct SpeechTextConfig: Sendable, Equatable {
    /// What makes a call hot.
    public struct HotCalls: Sendable, Equatable {
        /// A hit with one of these labels makes a call hot; nil: every label.
        public var labels: [String]?
        /// A customer rolling sentiment below this (−1…1) makes a call hot.
        public var sentimentBelow: Double

        public init(labels: [String]? = nil, sentimentBelow: Double = -0.5) {
            self.labels = labels
            self.sentimentBelow = sentimentBelow
        }

        /// Whether a hit with `label` makes a call hot.
        public func isHot(label: String) -> Bool { labels?.contains(label) ?? true }
    }

    /// The phrases, in file order; no two share a normalised phrase with different labels, or with the same
    /// label on overlapping channels.
    public var keywords: [KeywordPhrase]
    /// Subscribe to the org's Genesys real-time transcription topics (default true).
    public var transcription: Bool
    /// Spot the keywords in the call audio on the box (PocketSphinx; default false). Needs the org's `audio:`.
    public var onBox: Bool
    /// Send transcript text to dashboards (personal data; default false).
    public var pushTranscripts: Bool
    public var hotCalls: HotCalls

    public init(keywords: [KeywordPhrase] = [], transcription: Bool = true, onBox: Bool = false,
                pushTranscripts: Bool = false, hotCalls: HotCalls = HotCalls()) {
        self.keywords = keywords
        self.transcription = transcription
        self.onBox = onBox
        self.pushTranscripts = pushTranscripts
        self.hotCalls = hotCalls
    }

    /// The distinct labels of ``keywords``, in file order.
    public var labels: [String] {
        var seen: Set<String> = []
        return keywords.map(\.label).filter { seen.insert($0).inserted }
    }
}
