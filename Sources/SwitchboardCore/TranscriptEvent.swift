/// What people say on a call: the contract between the sources of words — Genesys real-time transcription
/// (`v2.conversations.{id}.transcription`, read by the connector) and the on-box keyword spotter (reading the
/// decoded audio of either audio transport) — and the speech-text views (keyword hits, sentiment, hot calls).
/// docs/speech-text.md.
public enum TranscriptEvent: Sendable, Equatable, Codable {
    /// A transcription utterance, partial (`isFinal == false`, may be replaced by a later one with the same id)
    /// or final.
    case utterance(TranscriptUtterance)
    /// A keyword the on-box spotter heard in the audio.
    case spotted(SpottedKeyword)
    /// The conversation's transcription ended (`SESSION_ENDED`) or its audio ended.
    case ended(TranscriptEnded)

    public var org: OrgID {
        switch self {
        case .utterance(let e): e.org
        case .spotted(let e): e.org
        case .ended(let e): e.org
        }
    }

    public var conversationID: String {
        switch self {
        case .utterance(let e): e.conversationID
        case .spotted(let e): e.conversationID
        case .ended(let e): e.conversationID
        }
    }
}

/// Where the sources deliver transcript events. Never suspends the caller for long: the implementation
/// stages the events and returns.
public protocol TranscriptSink: Sendable {
    func ingest(transcripts events: [TranscriptEvent])
}

/// One utterance of Genesys real-time transcription (the first alternative of one `transcripts[]` entry).
public struct TranscriptUtterance: Sendable, Equatable, Codable {
    public var org: OrgID
    /// The platform conversation id (not namespaced).
    public var conversationID: String
    /// `utteranceId`: a partial and the final it becomes share it.
    public var utteranceID: String
    /// `EXTERNAL` → customer, `INTERNAL` → agent; nil for `UNKNOWN` or `BOTH`.
    public var channel: SpeechChannel?
    /// The words as transcribed (personal data: never pushed to dashboards unless the org enables it).
    public var text: String
    public var isFinal: Bool
    /// Where the utterance starts and how long it lasts, ms from the start of transcription.
    public var offsetMs: Int64
    public var durationMs: Int64
    /// 0…1, when sent.
    public var confidence: Double?
    /// The engine's `dialect` (e.g. `en-US`), when sent.
    public var dialect: String?
    /// Business time the event was received.
    public var at: EpochMillis

    public init(org: OrgID, conversationID: String, utteranceID: String, channel: SpeechChannel?, text: String,
                isFinal: Bool, offsetMs: Int64, durationMs: Int64, confidence: Double? = nil, dialect: String? = nil,
                at: EpochMillis) {
        self.org = org
        self.conversationID = conversationID
        self.utteranceID = utteranceID
        self.channel = channel
        self.text = text
        self.isFinal = isFinal
        self.offsetMs = offsetMs
        self.durationMs = durationMs
        self.confidence = confidence
        self.dialect = dialect
        self.at = at
    }
}

/// A keyword phrase the on-box spotter detected in one channel of a call's audio.
public struct SpottedKeyword: Sendable, Equatable, Codable {
    public var org: OrgID
    public var conversationID: String
    public var channel: SpeechChannel
    /// The configured phrase (as written in the YAML) and its label.
    public var phrase: String
    public var label: String
    /// Where in the call's audio it was heard, ms of stream time.
    public var offsetMs: Int64
    /// The spotter's score (engine specific, for diagnostics).
    public var score: Double
    /// Business time of the detection.
    public var at: EpochMillis

    public init(org: OrgID, conversationID: String, channel: SpeechChannel, phrase: String, label: String,
                offsetMs: Int64, score: Double, at: EpochMillis) {
        self.org = org
        self.conversationID = conversationID
        self.channel = channel
        self.phrase = phrase
        self.label = label
        self.offsetMs = offsetMs
        self.score = score
        self.at = at
    }
}

/// A conversation's words are over.
public struct TranscriptEnded: Sendable, Equatable, Codable {
    public var org: OrgID
    public var conversationID: String
    public var at: EpochMillis

    public init(org: OrgID, conversationID: String, at: EpochMillis) {
        self.org = org
        self.conversationID = conversationID
        self.at = at
    }
}

/// One keyword phrase an org watches for (`speechText.keywords[]` in the orgs YAML).
public struct KeywordPhrase: Sendable, Equatable, Hashable, Codable {
    /// Which side must say it.
    public enum Channel: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        case customer, agent, both
    }

    /// As written, e.g. `cancel my account`.
    public var phrase: String
    /// e.g. `churn-risk`.
    public var label: String
    public var channel: Channel
    /// The on-box spotter's detection threshold for this phrase (PocketSphinx `kws_threshold`, e.g. `1e-20`);
    /// nil: the spotter's default for the phrase's length.
    public var threshold: Double?

    public init(phrase: String, label: String, channel: Channel = .both, threshold: Double? = nil) {
        self.phrase = phrase
        self.label = label
        self.channel = channel
        self.threshold = threshold
    }

    /// Whether a hit on `side` counts for this phrase.
    public func accepts(_ side: SpeechChannel?) -> Bool {
        switch channel {
        case .both: true
        case .customer: side == .customer
        case .agent: side == .agent
        }
    }
}
