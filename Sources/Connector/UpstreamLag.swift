import DequeModule

/// How far behind the platform an org's socket readers are, judged at each session tick.
///
/// A reader hands each frame to the views before it reads the next, so when the views (or the whole process) are
/// slower than the upstream, frames wait in the socket and the wall shows the platform as it was that long ago. The
/// watchdog rightly counts a reader that is handing frames on as life (``Watchdog``: the platform is not silent,
/// we are slow), so nothing else says so. Each frame's age is taken once the views have it — platform time then
/// less the newest time of the frame's status changes and queue observations (events the platform sends as they
/// happen; a conversation snapshot is dated by its latest timestamp, which a later update need not move) — and the lag is the largest age in the last `window` (10 s): a backlog is
/// read in bursts (a tick may see no frame while a reader waits on the views, or only fresh ones between old), and
/// a single sample would flap between 0 and the backlog's depth. No frame in the window: 0, nothing was waiting.
/// Crossing `warnAfter` is reported once (`behind`), and coming back under half of it once (`caughtUp`).
///
/// Pure value type over monotonic instants; ages are the platform's (business) milliseconds, the lag is real
/// seconds (`speed`: business milliseconds per real millisecond, 1 but in a sped-up demo).
public struct UpstreamLag: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum Action: Sendable, Equatable {
        case none
        /// The readers are this many real seconds behind, past `warnAfter`.
        case behind(seconds: Double)
        /// Back under half of `warnAfter`.
        case caughtUp
    }

    public let warnAfter: Double
    public let window: Duration
    /// The largest frame age in the window, real seconds.
    public private(set) var seconds: Double = 0
    public private(set) var isBehind = false
    private var samples: Deque<(at: Instant, seconds: Double)> = []

    /// - Parameter warnAfter: real seconds behind that are worth a warning (the org's heartbeat timeout: as long as
    ///   the watchdog would give a silent platform).
    public init(warnAfter: Double, window: Duration = .seconds(10)) {
        self.warnAfter = max(0, warnAfter)
        self.window = window
    }

    /// A tick at `now`: `handedAgeMs` is the largest age of a frame handed on since the last tick (nil: none was).
    public mutating func tick(handedAgeMs: Int64?, speed: Double, now: Instant) -> Action {
        if let age = handedAgeMs {
            let s = max(0, Double(age) / 1000 / max(speed, 1e-9))
            // Keep only samples that can still be the window's largest: a new one hides every smaller older one.
            while let last = samples.last, last.seconds <= s { samples.removeLast() }
            samples.append((now, s))
        }
        while let first = samples.first, now - first.at > window { samples.removeFirst() }
        seconds = samples.first?.seconds ?? 0
        if !isBehind, seconds > warnAfter {
            isBehind = true
            return .behind(seconds: seconds)
        }
        if isBehind, seconds < warnAfter / 2 {
            isBehind = false
            return .caughtUp
        }
        return .none
    }
}
