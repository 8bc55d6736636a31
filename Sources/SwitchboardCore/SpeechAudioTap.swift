/// Decoded call audio for on-box speech analysis (the keyword spotter; docs/speech-text.md, "On-box keyword
/// spotting"): the contract between the audio paths (AudioHook sessions, the seed Audio Connector) and whatever
/// listens to the words, so the audio targets know nothing of the spotter.
///
/// The audio path asks ``listens(to:)`` once when an interaction's audio starts and keeps the answer for the
/// interaction; when it is false, the interaction costs nothing more (no decoding for the tap, no calls). When it
/// is true, it offers each channel's decoded audio in order and calls ``end(org:conversationID:)`` exactly once
/// when the interaction is over (ended, timed out, disconnected, stopped).
///
/// Every call returns at once: none suspends or waits for the analysis (the implementation queues or drops).
public protocol SpeechAudioTap: Sendable {
    /// Whether `org`'s audio is wanted now (for an interaction that starts now).
    func listens(to org: OrgID) -> Bool
    /// One chunk of one channel: 16-bit mono PCM at `sampleRate` Hz whose first sample lies at `offsetMs` of the
    /// interaction's stream time (AudioHook's `position`: audio plus pauses, so a hold is a jump forward).
    func offer(org: OrgID, conversationID: String, channel: SpeechChannel, sampleRate: Int, samples: [Int16],
               offsetMs: Int64)
    /// The interaction's audio is over.
    func end(org: OrgID, conversationID: String)
}
