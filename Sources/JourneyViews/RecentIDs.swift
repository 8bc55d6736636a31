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
    mutating func insert(_ id: String) -> Bool { insert(hash: Self.hash(id)) }

    /// The same for an id already hashed.
    mutating func insert(hash h: UInt64) -> Bool {
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
    static func hash(_ s: String) -> UInt64 { hash(bytes: s.utf8) }

    /// FNV-1a over `bytes`, started from the offset basis mixed with `seed`.
    static func hash(bytes: some Sequence<UInt8>, seed: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
