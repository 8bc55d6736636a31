import Cluster
import SwitchboardCore
import Testing

typealias Action = LeadershipStateMachine.Action

/// A machine for replica `name` with a fixed random source (so backoff delays are exact).
func machine(_ name: String = "r1", random: Double = 0, timeout: Duration = .seconds(10)) -> LeadershipStateMachine {
    LeadershipStateMachine(.init(replica: name, replicaTimeout: timeout,
                                 backoff: LeadershipStateMachine.sessionBackoff(random: { random })))
}

/// Brings a machine to an open session that has seen `replicas` (all live) and knows `orgs`.
func opened(_ name: String = "r1", orgs: [OrgID], replicas: [String] = [], now: EpochMillis = 1_000_000)
    -> (LeadershipStateMachine, [Action])
{
    var m = machine(name)
    _ = m.orgsConfigured(Set(orgs))
    #expect(m.start() == [.openSession(after: .zero)])
    #expect(m.sessionOpened(now: now) == [.heartbeat, .readReplicas])
    let seen = Dictionary(uniqueKeysWithValues: (replicas + [name]).map { ($0, now) })
    let actions = m.replicasSeen(seen, now: now)
    return (m, actions)
}

func tries(_ actions: [Action]) -> [OrgID] {
    actions.compactMap { if case .tryLock(let o) = $0 { o } else { nil } }
}

@Suite struct LeadershipStateMachineTests {
    let t0: EpochMillis = 1_000_000

    @Test func startsByOpeningASessionThenHeartbeatsAndReads() {
        var m = machine()
        #expect(m.start() == [.openSession(after: .zero)])
        #expect(m.start() == [])
        #expect(m.tick(now: t0) == [])  // no session yet: nothing to check
        #expect(m.sessionOpened(now: t0) == [.heartbeat, .readReplicas])
        #expect(m.tick(now: t0 + 2000) == [.heartbeat, .readReplicas])
    }

    @Test func nothingIsTriedBeforeTheReplicasAreRead() {
        var m = machine()
        _ = m.start()
        _ = m.sessionOpened(now: t0)
        // Without knowing how many replicas live, the share is unknown: no attempt.
        #expect(tries(m.orgsConfigured(["a", "b"])).isEmpty)
        #expect(m.share == 0)
        #expect(tries(m.replicasSeen(["r1": t0], now: t0)).count == 1)
    }

    @Test func oneAttemptAtATimeAndNeverMoreThanTheShare() {
        // 4 orgs, 2 live replicas: share 2.
        var (m, first) = opened(orgs: ["a", "b", "c", "d"], replicas: ["r2"], now: t0)
        #expect(m.share == 2)
        let tried1 = tries(first)
        #expect(tried1.count == 1)
        // More reads while the attempt is in flight try nothing more.
        #expect(tries(m.replicasSeen(["r1": t0, "r2": t0], now: t0)).isEmpty)
        let next1 = m.lockResult(tried1[0], acquired: true, term: 7)
        #expect(next1.first == .startConnector(tried1[0], term: 7))
        let tried2 = tries(next1)
        #expect(tried2.count == 1)
        let next2 = m.lockResult(tried2[0], acquired: true, term: 3)
        #expect(next2 == [.startConnector(tried2[0], term: 3)])  // share reached: no third attempt
        #expect(tries(m.replicasSeen(["r1": t0 + 2000, "r2": t0 + 2000], now: t0 + 2000)).isEmpty)
        #expect(m.leading == [tried1[0]: 7, tried2[0]: 3])
    }

    @Test func aRefusedLockMovesOnToTheNextOrg() {
        var (m, first) = opened(orgs: ["a", "b"], now: t0)
        let org = tries(first)[0]
        let next = m.lockResult(org, acquired: false, term: nil)
        #expect(tries(next).count == 1 && tries(next)[0] != org)
    }

    @Test func aRoundReachesEveryOrgWhenAnswersAreSlowerThanReads() {
        // 4 orgs, 2 replicas: share 2. Every answer arrives after the next read of the replicas; the round must
        // still go down the whole list rather than start again from the top at each read.
        var (m, first) = opened(orgs: ["a", "b", "c", "d"], replicas: ["r2"], now: t0)
        var tried = tries(first)
        for step in 1...3 {
            #expect(tries(m.replicasSeen(["r1": t0, "r2": t0], now: t0 + Int64(step) * 2000)).isEmpty)
            let next = tries(m.lockResult(tried.last!, acquired: false, term: nil))
            guard let org = next.first else { break }
            tried.append(org)
        }
        #expect(Set(tried) == ["a", "b", "c", "d"])
        #expect(tried.count == 4)
    }

