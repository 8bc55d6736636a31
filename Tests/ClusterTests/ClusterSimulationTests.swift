import Cluster
import SwitchboardCore
import Testing

/// Several replicas' machines against a fake database, driven by a deterministic loop: one step is one
/// `leaseCheck` (1 s) in which every replica, in name order, gets its connectors' stop reports from the step
/// before, opens its session when due, and ticks. Every operation on the fake database answers at once, or, with
/// `asyncResults`, lock and unlock results arrive at the replica's next turn (other events come first, as on a
/// real connection), and are dropped when the session that asked has ended meanwhile (the driver's rule).
///
/// The fake lock table grants an org's lock to at most one session (re-entrant for the holder, like
/// `pg_try_advisory_lock`), increments the org's term on every grant, and drops a session's locks when the
/// session ends. After every step, at most one replica may have started and not stopped a connector per org.
struct ClusterSim {
    struct Replica {
        var machine: LeadershipStateMachine
        /// The open session's id.
        var session: Int?
        var reopenAt: EpochMillis?
        /// The database refuses this replica's sessions.
        var cutOff = false
        var finished = false
        /// Connectors told to stop, reported stopped at the next step.
        var stopping: [OrgID] = []
        /// Lock and unlock results not yet reported (`asyncResults`), with the session that asked.
        var pending: [(session: Int, org: OrgID, acquired: Bool?, term: Int64?)] = []
    }

    /// Lock and unlock results arrive a step later.
    var asyncResults = false

    let leaseCheck: EpochMillis = 1000
    let replicaTimeout: Duration
    var now: EpochMillis = 1_800_000_000_000
    var replicas: [String: Replica] = [:]
    var orgs: Set<OrgID>
    /// The database.
    var locks: [OrgID: Int] = [:]
    var terms: [OrgID: Int64] = [:]
    var heartbeats: [String: EpochMillis] = [:]
    var gone: Set<String> = []
    private var nextSession = 1
    /// Connectors started and not yet told to stop, per org.
    var running: [OrgID: Set<String>] = [:]
    var violations: [String] = []

    init(orgs: Set<OrgID>, replicaTimeout: Duration = .seconds(10)) {
        self.orgs = orgs
        self.replicaTimeout = replicaTimeout
    }

    mutating func add(_ name: String) {
        var m = LeadershipStateMachine(.init(replica: name, replicaTimeout: replicaTimeout,
                                             backoff: LeadershipStateMachine.sessionBackoff(random: { 0.5 })))
        _ = m.orgsConfigured(orgs)
        replicas[name] = Replica(machine: m)
        feed(name) { $0.start() }
    }

    /// Runs one event on a replica's machine and performs its actions (and those of the results), to the end.
    mutating func feed(_ name: String, _ event: (inout LeadershipStateMachine) -> [LeadershipStateMachine.Action]) {
        guard var r = replicas[name] else { return }
        var queue = event(&r.machine)
        replicas[name] = r
        while !queue.isEmpty {
            let action = queue.removeFirst()
            var r = replicas[name]!
            var results: [LeadershipStateMachine.Action] = []
            switch action {
            case .openSession(let after):
                r.reopenAt = now + after.milliseconds
            case .heartbeat:
                heartbeats[name] = now
                gone.remove(name)
            case .readReplicas:
                let seen = heartbeats.filter { !gone.contains($0.key) }
                results = r.machine.replicasSeen(seen, now: now)
            case .tryLock(let org):
                guard let session = r.session else { Issue.record("\(name) tried \(org) without a session"); break }
                let granted = locks[org] == nil || locks[org] == session
                if granted {
                    locks[org] = session
                    terms[org, default: 0] += 1
                }
                let term = granted ? terms[org] : nil
                if asyncResults {
                    r.pending.append((session, org, granted, term))
                } else {
                    results = r.machine.lockResult(org, acquired: granted, term: term)
                }
            case .startConnector(let org, let term):
                if term != terms[org] { violations.append("\(name) started \(org) with stale term \(term)") }
                if locks[org] == nil || locks[org] != r.session {
                    violations.append("\(name) started \(org) without holding its lock")
                }
                running[org, default: []].insert(name)
                if running[org]!.count > 1 { violations.append("\(org) started on \(running[org]!.sorted()) at \(now)") }
            case .stopConnector(let org):
                if running[org]?.remove(name) == nil { violations.append("\(name) stopped \(org) it did not run") }
                r.stopping.append(org)
            case .unlock(let org):
                if let session = r.session, locks[org] == session { locks[org] = nil }
                if asyncResults, let session = r.session {
                    r.pending.append((session, org, nil, nil))
                } else {
                    results = r.machine.unlockDone(org)
                }
            case .markGone:
                gone.insert(name)
            case .finished:
                r.finished = true
                if let session = r.session { locks = locks.filter { $0.value != session } }
                r.session = nil
            }
            replicas[name] = r
            queue += results
        }
    }

