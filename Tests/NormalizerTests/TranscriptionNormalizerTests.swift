import SwitchboardCore
import Testing
@testable import Normalizer

/// `v2.conversations.{id}.transcription` bodies → `TranscriptEvent`s (docs/speech-text.md).
@Suite struct TranscriptionNormalizerTests {
    static let conversation = "6a1f0c2e-7b3d-4e59-9c8a-2d1e0f3b4a5c"
    static let topic = "v2.conversations.\(conversation).transcription"

    /// The reference's example (third-party EventBridge test data that matches the SDK model), as one frame.
    static let reference = #"{"topicName":"\#(topic)","version":"2","eventBody":{"eventTime":"2025-12-10T08:44:30.264Z","organizationId":"o","conversationId":"\#(conversation)","communicationId":"k","sessionStartTimeMs":1765356240994,"transcriptionStartTimeMs":1765356240942,"transcripts":[{"utteranceId":"u-1","isFinal":true,"channel":"INTERNAL","alternatives":[{"confidence":0.985,"offsetMs":2300,"durationMs":6980,"transcript":"gracias por llamar","words":[{"confidence":1.0,"offsetMs":2300,"durationMs":40,"word":"gracias"}],"decoratedTranscript":"Gracias por llamar.","decoratedWords":[]}],"engineProvider":"GENESYS","engineId":"r2d2","dialect":"es-US","agentAssistEnabled":false,"voiceTranscriptionEnabled":true}],"status":{"offsetMs":23280,"status":"SESSION_ONGOING"}},"metadata":{"CorrelationId":"c"}}"#

