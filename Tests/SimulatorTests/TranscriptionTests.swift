import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// The simulated real-time transcription (`v2.conversations.{id}.transcription`): corpus, talk spurts, partials
/// then finals, SESSION_ENDED, truth and faults — driven through the model, no sockets.
@Suite struct TranscriptionTests {
    static let t0: EpochMillis = 1_790_000_000_000

    static func model(seed: UInt64 = 7, agents: Int = 12, recordAll: Bool = true) -> OrgModel {
        let m = OrgModel(org: "us", orgIndex: 0, agentCount: agents, queueCount: 2, seed: seed,
                         timeZone: TimeZone(identifier: "America/New_York")!)
        m.recordAll = recordAll
        m.transcription.recordAll = recordAll
        return m
    }

    /// A transcription message as sent.
    struct Message {
        var conversation: String
        var body: [String: Any]
        var transcripts: [[String: Any]] { (body["transcripts"] as? [[String: Any]]) ?? [] }
        var status: String? { (body["status"] as? [String: Any])?["status"] as? String }
    }

    static func transcriptionMessages(_ messages: [SimMessage]) -> [Message] {
        messages.filter { $0.topic.hasPrefix("v2.conversations.") }.map { m in
            let body = (try? JSONSerialization.jsonObject(with: Data(m.body))) as? [String: Any] ?? [:]
            return Message(conversation: String(m.topic.split(separator: ".")[2]), body: body)
        }
    }

    /// The keyword phrases in `text`, found word by word with the core's word splitter.
    static func phrases(in text: String) -> [String] {
        let words = KeywordPhrase.normalizedWords(text)
        var out: [String] = []
        for start in words.indices {
            for phrase in SimTranscriptCorpus.keywordPhrases {
                let p = KeywordPhrase.normalizedWords(phrase)
                if start + p.count <= words.count, Array(words[start..<(start + p.count)]) == p { out.append(phrase) }
            }
        }
        return out
    }