    /// The database drops the replica's session (and refuses new ones while `cutOff`).
    mutating func loseSession(_ name: String, cutOff: Bool) {
        guard var r = replicas[name] else { return }
        if let session = r.session { locks = locks.filter { $0.value != session } }
        r.session = nil
        r.cutOff = cutOff
        replicas[name] = r
        let t = now
        feed(name) { $0.sessionLost(reason: "connection reset", now: t) }
    }

    mutating func reconnect(_ name: String) { replicas[name]?.cutOff = false }

    mutating func configure(_ orgs: Set<OrgID>) {
        self.orgs = orgs
        for name in replicas.keys.sorted() { feed(name) { $0.orgsConfigured(orgs) } }
    }

    mutating func step() {
        now += leaseCheck
        for name in replicas.keys.sorted() {
            guard let r = replicas[name], !r.finished || !r.stopping.isEmpty else { continue }
            let stopped = r.stopping
            replicas[name]!.stopping = []
            for org in stopped { feed(name) { $0.connectorStopped(org) } }
            let results = replicas[name]!.pending
            replicas[name]!.pending = []
            for result in results where result.session == replicas[name]!.session {
                if let acquired = result.acquired {
                    feed(name) { $0.lockResult(result.org, acquired: acquired, term: result.term) }
                } else {
                    feed(name) { $0.unlockDone(result.org) }
                }
            }
            let t = now
            if let due = replicas[name]!.reopenAt, replicas[name]!.session == nil, now >= due {
                replicas[name]!.reopenAt = nil
                if replicas[name]!.cutOff {
                    feed(name) { $0.sessionLost(reason: "refused", now: t) }
                } else {
                    replicas[name]!.session = nextSession
                    nextSession += 1
                    feed(name) { $0.sessionOpened(now: t) }
                }
            }
            feed(name) { $0.tick(now: t) }
        }
    }

    mutating func run(_ steps: Int) {
        for _ in 0..<steps { step() }
    }

    /// Who leads each org (every org's connector runs on exactly one replica when converged).
    var leaders: [OrgID: [String]] {
        Dictionary(uniqueKeysWithValues: orgs.map { ($0, (running[$0] ?? []).sorted()) })
    }

    func led(by name: String) -> Int { running.values.count(where: { $0.contains(name) }) }

    /// Every org led by exactly one replica, nothing else led, and no replica with a session over its share
    /// (⌈orgs / replicas with a session⌉).
    var converged: Bool {
        let connected = replicas.filter { $0.value.session != nil }.map(\.key)
        let share = RendezvousHash.share(orgs: orgs.count, replicas: connected.count)
        return orgs.allSatisfy { running[$0]?.count == 1 }
            && running.allSatisfy { orgs.contains($0.key) || $0.value.isEmpty }
            && connected.allSatisfy { led(by: $0) <= share }
    }
}

@Suite struct ClusterSimulationTests {
    static let three: Set<OrgID> = ["us", "emea", "apac"]

