import SwitchboardCore

/// Summing closed 15-minute buckets into the steps of a history answer. Pure.
public enum SeriesStep {
    public static let dayMs: Int64 = 86_400_000

    /// `.buckets(n)` needs n ≥ 1; a day's offset is within ±1 day.
    public static func validate(_ step: HistoryStep) throws {
        switch step {
        case .buckets(let n) where n < 1 || n > 96 * 366:
            throw StoreError(code: "store.invalid-step", message: "a history step of \(n) buckets is outside 1…\(96 * 366) (15 minutes to a year)")
        case .day(let offset) where abs(offset) >= dayMs:
            throw StoreError(code: "store.invalid-step", message: "a day step's UTC offset \(offset) ms is not within ±24 h")
        default:
            return
        }
    }

    /// The start of the step holding the bucket starting at `t`.
    ///
    /// `.buckets(n)` steps are counted from the first bucket boundary at or after `from` (so `from` = a
    /// local midnight and `1h` give local hours in every zone); `.day` steps start at local midnight.
    public static func start(of t: EpochMillis, from: EpochMillis, step: HistoryStep) -> EpochMillis {
        switch step {
        case .buckets(let n):
            let origin = firstBoundary(atOrAfter: from)
            let width = Bucket.widthMs * Int64(n)
            return origin + floorDiv(t - origin, width) * width
        case .day(let offset):
            return floorDiv(t + offset, dayMs) * dayMs - offset
        }
    }

    /// The first bucket boundary at or after `t`.
    public static func firstBoundary(atOrAfter t: EpochMillis) -> EpochMillis {
        let start = Bucket.start(of: t)
        return start == t ? t : start + Bucket.widthMs
    }

    /// Sums bucket samples (sorted or not) per step; steps without buckets are left out.
    public static func sum(_ samples: [(start: EpochMillis, sample: OccupancySample)], from: EpochMillis,
                           step: HistoryStep) -> [SeriesPoint] {
        var sums: [EpochMillis: OccupancySample] = [:]
        for (start, sample) in samples {
            let key = Self.start(of: start, from: from, step: step)
            var total = sums[key] ?? OccupancySample(handlingMs: 0, productiveMs: 0)
            total.handlingMs += sample.handlingMs
            total.productiveMs += sample.productiveMs
            sums[key] = total
        }
        return sums.map { SeriesPoint(start: $0.key, sample: $0.value) }.sorted { $0.start < $1.start }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
