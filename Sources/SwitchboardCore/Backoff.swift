/// Reconnect backoff: `initial`, doubling to `cap`, plus up to `jitter` × delay of random extra (or, with
/// ``JitterDirection/shorten``, minus: the cap is then never exceeded), reset once a connection has stayed up for
/// `resetAfter`. The upstream connectors add their jitter; the cluster's database session takes it off, so that
/// replicas that lost the database together do not come back together and never wait longer than the cap.
///
/// Pure value type; the random source is injected so tests see exact delays.
public struct Backoff: Sendable {
    /// Whether the random share lengthens or shortens each delay.
    public enum JitterDirection: Sendable {
        case lengthen
        case shorten
    }

    public let initial: Duration
    public let cap: Duration
    /// Fraction of the delay added (or taken off) at random (0.1 = up to 10 %).
    public let jitter: Double
    public let direction: JitterDirection
    /// A connection that lasts this long resets the sequence.
    public let resetAfter: Duration
    /// Failures since the last reset.
    public private(set) var failures = 0
    private let random: @Sendable () -> Double

    /// - Parameter random: returns a value in `0..<1`; defaults to the system generator.
    public init(initial: Duration = .seconds(1), cap: Duration = .seconds(60), jitter: Double = 0.1,
                direction: JitterDirection = .lengthen, resetAfter: Duration = .seconds(60),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
        self.direction = direction
        self.resetAfter = resetAfter
        self.random = random
    }

    /// The delay before the next attempt, without jitter, for `failures` failures so far.
    public func baseDelay(after failures: Int) -> Duration {
        var d = initial
        var i = 0
        while i < failures && d < cap {
            d = d * 2
            i += 1
        }
        return min(d, cap)
    }

    /// Records a failure and returns how long to wait before the next attempt.
    public mutating func nextDelay() -> Duration {
        let base = baseDelay(after: failures)
        failures += 1
        let share = max(0, min(random(), 1)) * jitter
        return direction == .lengthen ? base + base * share : base - base * share
    }

    /// A connection ended after staying up for `uptime`: reset when it was stable.
    public mutating func connectionEnded(uptime: Duration) {
        if uptime >= resetAfter { failures = 0 }
    }

    /// Forgets all failures.
    public mutating func reset() { failures = 0 }
}