    /// Runs until converged (at most `limit` steps); returns the steps taken.
    @discardableResult
    func settle(_ sim: inout ClusterSim, limit: Int = 30, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        for n in 0..<limit {
            if sim.converged && n > 0 { return n }
            sim.step()
            #expect(sim.violations.isEmpty, "\(sim.violations)", sourceLocation: sourceLocation)
        }
        #expect(sim.converged, "not converged: \(sim.leaders)", sourceLocation: sourceLocation)
        return limit
    }

    func started(asyncResults: Bool = false) -> ClusterSim {
        var sim = ClusterSim(orgs: Self.three)
        sim.asyncResults = asyncResults
        for name in ["r1", "r2", "r3"] { sim.add(name) }
        return sim
    }

    @Test(arguments: [false, true]) func everyOrgEndsUpLedOnceAndSpread(asyncResults: Bool) {
        var sim = started(asyncResults: asyncResults)
        settle(&sim)
        for name in ["r1", "r2", "r3"] { #expect(sim.led(by: name) == 1, "\(sim.leaders)") }
        // And stays so.
        sim.run(20)
        #expect(sim.converged && sim.violations.isEmpty)
        for name in ["r1", "r2", "r3"] { #expect(sim.led(by: name) == 1) }
        // The terms the status shows are the table's.
        for (name, r) in sim.replicas {
            for (org, term) in r.machine.status.leading {
                #expect(sim.terms[org] == term && sim.leaders[org] == [name])
            }
        }
    }

    @Test(arguments: [false, true]) func aLostSessionMovesItsOrgsToTheOthers(asyncResults: Bool) {
        var sim = started(asyncResults: asyncResults)
        settle(&sim)
        let victim = "r2"
        let itsOrg = sim.leaders.first { $0.value == [victim] }!.key
        sim.loseSession(victim, cutOff: true)
        // Stopped at once, before anything else happens.
        #expect(sim.led(by: victim) == 0)
        #expect(sim.replicas[victim]!.machine.status.leading.isEmpty)
        // The others take it once the victim's heartbeat is older than replicaTimeout (10 s).
        let steps = settle(&sim, limit: 20)
        #expect(steps <= 12)
        #expect(sim.leaders[itsOrg]?.count == 1 && sim.leaders[itsOrg] != [victim])
        #expect(sim.led(by: "r1") + sim.led(by: "r3") == 3)
        #expect(sim.led(by: "r1") <= 2 && sim.led(by: "r3") <= 2)
        // Back: it takes its share again (the others give one up gracefully).
        sim.reconnect(victim)
        sim.run(40)
        #expect(sim.converged && sim.violations.isEmpty)
        for name in ["r1", "r2", "r3"] { #expect(sim.led(by: name) == 1, "\(sim.leaders)") }
    }

    @Test(arguments: [false, true]) func aGracefulShutdownHandsOverWithoutWaitingForTheTimeout(asyncResults: Bool) {
        var sim = started(asyncResults: asyncResults)
        settle(&sim)
        let leaving = "r3"
        let itsOrg = sim.leaders.first { $0.value == [leaving] }!.key
        sim.feed(leaving) { $0.shutdown() }
        #expect(sim.led(by: leaving) == 0)
        let steps = settle(&sim, limit: 20)
        // Well inside replicaTimeout (10 steps): the replica marked itself gone.
        #expect(steps <= 4)
        #expect(sim.replicas[leaving]!.finished)
        #expect(sim.gone.contains(leaving))
        #expect(sim.leaders[itsOrg]?.count == 1 && sim.leaders[itsOrg] != [leaving])
        #expect(sim.replicas[leaving]!.session == nil)
    }

    @Test func aNewReplicaTakesItsShare() {
        var sim = ClusterSim(orgs: ["a", "b", "c", "d"])
        for name in ["r1", "r2"] { sim.add(name) }
        settle(&sim)
        #expect(sim.led(by: "r1") == 2 && sim.led(by: "r2") == 2)
        sim.add("r3")
        sim.add("r4")
        sim.run(20)
        #expect(sim.converged && sim.violations.isEmpty)
        for name in ["r1", "r2", "r3", "r4"] { #expect(sim.led(by: name) == 1, "\(sim.leaders)") }
    }

    @Test(arguments: [false, true]) func anAddedOrgIsPickedUpAndARemovedOneStopped(asyncResults: Bool) {
        var sim = started(asyncResults: asyncResults)
        settle(&sim)
        sim.configure(Self.three.union(["latam"]))
        settle(&sim, limit: 10)
        #expect(sim.leaders["latam"]?.count == 1)
        for name in ["r1", "r2", "r3"] { #expect(sim.led(by: name) <= 2) }
        sim.configure(Self.three.subtracting(["us"]))
        #expect(sim.running["us"]?.isEmpty ?? true)  // stopped at once
        sim.run(5)
        #expect(sim.locks["us"] == nil)  // and unlocked
        #expect(sim.converged && sim.violations.isEmpty)
    }

    @Test(arguments: [false, true]) func aDatabaseOutageStopsEverythingThenRecovers(asyncResults: Bool) {
        var sim = started(asyncResults: asyncResults)
        settle(&sim)
        for name in ["r1", "r2", "r3"] { sim.loseSession(name, cutOff: true) }
        #expect(sim.running.values.allSatisfy { $0.isEmpty })
        sim.run(15)  // refused reopenings back off; nothing is started meanwhile
        #expect(sim.running.values.allSatisfy { $0.isEmpty })
        #expect(sim.replicas.values.allSatisfy { $0.machine.status.sessionFailures > 1 })
        for name in ["r1", "r2", "r3"] { sim.reconnect(name) }
        sim.run(60)
        #expect(sim.converged && sim.violations.isEmpty, "\(sim.leaders)")
    }

    @Test(arguments: [false, true], [0x5EED, 1, 2, 3, 4, 5, 6, 7] as [UInt64])
    func manySeededScenariosKeepTheInvariant(asyncResults: Bool, seed: UInt64) {
        // Random faults from a fixed seed: session losses, reconnections, org changes, a replica joining, graceful
        // shutdowns and restarts.
        var rng = SplitMix64(seed: seed)
        let names = ["r1", "r2", "r3", "r4"]
        let pool: [OrgID] = ["o1", "o2", "o3", "o4", "o5", "o6", "o7"]
        var sim = ClusterSim(orgs: Set(pool.prefix(5)))
        sim.asyncResults = asyncResults
        var shutdowns = 0
        for name in names.prefix(3) { sim.add(name) }
        for _ in 0..<300 {
            switch rng.next() % 12 {
            case 0: sim.loseSession(names[Int(rng.next() % 3)], cutOff: rng.next() % 2 == 0)
            case 1: for name in names { sim.reconnect(name) }
            case 2: sim.configure(Set(pool.filter { _ in rng.next() % 3 != 0 }))
            case 3 where sim.replicas["r4"] == nil: sim.add("r4")
            case 4:  // a graceful shutdown (a rolling restart's first half)
                let name = names[Int(rng.next() % 4)]
                if sim.replicas[name]?.finished == false {
                    sim.feed(name) { $0.shutdown() }
                    shutdowns += 1
                }
            case 5:  // finished replicas come back with a fresh machine (the second half)
                for name in names where sim.replicas[name]?.finished == true { sim.add(name) }
            default: break
            }
            sim.step()
            #expect(sim.violations.isEmpty, "\(sim.violations)")
            if !sim.violations.isEmpty { return }
        }
        #expect(shutdowns > 0)
        for name in names { sim.reconnect(name) }
        for name in names where sim.replicas[name]?.finished == true { sim.add(name) }
        sim.run(60)
        #expect(sim.converged, "\(sim.leaders)")
        let share = RendezvousHash.share(orgs: sim.orgs.count, replicas: sim.replicas.count)
        for name in sim.replicas.keys { #expect(sim.led(by: name) <= share) }
        // Finally everyone shuts down: every connector stops and every lock is released.
        for name in sim.replicas.keys.sorted() { sim.feed(name) { $0.shutdown() } }
        sim.run(4)
        #expect(sim.running.values.allSatisfy { $0.isEmpty })
        #expect(sim.locks.isEmpty)
        #expect(sim.replicas.values.allSatisfy { $0.finished })
    }
}
