import Connector
import Foundation
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// Whether the spoken tests can run: espeak-ng and sox on the PATH, and the PocketSphinx model.
let onBoxSpeechAvailable: Bool = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let has = { (p: String) in path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(p)") } }
    return has("espeak-ng") && has("sox")
        && FileManager.default.fileExists(atPath: "/usr/share/pocketsphinx/model/en-us/en-us/mdef")
}()

/// On-box keyword spotting end to end over loopback: the simulator speaks real sentences in its calls
/// (`spokenPhrases`: espeak-ng) over AudioHook (`us`) and the seed Audio Connector (`apac`, 16 kHz Opus); the bridge
/// spots the phrases with PocketSphinx for the orgs with `speechText.onBox: true` and delivers `.spotted` events to its
/// transcript fanout, compared with `/_sim/truth` `speech[].spoken`. `emea` streams audio too, with keywords but
/// `onBox: false`: nothing of it is offered to the spotter.
@Suite(.serialized, .timeLimit(.minutes(8)),
       .enabled(if: onBoxSpeechAvailable, "needs espeak-ng, sox (make test-deps) and pocketsphinx-en-us (make deps)"))
struct OnBoxSpottingEndToEndTests {

    final class Recorder: TranscriptSink {
        let events = Mutex<[SpottedKeyword]>([])
        func ingest(transcripts: [TranscriptEvent]) {
            let spotted = transcripts.compactMap { if case .spotted(let s) = $0 { s } else { nil } }
            if !spotted.isEmpty { events.withLock { $0 += spotted } }
        }
    }

    static let keywords = SimSpokenCorpus.keywordPhrases.map { KeywordPhrase(phrase: $0.phrase, label: $0.label) }
    static let label = Dictionary(uniqueKeysWithValues: SimSpokenCorpus.keywordPhrases.map { ($0.phrase, $0.label) })

