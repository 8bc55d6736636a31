import SwitchboardCore

/// Hits counted by minute for the rolling windows (last 15 and last 60 minutes, to the minute) and since the
/// org's local midnight (docs/speech-text.md, "Views"). A pure value, time passed in: a ring of 60 one-minute
/// buckets, each stamped with its minute so a stale bucket reads as empty without being swept.
struct MinuteCounts: Sendable, Equatable {
    static let minuteMs: EpochMillis = 60_000
    static let slots = 60

    private(set) var minutes = [Int64](repeating: .min, count: slots)
    private(set) var counts = [Int](repeating: 0, count: slots)
    /// Since the org's local midnight.
    private(set) var today = 0
    /// The minute of the newest hit (nothing rolls off after `newest + 60`).
    private(set) var newest: Int64 = .min

    static func minute(_ t: EpochMillis) -> Int64 { t >= 0 ? t / minuteMs : (t - minuteMs + 1) / minuteMs }
    static func slot(_ m: Int64) -> Int { Int(((m % Int64(slots)) + Int64(slots)) % Int64(slots)) }

    init() {}

    /// A ring holding these minutes' counts (of a minute sharing a slot with a newer one, the newer) and `today`:
    /// what ``encode(to:)`` wrote (MinuteCounts+Codable.swift).
    init(today: Int, buckets: [(minute: Int64, count: Int)]) {
        for (m, n) in buckets where n > 0 {
            let i = Self.slot(m)
            if minutes[i] == m {
                counts[i] &+= n  // a minute twice (never written so): summed, without trapping on a huge count
            } else if minutes[i] < m {
                minutes[i] = m
                counts[i] = n
            }
            newest = max(newest, minutes[i])
        }
        self.today = today
    }

    mutating func add(_ n: Int = 1, at t: EpochMillis) {
        let m = Self.minute(t)
        let i = Self.slot(m)
        if minutes[i] != m {
            // A hit older than the ring holds counts today only.
            guard minutes[i] < m else { today += n; return }
            minutes[i] = m
            counts[i] = 0
        }
        counts[i] += n
        today += n
        newest = max(newest, m)
    }

    /// Hits in the `span` minutes ending with the minute of `now` (that minute included).
    func last(_ span: Int, at now: EpochMillis) -> Int {
        let m = Self.minute(now)
        var sum = 0
        for i in 0..<Self.slots where minutes[i] > m - Int64(span) && minutes[i] <= m { sum += counts[i] }
        return sum
    }

    /// Whether a rolling figure can still change after `now` (something in the last hour).
    func isRolling(at now: EpochMillis) -> Bool { newest > Self.minute(now) - Int64(Self.slots) }

    /// A new local day: the rolling windows go on across midnight, `today` starts again.
    mutating func newDay() { today = 0 }

    static func += (a: inout MinuteCounts, b: MinuteCounts) {
        for i in 0..<slots where b.counts[i] > 0 {
            if a.minutes[i] == b.minutes[i] {
                a.counts[i] += b.counts[i]
            } else if a.minutes[i] < b.minutes[i] {
                a.minutes[i] = b.minutes[i]
                a.counts[i] = b.counts[i]
            }
        }
        a.today += b.today
        a.newest = max(a.newest, b.newest)
    }
}

/// The figures of one agent, queue or org (and, summed, the topic's totals) on a speech-text topic: keyword
/// hits per label, calls with words, the customer-sentiment shares and hot calls, over the org's local day.
/// Codable (its field names are the encoding) for an org's part of the global totals in a cluster.
struct SpeechTextRollup: Sendable, Equatable, Codable {
    var labels: [String: MinuteCounts] = [:]
    var hits = MinuteCounts()
    var calls = 0
    var live = 0
    var sentimentCalls = 0
    var negativeCalls = 0
    var hotCalls = 0

    mutating func hit(label: String, at t: EpochMillis) {
        labels[label, default: MinuteCounts()].add(at: t)
        hits.add(at: t)
    }

    /// A new local day: counts of the day start again (live calls are counted back in by the caller).
    mutating func newDay() {
        for k in Array(labels.keys) {
            labels[k]!.newDay()
        }
        hits.newDay()
        calls = 0
        sentimentCalls = 0
        negativeCalls = 0
        hotCalls = 0
    }

    /// Nothing of today, nothing rolling, nothing live: the entity can leave its list.
    func isIdle(at now: EpochMillis) -> Bool {
        live == 0 && calls == 0 && hits.today == 0 && !hits.isRolling(at: now)
    }

    /// What the entity shows at `now` that time alone changes (the rolling windows), to re-send it when it moves.
    func rollingSignature(at now: EpochMillis) -> [Int] {
        guard hits.isRolling(at: now) else { return [] }
        var out = [hits.last(15, at: now), hits.last(60, at: now)]
        for k in labels.keys.sorted() { out += [labels[k]!.last(15, at: now), labels[k]!.last(60, at: now)] }
        return out
    }

    static func += (a: inout SpeechTextRollup, b: SpeechTextRollup) {
        for (k, v) in b.labels { a.labels[k, default: MinuteCounts()] += v }
        a.hits += b.hits
        a.calls += b.calls
        a.live += b.live
        a.sentimentCalls += b.sentimentCalls
        a.negativeCalls += b.negativeCalls
        a.hotCalls += b.hotCalls
    }
}
