import Connector
import Foundation
import Simulator
import SpeechText
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// Simulator (real-time transcription on `v2.conversations.{id}.transcription`) → the bridge's connectors (topic
/// budget, channels, decoder) → the bridge's transcript sink, compared with `/_sim/truth` `transcripts`: for every
/// conversation whose transcription ended, the finals received are exactly the finals sent, and the keyword hits
/// `KeywordMatcher` finds in them are exactly the phrases the simulator said (docs/speech-text.md).
@Suite(.serialized) struct TranscriptionEndToEndTests {
    /// Records what the bridge's sink receives.
    final class Recorder: TranscriptSink {
        let events = Mutex<[TranscriptEvent]>([])
        func ingest(transcripts: [TranscriptEvent]) { events.withLock { $0 += transcripts } }
    }

    struct Final: Hashable, CustomStringConvertible {
        var id: String
        var channel: String
        var offsetMs: Int64
        var durationMs: Int64
        var text: String
        var description: String { "\(id) \(channel) \(offsetMs)+\(durationMs) \"\(text)\"" }
    }

    /// One channel per three topics and ten channels per client: each org's 27 static topics fill nine channels,
    /// so transcription gets one extra channel of three places — below the calls the org has at once.
    static var options: OrgConnector.Options {
        var o = OrgConnector.Options()
        o.topicsPerChannel = 3
        o.transcription.maxChannels = 10
        return o
    }

    static let keywords = SimTranscriptCorpus.keywordPhrases.enumerated().map {
        KeywordPhrase(phrase: $0.element, label: "k\($0.offset)")
    }

    static func side(_ c: SpeechChannel?) -> String {
        switch c {
        case .customer: "EXTERNAL"
        case .agent: "INTERNAL"
        case nil: "-"
        }
    }

    @Test func finalsAndKeywordHitsEqualTheSimulatorsTruth() async throws {
        let recorder = Recorder()
        var options = Self.options
        options.transcripts = recorder
        try await DemoFixture.run(speed: 20, connectorOptions: options, configureBridge: { config in
            for i in config.orgs.indices {
                config.orgs[i].speechText = SpeechTextConfig(keywords: Self.keywords, transcription: true)
            }
            // Ended calls stay on the speechtext topics for the whole test, to be compared with the truth.
            config.speech.endedLinger = .seconds(3 * 3600)
        }) { run in
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })
            // Faults in one org: duplicated messages, a malformed body, a final never sent.
            _ = await run.simulator.inject(.transcription(.duplicate, count: 5), org: "us")
            _ = await run.simulator.inject(.transcription(.malformed, count: 2), org: "us")
            _ = await run.simulator.inject(.transcription(.drop, count: 1), org: "us")