    static func frame(_ body: String) -> [UInt8] {
        Array(#"{"topicName":"\#(topic)","version":"2","eventBody":\#(body)}"#.utf8)
    }

    static func normalize(_ bytes: [UInt8], fast: Bool = true) -> NotificationFrame {
        NotificationNormalizer(org: "us", fastPath: fast).normalize(bytes, receivedAt: 42)
    }

    @Test func theReferenceExampleIsOneFinalAgentUtterance() {
        let expected = TranscriptUtterance(
            org: "us", conversationID: Self.conversation, utteranceID: "u-1", channel: .agent, text: "gracias por llamar",
            isFinal: true, offsetMs: 2300, durationMs: 6980, confidence: 0.985, dialect: "es-US", at: 42)
        #expect(Self.normalize(Array(Self.reference.utf8)) == .transcripts([.utterance(expected)]))
        #expect(Self.normalize(Array(Self.reference.utf8), fast: false) == .transcripts([.utterance(expected)]))
        // Without a receive time the body's eventTime is used.
        let bare = NotificationNormalizer(org: "us").normalize(Array(Self.reference.utf8))
        guard case .transcripts(let evs) = bare, case .utterance(let u) = evs.first else {
            Issue.record("\(bare)")
            return
        }
        #expect(u.at == Timestamp.parse("2025-12-10T08:44:30.264Z"))
    }

    @Test func theFastReaderTakesPlainBodiesWithoutFallingBack() {
        for text in [Self.reference, TranscriptionFuzzTests.seeds[1], TranscriptionFuzzTests.seeds[2]] {
            let read = Array(text.utf8).withUnsafeBufferPointer { FastBodies.envelope($0, FastBodies.transcription) }
            #expect(read?.body != nil, "\(text)")
        }
        let accented = Self.frame(#"{"transcripts":[{"utteranceId":"u","alternatives":[{"transcript":"¿dónde?"}]}]}"#)
        #expect(accented.withUnsafeBufferPointer { FastBodies.envelope($0, FastBodies.transcription) } == nil)
    }

    @Test func channelsMapToSidesAndPartialsStayPartial() {
        let body = #"{"transcripts":["#
            + #"{"utteranceId":"a","isFinal":false,"channel":"EXTERNAL","alternatives":[{"offsetMs":10,"durationMs":5,"transcript":"I want"}]},"#
            + #"{"utteranceId":"b","channel":"UNKNOWN","alternatives":[{"transcript":"hm"},{"transcript":"um"}]},"#
            + #"{"utteranceId":"c","isFinal":true,"channel":"BOTH","alternatives":[{"transcript":"both"}]},"#
            + #"{"utteranceId":"d","isFinal":true,"alternatives":[{"transcript":"none","offsetMs":7.6}]}"#
            + #"],"status":{"status":"SESSION_ONGOING"}}"#
        let out = Self.normalize(Self.frame(body))
        guard case .transcripts(let evs) = out else {
            Issue.record("\(out)")
            return
        }
        let us = evs.compactMap { if case .utterance(let u) = $0 { u } else { nil } }
        #expect(us.map(\.utteranceID) == ["a", "b", "c", "d"])
        #expect(us.map(\.channel) == [.customer, nil, nil, nil])
        #expect(us.map(\.isFinal) == [false, false, true, true])
        #expect(us.map(\.text) == ["I want", "hm", "both", "none"])
        #expect(us[0].offsetMs == 10 && us[0].durationMs == 5 && us[3].offsetMs == 8 && us[1].offsetMs == 0)
        #expect(Self.normalize(Self.frame(body), fast: false) == out)
    }

    @Test func sessionEndedIsTheEnd() {
        let ended = TranscriptEvent.ended(TranscriptEnded(org: "us", conversationID: Self.conversation, at: 42))
        let body = #"{"eventTime":"2025-12-10T08:45:00.000Z","status":{"offsetMs":60000,"status":"SESSION_ENDED"}}"#
        #expect(Self.normalize(Self.frame(body)) == .transcripts([ended]))
        #expect(Self.normalize(Self.frame(#"{"transcripts":[],"status":{"status":"SESSION_ONGOING"}}"#)) == .transcripts([]))
        #expect(Self.normalize(Self.frame("null")) == .transcripts([]))
    }

    @Test func anEntryWithoutIdOrTextMakesTheBodyMalformed() {
        for body in [#"{"transcripts":[{"isFinal":true,"alternatives":[{"transcript":"x"}]}]}"#,
                     #"{"transcripts":[{"utteranceId":"","alternatives":[{"transcript":"x"}]}]}"#,
                     #"{"transcripts":[{"utteranceId":"u","alternatives":[]}]}"#,
                     #"{"transcripts":[{"utteranceId":"u","isFinal":"yes","alternatives":[{"transcript":"x"}]}]}"#,
                     #"{"transcripts":[null]}"#,
                     #"{"transcripts":{"utteranceId":"u"}}"#] {
            for fast in [true, false] {
                let out = Self.normalize(Self.frame(body), fast: fast)
                guard case .malformed(let kind, _) = out else {
                    Issue.record("\(body) → \(out)")
                    continue
                }
                #expect(kind == "bad-body:conversations.transcription", "\(body)")
            }
        }
    }

    @Test func nonASCIITextAndEscapesGoThroughTheDecoder() {
        let body = #"{"transcripts":[{"utteranceId":"u","isFinal":true,"channel":"EXTERNAL","alternatives":[{"transcript":"¿Dónde está \"mi\" pedido?"}]}]}"#
        let out = Self.normalize(Self.frame(body))
        guard case .transcripts(let evs) = out, case .utterance(let u) = evs.first else {
            Issue.record("\(out)")
            return
        }
        #expect(u.text == "¿Dónde está \"mi\" pedido?")
        #expect(out == Self.normalize(Self.frame(body), fast: false))
    }

    @Test func otherConversationTopicsAreIgnored() {
        let f = Array(#"{"topicName":"v2.conversations.\#(Self.conversation).summaries","eventBody":{}}"#.utf8)
        #expect(Self.normalize(f) == .ignored(topic: "v2.conversations.\(Self.conversation).summaries"))
    }
}

/// Random bytes and mutations of transcription frames: the normalizer never crashes, and its fast path agrees
/// with the decoder on every input.
@Suite struct TranscriptionFuzzTests {
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [String] = [
        TranscriptionNormalizerTests.reference,
        String(decoding: TranscriptionNormalizerTests.frame(
            #"{"transcripts":[{"utteranceId":"a","isFinal":false,"channel":"EXTERNAL","alternatives":[{"confidence":0.9,"offsetMs":10,"durationMs":5,"transcript":"I want to cancel"}],"dialect":"en-US"}],"status":{"offsetMs":12,"status":"SESSION_ONGOING"}}"#),
            as: UTF8.self),
        String(decoding: TranscriptionNormalizerTests.frame(#"{"status":{"status":"SESSION_ENDED"}}"#), as: UTF8.self),
    ]

    /// JSON-ish fragments spliced in: structure, literals, odd numbers, escapes and non-ASCII.
    static let fragments: [String] = ["{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "-0", "1e309", "0.5",
                                      "\\u00e9", "\\\"", "é", "\u{1F600}", "\"utteranceId\"", "\"transcripts\":[]",
                                      "\"alternatives\":[{}]", "\"isFinal\":", "\"status\":{\"status\":\"SESSION_ENDED\"}",
                                      " ", "\u{0}", "99999999999999999999"]

    static func check(_ bytes: [UInt8]) -> Bool {
        let fast = NotificationNormalizer(org: "us", fastPath: true).normalize(bytes, receivedAt: 1)
        let slow = NotificationNormalizer(org: "us", fastPath: false).normalize(bytes, receivedAt: 1)
        return fast == slow
    }

    @Test func mutationsNeverCrashAndBothPathsAgree() {
        var rng = Rng(state: 0x7A_5C_21)
        var disagreements: [String] = []
        var malformed = 0, transcripts = 0
        for round in 0..<4000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes.remove(at: at)
                case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 2: bytes.insert(contentsOf: Array(Self.fragments.randomElement(using: &rng)!.utf8), at: at)
                case 3: bytes = Array(bytes[..<at])
                default:
                    let end = min(bytes.count, at + Int.random(in: 1...20, using: &rng))
                    bytes.removeSubrange(at..<end)
                }
            }
            if !Self.check(bytes) { disagreements.append(String(decoding: bytes, as: UTF8.self)) }
            switch NotificationNormalizer(org: "us").normalize(bytes, receivedAt: 1) {
            case .malformed: malformed += 1
            case .transcripts: transcripts += 1
            default: break
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(3))")
        // The mutations reach both outcomes (a fuzzer that only ever makes garbage would test nothing).
        #expect(malformed > 100 && transcripts > 100, "malformed \(malformed), transcripts \(transcripts)")
    }

    @Test func randomBytesNeverCrash() {
        var rng = Rng(state: 42)
        for n in 0..<2000 {
            var bytes = (0..<(n % 300)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half of them behind a transcription topic, so they reach the body readers.
            if n % 2 == 0 {
                bytes = Array(#"{"topicName":"\#(TranscriptionNormalizerTests.topic)","eventBody":"#.utf8) + bytes
            }
            #expect(Self.check(bytes))
        }
    }
}
