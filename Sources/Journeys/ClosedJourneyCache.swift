import DequeModule
import SwitchboardCore

/// The closed journeys kept for reads and late events: for the retention period, within a count and a
/// byte cap, the least recently used going first when a cap is reached.
struct ClosedJourneyCache: Sendable {
    private(set) var journeys: [EntityID: Journey] = [:]
    private(set) var bytes = 0
    private var sizes: [EntityID: Int] = [:]
    /// Use order: (id, stamp); an entry whose stamp is not the id's current one is stale.
    private var lru: Deque<(id: EntityID, stamp: UInt64)> = []
    private var stamps: [EntityID: UInt64] = [:]
    private var clock: UInt64 = 0
    /// Close order, for the retention period.
    private var byClose: Deque<(id: EntityID, at: EpochMillis)> = []

    var count: Int { journeys.count }

    subscript(id: EntityID) -> Journey? { journeys[id] }

    /// When the earliest kept journey was declared closed (retention runs from there).
    var nextExpiry: EpochMillis? { byClose.first(where: { journeys[$0.id] != nil })?.at }

    /// Adds a journey just closed (its `declaredClosedAt` set).
    mutating func insert(_ j: Journey) {
        store(j)
        byClose.append((j.id, j.declaredClosedAt ?? 0))
    }

    /// Replaces a kept journey after a late event; it counts as a use.
    mutating func update(_ j: Journey) {
        guard journeys[j.id] != nil else { return }
        store(j)
    }

    /// Marks a journey used (read by a view or a search).
    mutating func touch(_ id: EntityID) {
        guard journeys[id] != nil else { return }
        stamp(id)
    }

    mutating func remove(_ id: EntityID) -> Journey? {
        guard let j = journeys.removeValue(forKey: id) else { return nil }
        bytes -= sizes.removeValue(forKey: id) ?? 0
        stamps[id] = nil
        compact()
        return j
    }

    /// Removes what is past the retention period, then the least recently used while a cap is exceeded.
    mutating func evict(now: EpochMillis, retention: EpochMillis, maxCount: Int, maxBytes: Int)
        -> [(Journey, EvictionReason)]
    {
        var out: [(Journey, EvictionReason)] = []
        while let first = byClose.first, first.at + retention <= now {
            byClose.removeFirst()
            if let j = remove(first.id) { out.append((j, .expired)) }
        }
        while journeys.count > maxCount || (bytes > maxBytes && !journeys.isEmpty) {
            guard let victim = leastRecentlyUsed() else { break }
            let reason: EvictionReason = journeys.count > maxCount ? .countCap : .byteCap
            if let j = remove(victim) { out.append((j, reason)) }
        }
        return out
    }

    /// Heap a retained journey really holds per byte of ``Journey/estimatedBytes``, which counts only the journey's
    /// own fields: the heap also holds this cache's indexes (by id, sizes, LRU stamps, close order), the stitcher's
    /// by-customer index, string and collection headers, tables grown by doubling and malloc's rounding. Measured
    /// by the bench (`--only journeys`, heap per retained closed journey: 6.08 KiB against an estimate of ≈ 1.4 KB),
    /// so the byte cap bounds real memory rather than a quarter of it.
    static let heapPerEstimatedByte = 4

    private mutating func store(_ j: Journey) {
        let size = j.estimatedBytes * Self.heapPerEstimatedByte
        bytes += size - (sizes[j.id] ?? 0)
        sizes[j.id] = size
        journeys[j.id] = j
        stamp(j.id)
    }

    private mutating func stamp(_ id: EntityID) {
        clock += 1
        stamps[id] = clock
        lru.append((id, clock))
        compact()
    }

    private mutating func leastRecentlyUsed() -> EntityID? {
        while let first = lru.popFirst() {
            if stamps[first.id] == first.stamp { return first.id }
        }
        return nil
    }

    /// Drops stale entries once they outnumber the live ones.
    private mutating func compact() {
        if lru.count > 2 * journeys.count + 64 {
            lru = Deque(lru.filter { stamps[$0.id] == $0.stamp })
        }
        if byClose.count > 2 * journeys.count + 64 {
            byClose = Deque(byClose.filter { journeys[$0.id] != nil })
        }
    }
}
