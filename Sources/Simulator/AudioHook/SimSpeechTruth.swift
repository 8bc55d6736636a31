import SwitchboardCore

/// Ground truth of one simulated AudioHook session (`speech` in `GET /_sim/truth`): what was attempted,
/// how it went, and the speech figures of the audio actually sent, computed from the call's schedule
/// (``SimSpeechSchedule``) with the definitions of docs/audio.md — never from the bytes.
public struct SimSpeechSession: Codable, Sendable, Equatable {
    /// One channel's figures.
    public struct Channel: Codable, Sendable, Equatable {
        public var talkMs: Int64
        /// Both talking, counted to this side when its current spurt began later (it cut in); a tie is split evenly.
        public var overtalkMs: Int64
        public init(talkMs: Int64 = 0, overtalkMs: Int64 = 0) {
            self.talkMs = talkMs
            self.overtalkMs = overtalkMs
        }
    }

    public var org: String
    /// The upgrade's `Audiohook-Session-Id` and `Audiohook-Correlation-Id`.
    public var session: String
    public var correlationId: String
    /// The conversation id, as in the notifications and the REST API.
    public var conversationId: String
    /// `connecting` (upgrading or waiting for `opened`), `open`, `closed` (close → closed), `disconnected`
    /// (the server sent `disconnect`; we closed), `refused` (the upgrade was refused), `failed` (no `opened`
    /// in time, socket error, no `closed` in time) or `dropped` (the socket was closed without `close`, a fault).
    public var state: String
    /// Why it was refused, failed or disconnected (the HTTP refusal, `opened-timeout`, the disconnect's info).
    public var detail: String?
    /// True while paused (the call is on hold or being transferred).
    public var paused: Bool
    /// Real (wall) time the session started, ISO-8601 UTC.
    public var startedAt: String
    /// Audio actually sent, and stream time not sent (pauses), in ms.
    public var analysedMs: Int64
    public var gapMs: Int64
    public var customer: Channel
    public var agent: Channel
    /// Neither side talking (within the audio sent).
    public var silenceMs: Int64
    /// Both sides talking; equals customer.overtalkMs + agent.overtalkMs.
    public var overtalkMs: Int64
    /// The longest unbroken silence (a pause ends a silence).
    public var longestSilenceMs: Int64
    /// Faults injected into this session (`audiohook-bad-signature`, …), in order.
    public var faults: [String]
    /// With `spokenPhrases`: every sentence said in the audio sent, whole (a sentence a pause or a lost packet cut
    /// is left out), by stream offset; nil without the option.
    public var spoken: [SimSpokenPhrase]? = nil
}

/// One sentence said in a simulated call's audio (`spokenPhrases`; `speech[].spoken` in `GET /_sim/truth`).
public struct SimSpokenPhrase: Codable, Sendable, Equatable {
    /// `customer` or `agent`.
    public var channel: SpeechChannel
    /// Where the sentence starts in the call's stream time (AudioHook `position`; the seed stream's position from
    /// the agent connecting), ms, and how long its spurt lasts.
    public var offsetMs: Int64
    public var durationMs: Int64
    /// The words said.
    public var text: String
    /// The keyword phrase it holds (``SimSpokenCorpus/keywordPhrases``), nil for a filler.
    public var keyword: String?

    public init(channel: SpeechChannel, offsetMs: Int64, durationMs: Int64, text: String, keyword: String?) {
        self.channel = channel
        self.offsetMs = offsetMs
        self.durationMs = durationMs
        self.text = text
        self.keyword = keyword
    }
}

extension SimSpeechSession {
    /// The figures of the audio sent in `segments` (half-open intervals of stream position, ms, in order)
    /// for `schedule`: talk per channel, silence, overtalk (attributed to the side that cut in, ties split
    /// evenly), the longest silence. A spurt cut by a pause is a new spurt after it. Gaps between segments
    /// end any silence and count as nothing.
    public static func figures(schedule: SimSpeechSchedule, segments: [Range<Int64>])
        -> (customer: Channel, agent: Channel, silenceMs: Int64, overtalkMs: Int64, longestSilenceMs: Int64)
    {
        var customer = Channel(), agent = Channel()
        var silence: Int64 = 0, overtalk: Int64 = 0, longest: Int64 = 0
        for segment in segments where !segment.isEmpty {
            let c = clip(schedule.customer, to: segment)
            let a = clip(schedule.agent, to: segment)
            customer.talkMs += c.reduce(0) { $0 + Int64($1.count) }
            agent.talkMs += a.reduce(0) { $0 + Int64($1.count) }
            var points = Set([segment.lowerBound, segment.upperBound])
            for r in c + a { points.insert(r.lowerBound); points.insert(r.upperBound) }
            let sorted = points.sorted()
            var ci = 0, ai = 0
            var run: Int64 = 0
            for i in 0..<(sorted.count - 1) {
                let t = sorted[i], len = sorted[i + 1] - t
                while ci < c.count && c[ci].upperBound <= t { ci += 1 }
                while ai < a.count && a[ai].upperBound <= t { ai += 1 }
                let cTalk = ci < c.count && c[ci].contains(t)
                let aTalk = ai < a.count && a[ai].contains(t)
                if cTalk && aTalk {
                    overtalk += len
                    let cs = c[ci].lowerBound, as_ = a[ai].lowerBound
                    if cs > as_ {
                        customer.overtalkMs += len
                    } else if as_ > cs {
                        agent.overtalkMs += len
                    } else {
                        customer.overtalkMs += len / 2
                        agent.overtalkMs += len - len / 2
                    }
                }
                if !cTalk && !aTalk {
                    silence += len
                    run += len
                    longest = max(longest, run)
                } else {
                    run = 0
                }
            }
        }
        return (customer, agent, silence, overtalk, longest)
    }

    /// The sentences of `schedule` (`spokenPhrases`) whose whole spurt lies inside one of `segments` (the audio
    /// sent), by offset; nil when the schedule says none (the option is off).
    public static func spoken(schedule: SimSpeechSchedule, segments: [Range<Int64>]) -> [SimSpokenPhrase]? {
        guard schedule.book != nil else { return nil }
        var out: [SimSpokenPhrase] = []
        for channel in SpeechChannel.allCases {
            for (spurt, clip) in schedule.sentences(channel)
            where segments.contains(where: { $0.lowerBound <= spurt.lowerBound && spurt.upperBound <= $0.upperBound }) {
                out.append(SimSpokenPhrase(channel: channel, offsetMs: spurt.lowerBound, durationMs: Int64(spurt.count),
                                           text: clip.sentence.text, keyword: clip.sentence.keyword))
            }
        }
        return out.sorted { ($0.offsetMs, $0.channel.rawValue) < ($1.offsetMs, $1.channel.rawValue) }
    }

    /// `spurts` cut to `segment`.
    static func clip(_ spurts: [Range<Int64>], to segment: Range<Int64>) -> [Range<Int64>] {
        spurts.compactMap { r in
            let lo = max(r.lowerBound, segment.lowerBound), hi = min(r.upperBound, segment.upperBound)
            return lo < hi ? lo..<hi : nil
        }
    }
}