    /// Truth against hits, over the calls that ended (their sessions closed) by the time of the snapshot.
    struct Score: CustomStringConvertible {
        var calls = 0
        var said = 0
        var found = 0
        var hits = 0
        var matching = 0
        var falseAlarms: [String] = []
        /// Per phrase and side: found of said.
        var byPhrase: [String: (found: Int, said: Int)] = [:]
        var recall: Double { said == 0 ? 0 : Double(found) / Double(said) }
        var precision: Double { hits == 0 ? 1 : Double(matching) / Double(hits) }
        var description: String {
            "\(calls) calls: \(found) of \(said) phrases found (\(Int(recall * 100)) %); \(matching) of \(hits) hits "
                + "match a phrase said (\(Int(precision * 100)) %); "
                + byPhrase.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.found)/\($0.value.said)" }.joined(separator: ", ")
        }
    }

    /// A hit matches a sentence said in its call when it is the sentence's phrase (by label), on its channel, and (for
    /// AudioHook, whose stream time the truth shares) starts within the sentence, with a second's slack.
    static func score(sessions: [SimSpeechSession], hits: [SpottedKeyword], checkOffsets: Bool) -> Score {
        var s = Score()
        let byConversation = Dictionary(grouping: hits, by: \.conversationID)
        for session in sessions {
            let said = (session.spoken ?? []).filter { $0.keyword != nil }
            s.calls += 1
            s.said += said.count
            let callHits = byConversation[session.conversationId] ?? []
            func matches(_ hit: SpottedKeyword, _ p: SimSpokenPhrase) -> Bool {
                hit.label == label[p.keyword ?? ""] && hit.channel == p.channel
                    && (!checkOffsets || (p.offsetMs - 1000...p.offsetMs + p.durationMs + 1000).contains(hit.offsetMs))
            }
            for p in said {
                let found = callHits.contains { matches($0, p) }
                if found { s.found += 1 }
                let key = "\(p.keyword!)/\(p.channel.rawValue)"
                s.byPhrase[key, default: (0, 0)].said += 1
                if found { s.byPhrase[key, default: (0, 0)].found += 1 }
            }
            for hit in callHits {
                s.hits += 1
                if said.contains(where: { matches(hit, $0) }) {
                    s.matching += 1
                } else {
                    s.falseAlarms.append("\(hit.label)/\(hit.channel.rawValue)@\(hit.offsetMs) in \(session.conversationId): "
                        + "said \(said.map { "\($0.keyword!)/\($0.channel.rawValue)@\($0.offsetMs)" })")
                }
            }
        }
        return s
    }

    @Test func phrasesSpokenInTheSimulatedCallsAreSpottedOnBothAudioPaths() async throws {
        let recorder = Recorder()
        var options = OrgConnector.Options()
        options.transcripts = recorder
        try await DemoFixture.run(agents: 4, speed: 20, audio: true, seedOrgs: ["apac"], configure: {
            $0.audioHookShare = 1.0
            $0.spokenPhrases = true
        }, connectorOptions: options, configureBridge: { config in
            for i in config.orgs.indices {
                config.orgs[i].speechText = SpeechTextConfig(keywords: Self.keywords, transcription: false,
                                                             onBox: config.orgs[i].id != "emea")
            }
        }) { run in
            let parts = try #require(run.bridge.parts)
            #expect(parts.spotting.orgs == ["us", "apac"])
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })

            // Calls end with phrases said in them, on both paths (and emea streams too).
            let enough: @Sendable (String) -> Int = { org in
                run.simulator.speechTruth(org: org).filter { $0.state == "closed" }
                    .reduce(0) { $0 + ($1.spoken ?? []).filter { $0.keyword != nil }.count }
            }
            let t0 = ContinuousClock.now
            #expect(await eventually("24 phrases said in ended calls of us and apac, and calls of emea", seconds: 240) {
                enough("us") >= 12 && enough("apac") >= 12 && enough("emea") >= 1
            })
            print("phrases said in ended calls after \(ContinuousClock.now - t0)")
            let ended = ["us", "apac"].flatMap { org in
                run.simulator.speechTruth(org: org).filter { $0.state == "closed" }.map { (org, $0) }
            }

            // /readyz shows the on-box figures of the spotted orgs only.
            let ready = try await DemoFixture.json("\(run.bridgeBase)/readyz", token: "demo-admin")
            let orgs = (ready["orgs"] as? [[String: Any]]) ?? []
            for o in orgs {
                let id = o["id"] as? String ?? "?"
                let onBox = o["onBox"] as? [String: Any]
                if id == "emea" {
                    #expect(onBox == nil, "\(o)")
                } else {
                    #expect(((onBox?["admitted"] as? NSNumber)?.intValue ?? 0) > 0, "\(id): \(o)")
                }
            }

            // The hits of the ended calls come (detections are reported about half a second after the phrase, the
            // last ones when the call's audio ends): recall only grows while they arrive.
            let last = Mutex((Score(), Score()))
            let reached = await eventually("a fair share of the phrases said is spotted", seconds: 60) {
                let hits = recorder.events.withLock { $0 }
                let us = Self.score(sessions: ended.filter { $0.0 == "us" }.map(\.1),
                                    hits: hits.filter { $0.org == "us" }, checkOffsets: true)
                let apac = Self.score(sessions: ended.filter { $0.0 == "apac" }.map(\.1),
                                      hits: hits.filter { $0.org == "apac" }, checkOffsets: false)
                last.withLock { $0 = (us, apac) }
                let both = Double(us.found + apac.found) / Double(max(1, us.said + apac.said))
                return both >= Self.minimumRecall && us.recall >= Self.minimumPathRecall
                    && apac.recall >= Self.minimumPathRecall
            }
            let (us, apac) = last.withLock { $0 }
            print("on-box spotting, AudioHook (us): \(us)")
            print("on-box spotting, seed Audio Connector (apac): \(apac)")
            print("false alarms:\n" + (us.falseAlarms + apac.falseAlarms).joined(separator: "\n"))
            #expect(reached, "us: \(us); apac: \(apac)")
            // Hits belong to conversations the simulator streamed, and mostly to phrases said there.
            let streamed = Set(["us", "apac"].flatMap { run.simulator.speechTruth(org: $0).map(\.conversationId) })
            let hits = recorder.events.withLock { $0 }
            #expect(!hits.isEmpty)
            #expect(hits.allSatisfy { streamed.contains($0.conversationID) && $0.org != "emea" })
            for score in [us, apac] {
                #expect(score.precision >= Self.minimumPrecision,
                        "\(score)\nfalse alarms:\n\(score.falseAlarms.joined(separator: "\n"))")
            }
            for org in ["us", "apac"] { print("on-box spotting \(org): \(String(describing: parts.spotting.status(of: OrgID(org))))") }

            // emea streamed audio with keywords configured but onBox false: nothing was offered for it.
            #expect(run.simulator.speechTruth(org: "emea").contains { $0.analysedMs > 0 })
            #expect(parts.spotting.offeredChunks(org: "emea") == 0)
            #expect(parts.spotting.offeredChunks(org: "us") > 0 && parts.spotting.offeredChunks(org: "apac") > 0)
        }
    }

    /// What the test asks for. The spotter's measured recall on multi-word phrases is about 62 % over six espeak-ng
    /// voices, precision 79 % (docs/speech-text.md, "Measured"); the simulator's two voices do better (alone, this
    /// test saw 92–100 % recall and 84–91 % precision on each path). The bounds leave room for the few phrases a run
    /// has (12–15 per path) and for a loaded machine: calls the pool refuses or sheds count as misses, and a starved
    /// seed client conceals late Opus packets (in a full-suite run the seed path once found 8 of 14). So: 60 % of
    /// both paths' phrases together, 40 % on each, 70 % of the hits right.
    static let minimumRecall = 0.6
    static let minimumPathRecall = 0.4
    static let minimumPrecision = 0.7
}
