import SpeechText
import SwitchboardCore

/// One conversation with words on a speech-text topic (a `calls` entry, docs/protocol.md "Speech-text topics"):
/// its keyword hits, its sentiment per side, whether it is hot, and — only for an org that pushes transcripts —
/// its last final utterances.
struct SpeechTextCall: Sendable {
    enum Source: String, Sendable, Comparable {
        case transcription
        case onbox
        static func < (a: Source, b: Source) -> Bool { a.rawValue > b.rawValue } // transcription first
    }

    struct Hit: Sendable, Equatable {
        var label: String
        var phrase: String
        var channel: SpeechChannel?
        var offsetMs: Int64
        var at: EpochMillis
        var source: Source
    }

    /// The sum over a side's final utterances (`overall` is its word-weighted mean).
    struct Overall: Sendable, Equatable {
        var weighted = 0.0
        var words = 0
        var utterances = 0
        var mean: Double? { words > 0 ? weighted / Double(words) : nil }
    }

    struct Line: Sendable, Equatable {
        var channel: SpeechChannel?
        var text: String
        var offsetMs: Int64
        var at: EpochMillis
    }

    enum HotReason: Sendable, Equatable, Hashable {
        case label(String)
        case sentiment
        var wire: String {
            switch self {
            case .label(let l): l
            case .sentiment: "sentiment"
            }
        }
    }

    static let maxHits = 50
    static let maxLines = 20
    /// VADER's authors' threshold for a negative text.
    static let negativeAt = -0.05

    let org: OrgID
    let conversationID: String
    let id: String
    let startedAt: EpochMillis
    var lastEventAt: EpochMillis
    var endedAt: EpochMillis?
    var sources: Set<Source> = []
    var hits: [Hit] = []
    var hitCount = 0
    var labels: [String: Int] = [:]
    var track = SentimentTrack()
    var customer = Overall()
    var agentSide = Overall()
    var hotSince: EpochMillis?
    var hotReasons: [HotReason] = []
    var lines: [Line] = []
    /// The agent and queue it is with now (from the conversation directory), and everyone it reached.
    var agent: EntityID?
    var queue: EntityID?
    var reachedAgents: [EntityID] = []
    var reachedQueues: [EntityID] = []
    /// Counted as negative in the rollups (to undo when it changes side).
    var countedNegative = false
    var countedSentiment = false
    /// Sent at least once (a removal is sent only then).
    var published = false
    /// What the last encoding showed of the time-driven figures (sentiment now and trend).
    var shownRolling: [Double?] = []

    init(org: OrgID, conversationID: String, now: EpochMillis) {
        self.org = org
        self.conversationID = conversationID
        id = "\(org.rawValue)/\(conversationID)"
        startedAt = now
        lastEventAt = now
    }

    var isLive: Bool { endedAt == nil }
    var isNegative: Bool { (customer.mean ?? 0) <= Self.negativeAt && customer.words > 0 }
    var hasCustomerSentiment: Bool { customer.words > 0 }

    mutating func add(_ hit: Hit) {
        hits.append(hit)
        if hits.count > Self.maxHits { hits.removeFirst(hits.count - Self.maxHits) }
        hitCount += 1
        labels[hit.label, default: 0] += 1
        sources.insert(hit.source)
    }

    mutating func score(_ u: TranscriptUtterance, _ s: SentimentScore) {
        track.add(u, score: s)
        guard s.wordCount > 0, s.compound.isFinite else { return }
        switch u.channel {
        case .customer:
            customer.weighted += s.compound * Double(s.wordCount)
            customer.words += s.wordCount
            customer.utterances += 1
        case .agent:
            agentSide.weighted += s.compound * Double(s.wordCount)
            agentSide.words += s.wordCount
            agentSide.utterances += 1
        case nil:
            break
        }
    }

    mutating func keep(_ line: Line) {
        lines.append(line)
        if lines.count > Self.maxLines { lines.removeFirst(lines.count - Self.maxLines) }
    }

    /// Marks the call hot for `reason` (the first time: `since`); true when something changed.
    mutating func heat(_ reason: HotReason, at now: EpochMillis) -> (changed: Bool, becameHot: Bool) {
        guard !hotReasons.contains(reason) else { return (false, false) }
        hotReasons.append(reason)
        let became = hotSince == nil
        if became { hotSince = now }
        return (true, became)
    }

    /// The time-driven figures at `now`, to tell when the entity must be sent again.
    func rolling(at now: EpochMillis) -> [Double?] {
        [track.rolling(.customer, at: now), track.customerTrend(at: now), track.rolling(.agent, at: now)]
    }

    /// Adds an agent or queue to the ones reached; true when it is new.
    static func reach(_ id: EntityID?, in list: inout [EntityID]) -> Bool {
        guard let id, !list.contains(id) else { return false }
        list.append(id)
        return true
    }
}
