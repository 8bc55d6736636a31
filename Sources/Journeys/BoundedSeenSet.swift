import DequeModule

/// A memory of the last `capacity` strings seen (event ids, occurrences, evicted conversations), forgetting
/// the oldest first. Keeps 64-bit FNV-1a hashes, not the strings: a few bytes a string, and no personal data.
/// Two different strings share a hash with a chance of about n²/2⁶⁵ (10⁻¹⁰ at 100 000 strings).
struct BoundedSeenSet: Sendable {
    let capacity: Int
    private var hashes: Set<UInt64> = []
    private var order: Deque<UInt64> = []

    init(capacity: Int) {
        precondition(capacity > 0, "a seen set needs room for at least one string")
        self.capacity = capacity
    }

    var count: Int { hashes.count }

    func contains(_ s: String) -> Bool { hashes.contains(Self.hash(s)) }

    /// Remembers `s`; false when it was already remembered.
    @discardableResult
    mutating func insert(_ s: String) -> Bool {
        let h = Self.hash(s)
        guard hashes.insert(h).inserted else { return false }
        order.append(h)
        while order.count > capacity, let oldest = order.popFirst() { hashes.remove(oldest) }
        return true
    }

    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }
}