            // The budget shows on /readyz: an extra channel, and calls waiting for room.
            let sawExhaustion = Mutex(false)
            let mostTopics = Mutex(0)
            #expect(await eventually("an org's transcription budget exhausted on /readyz", seconds: 60) {
                guard let ready = try? await DemoFixture.json("\(run.bridgeBase)/readyz", token: "demo-admin"),
                      let orgs = ready["orgs"] as? [[String: Any]] else { return false }
                for o in orgs {
                    guard let t = o["transcription"] as? [String: Any] else { continue }
                    let topics = (t["topics"] as? NSNumber)?.intValue ?? 0
                    mostTopics.withLock { $0 = max($0, topics) }
                    if t["budgetExhausted"] as? Bool == true, ((t["queued"] as? NSNumber)?.intValue ?? 0) > 0,
                       ((t["extraChannels"] as? NSNumber)?.intValue ?? 0) == 1,
                       (o["problems"] as? [String] ?? []).contains(where: { $0.hasPrefix("transcription:") }) {
                        sawExhaustion.withLock { $0 = true }
                    }
                }
                return sawExhaustion.withLock { $0 }
            })
            // Never more than the one extra channel's three places.
            #expect(mostTopics.withLock { $0 } <= 3)

            // Conversations whose transcription ended both in truth and at the bridge.
            let compared = Mutex<[String: (truth: SimTranscriptTruth, org: String)]>([:])
            // (12 calls of 2–4 minutes at speed 20: about a minute on a quiet machine, more under load.)
            #expect(await eventually("12 ended transcriptions compared", seconds: 240) {
                let received = recorder.events.withLock { $0 }
                let ended = Set(received.compactMap { e -> String? in
                    if case .ended(let x) = e { "\(x.org)/\(x.conversationID)" } else { nil }
                })
                for org in ["us", "emea", "apac"] {
                    guard let truth = await run.simulator.truth(org: org) else { continue }
                    for t in truth.transcripts where t.ended && ended.contains("\(org)/\(t.conversationId)") {
                        compared.withLock { $0["\(org)/\(t.conversationId)"] = (t, org) }
                    }
                }
                return compared.withLock { $0.count } >= 12
            })
            let received = recorder.events.withLock { $0 }
            var finalsByConversation: [String: [Final]] = [:]
            var hitsByUtterance: [String: [String]] = [:]
            let matcher = KeywordMatcher(Self.keywords)
            for e in received {
                guard case .utterance(let u) = e, u.isFinal else { continue }
                let key = "\(u.org)/\(u.conversationID)"
                finalsByConversation[key, default: []].append(Final(
                    id: u.utteranceID, channel: Self.side(u.channel), offsetMs: u.offsetMs, durationMs: u.durationMs,
                    text: u.text))
                hitsByUtterance["\(key)/\(u.utteranceID)"] = matcher.hits(in: u)
                    .sorted { $0.wordOffset < $1.wordOffset }.map(\.phrase.phrase)
            }
            var finals = 0, keywordFinals = 0, dropped = 0
            for (key, entry) in compared.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
                let truth = entry.truth
                let expected = truth.finals.map {
                    Final(id: $0.utteranceId, channel: $0.channel, offsetMs: $0.offsetMs, durationMs: $0.durationMs, text: $0.text)
                }
                let got = finalsByConversation[key] ?? []
                #expect(got.sorted { $0.id < $1.id } == expected.sorted { $0.id < $1.id },
                        "\(key): bridge \(got.count) finals, truth \(expected.count)\nbridge: \(got)\ntruth: \(expected)")
                for f in truth.finals {
                    #expect(hitsByUtterance["\(key)/\(f.utteranceId)"] == f.keywords, "\(key) \(f.utteranceId): \(f.text)")
                    if !f.keywords.isEmpty { keywordFinals += 1 }
                }
                for d in truth.dropped { #expect(hitsByUtterance["\(key)/\(d.utteranceId)"] == nil) }
                finals += expected.count
                dropped += truth.dropped.count
            }
            // Every transcription the simulator has ended by now reaches the bridge's sink as ended too.
            var endedSoFar = Set<String>()
            for org in ["us", "emea", "apac"] {
                for t in await run.simulator.truth(org: org)?.transcripts ?? [] where t.ended {
                    endedSoFar.insert("\(org)/\(t.conversationId)")
                }
            }
            let endedInTruth = endedSoFar
            #expect(await eventually("every ended transcription reached the bridge", seconds: 15) {
                let got = Set(recorder.events.withLock { $0 }.compactMap { e -> String? in
                    if case .ended(let x) = e { "\(x.org)/\(x.conversationID)" } else { nil }
                })
                return endedInTruth.isSubset(of: got)
            })
            #expect(finals >= 50 && keywordFinals >= 3, "finals \(finals), with keywords \(keywordFinals)")

            // The speech-text views (speechtext:<org>): each compared call's hits are exactly the truth's keywords,
            // with their side and offset; a regional token reads its org's topic and no other.
            // (The views publish every 100 ms and the hub every 250 ms: wait until the last ends are shown.)
            let comparedNow = compared.withLock { $0 }
            #expect(await eventually("the compared calls ended on the speechtext topics", seconds: 15) {
                for org in ["us", "emea", "apac"] {
                    guard let body = try? await DemoFixture.json("\(run.bridgeBase)/v1/views/speechtext:\(org)", token: "demo-global")
                    else { return false }
                    let calls = ((body["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
                    let live = Set(calls.filter { $0["state"] as? String != "ended" }.compactMap { $0["conversationId"] as? String })
                    if comparedNow.values.contains(where: { $0.org == org && live.contains($0.truth.conversationId) }) { return false }
                }
                return true
            })
            var viewed = 0
            for org in ["us", "emea", "apac"] {
                let body = try await DemoFixture.json("\(run.bridgeBase)/v1/views/speechtext:\(org)", token: "demo-global")
                let calls = ((body["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
                let byID = Dictionary(calls.map { ($0["conversationId"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
                for (key, entry) in compared.withLock({ $0 }) where entry.org == org {
                    let call = byID[entry.truth.conversationId]
                    let expected = entry.truth.finals.flatMap { f in
                        f.keywords.map { "\($0) \(f.channel == "EXTERNAL" ? "customer" : f.channel == "INTERNAL" ? "agent" : "-") \(f.offsetMs)" }
                    }.sorted()
                    if expected.isEmpty && call == nil { viewed += 1; continue }  // no word at all (every final dropped)
                    let hits = (call?["hits"] as? [[String: Any]] ?? []).map {
                        "\($0["phrase"] as? String ?? "?") \($0["channel"] as? String ?? "-") \(($0["offsetMs"] as? NSNumber)?.int64Value ?? -1)"
                    }.sorted()
                    #expect(call != nil, "\(key): not on speechtext:\(org)")
                    #expect(hits == expected, "\(key): speechtext hits \(hits), truth \(expected)")
                    #expect((call?["hitCount"] as? NSNumber)?.intValue == expected.count, "\(key)")
                    #expect(call?["state"] as? String == "ended", "\(key)")
                    #expect(call?["transcript"] == nil, "\(key): transcript text pushed without pushTranscripts")
                    viewed += 1
                }
            }
            #expect(viewed == comparedNow.count, "\(viewed) of \(comparedNow.count) calls compared on the speechtext topics")
            let (mine, _) = try await DemoFixture.get("\(run.bridgeBase)/v1/views/speechtext:emea", token: "demo-emea")
            let (other, _) = try await DemoFixture.get("\(run.bridgeBase)/v1/views/speechtext:us", token: "demo-emea")
            let (global, _) = try await DemoFixture.get("\(run.bridgeBase)/v1/views/speechtext:global", token: "demo-emea")
            #expect(mine == 200 && other == 403 && global == 403, "\(mine) \(other) \(global)")
            // No final reached the sink twice (the duplicates were sent).
            for (key, list) in finalsByConversation { #expect(Set(list.map(\.id)).count == list.count, "\(key)") }
            let faults = await run.simulator.truth(org: "us")?.transcripts.flatMap(\.faults) ?? []
            #expect(faults.contains("transcription-duplicate") && faults.contains("transcription-malformed"))
            // Counted on /metrics.
            let (status, body) = try await DemoFixture.get("\(run.bridgeBase)/metrics", token: "demo-metrics")
            let text = String(decoding: body, as: UTF8.self)
            #expect(status == 200)
            #expect(text.contains(#"switchboard_transcript_events_total{org="us",kind="final"}"#)
                        || text.contains(#"switchboard_transcript_events_total{kind="final",org="us"}"#), "\(text.prefix(400))")
            #expect(text.contains("switchboard_transcription_topics"))
            // The malformed bodies were counted as malformed frames.
            #expect(text.contains(#"switchboard_upstream_events_total{org="us",topic="malformed"}"#))
            print("transcription e2e: \(compared.withLock { $0.count }) conversations, \(finals) finals, "
                  + "\(keywordFinals) with keywords, \(dropped) dropped by fault, \(viewed) compared on speechtext")
        }
    }

    /// Channels rolled over every few seconds (make-before-break: both channels carry the topics for a moment, the
    /// old one takes no new call meanwhile) lose and double nothing; an org whose sockets are cut gets its
    /// transcription topics back after the reconnect.
    @Test func rolloversLoseNothingAndAReconnectResubscribes() async throws {
        let recorder = Recorder()
        var options = OrgConnector.Options()
        options.transcripts = recorder
        try await DemoFixture.run(speed: 20, configure: { $0.channelTTL = .seconds(10) }, connectorOptions: options,
                                  configureBridge: { config in
            for i in config.orgs.indices {
                config.orgs[i].speechText = SpeechTextConfig(keywords: Self.keywords, transcription: true)
                config.orgs[i].tunables.channelRolloverBefore = .seconds(7)
            }
        }) { run in
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })
            #expect(await eventually("transcripts from apac", seconds: 30) {
                recorder.events.withLock { $0.contains { $0.org == "apac" } }
            })
            _ = await run.simulator.inject(.close, org: "apac")
            let cut = recorder.events.withLock { $0.count }
            #expect(await eventually("apac open again", seconds: 30) { await DemoFixture.allOpen(run.bridgeBase) })
            #expect(await eventually("apac finals after the reconnect", seconds: 30) {
                recorder.events.withLock { $0.dropFirst(cut).contains { e in
                    if case .utterance(let u) = e { u.org == "apac" && u.isFinal } else { false }
                } }
            })
            // us and emea, rolled over all along: exactly the truth's finals.
            let compared = Mutex<[String: SimTranscriptTruth]>([:])
            #expect(await eventually("12 ended transcriptions in us and emea", seconds: 90) {
                let ended = Set(recorder.events.withLock { $0 }.compactMap { e -> String? in
                    if case .ended(let x) = e { "\(x.org)/\(x.conversationID)" } else { nil }
                })
                for org in ["us", "emea"] {
                    for t in await run.simulator.truth(org: org)?.transcripts ?? []
                    where t.ended && ended.contains("\(org)/\(t.conversationId)") {
                        compared.withLock { $0["\(org)/\(t.conversationId)"] = t }
                    }
                }
                return compared.withLock { $0.count } >= 12
            })
            let faults = await run.simulator.faultLog()
            #expect(faults.count == 1)
            var finals: [String: [String]] = [:]
            for case .utterance(let u) in recorder.events.withLock({ $0 }) where u.isFinal {
                finals["\(u.org)/\(u.conversationID)", default: []].append("\(u.utteranceID) \(u.offsetMs) \(u.text)")
            }
            var n = 0
            for (key, truth) in compared.withLock({ $0 }) {
                let expected = truth.finals.map { "\($0.utteranceId) \($0.offsetMs) \($0.text)" }
                #expect((finals[key] ?? []).sorted() == expected.sorted(), "\(key)")
                n += expected.count
            }
            #expect(n >= 30)
            // Rollovers happened: the simulator saw many more channels created than the orgs need.
            let (_, body) = try await DemoFixture.get("\(run.simulatorBase)/_sim/requests")
            let requests = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            let created = (requests["POST /api/v2/notifications/channels"] as? NSNumber)?.intValue ?? 0
            #expect(created >= 12, "channels created: \(created)")
        }
    }
}
