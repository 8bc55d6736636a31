import SwitchboardCore

/// Ground truth of one conversation's real-time transcription (`transcripts` in `GET /_sim/truth`): the final
/// utterances the simulator sent on `v2.conversations.{id}.transcription` (each sent while at least one channel
/// subscribed the topic), in the order sent, with the keyword phrases of ``SimTranscriptCorpus`` each holds. What
/// was said while nobody subscribed is not listed (it was never sent); a final a `transcription-drop` fault kept
/// back is listed under `dropped`, not `finals`.
public struct SimTranscriptTruth: Codable, Sendable, Equatable {
    public struct Utterance: Codable, Sendable, Equatable {
        public var utteranceId: String
        /// `EXTERNAL` (customer) or `INTERNAL` (agent).
        public var channel: String
        /// From the start of transcription (the first agent connecting), stream time like the AudioHook
        /// `position`: it lines up with the call's talk spurts (``SimSpeechSchedule``).
        public var offsetMs: Int64
        public var durationMs: Int64
        public var text: String
        /// The keyword phrases said in it, in order (``SimTranscriptCorpus/keywordPhrases``).
        public var keywords: [String]
    }

    public var conversationId: String
    public var finals: [Utterance] = []
    public var dropped: [Utterance] = []
    /// `SESSION_ENDED` was sent.
    public var ended = false
    /// Transcription faults this conversation took (`transcription-malformed`, `transcription-drop`,
    /// `transcription-duplicate`).
    public var faults: [String] = []

    public init(conversationId: String) {
        self.conversationId = conversationId
    }
}

/// Faults of the simulated transcription, each taken by the next transcription message of the org
/// (`POST /_sim/faults` kinds `transcription-…`; not drawn by random faults).
public enum SimTranscriptionFault: String, Sendable, Equatable, Hashable, CaseIterable {
    /// One extra message whose transcript has no `utteranceId` (a body a client must refuse, not crash on).
    case malformed = "transcription-malformed"
    /// The next final utterance is never sent (its partials were): listed under `dropped` in the truth.
    case drop = "transcription-drop"
    /// The next message is delivered twice (same envelope): a client must not count a final twice.
    case duplicate = "transcription-duplicate"
}
