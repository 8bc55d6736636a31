import DequeModule
import SwitchboardCore

/// The nonces of recently accepted upgrade signatures, so a captured upgrade request cannot be
/// replayed while its signature would still pass the age check.
///
/// Bounded: at most `capacity` nonces, each held until its own expiry (injected times, UTC epoch
/// milliseconds). When full of unexpired nonces it refuses new ones (fail closed) rather than forget
/// one early, which would re-open the replay window.
public struct AudioHookNonceCache: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// New: recorded.
        case recorded
        /// Seen before and not yet expired.
        case replayed
        /// Full of unexpired nonces.
        case full
    }

    public let capacity: Int
    private var expiries: [String: EpochMillis] = [:]
    private var order: Deque<(nonce: String, expiresAt: EpochMillis)> = []

    public init(capacity: Int = 100_000) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Nonces held (expired ones are dropped lazily, on the next ``record(_:until:now:)``).
    public var count: Int { expiries.count }

    /// Records `nonce` as used until `expiresAt`.
    public mutating func record(_ nonce: String, until expiresAt: EpochMillis, now: EpochMillis) -> Outcome {
        purge(now: now)
        if let held = expiries[nonce], held > now { return .replayed }
        guard expiries.count < capacity else { return .full }
        expiries[nonce] = expiresAt
        order.append((nonce, expiresAt))
        return .recorded
    }

    /// Drops expired nonces. Entries come in roughly expiry order (created ≈ now, one lifetime), so
    /// the scan stops at the first live one; a later-expiring entry ahead of it only delays the drop.
    private mutating func purge(now: EpochMillis) {
        while let first = order.first, first.expiresAt <= now {
            order.removeFirst()
            if expiries[first.nonce] == first.expiresAt { expiries[first.nonce] = nil }
        }
    }
}
