import Foundation
import Synchronization
import SwitchboardCore

/// The simulator's side of the seed's journey event stream (docs/simulator.md, "The seed's event stream"): callback
/// WebSockets, subscriptions bound to them by their `callbackUrl`, a token bucket per subscription with a queue
/// behind it (backpressure), heartbeats and the faults. Events come from every org's ``SimSeedEventTranslator``;
/// ``deliver(org:events:)`` and ``pump(realNow:)`` run on the simulator's tick.
final class SimEventStreamServer: Sendable {
    struct Connection {
        let id: String
        let org: String
        let socket: SimSeedSocket
        let callbackURL: String
        var lastHeartbeat: EpochMillis
    }

    struct Subscription {
        let id: String
        let org: String
        let callbackURL: String
        var connectionID: String?
        let maxPerSecond: Int
        let eventTypes: [String]
        let filterByCustomerID: Bool
        /// Frames waiting for the bucket, oldest first from `head`.
        var queue: [String] = []
        var head = 0
        var tokens: Double
        var refilledAt: EpochMillis
        var lastBackpressure: EpochMillis = 0
        var queued: Int { queue.count - head }
    }

    typealias Stats = SimEventStreamStats

    struct Shared {
        var connections: [String: Connection] = [:]
        var subscriptions: [String: Subscription] = [:]
        var stats: [String: Stats] = [:]
        var next: UInt64 = 0
        var closing = false
    }

    let state = Mutex(Shared())
    let heartbeatMs: EpochMillis
    /// Frames a subscription may queue behind its bucket; beyond, the oldest are dropped (and counted).
    let maxQueued: Int

    init(heartbeatMs: EpochMillis, maxQueued: Int = 100_000) {
        self.heartbeatMs = max(100, heartbeatMs)
        self.maxQueued = max(1, maxQueued)
    }

    static let path = "/api/v2/eventstreams/callbacks"

    // MARK: - Connections

    /// Registers a callback socket of `org` on `base` (`ws://HOST:PORT`): sends `connection.opened`.
    func open(org: String, socket: SimSeedSocket, base: String, realNow: EpochMillis) -> String? {
        let opened = state.withLock { s -> Connection? in
            guard !s.closing else { return nil }
            s.next += 1
            let id = "conn-\(s.next)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
            let c = Connection(id: id, org: org, socket: socket, callbackURL: base + Self.path + "?connectionId=" + id,
                               lastHeartbeat: realNow)
            s.connections[id] = c
            return c
        }
        guard let c = opened else {
            socket.close(code: 1001, reason: "the server is shutting down")
            return nil
        }
        var w = JSONWriter()
        w.object { w in
            w.field("type", plain: "connection.opened")
            w.field("connectionId", plain: c.id)
            w.field("callbackUrl", c.callbackURL)
        }
        socket.send(.text(String(decoding: w.bytes, as: UTF8.self)))
        return c.id
    }

    /// Connection `id` ended: its subscriptions are orphaned (their queued events are dropped).
    func closed(connection id: String) {
        state.withLock { s in
            guard let c = s.connections.removeValue(forKey: id) else { return }
            for (sid, sub) in s.subscriptions where sub.connectionID == id {
                Self.orphan(&s, sid, org: c.org)
            }
        }
    }

    private static func orphan(_ s: inout Shared, _ id: String, org: String) {
        guard var sub = s.subscriptions[id], sub.connectionID != nil else { return }
        s.stats[org, default: Stats()].dropped += sub.queued
        sub.connectionID = nil
        sub.queue = []
        sub.head = 0
        s.subscriptions[id] = sub
        s.stats[org, default: Stats()].orphaned += 1
    }

    /// Closes every callback socket (1001) and takes no new ones: the simulator is shutting down.
    func finishAll() {
        let sockets = state.withLock { s -> [SimSeedSocket] in
            s.closing = true
            return s.connections.values.map(\.socket)
        }
        for socket in sockets { socket.close(code: 1001, reason: "the server is shutting down") }
    }

