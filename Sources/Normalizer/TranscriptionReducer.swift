import SwitchboardCore

extension GenesysWire {
    /// `v2.conversations.{id}.transcription` body (`TranscriptionTopicTranscriptionMessage`).
    struct Transcription: Decodable {
        struct Alternative: Decodable {
            var confidence: Double?
            var offsetMs: Double?
            var durationMs: Double?
            var transcript: String?
        }

        struct Transcript: Decodable {
            var utteranceId: String?
            var isFinal: Bool?
            var channel: String?
            var alternatives: [Alternative]?
            var dialect: String?
        }

        struct Status: Decodable {
            var status: String?
        }

        var eventTime: String?
        var transcripts: [Transcript]?
        var status: Status?
    }
}

/// Reduces a transcription body (`v2.conversations.{id}.transcription`) to ``TranscriptEvent``s: one
/// `.utterance` per `transcripts[]` entry (its first alternative), then `.ended` when `status.status` is
/// `SESSION_ENDED` (that last message has no transcripts).
///
/// Both readers of the body fill a ``Message`` (``message(_:)`` from the decoded ``GenesysWire/Transcription``,
/// `FastBodies.transcription` straight from the frame bytes), so the mapping exists once.
///
/// Rules (docs/speech-text.md, "From Genesys transcription"): an entry without a non-empty `utteranceId`, or
/// whose first alternative has no `transcript`, makes the whole body malformed (`bad-body:conversations.transcription`:
/// counted, never fatal); a missing `isFinal` reads as a partial (a partial never counts, its final repeats it);
/// missing `offsetMs`/`durationMs` read as 0; `channel` `EXTERNAL` is the customer, `INTERNAL` the agent, and
/// `UNKNOWN`, `BOTH` or anything else no side.
enum TranscriptionReducer {
    /// One entry as read, before validation.
    struct Entry {
        var utteranceID: String?
        var isFinal: Bool?
        var channel: SpeechChannel?
        var transcript: String?
        var offsetMs: Double?
        var durationMs: Double?
        var confidence: Double?
        var dialect: String?
    }

    /// What the reduction reads from a body.
    struct Message {
        var eventTime: EpochMillis?
        var entries: [Entry] = []
        var ended = false
    }

    static let kind = "conversations.transcription"

    /// `EXTERNAL` → customer, `INTERNAL` → agent, anything else → nil (both readers go through it).
    static func channel(_ s: String?) -> SpeechChannel? {
        switch s {
        case "EXTERNAL": .customer
        case "INTERNAL": .agent
        default: nil
        }
    }

    /// The decoded body as a ``Message``.
    static func message(_ body: GenesysWire.Transcription) -> Message {
        var m = Message(eventTime: NotificationNormalizer.time(body.eventTime))
        for t in body.transcripts ?? [] {
            let first = t.alternatives?.first
            m.entries.append(Entry(
                utteranceID: t.utteranceId, isFinal: t.isFinal, channel: channel(t.channel),
                transcript: first?.transcript, offsetMs: first?.offsetMs, durationMs: first?.durationMs,
                confidence: first?.confidence, dialect: t.dialect))
        }
        m.ended = body.status?.status == "SESSION_ENDED"
        return m
    }

    /// Milliseconds from a JSON number: rounded, and 0 when absent or not representable.
    static func millis(_ d: Double?) -> Int64 {
        guard let d, d.isFinite, abs(d) < 9.0e15 else { return 0 }
        return Int64(d.rounded())
    }

    /// The frame for `message` of conversation `conversationID` (from the topic).
    static func frame(_ message: Message?, org: OrgID, conversationID: String,
                      receivedAt: EpochMillis?) -> NotificationFrame {
        guard let message else { return .transcripts([]) }
        let at = receivedAt ?? message.eventTime ?? 0
        var out: [TranscriptEvent] = []
        out.reserveCapacity(message.entries.count + (message.ended ? 1 : 0))
        for (i, e) in message.entries.enumerated() {
            guard let id = e.utteranceID, !id.isEmpty else {
                return .malformed(kind: "bad-body:\(kind)", detail: "transcripts.\(i): no utteranceId")
            }
            guard let text = e.transcript else {
                return .malformed(kind: "bad-body:\(kind)", detail: "transcripts.\(i): no alternatives[0].transcript")
            }
            out.append(.utterance(TranscriptUtterance(
                org: org, conversationID: conversationID, utteranceID: id, channel: e.channel, text: text,
                isFinal: e.isFinal ?? false, offsetMs: millis(e.offsetMs), durationMs: millis(e.durationMs),
                confidence: e.confidence, dialect: e.dialect, at: at)))
        }
        if message.ended { out.append(.ended(TranscriptEnded(org: org, conversationID: conversationID, at: at))) }
        return .transcripts(out)
    }
}
