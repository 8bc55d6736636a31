import SwitchboardCore

/// Seed 000's "reaction time: how long from an occupancy spike to a change in agents on queue" over stored
/// closed buckets (docs/reports.md), for the org and each of its queues.
///
/// - A **spike** is a bucket whose occupancy is above `threshold` while the stored bucket just before it
///   (15 minutes earlier) was not above (at or below, no productive time, or the queue absent). The first
///   stored bucket, and one after a gap, is not a spike: what came before is unknown.
/// - **Agents on queue** in a bucket: the agents with productive time in it (the org's), or the queue's
///   members with productive time (``ClosedBucket/queueAgents``; a queue whose count was not stored has no
///   spikes).
/// - The **reaction** is the first later stored bucket with more agents on queue than the spike's bucket:
///   `reactionMs` is from the spike's bucket start to that bucket's start (a multiple of 15 minutes; a gap in
///   the history on the way is counted in it). None within the buckets read: nil.
///
/// Pure and incremental: feed one org's buckets in time order with ``add(_:)``, then ``finish()``.
public struct ReactionTimeReport: Sendable {
    public enum Subject: Sendable, Hashable, Comparable {
        case org
        /// A queue's platform id.
        case queue(String)
    }

    public struct Spike: Sendable, Equatable {
        public var subject: Subject
        /// The spike's bucket.
        public var start: EpochMillis
        public var occupancy: Double
        /// The bucket before's occupancy; nil when it had no productive time (or the queue was absent).
        public var previousOccupancy: Double?
        /// Agents on queue in the spike's bucket.
        public var agents: Int
        /// The first later bucket with more agents on queue, and how many.
        public var reactedAt: EpochMillis?
        public var agentsAfter: Int?

        public var reactionMs: Int64? { reactedAt.map { $0 - start } }
    }

    /// Reaction times of a set of spikes: nearest-rank median and 90th percentile of those that reacted.
    public struct Summary: Sendable, Equatable {
        public var spikes: Int
        public var reacted: Int
        public var medianMs: Int64?
        public var p90Ms: Int64?

        public init(_ spikes: [Spike]) {
            let times = spikes.compactMap(\.reactionMs).sorted()
            self.spikes = spikes.count
            self.reacted = times.count
            self.medianMs = Self.percentile(times, 0.5)
            self.p90Ms = Self.percentile(times, 0.9)
        }

        /// Nearest rank: the smallest value with at least `p` of the values at or below it.
        static func percentile(_ sorted: [Int64], _ p: Double) -> Int64? {
            guard !sorted.isEmpty else { return nil }
            let rank = Int((p * Double(sorted.count) - 1e-9).rounded(.up))
            return sorted[min(sorted.count, max(1, rank)) - 1]
        }
    }

    public let threshold: Double
    private var spikes: [Spike] = []
    /// Indexes into `spikes` still waiting for a reaction, per subject.
    private var waiting: [Subject: [Int]] = [:]
    private var lastStart: EpochMillis?
    /// The subjects above the threshold in the last bucket added, and every subject's occupancy there.
    private var lastAbove: Set<Subject> = []
    private var lastOccupancy: [Subject: Double] = [:]

    public init(threshold: Double) {
        self.threshold = threshold
    }

    public mutating func add(_ bucket: ClosedBucket) {
        let follows = lastStart.map { bucket.start == $0 + Bucket.widthMs } ?? false
        var above: Set<Subject> = []
        var occupancies: [Subject: Double] = [:]
        func visit(_ subject: Subject, _ sample: OccupancySample, agents: Int?) {
            if let count = agents, let pending = waiting[subject] {
                var still: [Int] = []
                for i in pending {
                    if count > spikes[i].agents {
                        spikes[i].reactedAt = bucket.start
                        spikes[i].agentsAfter = count
                    } else {
                        still.append(i)
                    }
                }
                waiting[subject] = still.isEmpty ? nil : still
            }
            guard let occupancy = sample.occupancy else { return }
            occupancies[subject] = occupancy
            guard occupancy > threshold else { return }
            above.insert(subject)
            guard follows, !lastAbove.contains(subject), let count = agents else { return }
            spikes.append(Spike(subject: subject, start: bucket.start, occupancy: occupancy,
                                previousOccupancy: lastOccupancy[subject], agents: count))
            waiting[subject, default: []].append(spikes.count - 1)
        }
        visit(.org, bucket.total, agents: bucket.productiveAgents)
        for (id, sample) in bucket.queues {
            visit(.queue(id), sample, agents: bucket.queueAgents[id])
        }
        lastStart = bucket.start
        lastAbove = above
        lastOccupancy = occupancies
    }

    /// Every spike, the org's first, then by queue id and start.
    public func finish() -> [Spike] {
        spikes.sorted { ($0.subject, $0.start) < ($1.subject, $1.start) }
    }
}