    @Test func everySentenceHoldsExactlyTheKeywordsItIsAnnotatedWith() {
        let quiet = ["cancel", "supervisor", "refund", "unacceptable", "complaint"]
        for (kind, s) in SimTranscriptCorpus.all {
            #expect(Self.phrases(in: s.text) == s.keywords, "\(s.text)")
            if kind != "keyword" {
                #expect(s.keywords.isEmpty && !KeywordPhrase.normalizedWords(s.text).contains { quiet.contains($0) }, "\(s.text)")
            } else {
                #expect(!s.keywords.isEmpty, "\(s.text)")
            }
        }
        // Two sentences said in one long spurt never make a phrase across their boundary.
        let all = SimTranscriptCorpus.all.map(\.sentence)
        for a in all {
            for b in all { #expect(Self.phrases(in: a.text + " " + b.text) == a.keywords + b.keywords) }
        }
        // No phrase is a run of words of another (hits never overlap).
        for p in SimTranscriptCorpus.keywordPhrases {
            #expect(Self.phrases(in: p) == [p])
        }
    }

    @Test func finalsFollowTheCallsTalkSpurtsAfterGrowingPartials() throws {
        let m = Self.model()
        m.start(at: Self.t0)
        m.advance(to: Self.t0 + 3_600_000)
        let messages = Self.transcriptionMessages(m.drain())
        #expect(messages.count > 200)
        var byConversation: [String: [Message]] = [:]
        for msg in messages { byConversation[msg.conversation, default: []].append(msg) }
        var finals = 0, ended = 0
        for (id, list) in byConversation {
            // The talk schedule the AudioHook audio of this call follows.
            var schedule = SimSpeechSchedule(seed: SimAudioHookClient.hash(id, seed: 7))
            schedule.extend(through: 4 * 3_600_000)
            var partialTexts: [String: [String]] = [:]
            for (i, msg) in list.enumerated() {
                if msg.status == "SESSION_ENDED" {
                    #expect(i == list.count - 1 && msg.transcripts.isEmpty, "\(id): SESSION_ENDED is the last message")
                    ended += 1
                    continue
                }
                #expect(msg.status == "SESSION_ONGOING")
                for t in msg.transcripts {
                    let uid = try #require(t["utteranceId"] as? String)
                    let alt = try #require((t["alternatives"] as? [[String: Any]])?.first)
                    let text = try #require(alt["transcript"] as? String)
                    let offset = try #require((alt["offsetMs"] as? NSNumber)?.int64Value)
                    let duration = try #require((alt["durationMs"] as? NSNumber)?.int64Value)
                    let side: SpeechChannel = t["channel"] as? String == "EXTERNAL" ? .customer : .agent
                    #expect(["EXTERNAL", "INTERNAL"].contains(t["channel"] as? String))
                    if t["isFinal"] as? Bool == true {
                        finals += 1
                        #expect(schedule.spurts(side).contains(offset..<(offset + duration)),
                                "\(id): final \(offset)+\(duration) is not a \(side) spurt")
                        let partials = partialTexts[uid] ?? []
                        #expect((1...2).contains(partials.count), "\(id) \(uid): \(partials.count) partials")
                        let words = text.split(separator: " ")
                        var last = 0
                        for p in partials {
                            let pw = p.split(separator: " ")
                            #expect(pw.count > last && pw.count < words.count && Array(words.prefix(pw.count)) == pw)
                            last = pw.count
                        }
                    } else {
                        partialTexts[uid, default: []].append(text)
                    }
                }
            }
        }
        #expect(finals > 100 && ended > 5)
        // The truth lists exactly the finals sent, with the keywords each holds.
        let truth = m.truth().transcripts
        let sent = messages.flatMap { msg in
            msg.transcripts.filter { $0["isFinal"] as? Bool == true }.map { "\(msg.conversation)/\($0["utteranceId"]!)" }
        }
        #expect(truth.flatMap { t in t.finals.map { "\(t.conversationId)/\($0.utteranceId)" } }.sorted() == sent.sorted())
        #expect(truth.filter(\.ended).count == ended)
        for t in truth { for f in t.finals { #expect(Self.phrases(in: f.text) == f.keywords) } }
        #expect(truth.flatMap(\.finals).contains { !$0.keywords.isEmpty })
    }

    @Test func sameSeedSameTranscriptsWhateverTheStepping() {
        let a = Self.model(), b = Self.model()
        a.start(at: Self.t0)
        b.start(at: Self.t0)
        var ea: [SimMessage] = [], eb: [SimMessage] = []
        for s in 1...1800 { a.advance(to: Self.t0 + Int64(s) * 1000); ea += a.drain() }
        var t = Self.t0
        while t < Self.t0 + 1_800_000 { t = min(Self.t0 + 1_800_000, t + 137 + (t % 7_919)); b.advance(to: t); eb += b.drain() }
        #expect(ea.filter { $0.topic.hasPrefix("v2.conversations.") }.count > 100)
        #expect(ea.count == eb.count)
        #expect(zip(ea, eb).allSatisfy { $0.topic == $1.topic && $0.body == $1.body && $0.at == $1.at })
        #expect(a.truth().transcripts == b.truth().transcripts)
        // The workload itself is what it was without transcription.
        let plain = Self.model(recordAll: false)
        plain.recordAll = true
        plain.start(at: Self.t0)
        plain.advance(to: Self.t0 + 1_800_000)
        #expect(plain.drain().map(\.body) == ea.filter { !$0.topic.hasPrefix("v2.conversations.") }.map(\.body))
    }

    @Test func transcriptionShareTranscribesOnlyTheCallsItsHashPicks() {
        let all = Self.model(), half = Self.model()
        half.transcription.share = 0.5
        for m in [all, half] {
            m.start(at: Self.t0)
            m.advance(to: Self.t0 + 3_600_000)
        }
        let every = Set(Self.transcriptionMessages(all.drain()).map(\.conversation))
        let some = Set(Self.transcriptionMessages(half.drain()).map(\.conversation))
        let picked = every.filter { SimAudioHookClient.monitored($0, seed: 7, share: 0.5) }
        #expect(every.count > 20)
        #expect(!some.isEmpty && some.count < every.count)
        #expect(some == picked)
        #expect(Set(half.truth().transcripts.map(\.conversationId)).isSubset(of: picked))
    }

    @Test func nothingIsSentWhileNobodyListensAndASubscriberHearsFromThenOn() {
        let m = Self.model(recordAll: false)
        m.start(at: Self.t0)
        m.advance(to: Self.t0 + 1_200_000)
        #expect(Self.transcriptionMessages(m.drain()).isEmpty)
        // Subscribe the calls talking now, as a channel would.
        let live = m.transcription.calls.values.map(\.topic)
        #expect(!live.isEmpty)
        let subscribedAt = Self.t0 + 1_200_000
        for topic in live {
            m.interest[topic, default: 0] += 1
            m.transcriptionSubscribed(topic)
        }
        m.advance(to: Self.t0 + 1_500_000)
        let messages = Self.transcriptionMessages(m.drain())
        #expect(!messages.isEmpty)
        #expect(Set(messages.map { "v2.conversations.\($0.conversation).transcription" }).isSubset(of: Set(live)))
        // Nothing said before the subscription is sent late.
        for msg in messages {
            let start = (msg.body["transcriptionStartTimeMs"] as? NSNumber)?.int64Value ?? 0
            for t in msg.transcripts {
                let alt = (t["alternatives"] as? [[String: Any]])?.first
                let offset = (alt?["offsetMs"] as? NSNumber)?.int64Value ?? 0
                let duration = (alt?["durationMs"] as? NSNumber)?.int64Value ?? 0
                #expect(start + offset + duration >= subscribedAt)
            }
        }
    }

    @Test func faultsDropAFinalSendAMalformedBodyAndDuplicateAMessage() throws {
        let m = Self.model()
        m.start(at: Self.t0)
        m.advance(to: Self.t0 + 600_000)
        _ = m.drain()
        _ = m.queueTranscriptionFault(.drop, count: 1)
        _ = m.queueTranscriptionFault(.malformed, count: 1)
        _ = m.queueTranscriptionFault(.duplicate, count: 1)
        m.advance(to: Self.t0 + 900_000)
        let raw = m.drain().filter { $0.topic.hasPrefix("v2.conversations.") }
        let messages = Self.transcriptionMessages(raw)
        let truth = m.truth().transcripts
        let dropped = truth.flatMap(\.dropped)
        #expect(dropped.count == 1)
        let droppedID = try #require(dropped.first?.utteranceId)
        let finalIDs = messages.flatMap { $0.transcripts }.filter { $0["isFinal"] as? Bool == true }
            .compactMap { $0["utteranceId"] as? String }
        #expect(!finalIDs.contains(droppedID))
        #expect(!truth.flatMap(\.finals).contains { $0.utteranceId == droppedID })
        // One body with a transcript that has no utteranceId.
        #expect(messages.filter { $0.transcripts.contains { $0["utteranceId"] == nil } }.count == 1)
        // One message sent twice in a row.
        #expect(zip(raw, raw.dropFirst()).filter { $0.topic == $1.topic && $0.body == $1.body }.count == 1)
        #expect(truth.flatMap(\.faults).sorted() == ["transcription-drop", "transcription-duplicate", "transcription-malformed"])
    }

    @Test func transcriptionTopicsAreAcceptedForAnyConversationID() {
        let s = OrgState(model: Self.model(), seed: 1)
        #expect(s.validate(topic: "v2.conversations.6a1f0c2e-7b3d-4e59-9c8a-2d1e0f3b4a5c.transcription") == nil)
        #expect(s.validate(topic: "v2.conversations.not-an-id.transcription") != nil)
        #expect(s.validate(topic: "v2.conversations.6a1f0c2e-7b3d-4e59-9c8a-2d1e0f3b4a5c.summary") != nil)
        #expect(SimFault(kind: "transcription-drop") == .transcription(.drop, count: 1))
        #expect(SimFault(kind: "transcription-duplicate", count: 3)?.kind == "transcription-duplicate")
    }
}
