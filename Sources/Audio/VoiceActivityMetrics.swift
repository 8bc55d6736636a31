/// Voice activity totals of one call (see ``VoiceActivityAnalyzer``). Times are milliseconds of
/// stream time; gaps (pauses, discarded audio) count in none of talk, silence or overtalk.
public struct VoiceActivityMetrics: Sendable, Equatable, Codable {
    public struct Channel: Sendable, Equatable, Codable {
        public var channel: AudioChannel
        public var talkMs: Int64
        /// Power mean of the channel's active windows, dBFS; nil before any voice.
        public var speechLevelDbfs: Double?
        /// This channel quiet: analysed − its talk.
        public var silenceMs: Int64
        /// Both talking, counted to this channel when its current spurt began later than the other's
        /// (it cut in); half of it when both began in the same window. The channels' sum is the call's overtalk.
        public var overtalkMs: Int64

        public init(channel: AudioChannel, talkMs: Int64, speechLevelDbfs: Double?, silenceMs: Int64 = 0, overtalkMs: Int64 = 0) {
            self.channel = channel
            self.talkMs = talkMs
            self.speechLevelDbfs = speechLevelDbfs
            self.silenceMs = silenceMs
            self.overtalkMs = overtalkMs
        }
    }

    /// Audio analysed (final windows).
    public var analysedMs: Int64
    /// No channel talking.
    public var silenceMs: Int64
    /// Both channels talking.
    public var overtalkMs: Int64
    /// The longest unbroken silence (a gap ends a silence).
    public var longestSilenceMs: Int64
    /// Stream time that was not sent (paused, discarded).
    public var gapMs: Int64
    /// In the medium's channel order.
    public var channels: [Channel]

    public init(analysedMs: Int64, silenceMs: Int64, overtalkMs: Int64, longestSilenceMs: Int64, gapMs: Int64, channels: [Channel]) {
        self.analysedMs = analysedMs
        self.silenceMs = silenceMs
        self.overtalkMs = overtalkMs
        self.longestSilenceMs = longestSilenceMs
        self.gapMs = gapMs
        self.channels = channels
    }

    public func channel(_ channel: AudioChannel) -> Channel? { channels.first { $0.channel == channel } }

    /// Talk time of the agent (`internal`).
    public var agentTalkMs: Int64? { channel(.internal)?.talkMs }
    /// Talk time of the customer (`external`).
    public var customerTalkMs: Int64? { channel(.external)?.talkMs }

    /// Agent talk ÷ customer talk (2.0: the agent talked twice as long); nil while the customer has
    /// not talked or a channel is missing.
    public var talkRatio: Double? {
        guard let a = agentTalkMs, let c = customerTalkMs, c > 0 else { return nil }
        return Double(a) / Double(c)
    }

    /// Agent talk ÷ (agent + customer talk), 0…1; nil before anyone talked or with a channel missing.
    public var agentTalkShare: Double? {
        guard let a = agentTalkMs, let c = customerTalkMs, a + c > 0 else { return nil }
        return Double(a) / Double(a + c)
    }

    /// Silence as a share of the analysed time, 0…1.
    public var silenceShare: Double { analysedMs > 0 ? Double(silenceMs) / Double(analysedMs) : 0 }
    /// Overtalk as a share of the analysed time, 0…1.
    public var overtalkShare: Double { analysedMs > 0 ? Double(overtalkMs) / Double(analysedMs) : 0 }
}