    // MARK: - Subscriptions

    struct Request: Decodable {
        struct Filters: Decodable { let eventTypes: [String]? }
        let resourceTypes: [String]?
        let filters: Filters?
        let callbackUrl: String?
        let maxEventsPerSecond: Int?
        let filterByCustomerId: Bool?
    }

    /// `POST /api/v2/eventstreams/subscriptions`: 201 whether or not the callback matches a live connection (an
    /// unmatched one is `orphaned`: the seed's silent failure).
    func subscribe(org: String, _ r: Request, realNow: EpochMillis) -> Result<[UInt8], APIError> {
        if let types = r.resourceTypes, !types.allSatisfy({ $0 == "interaction" }) {
            return .failure(.badRequest("resourceTypes must be [\"interaction\"]; got \(types)."))
        }
        let types = r.filters?.eventTypes ?? SimSeedEvent.types
        let unknown = types.filter { !SimSeedEvent.types.contains($0) }
        guard unknown.isEmpty, !types.isEmpty else {
            return .failure(.badRequest("filters.eventTypes must be a non-empty subset of \(SimSeedEvent.types); unknown: \(unknown)."))
        }
        let max = r.maxEventsPerSecond ?? 50
        guard (1...100).contains(max) else {
            return .failure(.badRequest("maxEventsPerSecond must be 1…100; got \(max)."))
        }
        guard let url = r.callbackUrl, !url.isEmpty else { return .failure(.badRequest("callbackUrl is required.")) }
        return .success(state.withLock { s -> [UInt8] in
            s.next += 1
            let id = "sub-\(s.next)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
            let bound = s.connections.values.first { $0.org == org && $0.callbackURL == url }?.id
            let sub = Subscription(id: id, org: org, callbackURL: url, connectionID: bound, maxPerSecond: max,
                                   eventTypes: types, filterByCustomerID: r.filterByCustomerId ?? false,
                                   tokens: Double(max), refilledAt: realNow)
            s.subscriptions[id] = sub
            return Self.json(sub)
        })
    }

    func get(org: String, id: String) -> Result<[UInt8], APIError> {
        state.withLock { s in
            guard let sub = s.subscriptions[id], sub.org == org else {
                return .failure(.notFound("Subscription \(id) does not exist."))
            }
            return .success(Self.json(sub))
        }
    }

    func delete(org: String, id: String) -> Result<[UInt8], APIError> {
        state.withLock { s in
            guard let sub = s.subscriptions[id], sub.org == org else {
                return .failure(.notFound("Subscription \(id) does not exist."))
            }
            s.stats[org, default: Stats()].dropped += sub.queued
            s.subscriptions[id] = nil
            return .success([])
        }
    }

    static func json(_ sub: Subscription) -> [UInt8] {
        var w = JSONWriter()
        w.object { w in
            w.field("id", plain: sub.id)
            w.field("state", plain: sub.connectionID == nil ? "orphaned" : "active")
            w.field("callbackUrl", sub.callbackURL)
            w.field("connectionId", optional: sub.connectionID)
            w.field("maxEventsPerSecond", sub.maxPerSecond)
            w.array("eventTypes") { w in for t in sub.eventTypes { w.plain(t) } }
            w.field("filterByCustomerId", sub.filterByCustomerID)
        }
        return w.bytes
    }

    // MARK: - Events

    /// Queues `events` on every active subscription of `org` that wants them.
    func deliver(org: String, events: [SimSeedEvent]) {
        guard !events.isEmpty else { return }
        state.withLock { s in
            for (id, var sub) in s.subscriptions where sub.org == org && sub.connectionID != nil {
                for e in events where sub.eventTypes.contains(e.type) {
                    if sub.filterByCustomerID && (e.customerID ?? "").isEmpty { continue }
                    sub.queue.append(e.frame(subscription: id))
                }
                if sub.queued > maxQueued {
                    let extra = sub.queued - maxQueued
                    sub.head += extra
                    s.stats[org, default: Stats()].dropped += extra
                }
                s.subscriptions[id] = sub
            }
        }
    }

