import DequeModule

/// How far behind the platform an org's socket readers are, judged at each session tick.
///
/// A reader hands each frame to the views before it reads the next, so when the views (or the whole process) are
/// slower than the upstream, frames wait in the socket and the wall shows the platform as it was that long ago. The
/// watchdog rightly counts a reader that is handing frames on as life (``Watchdog``: the platform is not silent,
/// we are slow), so nothing else says so. Each frame's age is taken once the views have it — platform time then
/// less the newest time of the frame's status changes (events the platform sends as they happen) — and each tick
/// keeps the youngest age of its frames: frames wait in the socket in the order they were sent, so one young frame
/// means nothing older is waiting, and a frame dated long before it was sent (an activity event for a queue change
/// carries the presence's and routing status's own older times) cannot pass for a backlog. The lag is the largest
/// of those over the last `window` (10 s; a backlog is read in bursts, a tick may see no frame), 0 when no frame
/// came in that time. `behind` is reported once when every tick with frames in the window (three at least) was
/// past `warnAfter` — a backlog that lasted — and `caughtUp` once when the lag is back under half of it.
///
/// Pure value type over monotonic instants; ages are the platform's (business) milliseconds, the lag is real
/// seconds (`speed`: business milliseconds per real millisecond, 1 but in a sped-up demo).
public struct UpstreamLag: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum Action: Sendable, Equatable {
        case none
        /// The readers have been this many real seconds behind (at least; the window's smallest), past `warnAfter`.
        case behind(seconds: Double)
        /// Back under half of `warnAfter`.
        case caughtUp
    }

    public let warnAfter: Double
    public let window: Duration
    /// The largest tick age in the window, real seconds.
    public private(set) var seconds: Double = 0
    public private(set) var isBehind = false
    private var samples: Deque<(at: Instant, seconds: Double)> = []

    /// The lag as the org card shows it: whole seconds under 10 s, then 5 s steps under a minute, then 10 s steps, so
    /// that a backlog does not change the org entity at every tick.
    public static func shown(_ seconds: Double) -> Int {
        let s = max(0, seconds)
        if s < 10 { return Int(s) }
        if s < 60 { return Int(s / 5) * 5 }
        return Int(s / 10) * 10
    }

    /// - Parameter warnAfter: real seconds behind that are worth a warning (the org's heartbeat timeout: as long as
    ///   the watchdog would give a silent platform).
    public init(warnAfter: Double, window: Duration = .seconds(10)) {
        self.warnAfter = max(0, warnAfter)
        self.window = window
    }

    /// A tick at `now`: `handedAgeMs` is the youngest age of the frames handed on since the last tick (nil: none).
    public mutating func tick(handedAgeMs: Int64?, speed: Double, now: Instant) -> Action {
        if let age = handedAgeMs { samples.append((now, max(0, Double(age) / 1000 / max(speed, 1e-9)))) }
        while let first = samples.first, now - first.at > window { samples.removeFirst() }
        var largest = 0.0, smallest = Double.infinity
        for s in samples {
            largest = max(largest, s.seconds)
            smallest = min(smallest, s.seconds)
        }
        seconds = largest
        if !isBehind, samples.count >= 3, smallest > warnAfter {
            isBehind = true
            return .behind(seconds: smallest)
        }
        if isBehind, seconds < warnAfter / 2 {
            isBehind = false
            return .caughtUp
        }
        return .none
    }
}
