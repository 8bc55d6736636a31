import DequeModule
import NIOCore

/// What a connection's writer task sends next.
enum OutboundItem: Sendable {
    /// A snapshot of `topic`: exempt from the byte budget (a 15,000-agent snapshot is megabytes), but at
    /// most one per topic is ever queued.
    case snapshot(topic: String, SharedFrame)
    /// A delta shared with every other subscriber; mergeable per topic.
    case delta(DeltaPayload)
    /// Any other frame (alert, error, pong, recovered, …).
    case control(ByteBuffer)
    /// Send a close frame and stop writing.
    case close(code: UInt16, reason: String)
    /// A WebSocket ping (the hub's keepalive; see ``StreamHub/checkConnections(now:)``).
    case ping

    /// What the item costs against a client's budget: the bytes the client will be sent (a delta's compressed
    /// size for a client that negotiated permessage-deflate).
    func budgetBytes(deflate: Bool) -> Int {
        switch self {
        case .snapshot, .close, .ping: 0
        case .delta(let d): deflate ? d.compressedBytes : d.buffer.readableBytes
        case .control(let b): b.readableBytes
        }
    }
}

/// A connection's outbound queue, bounded in bytes (pure state; the connection locks it).
///
/// Policy when a push would exceed `limit`: first merge the queued deltas of each topic into one
/// delta (latest state of each entity wins; the merged delta carries `fromSeq`…`seq`), then, if the
/// queue is still over its budget, report `.overflow` so the connection is evicted (`slow-consumer`).
/// Snapshots are not counted (one per topic at most is queued); a lone delta may exceed the budget
/// up to ``loneItemFactor`` times.
struct OutboundQueue {
    enum PushResult: Equatable { case queued, merged, overflow }

    private(set) var items: Deque<OutboundItem> = []
    /// What each item in `items` was charged (same positions): taken back exactly, whatever changed since.
    private var costs: Deque<Int> = []
    /// Topics on which the client selected kinds and fields (``StreamSelection``): their deltas cost what the
    /// client is sent of them, the selected projection, not the whole delta.
    var selections: [String: StreamSelection] = [:]
    /// Bytes counted against the budget (everything except snapshots).
    private(set) var budgetedBytes = 0
    /// All queued bytes, snapshots included (for the queue-bytes metric).
    private(set) var totalBytes = 0
    let limit: Int
    /// The client receives snapshots and deltas compressed: they count by their compressed size.
    let deflate: Bool

    init(limit: Int, deflate: Bool = false) {
        self.limit = limit
        self.deflate = deflate
    }

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ item: OutboundItem) -> PushResult {
        if case .snapshot(let topic, _) = item { dropTopic(topic) }
        let cost = cost(of: item)
        if cost == 0 || budgetedBytes + cost <= limit {
            append(item)
            return .queued
        }
        mergeDeltas()
        if case .delta(let d) = item, let i = lastDeltaIndex(topic: d.topic), case .delta(let queued) = items[i] {
            replace(at: i, with: .delta(DeltaPayload.merged([queued, d])))
        } else {
            append(item)
        }
        return isOverBudget ? .overflow : .merged
    }

    /// Over budget, unless one lone delta is larger than the budget (a burst of thousands of entities
    /// is legitimate): that is tolerated up to `loneItemFactor` times the budget.
    var isOverBudget: Bool {
        guard budgetedBytes > limit else { return false }
        let counted = costs.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        return counted > 1 || budgetedBytes > limit * Self.loneItemFactor
    }

    static let loneItemFactor = 8

    mutating func pop() -> OutboundItem? {
        guard let item = items.popFirst() else { return nil }
        account(item, cost: costs.removeFirst(), sign: -1)
        return item
    }

    /// Removes everything queued for `topic` (unsubscribed, or superseded by a snapshot).
    mutating func dropTopic(_ topic: String) {
        guard items.contains(where: { $0.topic == topic }) else { return }
        var kept: Deque<OutboundItem> = [], keptCosts: Deque<Int> = []
        for (item, cost) in zip(items, costs) {
            if item.topic == topic {
                account(item, cost: cost, sign: -1)
            } else {
                kept.append(item)
                keptCosts.append(cost)
            }
        }
        items = kept
        costs = keptCosts
    }

    mutating func removeAll() {
        items.removeAll()
        costs.removeAll()
        budgetedBytes = 0
        totalBytes = 0
    }

    /// Replaces each topic's queued deltas by one merged delta at the position of the first.
    mutating func mergeDeltas() {
        var byTopic: [String: [DeltaPayload]] = [:]
        for case .delta(let d) in items { byTopic[d.topic, default: []].append(d) }
        guard byTopic.values.contains(where: { $0.count > 1 }) else { return }
        var placed = Set<String>()
        var rebuilt: Deque<OutboundItem> = []
        budgetedBytes = 0
        totalBytes = 0
        for item in items {
            guard case .delta(let d) = item, let group = byTopic[d.topic], group.count > 1 else {
                rebuilt.append(item)
                continue
            }
            if placed.insert(d.topic).inserted { rebuilt.append(.delta(DeltaPayload.merged(group))) }
        }
        items = []
        costs = []
        for item in rebuilt { append(item) }
    }

    private mutating func append(_ item: OutboundItem) {
        let cost = cost(of: item)
        items.append(item)
        costs.append(cost)
        account(item, cost: cost, sign: 1)
    }

    private mutating func replace(at i: Int, with item: OutboundItem) {
        account(items[i], cost: costs[i], sign: -1)
        let cost = cost(of: item)
        items[i] = item
        costs[i] = cost
        account(item, cost: cost, sign: 1)
    }

    /// What `item` costs this client: ``OutboundItem/budgetBytes(deflate:)``, or for a delta of a topic it selected
    /// on, its projection's bytes (compressed at the delta's own estimated ratio). The projection is made here once
    /// per delta and selection and shared with the writers (``DeltaPayload/selected(_:)``).
    func cost(of item: OutboundItem) -> Int {
        guard !selections.isEmpty, case .delta(let d) = item, let selection = selections[d.topic] else {
            return item.budgetBytes(deflate: deflate)
        }
        let plain = d.selected(selection).buffer.readableBytes
        return deflate ? max(1, d.compressedBytes * plain / max(1, d.buffer.readableBytes)) : plain
    }

    private func lastDeltaIndex(topic: String) -> Int? {
        items.lastIndex { if case .delta(let d) = $0 { d.topic == topic } else { false } }
    }

    private mutating func account(_ item: OutboundItem, cost: Int, sign: Int) {
        budgetedBytes += sign * cost
        totalBytes += sign * item.totalBytes
    }
}

extension OutboundItem {
    var topic: String? {
        switch self {
        case .snapshot(let t, _): t
        case .delta(let d): d.topic
        case .control, .close, .ping: nil
        }
    }

    var totalBytes: Int {
        switch self {
        case .snapshot(_, let f): f.buffer.readableBytes
        case .delta(let d): d.buffer.readableBytes
        case .control(let b): b.readableBytes
        case .close, .ping: 0
        }
    }
}
