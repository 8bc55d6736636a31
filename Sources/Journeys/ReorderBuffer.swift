import DequeModule
import SwitchboardCore

/// Events held for the reorder window, then released in event-time order.
///
/// Each event is held until `window` after it arrived. When one is released, every held event with an
/// event time not after it goes too (holding them longer cannot put them before it), and the batch is
/// sorted by event time, then kind (a start before an end), then arrival.
struct ReorderBuffer: Sendable {
    private struct Entry: Sendable {
        var releaseAt: EpochMillis
        var sequence: UInt64
        var event: JourneyEvent
    }

    private var entries: Deque<Entry> = []
    private var sequence: UInt64 = 0

    var count: Int { entries.count }

    /// When the oldest held event is due.
    var nextRelease: EpochMillis? { entries.first?.releaseAt }

    mutating func insert(_ event: JourneyEvent, now: EpochMillis, window: EpochMillis) {
        sequence += 1
        // Non-decreasing release times keep the queue in release order even if `now` steps back.
        let at = max(now + window, entries.last?.releaseAt ?? now + window)
        entries.append(Entry(releaseAt: at, sequence: sequence, event: event))
    }

    /// The events due at `now` (and those not later than them), in application order.
    mutating func release(now: EpochMillis) -> [JourneyEvent] {
        var due: [Entry] = []
        while let first = entries.first, first.releaseAt <= now { due.append(entries.removeFirst()) }
        return finish(due)
    }

    /// The `n` oldest held events (and those not later than them), released early: the buffer is full.
    mutating func releaseOldest(_ n: Int) -> [JourneyEvent] {
        var due: [Entry] = []
        while due.count < n, let first = entries.popFirst() { due.append(first) }
        return finish(due)
    }

    /// Everything held, in application order.
    mutating func releaseAll() -> [JourneyEvent] {
        let due = Array(entries)
        entries.removeAll()
        return finish(due)
    }

    private mutating func finish(_ due: [Entry]) -> [JourneyEvent] {
        guard let horizon = due.map(\.event.time).max() else { return [] }
        var batch = due
        if entries.contains(where: { $0.event.time <= horizon }) {
            batch += entries.filter { $0.event.time <= horizon }
            entries.removeAll { $0.event.time <= horizon }
        }
        batch.sort { a, b in
            if a.event.time != b.event.time { return a.event.time < b.event.time }
            if a.event.kind != b.event.kind { return a.event.kind < b.event.kind }
            return a.sequence < b.sequence
        }
        return batch.map(\.event)
    }
}
