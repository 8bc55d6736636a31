import NIOCore
import Synchronization
import SwitchboardCore

/// What drains a connection's queue: told when something was queued (``StreamChannelHandler``'s waker).
protocol ConnectionWaker: AnyObject, Sendable {
    func wake()
}

/// One stream client: its credential, subscriptions and bounded outbound queue.
///
/// The hub pushes without ever waiting: a push is a queue append under this connection's lock plus a
/// wake-up of the connection's writer (``StreamChannelHandler``, which drains the queue on the socket's event
/// loop). Lock order is always hub → connection.
public final class ClientConnection: Sendable {
    /// WebSocket close codes the hub uses.
    enum CloseCode {
        static let policy: UInt16 = 1008
        static let tryAgainLater: UInt16 = 1013
    }

    struct State {
        var queue: OutboundQueue
        var principal: HubPrincipal
        /// The raw credential, kept to re-check it when the auth config changes.
        var token: Secret?
        var subscriptions: Set<HubTopic> = []
        /// Topics (names as in their deltas) on which this client asked for field-level patches.
        var patchTopics: Set<String> = []
        /// Set once the connection is being closed; later pushes are dropped.
        var terminated: (reason: String, at: ContinuousClock.Instant)?
        var writingSince: ContinuousClock.Instant?
    }

    let id: Int
    private let state: Mutex<State>
    /// Tells the writer that the queue has something (set by the transport; cleared when the connection ends,
    /// which also breaks the connection → writer → connection cycle). An object, not a closure: a closure kept in
    /// the generic `Mutex` came back wrapped in reabstraction thunks on every read (a profile of 10,000 clients
    /// showed chains of them in the hub's flush).
    private let waker = Mutex<(any ConnectionWaker)?>(nil)
    let metrics: HubMetrics
    /// Force-closes the underlying channel (releases a writer stuck on a peer that stopped reading).
    let forceClose: @Sendable () -> Void

    init(id: Int, principal: HubPrincipal, token: Secret?, queueLimit: Int, metrics: HubMetrics, deflate: Bool = false,
         forceClose: @escaping @Sendable () -> Void) {
        self.id = id
        self.metrics = metrics
        self.forceClose = forceClose
        state = Mutex(State(queue: OutboundQueue(limit: queueLimit, deflate: deflate), principal: principal, token: token))
    }

    /// Installs the writer's wake-up (woken at once when something is queued already).
    func setWaker(_ wake: any ConnectionWaker) {
        waker.withLock { $0 = wake }
        let pending = state.withLock { !$0.queue.isEmpty }
        if pending { wake.wake() }
    }

    private func wake() {
        let w = waker.withLock { $0 }
        w?.wake()
    }

    var principal: HubPrincipal { state.withLock { $0.principal } }
    var token: Secret? { state.withLock { $0.token } }
    var subscriptions: Set<HubTopic> { state.withLock { $0.subscriptions } }
    var isTerminated: Bool { state.withLock { $0.terminated != nil } }

    func setPrincipal(_ p: HubPrincipal, token: Secret?) {
        state.withLock {
            $0.principal = p
            $0.token = token
        }
    }

    /// Records a subscription; false when it exists already or the limit is reached.
    func addSubscription(_ topic: HubTopic, limit: Int) -> Bool {
        state.withLock {
            guard $0.subscriptions.count < limit || $0.subscriptions.contains(topic) else { return false }
            $0.subscriptions.insert(topic)
            return true
        }
    }

    func hasSubscription(_ topic: HubTopic) -> Bool { state.withLock { $0.subscriptions.contains(topic) } }

    /// Whether deltas of `topic` go to this client with field-level patches (`"patches":true` on its subscribe).
    func setPatches(_ on: Bool, topic: String) {
        state.withLock { if on { $0.patchTopics.insert(topic) } else { $0.patchTopics.remove(topic) } }
    }

    func wantsPatches(_ topic: String) -> Bool { state.withLock { $0.patchTopics.contains(topic) } }

    /// What this client takes of `topic`'s messages: everything (nil) or a selection (`"select"` on its subscribe).
    func setSelection(_ selection: StreamSelection?, topic: String) {
        state.withLock { $0.queue.selections[topic] = selection }
    }

    /// How a delta of `topic` goes to this client: its selection, else patches or whole records. One lock.
    func deltaForm(_ topic: String) -> (patches: Bool, selection: StreamSelection?) {
        state.withLock { ($0.patchTopics.contains(topic), $0.queue.selections[topic]) }
    }

