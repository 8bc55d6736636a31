/// Whole numbers read from JSON numbers in upstream bodies (aggregate counts and sums, session metrics).
///
/// JSON allows any magnitude (`1e300`) and Swift's `Int(_: Double)` traps on a value it cannot hold, so
/// every count or duration the normalizer takes from a body goes through here: absent, NaN or negative
/// reads as 0, and a value above `limit` (+infinity too: a sum of huge values) reads as `limit`. The limit (2^38: 8.7 years in
/// milliseconds, 275 billion calls) is far above any figure one interval of one agent or queue can
/// have, and low enough that the normalizer's sums never overflow: a body is at most 64 MiB
/// (`GenesysRESTClient`), so it holds fewer than 2^23 metrics, and 2^23 × 2^38 < 2^63.
public enum WireNumber {
    public static let limit: Int64 = 1 << 38

    /// A count (`stats.count`, `numerator`, `denominator`): rounded and bounded to 0…`limit`.
    @inlinable public static func count(_ d: Double?) -> Int { Int(millis(d)) }

    /// Milliseconds (`stats.sum`, a session metric's `value`): rounded and bounded to 0…`limit`.
    @inlinable public static func millis(_ d: Double?) -> Int64 {
        guard let d, d > 0 else { return 0 }  // NaN is not > 0
        return d >= Double(limit) ? limit : Int64(d.rounded())
    }
}
