import SwitchboardCore

/// One AudioHook session as the speech views hold it: the latest cumulative figures, its parts by agent
/// and queue, and what of them has been counted in the rollups.
struct SpeechSession {
    enum State: String { case live, paused, ended }

    /// A part of the call with one agent and queue (more than one after a transfer or conference).
    struct Segment {
        var agent: EntityID?
        var queue: EntityID?
        /// Stream position (analysed + gap ms) when the part began, and when it ended (nil: current).
        var fromMs: Int64
        var toMs: Int64?
        /// The session's figures when the part began: the part's figures are the session's minus these.
        var base: SpeechFigures
        /// What of the part's figures has been added to its agent's and queue's rollups so far.
        var countedAgent = SpeechFigures()
        var countedQueue = SpeechFigures()
    }

    /// Parts kept per session: after more transfers than this the oldest parts leave the list (their
    /// figures stay counted).
    static let maxSegments = 16

    /// `<org>/<session id>`: the entity id.
    let id: String
    let org: OrgID
    let session: String
    let conversation: ConversationDirectory.Key
    let openedAt: EpochMillis
    /// The views' clock when the session was opened (grace) and when it last reported (purge).
    let openedLocal: EpochMillis
    var lastReportLocal: EpochMillis
    var state: State = .live
    var endedAt: EpochMillis?
    var endReason: String?
    var endedLocal: EpochMillis?
    var asOf: EpochMillis
    var metrics = SpeechMetrics()
    var segments: [Segment]
    /// In `calls` (and counted in the rollups): once the conversation is known or the grace has passed.
    var published = false
    /// The transport's own context (`SpeechSessionOpened` hints; a repeated `.opened` updates them): they fill in
    /// the agent or queue the conversation join does not know.
    var hintAgent: EntityID?
    var hintQueue: EntityID?
    var direction: String?

    // What is counted in the rollups of the current day.
    /// The session's figures added to its org's rollup so far.
    var countedOrg = SpeechFigures()
    var orgReached = false
    /// The agents and queues whose `calls` count this session today.
    var reachedAgents: [EntityID] = []
    var reachedQueues: [EntityID] = []
    /// Where the session is counted as `live` now.
    var liveAgent: EntityID?
    var liveQueue: EntityID?
    var liveOrg = false

    init(opened e: SpeechSessionOpened, now: EpochMillis) {
        id = "\(e.org.rawValue)/\(e.session)"
        org = e.org
        session = e.session
        conversation = ConversationDirectory.Key(org: e.org, id: e.conversationID)
        openedAt = e.openedAt
        openedLocal = now
        lastReportLocal = now
        asOf = e.openedAt
        segments = [Segment(agent: nil, queue: nil, fromMs: 0, toMs: nil, base: SpeechFigures())]
        _ = setHints(e)
    }

    /// Takes the hints of an `.opened` (the first, or a repeated one: a field it leaves out keeps its earlier
    /// value). Returns whether any changed.
    mutating func setHints(_ e: SpeechSessionOpened) -> Bool {
        let agent = e.agentID.flatMap { $0.isEmpty ? nil : EntityID(org: org, platformID: $0) } ?? hintAgent
        let queue = e.queueID.flatMap { $0.isEmpty ? nil : EntityID(org: org, platformID: $0) } ?? hintQueue
        let dir = e.direction ?? direction
        defer {
            hintAgent = agent
            hintQueue = queue
            direction = dir
        }
        return agent != hintAgent || queue != hintQueue || dir != direction
    }

    /// The stream position of the latest report.
    var position: Int64 { metrics.analysedMs + metrics.gapMs }

    var current: Segment { segments[segments.count - 1] }

    /// A queue known before any agent (a hint): fills in the current part. Returns whether anything changed.
    mutating func fill(queue: EntityID) -> Bool {
        let last = segments.count - 1
        guard segments[last].agent == nil, segments[last].queue == nil else { return false }
        segments[last].queue = queue
        return true
    }

    /// Moves the call to `agent`/`queue` from the latest report on; the first agent learned, or a queue
    /// learned for the same agent, fills in the current part instead (the time before counts to it).
    /// Returns whether anything changed.
    mutating func retarget(agent: EntityID, queue: EntityID?) -> Bool {
        let last = segments.count - 1
        let seg = segments[last]
        if seg.agent == nil {
            segments[last].agent = agent
            segments[last].queue = queue ?? seg.queue
            return true
        }
        if seg.agent == agent {
            if seg.queue == queue || queue == nil { return false }
            if seg.queue == nil {
                segments[last].queue = queue
                return true
            }
        }
        let at = position
        segments[last].toMs = at
        segments.append(Segment(agent: agent, queue: queue, fromMs: at, toMs: nil, base: SpeechFigures(metrics)))
        if segments.count > Self.maxSegments { segments.removeFirst() }
        return true
    }
}
