import SwitchboardCore

/// Which orgs this replica leads, as a pure state machine (docs/scale-out.md). Events come in with the time they
/// happened at; each returns the actions the owner performs, in order. No I/O, no clock, no randomness of its own.
///
/// Rules it keeps:
/// - An org's connector is started only after this replica's session got the org's lock, with the term that
///   acquisition recorded; never twice without a ``Action/stopConnector(_:)`` (and its
///   ``connectorStopped(_:)``) between.
/// - Session lost: every connector is stopped at once (the locks went with the session) and nothing is tried or
///   started until a new session is open; the session is reopened with ``sessionBackoff(random:)``.
/// - Share: at most ⌈orgs / live replicas⌉ orgs (this replica counted), and at most one lock attempt in flight,
///   so a replica never holds more than its share. Over it (a replica joined), the least preferred are given up:
///   the connector stops first, then the lock is released.
/// - Preference: the placement every replica computes alike (``RendezvousHash/assignment(orgs:replicas:capacity:)``)
///   first, then the rest by this replica's rendezvous score, so an org whose placed replica cannot take it is
///   still led by someone.
/// - An org removed from the configuration is stopped and unlocked.
/// - Shutdown: stop every connector, unlock, ``Action/markGone``, ``Action/finished``; the others take over at
///   their next check, without waiting for `replicaTimeout`.
///
/// Times are wall-clock epoch milliseconds: the heartbeats in ``replicasSeen(_:now:)`` must be on the clock of
/// `now` (the owner can read each replica's age from the database and subtract it from `now`).
public struct LeadershipStateMachine: Sendable {
    public let replica: String
    public let replicaTimeout: Duration
    private var backoff: Backoff
    private(set) var session: Session = .closed
    private var started = false
    private var stopping = false
    private var done = false
    /// Orgs in the configuration in force.
    public private(set) var configured: Set<OrgID> = []
    /// Live replicas at the last read of this session (this one included); nil before it.
    public private(set) var live: Set<String>?
    private(set) var slots: [OrgID: Slot] = [:]
    /// Orgs still to try in this round, most preferred first. A round runs to its end before the next begins,
    /// so every org gets its attempt even when the answers are slower than the reads of the replicas.
    private var candidates: [OrgID] = []

    public init(_ configuration: Configuration) {
        self.replica = configuration.replica
        self.replicaTimeout = configuration.replicaTimeout
        self.backoff = configuration.backoff
    }

    // MARK: - Read-only status

    /// Orgs whose connector runs here, with its term.
    public var leading: [OrgID: Int64] {
        slots.compactMapValues(\.runningTerm)
    }

    /// The most orgs this replica may lead now; 0 before the session's first read of the replicas.
    public var share: Int {
        guard let live else { return 0 }
        return RendezvousHash.share(orgs: configured.count, replicas: live.count)
    }

    public var status: Status {
        Status(replica: replica, sessionOpen: isOpen, liveReplicas: live?.count ?? 0, share: share, leading: leading,
               shuttingDown: stopping, sessionFailures: backoff.failures)
    }

    var isOpen: Bool { if case .open = session { true } else { false } }

    // MARK: - Events

    /// The owner starts: open the first session at once.
    public mutating func start() -> [Action] {
        guard !started, !stopping else { return [] }
        started = true
        session = .opening
        return [.openSession(after: .zero)]
    }

    /// The dedicated session is open (no lock is held on it yet): heartbeat and read the replicas.
    public mutating func sessionOpened(now: EpochMillis) -> [Action] {
        guard session == .opening, !done else { return [] }
        session = .open(since: now)
        live = nil
        if stopping {
            // Shutdown began while the session was opening: finish as soon as the connectors are stopped.
            return finishIfIdle()
        }
        return [.heartbeat, .readReplicas]
    }

    /// The session could not be opened, or was lost (its locks went with it): stop every connector at once,
    /// then reopen after the backoff (or finish, during shutdown).
    public mutating func sessionLost(reason: String, now: EpochMillis) -> [Action] {
        guard !done, session != .closed else { return [] }
        if case .open(let since) = session {
            backoff.connectionEnded(uptime: .milliseconds(max(0, now - since)))
        }
        session = .closed
        live = nil
        candidates = []
        var actions: [Action] = []
        for org in slots.keys.sorted() {
            var slot = slots[org]!
            slot.lock = .none
            slot.releasing = false
            if case .running = slot.connector {
                slot.connector = .stopping
                actions.append(.stopConnector(org))
            }
            store(org, slot)
        }
        if stopping { return actions + finishIfIdle() }
        session = .opening
        actions.append(.openSession(after: backoff.nextDelay()))
        return actions
    }

    /// The owner's periodic check (every `leaseCheck`): heartbeat and read the replicas.
    public mutating func tick(now: EpochMillis) -> [Action] {
        guard isOpen, !stopping else { return [] }
        return [.heartbeat, .readReplicas]
    }

    /// The replicas not marked gone, with their last heartbeats (on the clock of `now`). Those heard from within
    /// `replicaTimeout` count as live; this replica always does. Rebalances: gives up orgs over the share, and
    /// starts a round of lock attempts when under it.
    public mutating func replicasSeen(_ heartbeats: [String: EpochMillis], now: EpochMillis) -> [Action] {
        guard isOpen, !stopping else { return [] }
        let timeout = replicaTimeout.milliseconds
        var seen: Set<String> = [replica]
        for (name, beat) in heartbeats where now - beat < timeout { seen.insert(name) }
        live = seen
        return rebalance(newRound: false)
    }