    /// Queues a snapshot of `topic`, projected first when this client selected on it (``StreamSelection``). Called
    /// by the hub's jobs (subscribe, a cluster take-over), never by a writer on an event loop: a 15,000-agent snapshot
    /// is megabytes. Once per snapshot frame and selection, shared by every client taking that frame (SelectionCache).
    @discardableResult
    func pushSnapshot(topic: String, _ frame: SharedFrame) -> Bool {
        let selection = state.withLock { $0.queue.selections[topic] }
        return push(.snapshot(topic: topic, selection.map { s in frame.selections.frame(for: s) { s.snapshot(frame.buffer) } } ?? frame))
    }

    /// Removes a subscription and anything still queued for it.
    @discardableResult
    func removeSubscription(_ topic: HubTopic) -> Bool {
        state.withLock {
            guard $0.subscriptions.remove(topic) != nil else { return false }
            $0.patchTopics.remove(topic.description)
            $0.queue.selections[topic.description] = nil
            let before = $0.queue.totalBytes
            $0.queue.dropTopic(topic.description)
            metrics.queueBytes.increment(by: Double($0.queue.totalBytes - before))
            return true
        }
    }

    /// Queues a frame. On overflow the queue is merged; if still over budget the connection is
    /// evicted with `slow-consumer`. Returns false when the connection is (now) terminated.
    @discardableResult
    func push(_ item: OutboundItem) -> Bool {
        let result: OutboundQueue.PushResult? = state.withLock {
            guard $0.terminated == nil else { return nil }
            let before = $0.queue.totalBytes
            let result = $0.queue.push(item)
            metrics.queueBytes.increment(by: Double($0.queue.totalBytes - before))
            if result == .overflow {
                terminateLocked(&$0, code: "slow-consumer", closeCode: CloseCode.tryAgainLater,
                                message: "the client did not read fast enough; reconnect and resume with since")
            }
            return result
        }
        guard let result else { return false }
        if result != .queued { metrics.merges.increment() }
        if result == .overflow { metrics.eviction(reason: "slow-consumer") }
        wake()
        return result != .overflow
    }

    /// Ends the connection: drops what is queued, sends `{"type":"error","code":…}` and a close frame
    /// best-effort; the watchdog force-closes the channel if the writer cannot deliver them in time.
    func terminate(code: String, closeCode: UInt16, message: String) {
        let done = state.withLock { s -> Bool in
            guard s.terminated == nil else { return false }
            terminateLocked(&s, code: code, closeCode: closeCode, message: message)
            return true
        }
        if done {
            metrics.eviction(reason: code)
            wake()
        }
    }

    /// Ends the connection with a close frame alone (no error message, not an eviction): a server shutdown.
    func close(code: UInt16, reason: String) {
        let done = state.withLock { s -> Bool in
            guard s.terminated == nil else { return false }
            terminateLocked(&s, code: reason, closeCode: code, message: nil)
            return true
        }
        if done { wake() }
    }

    /// Replaces what is queued by the error message (when given) and the close frame.
    private func terminateLocked(_ s: inout State, code: String, closeCode: UInt16, message: String?) {
        metrics.queueBytes.decrement(by: Double(s.queue.totalBytes))
        s.queue.removeAll()
        if let message { _ = s.queue.push(.control(HubFrame.error(code, message))) }
        _ = s.queue.push(.close(code: closeCode, reason: code))
        metrics.queueBytes.increment(by: Double(s.queue.totalBytes))
        s.terminated = (code, .now)
    }

    /// The writer takes the next item.
    func beginWrite() -> OutboundItem? {
        state.withLock {
            guard let item = $0.queue.pop() else { return nil }
            metrics.queueBytes.decrement(by: Double(item.totalBytes))
            return item
        }
    }

    func endWrite() { state.withLock { $0.writingSince = nil } }

    /// The writer cannot write (the socket's buffer is full: the peer is not reading): the watchdog's write
    /// timeout runs from the first such moment until ``endWrite()``.
    func writeBlocked() { state.withLock { if $0.writingSince == nil { $0.writingSince = .now } } }

    /// Forgets the writer (the connection is gone) and drops what is queued.
    func finish() {
        waker.withLock { $0 = nil }
        state.withLock {
            metrics.queueBytes.decrement(by: Double($0.queue.totalBytes))
            $0.queue.removeAll()
            if $0.terminated == nil { $0.terminated = ("closed", .now) }
        }
    }

    /// What the watchdog must do now, given the write timeout and the grace after termination.
    enum WatchdogAction: Equatable { case none, expire, writeTimeout, forceClose }

    func watchdogCheck(now: ContinuousClock.Instant, realNow: EpochMillis, writeTimeout: Duration,
                       closeGrace: Duration) -> WatchdogAction {
        state.withLock {
            if let t = $0.terminated { return now - t.at >= closeGrace ? .forceClose : .none }
            if let w = $0.writingSince, now - w >= writeTimeout { return .writeTimeout }
            if let exp = $0.principal.expiresAt, realNow >= exp { return .expire }
            return .none
        }
    }
}
