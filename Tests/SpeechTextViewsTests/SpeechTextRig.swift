import Foundation
import SpeechText
import SpeechTextViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A speech-text engine on a manual clock, with helpers to feed it and read what it published.
struct SpeechTextRig {
    let clock: ManualClock
    let engine: SpeechTextViewEngine
    static let analyzer = try! SentimentAnalyzer.bundled()
    static let keywords = [
        KeywordPhrase(phrase: "cancel my account", label: "churn-risk", channel: .customer),
        KeywordPhrase(phrase: "supervisor", label: "escalation"),
        KeywordPhrase(phrase: "thank you so much", label: "praise"),
    ]

    static func configuration(us: SpeechTextConfig? = .init(keywords: keywords, hotCalls: .init(labels: ["escalation", "churn-risk"])),
                              emea: SpeechTextConfig? = .init(keywords: keywords),
                              zone: TimeZone = TimeZone(identifier: "UTC")!) -> SwitchboardConfiguration {
        var c = SwitchboardConfiguration()
        c.orgs = [("us", us), ("emea", emea), ("apac", nil)].map { id, st in
            OrgConfig(id: OrgID(id), name: id, apiBase: "http://127.0.0.1:1", loginBase: "http://127.0.0.1:1",
                      clientId: "x", clientSecret: Secret("y"), timezone: zone, speechText: st)
        }
        return c
    }

    init(configuration: SwitchboardConfiguration = SpeechTextRig.configuration(), start: EpochMillis = 1_790_000_000_000) {
        clock = ManualClock(start)
        engine = SpeechTextViewEngine(configuration: configuration, analyzer: Self.analyzer, clock: clock)
    }

    var now: EpochMillis { clock.now() }

    func interaction(_ agent: String, conversation: String = "c1", queue: String? = "q1", org: OrgID = "us",
                     connectedAt: EpochMillis? = nil, disconnectedAt: EpochMillis? = nil) {
        let t = now
        engine.observe(org: org, events: [.agentInteraction(AgentInteraction(
            agent: EntityID(org: org, platformID: agent), conversationID: conversation,
            queue: queue.map { EntityID(org: org, platformID: $0) }, observedAt: t,
            connectedAt: connectedAt ?? t, disconnectedAt: disconnectedAt))])
    }

    private static let counter = Mutex(0)

    func say(_ text: String, _ channel: SpeechChannel? = .customer, conversation: String = "c1", org: OrgID = "us",
             final: Bool = true, id: String? = nil, offsetMs: Int64 = 1_000) {
        let uid = id ?? "u\(Self.counter.withLock { $0 += 1; return $0 })"
        engine.ingest(transcripts: [.utterance(TranscriptUtterance(
            org: org, conversationID: conversation, utteranceID: uid, channel: channel, text: text, isFinal: final,
            offsetMs: offsetMs, durationMs: 1_000, at: now))])
    }

    func spot(_ phrase: String, label: String, conversation: String = "c1", org: OrgID = "us",
              channel: SpeechChannel = .customer, offsetMs: Int64 = 2_000) {
        engine.ingest(transcripts: [.spotted(SpottedKeyword(org: org, conversationID: conversation, channel: channel,
                                                            phrase: phrase, label: label, offsetMs: offsetMs, score: 40,
                                                            at: now))])
    }

    func end(conversation: String = "c1", org: OrgID = "us") {
        engine.ingest(transcripts: [.ended(TranscriptEnded(org: org, conversationID: conversation, at: now))])
    }

    func flush() async -> Published { Published(await engine.flush()) }
}

/// One flush's changes, decoded.
struct Published: CustomStringConvertible {
    let changes: [EntityChange]
    init(_ changes: [EntityChange]) { self.changes = changes }

    func entity(_ kind: EntityKind, _ id: String) -> [String: Any]? {
        guard let c = changes.last(where: { $0.kind == kind && $0.id == id }), let json = c.json else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(json.bytes))) as? [String: Any]
    }

    func removed(_ kind: EntityKind, _ id: String) -> Bool {
        changes.contains { $0.kind == kind && $0.id == id && $0.json == nil }
    }

    func ids(_ kind: EntityKind) -> [String] { changes.filter { $0.kind == kind }.map(\.id) }

    /// `keywords.<label>.<window>` of an entity.
    func count(_ kind: EntityKind, _ id: String, _ label: String, _ window: String) -> Int? {
        ((entity(kind, id)?["keywords"] as? [String: Any])?[label] as? [String: Any])?[window] as? Int
    }

    var description: String {
        changes.map { "\($0.kind)/\($0.id): \($0.json?.string ?? "removed")" }.joined(separator: "\n")
    }
}

import Synchronization