    /// The orgs of the configuration in force (at start and after each reload). An org no longer in it is
    /// stopped and unlocked; a new one is tried at once when there is room.
    public mutating func orgsConfigured(_ orgs: Set<OrgID>) -> [Action] {
        guard !done else { return [] }
        configured = orgs
        var actions: [Action] = []
        for org in slots.keys.sorted() where !orgs.contains(org) { actions += release(org) }
        candidates.removeAll { !orgs.contains($0) }
        if isOpen && !stopping { actions += rebalance(newRound: true) }
        return actions
    }

    /// The result of ``Action/tryLock(_:)``: `term` is the org's new term when `acquired`.
    public mutating func lockResult(_ org: OrgID, acquired: Bool, term: Int64?) -> [Action] {
        guard var slot = slots[org], slot.lock == .trying else { return [] }
        guard acquired else {
            slot.lock = .none
            store(org, slot)
            return stopping ? finishIfIdle() : nextTry()
        }
        // Granted, but not wanted any more (shutdown, removed, no room, an old connector still stopping), or
        // without a term to fence with: give it back at once, starting nothing.
        // (`committed` still counts this attempt.)
        let wanted = !stopping && configured.contains(org) && !slot.releasing && committed <= share
            && slot.connector == .stopped
        guard let term, wanted else {
            slot.lock = .unlocking
            store(org, slot)
            return [.unlock(org)] + (stopping ? [] : nextTry())
        }
        slot.lock = .held(term: term)
        slot.connector = .running(term: term)
        store(org, slot)
        return [.startConnector(org, term: term)] + nextTry()
    }

    /// The connector stopped (after ``Action/stopConnector(_:)``): release the lock if this session holds it.
    public mutating func connectorStopped(_ org: OrgID) -> [Action] {
        guard var slot = slots[org], slot.connector == .stopping else { return [] }
        slot.connector = .stopped
        var actions: [Action] = []
        if slot.isHeld {
            slot.lock = .unlocking
            actions.append(.unlock(org))
        }
        store(org, slot)
        return actions + (stopping ? finishIfIdle() : [])
    }

    /// The lock was released (after ``Action/unlock(_:)``).
    public mutating func unlockDone(_ org: OrgID) -> [Action] {
        guard var slot = slots[org], slot.lock == .unlocking else { return [] }
        slot.lock = .none
        store(org, slot)
        return stopping ? finishIfIdle() : nextTry()
    }

    /// Graceful shutdown: stop every connector, release every lock, mark this replica gone, finish.
    public mutating func shutdown() -> [Action] {
        guard !stopping, !done else { return [] }
        stopping = true
        candidates = []
        var actions: [Action] = []
        for org in slots.keys.sorted() { actions += release(org) }
        return actions + finishIfIdle()
    }

    // MARK: - Rules

    /// Orgs held or being tried that are not being given up: what counts against the share.
    private var committed: Int {
        slots.values.count(where: { !$0.releasing && ($0.lock == .trying || $0.isHeld) })
    }

    private mutating func store(_ org: OrgID, _ slot: Slot) {
        if slot.isIdle { slots[org] = nil } else { slots[org] = slot }
    }

    /// Gives an org up: stop its connector (the unlock follows ``connectorStopped(_:)``), or unlock it when no
    /// connector runs. An attempt in flight is given back when its result arrives.
    private mutating func release(_ org: OrgID) -> [Action] {
        guard var slot = slots[org] else { return [] }
        slot.releasing = true
        var actions: [Action] = []
        if case .running = slot.connector {
            slot.connector = .stopping
            actions.append(.stopConnector(org))
        } else if slot.isHeld && slot.connector == .stopped {
            slot.lock = .unlocking
            actions.append(.unlock(org))
        }
        store(org, slot)
        return actions
    }

    /// This replica's order of preference: the orgs the common placement gives it, then the others, each by
    /// its rendezvous score.
    private func preference(live: Set<String>) -> [OrgID] {
        let placed = RendezvousHash.assignment(orgs: configured, replicas: live, capacity: share)
        let mine = Set(configured.filter { placed[$0] == replica })
        let ranked = RendezvousHash.preference(of: replica, among: configured)
        return ranked.filter(mine.contains) + ranked.filter { !mine.contains($0) }
    }

    /// Gives up the least preferred orgs over the share, then goes on with the round of attempts, or starts a
    /// new one when the last has ended (or `newRound`: the orgs changed).
    private mutating func rebalance(newRound: Bool) -> [Action] {
        guard let live else { return [] }
        let order = preference(live: live)
        var actions: [Action] = []
        // Only held orgs are given up here: an attempt in flight is checked against the share when its result
        // arrives (``lockResult(_:acquired:term:)``), and given back if there is no room.
        let held = order.filter { org in slots[org].map { !$0.releasing && $0.isHeld } ?? false }
        if held.count > share {
            for org in held.reversed().prefix(held.count - share) { actions += release(org) }
        }
        if newRound || candidates.isEmpty { candidates = order.filter { slots[$0] == nil } }
        return actions + nextTry()
    }

    /// The next lock attempt of the round, if there is room and none is in flight. At the share, the round ends.
    private mutating func nextTry() -> [Action] {
        guard isOpen, !stopping, live != nil else { return [] }
        guard !slots.values.contains(where: { $0.lock == .trying }) else { return [] }
        guard committed < share else {
            candidates = []
            return []
        }
        while !candidates.isEmpty {
            let org = candidates.removeFirst()
            guard configured.contains(org), slots[org] == nil else { continue }
            slots[org] = Slot(lock: .trying)
            return [.tryLock(org)]
        }
        return []
    }

    /// During shutdown: once no connector runs and no lock is held or pending, mark gone (with a session) and
    /// finish.
    private mutating func finishIfIdle() -> [Action] {
        guard stopping, !done, slots.isEmpty else { return [] }
        done = true
        let open = isOpen
        session = .closed
        return open ? [.markGone, .finished] : [.finished]
    }
}
