import Synchronization
import SwitchboardCore

/// Active-queue lists of activity bodies by their exact bytes (`["q1","q2"]`), so an agent's
/// unchanged list costs a hash and a compare instead of two id strings and two arrays per frame.
/// One per normalizer (one org), bounded: it starts over when `limit` distinct lists were seen.
/// Hand-written: no interning table in the dependency graph looks up by raw bytes.
final class QueueListCache: Sendable {
    private struct Entry {
        let text: [UInt8]
        let ids: [EntityID]
    }

    private let table = Mutex<[UInt64: Entry]>([:])
    private let limit: Int

    init(limit: Int = 1024) { self.limit = limit }

    /// The ids for `text`, made by `make` (and kept) the first time.
    func ids(text: UnsafeBufferPointer<UInt8>, make: () throws -> [EntityID]) rethrows -> [EntityID] {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for c in text {
            h ^= UInt64(c)
            h = h &* 0x0000_0100_0000_01B3
        }
        let hash = h
        if let hit = table.withLock({ t -> [EntityID]? in
            guard let e = t[hash], e.text.elementsEqual(text) else { return nil }
            return e.ids
        }) {
            return hit
        }
        let ids = try make()
        table.withLock { t in
            if t.count >= limit { t.removeAll(keepingCapacity: true) }
            t[hash] = Entry(text: Array(text), ids: ids)
        }
        return ids
    }

    /// Distinct lists held (for tests).
    var count: Int { table.withLock { $0.count } }
}