    /// Sends what each bucket allows, a backpressure notice (at most once a second) where events wait, and the
    /// heartbeats that are due.
    func pump(realNow: EpochMillis) {
        var sends: [(SimSeedSocket, [String])] = []
        state.withLock { s in
            for (id, var sub) in s.subscriptions {
                guard let cid = sub.connectionID, let c = s.connections[cid] else { continue }
                let rate = Double(sub.maxPerSecond)
                sub.tokens = min(rate, sub.tokens + rate * Double(max(0, realNow - sub.refilledAt)) / 1000)
                sub.refilledAt = realNow
                let n = min(Int(sub.tokens), sub.queued)
                var out: [String] = []
                if n > 0 {
                    out = Array(sub.queue[sub.head..<(sub.head + n)])
                    sub.head += n
                    sub.tokens -= Double(n)
                    s.stats[sub.org, default: Stats()].eventsSent += n
                }
                if sub.queued > 0 && realNow - sub.lastBackpressure >= 1000 {
                    sub.lastBackpressure = realNow
                    out.append(#"{"type":"backpressure","subscriptionId":"\#(id)","queued":\#(sub.queued),"maxEventsPerSecond":\#(sub.maxPerSecond)}"#)
                    s.stats[sub.org, default: Stats()].backpressureSent += 1
                }
                if sub.head > 4096 && sub.head * 2 > sub.queue.count {
                    sub.queue.removeFirst(sub.head)
                    sub.head = 0
                }
                s.subscriptions[id] = sub
                if !out.isEmpty { sends.append((c.socket, out)) }
            }
            for (id, c) in s.connections where realNow - c.lastHeartbeat >= heartbeatMs {
                s.connections[id]?.lastHeartbeat = realNow
                sends.append((c.socket, [#"{"type":"heartbeat","timestamp":\#(realNow)}"#]))
            }
        }
        for (socket, frames) in sends {
            for f in frames { socket.send(.text(f)) }
        }
    }

    // MARK: - Faults and stats

    func inject(_ fault: SimEventStreamFault, org: String) -> String {
        switch fault {
        case .drop:
            let sockets = state.withLock { s in s.connections.values.filter { $0.org == org }.map(\.socket) }
            for socket in sockets { socket.abort() }
            return "\(sockets.count) callback socket(s) closed abruptly"
        case .orphan:
            return state.withLock { s in
                let ids = s.subscriptions.filter { $0.value.org == org && $0.value.connectionID != nil }.map(\.key)
                for id in ids { Self.orphan(&s, id, org: org) }
                return "\(ids.count) subscription(s) silently unbound"
            }
        }
    }

    func stats(org: String) -> Stats {
        state.withLock { s in
            var st = s.stats[org] ?? Stats()
            st.connections = s.connections.values.filter { $0.org == org }.count
            let subs = s.subscriptions.values.filter { $0.org == org }
            st.subscriptions = subs.count
            st.active = subs.filter { $0.connectionID != nil }.count
            st.queued = subs.reduce(0) { $0 + $1.queued }
            return st
        }
    }
}

/// What tests read of an org's seed event stream (``GenesysSimulator/eventStreamStats(org:)``).
public struct SimEventStreamStats: Sendable, Equatable, Codable {
    /// Callback sockets open now.
    public var connections = 0
    /// Subscriptions kept (active or orphaned), and those bound to a live connection.
    public var subscriptions = 0
    public var active = 0
    /// Event frames sent, backpressure notices sent, frames waiting behind the buckets now.
    public var eventsSent = 0
    public var backpressureSent = 0
    public var queued = 0
    /// Frames dropped: queued on a subscription that was orphaned or deleted, or beyond the queue's cap.
    public var dropped = 0
    /// Times a subscription lost its connection (a close or the `eventstream-orphan` fault).
    public var orphaned = 0
}
