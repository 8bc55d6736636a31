import SwitchboardCore

/// The rolling sentiment of one interaction, per channel (docs/speech-text.md, "Sentiment"): the mean of the
/// compound scores of the final utterances heard in the last ``window``, each weighted by its word count, and
/// the customer's trend — the rolling score now minus the rolling score ``trendLag`` earlier.
///
/// A pure value: time is passed in (business time, ms), nothing reads a clock. Utterances older than the window
/// plus the trend lag are dropped as new ones arrive, and at most ``maxUtterances`` are kept per channel, so a
/// track's size is bounded however long the call.
public struct SentimentTrack: Sendable, Equatable {
    /// One scored utterance.
    public struct Entry: Sendable, Equatable {
        public var at: EpochMillis
        public var compound: Double
        public var words: Int
    }

    /// How far back the rolling score looks (default 2 minutes).
    public let window: Int64
    /// How far back the trend compares (default 1 minute).
    public let trendLag: Int64
    /// Utterances kept per channel at most (default 200).
    public let maxUtterances: Int
    /// Per channel (nil: utterances whose side is unknown), oldest first.
    public private(set) var entries: [SpeechChannel?: [Entry]] = [:]

    public init(window: Int64 = 120_000, trendLag: Int64 = 60_000, maxUtterances: Int = 200) {
        self.window = min(max(1, window), Int64.max / 4)
        self.trendLag = min(max(0, trendLag), Int64.max / 4)
        self.maxUtterances = max(1, maxUtterances)
    }

    /// Adds one utterance's score heard at `at`. An utterance with no word carries no weight and is ignored.
    public mutating func add(compound: Double, words: Int, channel: SpeechChannel?, at: EpochMillis) {
        guard words > 0, compound.isFinite else { return }
        var list = entries[channel] ?? []
        // Kept in time order even if an utterance arrives late.
        let entry = Entry(at: at, compound: min(1, max(-1, compound)), words: words)
        if let last = list.last, last.at > at {
            let index = list.firstIndex { $0.at > at } ?? list.endIndex
            list.insert(entry, at: index)
        } else {
            list.append(entry)
        }
        let horizon = Self.before(list.last?.at ?? at, window + trendLag)
        if let keep = list.firstIndex(where: { $0.at > horizon }), keep > 0 { list.removeFirst(keep) }
        if list.count > maxUtterances { list.removeFirst(list.count - maxUtterances) }
        entries[channel] = list
    }

    /// Adds a final utterance with its score (a partial is ignored: its final follows).
    public mutating func add(_ utterance: TranscriptUtterance, score: SentimentScore) {
        guard utterance.isFinal else { return }
        add(compound: score.compound, words: score.wordCount, channel: utterance.channel, at: utterance.at)
    }

    /// The word-weighted mean compound score of `channel`'s utterances heard in (`now` − ``window``, `now`];
    /// nil when there is none.
    public func rolling(_ channel: SpeechChannel?, at now: EpochMillis) -> Double? {
        guard let list = entries[channel] else { return nil }
        var sum = 0.0
        var weight = 0
        let start = Self.before(now, window)
        for e in list where e.at > start && e.at <= now {
            sum += e.compound * Double(e.words)
            weight += e.words
        }
        return weight > 0 ? sum / Double(weight) : nil
    }

    /// The customer's rolling score at `now` minus the one ``trendLag`` earlier (negative: getting worse); nil
    /// unless both exist.
    public func customerTrend(at now: EpochMillis) -> Double? {
        guard let current = rolling(.customer, at: now),
              let before = rolling(.customer, at: Self.before(now, trendLag)) else { return nil }
        return current - before
    }

    /// Drops what no score at `now` or later can use (utterances older than ``window`` + ``trendLag``).
    public mutating func prune(at now: EpochMillis) {
        let horizon = Self.before(now, window + trendLag)
        for (channel, list) in entries {
            let kept = list.filter { $0.at > horizon }
            entries[channel] = kept.isEmpty ? nil : kept
        }
    }

    /// `t − span`, saturating (times are business epoch ms; odd values must not trap).
    private static func before(_ t: EpochMillis, _ span: Int64) -> EpochMillis {
        let (v, overflow) = t.subtractingReportingOverflow(span)
        return overflow ? .min : v
    }

    /// Whether no utterance is held.
    public var isEmpty: Bool { entries.isEmpty }
}
