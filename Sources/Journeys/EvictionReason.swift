/// Why a closed journey left memory.
public enum EvictionReason: String, Sendable, Hashable, CaseIterable {
    /// Closed longer ago than the retention period.
    case expired
    /// The count cap of closed journeys was reached; it was the least recently used.
    case countCap
    /// The byte cap of closed journeys was reached; it was the least recently used.
    case byteCap
}
