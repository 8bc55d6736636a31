import SwitchboardCore

/// Seed 000's "sustained occupancy above 85 %" over stored closed buckets (docs/reports.md): per agent or
/// per queue, the periods of consecutive 15-minute buckets whose occupancy is above `threshold`, kept when
/// they last at least `minDurationMs`.
///
/// Pure and incremental: feed one org's buckets in time order with ``add(_:)`` (several reads of the store
/// in a row are fine: only the buckets' starts say what is consecutive), then call ``finish()``.
///
/// - A bucket is *above* for a subject when the subject is in it with productive time and
///   handling ÷ productive > threshold. A bucket without the subject, or with no productive time, ends a
///   period; so does a bucket that is not stored (a gap in the history).
/// - A period's occupancy is its handling ÷ its productive time (the buckets' sums, so time-weighted).
/// - `clippedStart` / `clippedEnd`: the bucket before / after the period is not stored (the first or last
///   stored bucket read, or a gap): the period may be longer than shown.
public struct SustainedOccupancyReport: Sendable {
    public enum Subject: String, Sendable, Equatable {
        case agent
        case queue
    }

    public struct Period: Sendable, Equatable {
        /// The subject's platform id.
        public var id: String
        public var start: EpochMillis
        /// The end of the period's last bucket.
        public var end: EpochMillis
        public var buckets: Int
        /// The sums over the period's buckets.
        public var sample: OccupancySample
        public var clippedStart: Bool
        public var clippedEnd: Bool

        public var durationMs: Int64 { end - start }
        public var occupancy: Double? { sample.occupancy }

        public init(id: String, start: EpochMillis, end: EpochMillis, buckets: Int, sample: OccupancySample,
                    clippedStart: Bool, clippedEnd: Bool) {
            self.id = id
            self.start = start
            self.end = end
            self.buckets = buckets
            self.sample = sample
            self.clippedStart = clippedStart
            self.clippedEnd = clippedEnd
        }
    }

    /// One subject's kept periods: how often, how long in all, the longest.
    public struct Summary: Sendable, Equatable {
        public var id: String
        public var periods: Int
        public var totalMs: Int64
        public var longestMs: Int64

        public init(id: String, periods: Int, totalMs: Int64, longestMs: Int64) {
            self.id = id
            self.periods = periods
            self.totalMs = totalMs
            self.longestMs = longestMs
        }
    }

    public let threshold: Double
    public let minDurationMs: Int64
    public let subject: Subject

    private var open: [String: Period] = [:]
    private var kept: [Period] = []
    /// The start of the last bucket added.
    private var lastStart: EpochMillis?

    public init(threshold: Double, minDurationMs: Int64, by subject: Subject) {
        self.threshold = threshold
        self.minDurationMs = minDurationMs
        self.subject = subject
    }

    /// Adds the org's next stored bucket (later than the previous one).
    public mutating func add(_ bucket: ClosedBucket) {
        let afterGap = lastStart.map { bucket.start != $0 + Bucket.widthMs } ?? true
        if afterGap, lastStart != nil {
            // The bucket before this one is not stored: every running period ends, its end unknown.
            for id in open.keys.sorted() { close(id, clippedEnd: true) }
        }
        lastStart = bucket.start
        let samples = subject == .agent ? bucket.agents : bucket.queues
        for (id, s) in samples {
            guard let occupancy = s.occupancy, occupancy > threshold else { continue }
            if var p = open[id] {
                p.end = bucket.start + Bucket.widthMs
                p.buckets += 1
                p.sample.handlingMs += s.handlingMs
                p.sample.productiveMs += s.productiveMs
                open[id] = p
            } else {
                open[id] = Period(id: id, start: bucket.start, end: bucket.start + Bucket.widthMs, buckets: 1, sample: s,
                                  clippedStart: afterGap, clippedEnd: false)
            }
        }
        // Those not above in this bucket (absent, no productive time, at or below the threshold) end here.
        for (id, p) in open where p.end != bucket.start + Bucket.widthMs {
            close(id, clippedEnd: false)
        }
    }

    /// The kept periods (sorted by subject, then start) and a summary per subject with at least one.
    public mutating func finish() -> (periods: [Period], subjects: [Summary]) {
        for id in open.keys.sorted() { close(id, clippedEnd: true) }
        let periods = kept.sorted { ($0.id, $0.start) < ($1.id, $1.start) }
        var subjects: [Summary] = []
        for p in periods {
            if subjects.last?.id == p.id {
                subjects[subjects.count - 1].periods += 1
                subjects[subjects.count - 1].totalMs += p.durationMs
                subjects[subjects.count - 1].longestMs = max(subjects[subjects.count - 1].longestMs, p.durationMs)
            } else {
                subjects.append(Summary(id: p.id, periods: 1, totalMs: p.durationMs, longestMs: p.durationMs))
            }
        }
        return (periods, subjects)
    }

    private mutating func close(_ id: String, clippedEnd: Bool) {
        guard var p = open.removeValue(forKey: id) else { return }
        p.clippedEnd = clippedEnd
        if p.durationMs >= minDurationMs { kept.append(p) }
    }
}
