import Cluster
import Foundation
import SwitchboardCore
import Testing

/// The body of a `cluster_forwarded_audio` row (docs/scale-out.md, "AudioHook on any replica"): what is written
/// reads back the same, and what is not a record of ours is refused with its code, never read half-way.
@Suite struct ForwardedAudioRecordTests {
    static let org: OrgID = "emea"

    static func metrics(_ ms: Int64, level: Double? = -21.5) -> SpeechMetrics {
        SpeechMetrics(analysedMs: ms, silenceMs: ms / 4, overtalkMs: ms / 10, longestSilenceMs: 800, gapMs: 0,
                      customer: .init(talkMs: ms / 2, silenceMs: ms / 2, overtalkMs: ms / 20, levelDbfs: level),
                      agent: .init(talkMs: ms / 3, silenceMs: ms - ms / 3, overtalkMs: ms / 20, levelDbfs: nil))
    }

    static let sample = ForwardedAudioRecord(
        speech: [
            .opened(SpeechSessionOpened(org: org, session: "s-1", conversationID: "c-1", openedAt: 1_790_000_000_000,
                                        ani: "tel:+33100000000", agentID: "a-1", direction: "inbound")),
            .progress(SpeechSessionProgress(org: org, session: "s-1", at: 1_790_000_000_400, paused: true,
                                            metrics: metrics(400))),
            .ended(SpeechSessionEnded(org: org, session: "s-1", at: 1_790_000_009_000, reason: "completed",
                                      metrics: metrics(9_000))),
        ],
        transcripts: [
            .spotted(SpottedKeyword(org: org, conversationID: "c-1", channel: .customer, phrase: "cancel my account",
                                    label: "churn-risk", offsetMs: 3_200, score: 0.125, at: 1_790_000_003_300)),
            .utterance(TranscriptUtterance(org: org, conversationID: "c-1", utteranceID: "u-1", channel: nil,
                                           text: "déjà vu \"quoted\"", isFinal: true, offsetMs: 0, durationMs: 900,
                                           confidence: 0.9, dialect: "fr-FR", at: 1_790_000_001_000)),
            .ended(TranscriptEnded(org: org, conversationID: "c-1", at: 1_790_000_009_000)),
        ])

    @Test func aRecordReadsBackTheSame() throws {
        let bytes = Self.sample.encode()
        #expect(Array(bytes.prefix(3)) == ForwardedAudioRecord.prefix)
        #expect(try ForwardedAudioRecord(decoding: bytes, org: Self.org) == Self.sample)
        #expect(try ForwardedAudioRecord(decoding: bytes) == Self.sample)
        #expect(try ForwardedAudioRecord(decoding: ForwardedAudioRecord().encode()) == ForwardedAudioRecord())
    }

    @Test func nonFiniteFiguresAreWrittenAsAbsentOrZero() throws {
        var record = ForwardedAudioRecord(speech: [.progress(SpeechSessionProgress(
            org: Self.org, session: "s", at: 1, metrics: Self.metrics(1_000, level: -.infinity)))])
        record.transcripts = [.spotted(SpottedKeyword(org: Self.org, conversationID: "c", channel: .agent, phrase: "p",
                                                       label: "l", offsetMs: 0, score: .nan, at: 1))]
        let back = try ForwardedAudioRecord(decoding: record.encode(), org: Self.org)
        guard case .progress(let p) = back.speech.first, case .spotted(let s) = back.transcripts.first else {
            Issue.record("\(back)")
            return
        }
        #expect(p.metrics.customer?.levelDbfs == nil)
        #expect(p.metrics.customer?.talkMs == 500)
        #expect(s.score == 0)
    }

    static func code(_ bytes: [UInt8], org: OrgID? = org) -> String? {
        do {
            _ = try ForwardedAudioRecord(decoding: bytes, org: org)
            return nil
        } catch {
            return error.code
        }
    }

    static func json(_ text: String) -> [UInt8] { ForwardedAudioRecord.prefix + Array(text.utf8) }

    @Test func whatIsNotARecordIsRefusedWithItsCode() {
        #expect(Self.code([]) == "forward.not-a-record")
        #expect(Self.code(Array("{}".utf8)) == "forward.not-a-record")
        #expect(Self.code([0x53, 0x46, 2] + Array("{}".utf8)) == "forward.version")
        #expect(Self.code(Self.json("")) == "forward.malformed")
        #expect(Self.code(Self.json("{}")) == "forward.malformed")
        #expect(Self.code(Self.json(#"{"speech":[],"transcripts":[{"nope":{}}]}"#)) == "forward.malformed")
        #expect(Self.code(Self.json(#"{"speech":[{"opened":{"_0":{"org":"emea"}}}],"transcripts":[]}"#)) == "forward.malformed")
        #expect(Self.code(Array(repeating: 0x20, count: ForwardedAudioRecord.maxBytes + 1)) == "forward.too-large")
        #expect(Self.code(Array(Self.sample.encode().dropLast())) == "forward.malformed")
    }

    @Test func anEventOfAnotherOrgOrWithoutIDsIsRefused() {
        #expect(Self.code(Self.sample.encode(), org: "us") == "forward.wrong-org")
        let empty = ForwardedAudioRecord(speech: [.ended(SpeechSessionEnded(org: Self.org, session: "", at: 1,
                                                                             reason: "completed", metrics: .init()))])
        #expect(Self.code(empty.encode()) == "forward.empty-id")
        let negative = ForwardedAudioRecord(speech: [.progress(SpeechSessionProgress(
            org: Self.org, session: "s", at: 1, metrics: SpeechMetrics(analysedMs: -5)))])
        #expect(Self.code(negative.encode()) == "forward.negative")
        let long = ForwardedAudioRecord(transcripts: [.ended(TranscriptEnded(
            org: Self.org, conversationID: String(repeating: "x", count: ForwardedAudioRecord.maxField + 1), at: 1))])
        #expect(Self.code(long.encode()) == "forward.field-too-long")
    }

    @Test func aNumberPastDoubleIsRefused() {
        let text = #"{"speech":[],"transcripts":[{"spotted":{"_0":{"org":"emea","conversationID":"c","channel":"agent","#
            + #""phrase":"p","label":"l","offsetMs":0,"score":1e999,"at":1}}}]}"#
        let code = Self.code(Self.json(text))
        #expect(code == "forward.non-finite" || code == "forward.malformed", "\(code ?? "accepted")")
    }

    @Test func tooManyEventsAreRefused() {
        let one = TranscriptEvent.ended(TranscriptEnded(org: Self.org, conversationID: "c", at: 1))
        let record = ForwardedAudioRecord(transcripts: Array(repeating: one, count: ForwardedAudioRecord.maxEvents + 1))
        #expect(Self.code(record.encode()) == "forward.too-many")
    }
}
