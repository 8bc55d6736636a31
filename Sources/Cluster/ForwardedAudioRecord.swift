import Foundation
import SwitchboardCore

/// One row of `cluster_forwarded_audio` (docs/scale-out.md, "AudioHook on any replica"): what the views of a
/// replica that does not lead an org made of the AudioHook sessions it hosts for that org — the session reports
/// (``SpeechEvent``) and the keyword hits on-box spotting heard in their audio (``TranscriptEvent``) — written for
/// the org's leader, which ingests them into its own views.
///
/// **Encoding.** Three bytes, `S`, `F` and the version (1), then a JSON object `{"speech": […], "transcripts": […]}`
/// of the events' own `Codable` forms. JSON rather than a binary format of our own: these rows are small (one per
/// org and outbox drain, a few reports each), written a few times a second at most, and the event types are plain
/// values whose synthesized `Codable` is exact (integers stay integers; a finite `Double` prints as the shortest
/// text that reads back the same). The version byte lets a later release change the body; a replica refuses a
/// version it does not know (``ForwardedAudioError``, `forward.version`) rather than guess.
///
/// **Reading** (``init(decoding:org:)``) trusts nothing: a body over ``maxBytes`` or ``maxEvents``, a wrong prefix,
/// JSON not of the shape, an event of another org than the row's, an empty or over-long id, a negative or
/// non-finite figure are each refused with their own code; nothing is read half-way.
public struct ForwardedAudioRecord: Sendable, Equatable {
    public var speech: [SpeechEvent]
    public var transcripts: [TranscriptEvent]

    public init(speech: [SpeechEvent] = [], transcripts: [TranscriptEvent] = []) {
        self.speech = speech
        self.transcripts = transcripts
    }

    public var isEmpty: Bool { speech.isEmpty && transcripts.isEmpty }
    public var count: Int { speech.count + transcripts.count }

    /// The body's first bytes: `SF` and the version.
    public static let prefix: [UInt8] = [0x53, 0x46, 1]
    /// The largest body read (the writer splits what it has before this).
    public static let maxBytes = 4 << 20
    /// The most events one body holds.
    public static let maxEvents = 20_000
    /// The longest id (session, conversation, utterance) or text field read, in UTF-8 bytes.
    public static let maxField = 16 << 10

    private struct Body: Codable {
        var speech: [SpeechEvent]
        var transcripts: [TranscriptEvent]
    }

