import Foundation
import SpeechViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A speech engine on a manual clock, with helpers to feed it and read what it published.
struct SpeechRig {
    let clock: ManualClock
    let engine: SpeechViewEngine
    static let utc = TimeZone(identifier: "UTC")!

    init(zone: TimeZone = SpeechRig.utc, start: EpochMillis = 1_790_000_000_000,
         configuration: SpeechConfig = .init()) {
        clock = ManualClock(start)
        engine = SpeechViewEngine(orgs: ["us": zone, "emea": zone], configuration: configuration, clock: clock)
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

    func open(_ session: String = "s1", conversation: String = "c1", org: OrgID = "us", openedAt: EpochMillis? = nil,
              agent: String? = nil, queue: String? = nil, direction: String? = nil) {
        engine.ingest(speech: [.opened(SpeechSessionOpened(org: org, session: session, conversationID: conversation,
                                                           openedAt: openedAt ?? now, agentID: agent, queueID: queue,
                                                           direction: direction))])
    }

    /// A report where the agent talks `agent` ms, the customer `customer` ms, of `analysed` ms.
    static func metrics(_ analysed: Int64, agent: Int64 = 0, customer: Int64 = 0, silence: Int64 = 0,
                        overtalk: Int64 = 0, agentOvertalk: Int64 = 0) -> SpeechMetrics {
        SpeechMetrics(analysedMs: analysed, silenceMs: silence, overtalkMs: overtalk,
                      customer: .init(talkMs: customer, overtalkMs: overtalk - agentOvertalk),
                      agent: .init(talkMs: agent, overtalkMs: agentOvertalk))
    }

    func progress(_ m: SpeechMetrics, session: String = "s1", org: OrgID = "us", paused: Bool = false) {
        engine.ingest(speech: [.progress(SpeechSessionProgress(org: org, session: session, at: now, paused: paused,
                                                               metrics: m))])
    }

    func end(_ m: SpeechMetrics, session: String = "s1", org: OrgID = "us", reason: String = "completed") {
        engine.ingest(speech: [.ended(SpeechSessionEnded(org: org, session: session, at: now, reason: reason,
                                                         metrics: m))])
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

    var description: String {
        changes.map { "\($0.kind)/\($0.id): \($0.json?.string ?? "removed")" }.joined(separator: "\n")
    }
}
