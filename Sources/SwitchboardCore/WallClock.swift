import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Business time: the wall clock that event times, occupancy windows and "today" are measured on.
///
/// In production this is the system clock. The simulator can run faster than real time
/// (`--speed 60`); `demo` and the tests then share one ``ScaledClock`` between simulator and bridge
/// so both agree on "now". Transport timers (heartbeats, backoff, token renewal) use real time.
public protocol WallClock: Sendable {
    /// UTC epoch milliseconds.
    func now() -> EpochMillis
    /// Simulated seconds per real second (1 for the system clock).
    var speed: Double { get }
}

/// The operating system's clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> EpochMillis { SystemClock.realNow() }
    public var speed: Double { 1 }

    /// Real UTC epoch milliseconds.
    public static func realNow() -> EpochMillis {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return EpochMillis(ts.tv_sec) * 1000 + EpochMillis(ts.tv_nsec) / 1_000_000
    }
}

/// A clock that starts at `origin` and advances `speed` times faster than real time.
public final class ScaledClock: WallClock {
    private let realStart: EpochMillis
    private let origin: EpochMillis
    public let speed: Double

    /// - Parameters:
    ///   - origin: the business time at the moment of creation (defaults to the real now).
    ///   - speed: simulated seconds per real second.
    public init(origin: EpochMillis? = nil, speed: Double = 1) {
        let real = SystemClock.realNow()
        self.realStart = real
        self.origin = origin ?? real
        self.speed = speed
    }

    /// A clock that was at `origin` when the real clock read `realStart` (another process's clock, shared).
    public init(realStart: EpochMillis, origin: EpochMillis, speed: Double) {
        self.realStart = realStart
        self.origin = origin
        self.speed = speed
    }

    /// The real time this clock's ``origin`` corresponds to, for sharing it with another process.
    public var realOrigin: (real: EpochMillis, business: EpochMillis) { (realStart, origin) }

    public func now() -> EpochMillis {
        let elapsed = Double(SystemClock.realNow() - realStart)
        return origin + EpochMillis(elapsed * speed)
    }
}

/// A clock that moves only when told: for tests.
public final class ManualClock: WallClock {
    private let state: Mutex<EpochMillis>
    public var speed: Double { 1 }

    public init(_ start: EpochMillis = 1_790_000_000_000) { state = Mutex(start) }

    public func now() -> EpochMillis { state.withLock { $0 } }

    public func advance(by ms: EpochMillis) { state.withLock { $0 += ms } }

    public func set(_ t: EpochMillis) { state.withLock { $0 = t } }
}

extension Duration {
    /// Whole milliseconds.
    public var milliseconds: Int64 {
        let (s, a) = components
        return s * 1000 + a / 1_000_000_000_000_000
    }
}