    /// The record as a row body. A non-finite figure (which JSON cannot carry) is written as absent (a level) or 0
    /// (a score), so encoding never fails.
    public func encode() -> [UInt8] {
        let body = Body(speech: speech.map(Self.finite), transcripts: transcripts.map(Self.finite))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Cannot fail: every Double is finite now, and the types are plain values.
        let json = (try? encoder.encode(body)) ?? Data(#"{"speech":[],"transcripts":[]}"#.utf8)
        return Self.prefix + Array(json)
    }

    /// Reads a row body.
    /// - Parameter org: the row's org; every event must be of it (nil: not checked).
    /// - Throws: ``ForwardedAudioError``; its code names what was wrong.
    public init(decoding bytes: [UInt8], org: OrgID? = nil) throws(ForwardedAudioError) {
        guard bytes.count <= Self.maxBytes else {
            throw ForwardedAudioError(code: "forward.too-large", message:
                "a forwarded audio row of \(bytes.count) bytes is over the \(Self.maxBytes)-byte bound; it is skipped")
        }
        guard bytes.count >= 3, bytes[0] == 0x53, bytes[1] == 0x46 else {
            throw ForwardedAudioError(code: "forward.not-a-record", message:
                "a forwarded audio row does not start with 'SF': not written by Switchboard; it is skipped")
        }
        guard bytes[2] == Self.prefix[2] else {
            throw ForwardedAudioError(code: "forward.version", message:
                "a forwarded audio row has version \(bytes[2]), this build reads \(Self.prefix[2]): a newer replica wrote it; "
                    + "run the same version on every replica")
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes[3...]))
        } catch {
            throw ForwardedAudioError(code: "forward.malformed", message:
                "a forwarded audio row is not the JSON this build writes (\(Self.describe(error))); it is skipped")
        }
        guard body.speech.count + body.transcripts.count <= Self.maxEvents else {
            throw ForwardedAudioError(code: "forward.too-many", message:
                "a forwarded audio row holds \(body.speech.count + body.transcripts.count) events, over the "
                    + "\(Self.maxEvents) bound; it is skipped")
        }
        for e in body.speech { try Self.check(e, org: org) }
        for e in body.transcripts { try Self.check(e, org: org) }
        speech = body.speech
        transcripts = body.transcripts
    }

    // MARK: Checks

    private static func check(_ e: SpeechEvent, org: OrgID?) throws(ForwardedAudioError) {
        try checkOrg(e.org, org)
        try checkID(e.session, "session id")
        switch e {
        case .opened(let o):
            try checkID(o.conversationID, "conversation id")
            for field in [o.ani, o.dnis, o.agentID, o.queueID, o.direction] {
                if let field { try checkField(field, "hint") }
            }
        case .progress(let p): try check(p.metrics)
        case .ended(let x):
            try checkField(x.reason, "end reason")
            try check(x.metrics)
        }
    }

    private static func check(_ e: TranscriptEvent, org: OrgID?) throws(ForwardedAudioError) {
        try checkOrg(e.org, org)
        try checkID(e.conversationID, "conversation id")
        switch e {
        case .utterance(let u):
            try checkField(u.utteranceID, "utterance id")
            try checkField(u.text, "text")
            try finite(u.confidence ?? 0)
            if let d = u.dialect { try checkField(d, "dialect") }
        case .spotted(let s):
            try checkField(s.phrase, "phrase")
            try checkField(s.label, "label")
            try finite(s.score)
        case .ended: break
        }
    }

    private static func check(_ m: SpeechMetrics) throws(ForwardedAudioError) {
        var figures = [m.analysedMs, m.silenceMs, m.overtalkMs, m.longestSilenceMs, m.gapMs]
        for c in [m.customer, m.agent].compactMap({ $0 }) {
            figures += [c.talkMs, c.silenceMs, c.overtalkMs]
            try finite(c.levelDbfs ?? 0)
        }
        guard figures.allSatisfy({ $0 >= 0 }) else {
            throw ForwardedAudioError(code: "forward.negative", message:
                "a forwarded speech report has a negative figure; the row is skipped")
        }
    }

    private static func checkOrg(_ found: OrgID, _ expected: OrgID?) throws(ForwardedAudioError) {
        if let expected, found != expected {
            throw ForwardedAudioError(code: "forward.wrong-org", message:
                "a forwarded audio row of org \(expected) holds an event of org \(found); the row is skipped")
        }
    }

    private static func checkID(_ id: String, _ what: String) throws(ForwardedAudioError) {
        guard !id.isEmpty else {
            throw ForwardedAudioError(code: "forward.empty-id", message:
                "a forwarded audio event has an empty \(what); the row is skipped")
        }
        try checkField(id, what)
    }

    private static func checkField(_ s: String, _ what: String) throws(ForwardedAudioError) {
        guard s.utf8.count <= maxField else {
            throw ForwardedAudioError(code: "forward.field-too-long", message:
                "a forwarded audio event's \(what) is over \(maxField) bytes; the row is skipped")
        }
    }

    private static func finite(_ x: Double) throws(ForwardedAudioError) {
        guard x.isFinite else {
            throw ForwardedAudioError(code: "forward.non-finite", message:
                "a forwarded audio event has a figure that is not a finite number; the row is skipped")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "not JSON of the shape" : "at \(path)"
        default: return "not JSON"
        }
    }

    // MARK: Finite figures for writing

    private static func finite(_ e: SpeechEvent) -> SpeechEvent {
        switch e {
        case .opened: return e
        case .progress(var p):
            p.metrics = finite(p.metrics)
            return .progress(p)
        case .ended(var x):
            x.metrics = finite(x.metrics)
            return .ended(x)
        }
    }

    private static func finite(_ m: SpeechMetrics) -> SpeechMetrics {
        var m = m
        if m.customer?.levelDbfs?.isFinite == false { m.customer?.levelDbfs = nil }
        if m.agent?.levelDbfs?.isFinite == false { m.agent?.levelDbfs = nil }
        return m
    }

    private static func finite(_ e: TranscriptEvent) -> TranscriptEvent {
        switch e {
        case .utterance(var u):
            if u.confidence?.isFinite == false { u.confidence = nil }
            return .utterance(u)
        case .spotted(var s):
            if !s.score.isFinite { s.score = 0 }
            return .spotted(s)
        case .ended: return e
        }
    }
}

/// A forwarded audio row that cannot be read (``ForwardedAudioRecord/init(decoding:org:)``).
public struct ForwardedAudioError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
