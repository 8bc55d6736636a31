/// Reads the `inin-ratelimit-count`, `-allowed` and `-reset` headers every response carries and
/// spaces requests out before the budget runs dry, so the client slows down instead of meeting 429s.
///
/// Pure value type: feed it each response's headers, ask it how long to wait before the next request.
public struct RateLimitGovernor: Sendable, Equatable {
    /// Start spacing requests when fewer than this fraction of the window's budget remains. Default 0.2.
    public var slowDownBelow: Double
    /// Background requests (the pollers' analytics and quality queries) stop when this fraction of the
    /// window's budget is all that remains: the rest is kept for the directory re-sync that brings an org
    /// back after a stale socket, which must not queue behind a day's catch-up of intervals. Default 0.5.
    public var backgroundReserve: Double
    private(set) var count: Int?
    private(set) var allowed: Int?
    /// When the window resets, in the caller's time base (milliseconds).
    private(set) var resetAt: Int64?

    public init(slowDownBelow: Double = 0.2, backgroundReserve: Double = 0.5) {
        self.slowDownBelow = slowDownBelow
        self.backgroundReserve = backgroundReserve
    }

    /// Records a response's rate-limit headers (any may be missing) received at `now` (ms).
    public mutating func observe(count: Int?, allowed: Int?, resetSeconds: Int?, now: Int64) {
        guard let count, let allowed, allowed > 0 else { return }
        self.count = count
        self.allowed = allowed
        self.resetAt = resetSeconds.map { now + Int64($0) * 1000 }
    }

    /// The share of a window's budget left (0…1) after `count` of `allowed` requests; nil without both headers.
    public static func remainingShare(count: Int?, allowed: Int?) -> Double? {
        guard let count, let allowed, allowed > 0 else { return nil }
        return min(1, max(0, Double(allowed - count) / Double(allowed)))
    }

    /// How long to wait (ms) before sending the next request at `now`. Zero while the budget is
    /// comfortable; otherwise the remaining window spread evenly over the remaining requests; the
    /// whole remaining window when the budget is spent.
    public func delayBeforeNextRequest(now: Int64, background: Bool = false) -> Int64 {
        guard let count, let allowed, let resetAt, resetAt > now else { return 0 }
        let remaining = allowed - count
        let windowLeft = resetAt - now
        if remaining <= 0 { return windowLeft }
        if background && Double(remaining) <= Double(allowed) * backgroundReserve { return windowLeft }
        guard Double(remaining) < Double(allowed) * slowDownBelow else { return 0 }
        return windowLeft / Int64(remaining + 1)
    }
}
