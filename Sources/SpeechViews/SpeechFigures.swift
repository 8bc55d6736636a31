import SwitchboardCore

/// The additive speech figures the rollups sum (docs/protocol.md, "Speech topics"): what a session or a
/// part of it contributes to an agent, queue, org or the totals.
struct SpeechFigures: Equatable, Sendable, Codable {
    var analysedMs: Int64 = 0
    var silenceMs: Int64 = 0
    var overtalkMs: Int64 = 0
    var agentTalkMs: Int64 = 0
    var customerTalkMs: Int64 = 0
    /// The agent cutting in (the agent channel's overtalk).
    var agentOvertalkMs: Int64 = 0

    init() {}

    init(_ m: SpeechMetrics) {
        analysedMs = m.analysedMs
        silenceMs = m.silenceMs
        overtalkMs = m.overtalkMs
        agentTalkMs = m.agent?.talkMs ?? 0
        customerTalkMs = m.customer?.talkMs ?? 0
        agentOvertalkMs = m.agent?.overtalkMs ?? 0
    }

    static func - (a: SpeechFigures, b: SpeechFigures) -> SpeechFigures {
        var d = SpeechFigures()
        d.analysedMs = a.analysedMs - b.analysedMs
        d.silenceMs = a.silenceMs - b.silenceMs
        d.overtalkMs = a.overtalkMs - b.overtalkMs
        d.agentTalkMs = a.agentTalkMs - b.agentTalkMs
        d.customerTalkMs = a.customerTalkMs - b.customerTalkMs
        d.agentOvertalkMs = a.agentOvertalkMs - b.agentOvertalkMs
        return d
    }

    static func += (a: inout SpeechFigures, b: SpeechFigures) {
        a.analysedMs += b.analysedMs
        a.silenceMs += b.silenceMs
        a.overtalkMs += b.overtalkMs
        a.agentTalkMs += b.agentTalkMs
        a.customerTalkMs += b.customerTalkMs
        a.agentOvertalkMs += b.agentOvertalkMs
    }

    /// `silenceMs ÷ analysedMs`, 0 before any audio.
    var silenceShare: Double { analysedMs > 0 ? Double(silenceMs) / Double(analysedMs) : 0 }
    var overtalkShare: Double { analysedMs > 0 ? Double(overtalkMs) / Double(analysedMs) : 0 }
    /// `agentTalkMs ÷ customerTalkMs`; nil without customer talk.
    var talkRatio: Double? { customerTalkMs > 0 ? Double(agentTalkMs) / Double(customerTalkMs) : nil }
}

/// One agent's, queue's or org's speech figures over the org's local day. Codable (its field names are the
/// encoding) for an org's part of the global totals in a cluster (``SpeechTotalsPart``).
struct SpeechRollup: Equatable, Sendable, Codable {
    /// Calls today (a transferred call counts once for each agent or queue it reached).
    var calls = 0
    /// Calls with this agent, queue or org now.
    var live = 0
    var figures = SpeechFigures()
}
