/// The contract between the audio sessions and the speech views (docs/audio.md, docs/protocol.md
/// "Speech topics").
///
/// An AudioHook session (one monitored conversation of one org) reports when it opened, its figures as
/// the audio is analysed, and when it ended. The speech views join each session to the agent and
/// queue the connector knows for its conversation, roll the figures up per agent, queue, org and
/// globally, and publish them on the `speech:<org>` and `speech:global` topics.
///
/// Figures are cumulative for the session (each report replaces the previous one), in milliseconds of
/// stream time, so a lost or coalesced report loses nothing.
public enum SpeechEvent: Sendable, Equatable, Codable {
    case opened(SpeechSessionOpened)
    case progress(SpeechSessionProgress)
    case ended(SpeechSessionEnded)

    /// The org the session belongs to.
    public var org: OrgID {
        switch self {
        case .opened(let e): e.org
        case .progress(let e): e.org
        case .ended(let e): e.org
        }
    }

    /// The session's id (the upgrade's `Audiohook-Session-Id`).
    public var session: String {
        switch self {
        case .opened(let e): e.session
        case .progress(let e): e.session
        case .ended(let e): e.session
        }
    }
}

/// Where the speech views receive session reports. Never suspends the audio path for long: the
/// implementation stages the report and returns.
public protocol SpeechEventSink: Sendable {
    func ingest(speech events: [SpeechEvent])
}

/// A session was accepted (`opened` sent).
public struct SpeechSessionOpened: Sendable, Equatable, Codable {
    public var org: OrgID
    /// The AudioHook session id (unique per upgrade).
    public var session: String
    /// The platform conversation id from `open` (not namespaced), the join key to the live views.
    public var conversationID: String
    /// Business time (the views' clock) when the session opened; stream position 0 is at this time.
    public var openedAt: EpochMillis
    /// The channels in the stream, in interleaving order.
    public var channels: [SpeechChannel]
    /// The session's `participant.ani` / `dnis`, when sent (display only).
    public var ani: String?
    public var dnis: String?
    /// Context from the transport's own metadata (the seed Audio Connector's `interaction` message or a REST
    /// lookup): hints the views use when the conversation join does not know the agent or queue. A repeated
    /// `.opened` of a live session carries new hints and changes nothing else.
    public var agentID: String?
    public var queueID: String?
    /// `inbound` or `outbound`.
    public var direction: String?

    public init(org: OrgID, session: String, conversationID: String, openedAt: EpochMillis,
                channels: [SpeechChannel] = [.customer, .agent], ani: String? = nil, dnis: String? = nil,
                agentID: String? = nil, queueID: String? = nil, direction: String? = nil) {
        self.agentID = agentID
        self.queueID = queueID
        self.direction = direction
        self.org = org
        self.session = session
        self.conversationID = conversationID
        self.openedAt = openedAt
        self.channels = channels
        self.ani = ani
        self.dnis = dnis
    }
}

/// The session's figures so far.
public struct SpeechSessionProgress: Sendable, Equatable, Codable {
    public var org: OrgID
    public var session: String
    /// Business time of the report.
    public var at: EpochMillis
    /// True while the client has paused the stream (`paused` until `resumed`).
    public var paused: Bool
    public var metrics: SpeechMetrics

    public init(org: OrgID, session: String, at: EpochMillis, paused: Bool = false, metrics: SpeechMetrics) {
        self.org = org
        self.session = session
        self.at = at
        self.paused = paused
        self.metrics = metrics
    }
}

/// The session ended (the client's `close`, our `disconnect`, a timeout or a dropped socket). Its last
/// figures are final.
public struct SpeechSessionEnded: Sendable, Equatable, Codable {
    public var org: OrgID
    public var session: String
    public var at: EpochMillis
    /// How it ended: `completed` (the client closed it), `disconnected` (the socket dropped without
    /// `close`), `timeout`, or `error` (a protocol violation; see the log).
    public var reason: String
    public var metrics: SpeechMetrics

    public init(org: OrgID, session: String, at: EpochMillis, reason: String, metrics: SpeechMetrics) {
        self.org = org
        self.session = session
        self.at = at
        self.reason = reason
        self.metrics = metrics
    }
}

/// Which side of the call a channel carries. AudioHook's `external` is the customer, `internal` the agent.
public enum SpeechChannel: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case customer
    case agent
}

/// A session's speech figures (cumulative, stream-time milliseconds). Gaps (paused or discarded audio)
/// count in none of talk, silence or overtalk.
public struct SpeechMetrics: Sendable, Equatable, Codable {
    /// One channel's figures.
    public struct Channel: Sendable, Equatable, Codable {
        /// This side talking.
        public var talkMs: Int64
        /// This side quiet (analysed − talk).
        public var silenceMs: Int64
        /// This side talking over the other: the time both talk, counted to the side whose current spurt
        /// began later (the one who cut in); a tie (both began in the same analysis window) is split evenly.
        /// The channels' overtalk sums to the session's.
        public var overtalkMs: Int64
        /// Power mean of this side's voiced windows, dBFS; nil before any voice.
        public var levelDbfs: Double?

        public init(talkMs: Int64 = 0, silenceMs: Int64 = 0, overtalkMs: Int64 = 0, levelDbfs: Double? = nil) {
            self.talkMs = talkMs
            self.silenceMs = silenceMs
            self.overtalkMs = overtalkMs
            self.levelDbfs = levelDbfs
        }
    }

    /// Audio analysed so far.
    public var analysedMs: Int64
    /// Neither side talking.
    public var silenceMs: Int64
    /// Both sides talking.
    public var overtalkMs: Int64
    /// The longest unbroken silence (a gap ends a silence).
    public var longestSilenceMs: Int64
    /// Stream time not sent (paused, discarded).
    public var gapMs: Int64
    /// Nil when the stream has no such channel.
    public var customer: Channel?
    public var agent: Channel?

    public init(analysedMs: Int64 = 0, silenceMs: Int64 = 0, overtalkMs: Int64 = 0, longestSilenceMs: Int64 = 0,
                gapMs: Int64 = 0, customer: Channel? = nil, agent: Channel? = nil) {
        self.analysedMs = analysedMs
        self.silenceMs = silenceMs
        self.overtalkMs = overtalkMs
        self.longestSilenceMs = longestSilenceMs
        self.gapMs = gapMs
        self.customer = customer
        self.agent = agent
    }

    /// Agent talk ÷ customer talk; nil while the customer has not talked or a channel is missing.
    public var talkRatio: Double? {
        guard let a = agent?.talkMs, let c = customer?.talkMs, c > 0 else { return nil }
        return Double(a) / Double(c)
    }
}
