/// The most recent `capacity` ids, as 64-bit hashes (oldest forgotten first).
struct RecentIDs: Sendable {
    let capacity: Int
    private var set: Set<UInt64> = []
    private var ring: [UInt64] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// False when `id` was seen (within the capacity); records it otherwise.
    mutating func insert(_ id: String) -> Bool {
        let h = Self.hash(id)
        guard set.insert(h).inserted else { return false }
        if ring.count < capacity {
            ring.append(h)
        } else {
            set.remove(ring[head])
            ring[head] = h
            head = (head + 1) % capacity
        }
        return true
    }

    /// FNV-1a, 64 bits: stable within a run (Swift's `Hasher` would do as well) and cheap.
    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
