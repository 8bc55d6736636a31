/// The wait before reopening the database session: `initial` doubling to `cap`, each delay shortened by up to
/// `jitter` of itself at random (so replicas that lost the database together do not return together, and the
/// cap is never exceeded), and reset once a session has stayed open for `stableAfter`.
///
/// Pure value type; the random source is injected so tests see exact delays.
public struct SessionBackoff: Sendable {
    public let initial: Duration
    public let cap: Duration
    /// Fraction of the delay taken off at random (0.25 = up to 25 % shorter).
    public let jitter: Double
    /// A session open at least this long resets the sequence.
    public let stableAfter: Duration
    /// Failed or short sessions since the last reset.
    public private(set) var failures = 0
    private let random: @Sendable () -> Double

    /// - Parameter random: returns a value in `0..<1`; defaults to the system generator.
    public init(initial: Duration = .seconds(1), cap: Duration = .seconds(30), jitter: Double = 0.25,
                stableAfter: Duration = .seconds(30),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        precondition(initial > .zero && cap >= initial && (0...1).contains(jitter))
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
        self.stableAfter = stableAfter
        self.random = random
    }

    /// The delay before attempt `failures + 1`, without jitter.
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
        let cut = max(0, min(random(), 1)) * jitter
        return base - base * cut
    }

    /// A session ended after `uptime`: a stable one resets the sequence.
    public mutating func sessionEnded(uptime: Duration) {
        if uptime >= stableAfter { failures = 0 }
    }
}