    @Test func aGrantedLockWithoutATermIsGivenBack() {
        var (m, first) = opened(orgs: ["a"], now: t0)
        #expect(m.lockResult(tries(first)[0], acquired: true, term: nil) == [.unlock("a")])
        #expect(m.leading.isEmpty)
    }

    @Test func neverTwoStartsWithoutAStopBetween() {
        var (m, first) = opened(orgs: ["a"], now: t0)
        #expect(tries(first) == ["a"])
        #expect(m.lockResult("a", acquired: true, term: 1) == [.startConnector("a", term: 1)])
        // A duplicate result, or one for an org not being tried, starts nothing.
        #expect(m.lockResult("a", acquired: true, term: 2) == [])
        #expect(tries(m.replicasSeen(["r1": t0], now: t0)).isEmpty)

        // Session lost: stopped at once. A new session must not try the org before the old connector stopped.
        #expect(m.sessionLost(reason: "reset", now: t0 + 1000) == [.stopConnector("a"), .openSession(after: .seconds(1))])
        #expect(m.sessionOpened(now: t0 + 2000) == [.heartbeat, .readReplicas])
        #expect(tries(m.replicasSeen(["r1": t0 + 2000], now: t0 + 2000)).isEmpty)
        #expect(m.connectorStopped("a") == [])  // the lock went with the session: nothing to unlock
        let again = m.replicasSeen(["r1": t0 + 4000], now: t0 + 4000)
        #expect(again == [.tryLock("a")])
        #expect(m.lockResult("a", acquired: true, term: 2) == [.startConnector("a", term: 2)])
        #expect(m.leading == ["a": 2])
    }

    @Test func aLostSessionStopsEveryOrgAtOnceAndStartsNothingUntilANewOne() {
        var (m, first) = opened(orgs: ["a", "b", "c"], now: t0)
        var org = tries(first)[0]
        var held: [OrgID] = []
        // Take all three (alone: share 3).
        for term in 1...3 {
            let out = m.lockResult(org, acquired: true, term: Int64(term))
            held.append(org)
            if let n = tries(out).first { org = n }
        }
        #expect(Set(m.leading.keys) == ["a", "b", "c"])
        let lost = m.sessionLost(reason: "connection reset", now: t0 + 5000)
        #expect(Set(lost.filter { if case .stopConnector = $0 { true } else { false } })
            == [.stopConnector("a"), .stopConnector("b"), .stopConnector("c")])
        #expect(lost.last == .openSession(after: .seconds(1)))
        #expect(m.leading.isEmpty && !m.status.sessionOpen)
        // Until a new session opens, nothing is tried or started, whatever the owner reports.
        #expect(m.tick(now: t0 + 6000) == [])
        #expect(m.replicasSeen(["r1": t0 + 6000], now: t0 + 6000) == [])
        #expect(m.orgsConfigured(["a", "b", "c", "d"]) == [])
        #expect(m.lockResult("d", acquired: true, term: 9) == [])
        for o in held { #expect(m.connectorStopped(o) == []) }
        #expect(m.leading.isEmpty)
    }

    @Test func sessionReopensWithBackoffResetAfterAStableSession() {
        var m = machine(random: 0)
        _ = m.start()
        // Opening fails repeatedly: 1, 2, 4, 8, 16, 30, 30 s.
        var delays: [Duration] = []
        for _ in 0..<7 {
            let out = m.sessionLost(reason: "refused", now: t0)
            guard case .openSession(let d)? = out.last else { Issue.record("no reopen"); return }
            delays.append(d)
        }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        // A short session does not reset…
        _ = m.sessionOpened(now: t0)
        #expect(m.sessionLost(reason: "reset", now: t0 + 5000).last == .openSession(after: .seconds(30)))
        // …a stable one (30 s) does.
        _ = m.sessionOpened(now: t0)
        #expect(m.sessionLost(reason: "reset", now: t0 + 30_000).last == .openSession(after: .seconds(1)))
        #expect(m.status.sessionFailures == 1)
    }

