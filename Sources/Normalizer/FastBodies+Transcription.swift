import SwitchboardCore

/// `v2.conversations.{id}.transcription` bodies read straight into a ``TranscriptionReducer/Message``.
///
/// On the hot path: an org with transcription sends a partial or a final every second or two per live call
/// (thousands of messages a second for a large org, as many as all its other topics together), so these
/// bodies get the scanner like the other hot bodies. `words` and `decoratedWords` (a few hundred bytes per
/// utterance) are skipped unread. Text with non-ASCII letters or escapes (`¿dónde?`, `"quoted"`) falls back
/// to `JSONDecoder`, which gives the same result.
extension FastBodies {
    static func transcription(_ s: inout JSONScanner) throws -> TranscriptionReducer.Message {
        var m = TranscriptionReducer.Message()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "transcripts") {
                try s.once(&seen, 1)
                _ = try s.optArray { s in
                    // Elements are not optional in the decoder: a null one falls back (and fails there).
                    if s.null() { throw JSONScanner.Fallback() }
                    m.entries.append(try transcript(&s))
                }
            } else if s.key(k, is: "status") {
                try s.once(&seen, 2)
                m.ended = try status(&s)
            } else if s.key(k, is: "eventTime") {
                try s.once(&seen, 4)
                m.eventTime = try s.optTime()
            } else {
                try s.skipValue()
            }
        }
        return m
    }

    private static func status(_ s: inout JSONScanner) throws -> Bool {
        if s.null() { return false }
        var ended = false
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "status") {
                try s.once(&seen, 1)
                if let r = try s.optStringRange() { ended = s.key(r, is: "SESSION_ENDED") }
            } else {
                try s.skipValue()
            }
        }
        return ended
    }

    private static func transcript(_ s: inout JSONScanner) throws -> TranscriptionReducer.Entry {
        var e = TranscriptionReducer.Entry()
        var seen: UInt32 = 0
        try s.object { s, k in
            switch k.count {
            case 11 where s.key(k, is: "utteranceId"):
                try s.once(&seen, 1 << 0)
                e.utteranceID = try s.optStringRange().map { s.string($0) }
            case 7 where s.key(k, is: "isFinal"):
                try s.once(&seen, 1 << 1)
                e.isFinal = try s.optBool()
            case 7 where s.key(k, is: "channel"):
                try s.once(&seen, 1 << 2)
                if let r = try s.optStringRange() {
                    e.channel = s.key(r, is: "EXTERNAL") ? .customer : s.key(r, is: "INTERNAL") ? .agent : nil
                }
            case 7 where s.key(k, is: "dialect"):
                try s.once(&seen, 1 << 3)
                e.dialect = try s.optStringRange().map { s.string($0) }
            case 12 where s.key(k, is: "alternatives"):
                try s.once(&seen, 1 << 4)
                var first = true
                _ = try s.optArray { s in
                    if s.null() { throw JSONScanner.Fallback() }
                    if first {
                        first = false
                        try alternative(&s, into: &e)
                    } else {
                        try skipAlternative(&s)
                    }
                }
            default:
                try s.skipValue()
            }
        }
        return e
    }

    private static func alternative(_ s: inout JSONScanner, into e: inout TranscriptionReducer.Entry) throws {
        var seen: UInt32 = 0
        try s.object { s, k in
            switch k.count {
            case 10 where s.key(k, is: "transcript"):
                try s.once(&seen, 1 << 0)
                e.transcript = try s.optStringRange().map { s.string($0) }
            case 8 where s.key(k, is: "offsetMs"):
                try s.once(&seen, 1 << 1)
                e.offsetMs = try s.optNumber()
            case 10 where s.key(k, is: "durationMs"):
                try s.once(&seen, 1 << 2)
                e.durationMs = try s.optNumber()
            case 10 where s.key(k, is: "confidence"):
                try s.once(&seen, 1 << 3)
                e.confidence = try s.optNumber()
            default:
                try s.skipValue()
            }
        }
    }

    /// A later alternative: not used, but the decoder type-checks its declared fields, so this does too.
    private static func skipAlternative(_ s: inout JSONScanner) throws {
        var e = TranscriptionReducer.Entry()
        try alternative(&s, into: &e)
    }
}