    @Test func jitterShortensTheDelayWithinTheCap() {
        var b = LeadershipStateMachine.sessionBackoff(random: { 0.5 })
        #expect(b.nextDelay() == .milliseconds(875))  // 1 s less 0.5 × 25 %
        var c = LeadershipStateMachine.sessionBackoff(random: { 0.999 })
        for _ in 0..<10 { #expect(c.nextDelay() <= .seconds(30)) }
        #expect(c.nextDelay() > .seconds(22))
    }

    @Test func staleReplicasDoNotCount() {
        var (m, _) = opened(orgs: ["a", "b", "c", "d"], replicas: [], now: t0)
        _ = m.replicasSeen(["r1": t0, "r2": t0 - 9_999, "r3": t0 - 10_000], now: t0)
        #expect(m.live == ["r1", "r2"])
        #expect(m.share == 2)
        // This replica counts even before its own heartbeat is in the table.
        _ = m.replicasSeen([:], now: t0)
        #expect(m.live == ["r1"] && m.share == 4)
    }

    @Test func replicasPreferDifferentOrgs() throws {
        let names = ["r1", "r2", "r3"]
        // Orgs whose scores alone would send two replicas after the same org first: the common placement must
        // still give each replica a different first attempt.
        let pool = (0..<12).map { OrgID("org-\($0)") }
        var found: [OrgID]?
        search: for i in 0..<pool.count {
            for j in (i + 1)..<pool.count {
                for k in (j + 1)..<pool.count {
                    let trio = [pool[i], pool[j], pool[k]]
                    let tops = Set(names.map { RendezvousHash.preference(of: $0, among: trio)[0] })
                    if tops.count < 3 { found = trio; break search }
                }
            }
        }
        let orgs = try #require(found)
        var firsts: [OrgID] = []
        for name in names {
            let (_, out) = opened(name, orgs: orgs, replicas: names.filter { $0 != name }, now: t0)
            firsts.append(tries(out)[0])
        }
        #expect(Set(firsts).count == 3)
        let placed = RendezvousHash.assignment(orgs: orgs, replicas: names, capacity: 1)
        for (i, name) in names.enumerated() { #expect(placed[firsts[i]] == name) }
    }

    @Test func overTheShareTheLeastPreferredAreGivenUpStopFirstThenUnlock() {
        let orgs: [OrgID] = ["us", "emea", "apac"]
        var (m, first) = opened(orgs: orgs, now: t0)
        var next = tries(first)
        var term: Int64 = 1
        while let org = next.first {
            next = tries(m.lockResult(org, acquired: true, term: term))
            term += 1
        }
        #expect(m.leading.count == 3)
        // Two more replicas appear: share 1. Keep the org the common placement gives this replica.
        let placed = RendezvousHash.assignment(orgs: orgs, replicas: ["r1", "r2", "r3"], capacity: 1)
        let keep = orgs.first { placed[$0] == "r1" }!
        let out = m.replicasSeen(["r1": t0, "r2": t0, "r3": t0], now: t0)
        let stops = Set(orgs.filter { $0 != keep }.map { Action.stopConnector($0) })
        #expect(Set(out) == stops)  // no unlock yet, no attempt
        #expect(m.leading.keys.sorted() == [keep])
        for org in orgs where org != keep {
            #expect(m.connectorStopped(org) == [.unlock(org)])
            #expect(m.unlockDone(org) == [])
        }
        #expect(m.status.leading.count == 1 && m.status.share == 1 && m.status.liveReplicas == 3)
    }

    @Test func aRemovedOrgIsStoppedThenUnlocked() {
        var (m, first) = opened(orgs: ["a", "b"], now: t0)
        let org = tries(first)[0]
        let other: OrgID = org == "a" ? "b" : "a"
        #expect(tries(m.lockResult(org, acquired: true, term: 4)) == [other])
        // `other` is being tried when both disappear from the file.
        #expect(m.orgsConfigured([]) == [.stopConnector(org)])
        #expect(m.lockResult(other, acquired: true, term: 5) == [.unlock(other)])  // granted too late: no start
        #expect(m.connectorStopped(org) == [.unlock(org)])
        #expect(m.unlockDone(org) == [] && m.unlockDone(other) == [])
        #expect(m.leading.isEmpty)
    }

    @Test func anAddedOrgIsTriedAtOnce() {
        var (m, first) = opened(orgs: ["a"], now: t0)
        _ = m.lockResult(tries(first)[0], acquired: true, term: 1)
        #expect(m.orgsConfigured(["a", "b"]) == [.tryLock("b")])
    }

    @Test func shutdownStopsUnlocksMarksGoneThenFinishes() {
        var (m, first) = opened(orgs: ["a", "b", "c"], now: t0)
        var next = tries(first)
        var term: Int64 = 10
        var order: [OrgID] = []
        while let org = next.first, order.count < 2 {  // lead two, the third attempt still in flight
            order.append(org)
            next = tries(m.lockResult(org, acquired: true, term: term))
            term += 1
        }
        let inFlight = next[0]
        #expect(Set(m.shutdown()) == Set(order.map { Action.stopConnector($0) }))  // no unlock before a stop
        #expect(m.tick(now: t0 + 1000) == [])  // no more checks, no attempts
        #expect(m.lockResult(inFlight, acquired: true, term: 99) == [.unlock(inFlight)])
        #expect(m.connectorStopped(order[0]) == [.unlock(order[0])])
        #expect(m.unlockDone(order[0]) == [])
        #expect(m.unlockDone(inFlight) == [])
        #expect(m.connectorStopped(order[1]) == [.unlock(order[1])])
        #expect(m.unlockDone(order[1]) == [.markGone, .finished])
        #expect(m.shutdown() == [] && m.sessionLost(reason: "closed", now: t0) == [])
    }

    @Test func shutdownWithoutASessionFinishesWithoutMarkingGone() {
        var (m, first) = opened(orgs: ["a"], now: t0)
        _ = m.lockResult(tries(first)[0], acquired: true, term: 1)
        #expect(m.sessionLost(reason: "reset", now: t0) == [.stopConnector("a"), .openSession(after: .seconds(1))])
        #expect(m.shutdown() == [])  // the connector is still stopping
        #expect(m.connectorStopped("a") == [.finished])
        #expect(m.sessionOpened(now: t0) == [])
        var idle = machine()
        #expect(idle.shutdown() == [.finished])
    }

    @Test func sessionLostDuringShutdownStillFinishes() {
        var (m, first) = opened(orgs: ["a"], now: t0)
        _ = m.lockResult(tries(first)[0], acquired: true, term: 1)
        #expect(m.shutdown() == [.stopConnector("a")])
        #expect(m.sessionLost(reason: "reset", now: t0) == [])  // already stopping; no reopen during shutdown
        #expect(m.connectorStopped("a") == [.finished])  // no lock to release, no session to mark gone on
    }
}

@Suite struct RendezvousAndFencingTests {
    @Test func scoresAreDeterministicAndDiffer() {
        #expect(RendezvousHash.score(replica: "r1", org: "us") == RendezvousHash.score(replica: "r1", org: "us"))
        #expect(RendezvousHash.score(replica: "r1", org: "us") != RendezvousHash.score(replica: "r2", org: "us"))
        // "r1|2" and "r12|" must not collide through the separator.
        #expect(RendezvousHash.score(replica: "r1", org: "2x") != RendezvousHash.score(replica: "r12", org: "x"))
        // A pinned value (computed independently): a change of the hash would move orgs during a rolling upgrade,
        // when old and new replicas disagree on the placement.
        #expect(RendezvousHash.score(replica: "switchboard-1", org: "us") == 0x47ED_05B2_7ACC_F28A)
    }

    @Test func assignmentRespectsTheCapacityAndSpreads() {
        let orgs = (0..<100).map { OrgID("org-\($0)") }
        let replicas = ["r1", "r2", "r3"]
        let share = RendezvousHash.share(orgs: orgs.count, replicas: replicas.count)
        #expect(share == 34)
        let placed = RendezvousHash.assignment(orgs: orgs, replicas: replicas, capacity: share)
        #expect(placed.count == 100)
        for r in replicas { #expect(placed.values.count(where: { $0 == r }) <= 34) }
        // The same whatever the input order.
        #expect(RendezvousHash.assignment(orgs: orgs.reversed(), replicas: replicas.reversed(), capacity: share) == placed)
        #expect(RendezvousHash.share(orgs: 0, replicas: 3) == 0 && RendezvousHash.share(orgs: 3, replicas: 0) == 0)
    }

    @Test func aReplicaLeavingMovesOnlyItsOrgsWithoutACap() {
        let orgs = (0..<60).map { OrgID("o\($0)") }
        let before = RendezvousHash.assignment(orgs: orgs, replicas: ["r1", "r2", "r3"], capacity: .max)
        let after = RendezvousHash.assignment(orgs: orgs, replicas: ["r1", "r2"], capacity: .max)
        for org in orgs where before[org] != "r3" { #expect(after[org] == before[org]) }
    }

    @Test func fencingAcceptsOnlyTheCurrentTerm() {
        #expect(FencingToken.check(writer: 5, current: 5) == .accepted)
        #expect(FencingToken.check(writer: 4, current: 5) == .stale(current: 5))
        #expect(FencingToken.check(writer: 6, current: 5) == .ahead(current: 5))
        #expect(FencingToken.check(writer: 1, current: nil) == .noLeader)
        #expect(FencingToken.accepts(writer: 5, current: 5))
        #expect(!FencingToken.accepts(writer: 4, current: 5))
        #expect(FencingToken(org: "us", term: 3).check(current: 3) == .accepted)
        #expect("\(FencingToken(org: "us", term: 3))" == "us@3")
    }
}
