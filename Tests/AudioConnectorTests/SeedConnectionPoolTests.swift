import AudioConnector
import SwitchboardConfig
import Testing

@Suite struct SeedSubscriptionPlannerTests {
    typealias T = SeedTest

    @Test func filtersBecomeSubscriptionsOfAtMostNQueueIds() {
        let planner = SeedSubscriptionPlanner(queueIdsPerSubscription: 2)
        let config = SeedAudioConfig(queueIds: ["q3", "q1", "q2", "q1"], directions: [.inbound], sampleRate: 8000)
        let subs = planner.subscriptions(for: config, watchedQueues: ["ignored"])
        #expect(subs == [SeedSubscription(queueIds: ["q1", "q2"], directions: [.inbound], sampleRate: 8000),
                         SeedSubscription(queueIds: ["q3"], directions: [.inbound], sampleRate: 8000)])
        // No queueIds: the org's watched queues; all of them: one subscription without a queue filter.
        #expect(planner.subscriptions(for: SeedAudioConfig(), watchedQueues: ["w1"]) == [SeedSubscription(queueIds: ["w1"])])
        #expect(planner.subscriptions(for: SeedAudioConfig(), watchedQueues: nil) == [SeedSubscription(queueIds: nil)])
    }

    @Test func connectionsHoldAtMostTheLimit() {
        let subs = [T.a, T.b, T.c, T.d, T.e]
        #expect(SeedSubscriptionPlanner.connections(for: subs, limit: 2) == [[T.a, T.b], [T.c, T.d], [T.e]])
        #expect(SeedSubscriptionPlanner.connections(for: subs, limit: 4) == [[T.a, T.b, T.c, T.d], [T.e]])
        #expect(SeedSubscriptionPlanner.connections(for: [], limit: 4) == [[]])
    }
}

@Suite struct SeedConnectionPoolTests {
    typealias T = SeedTest
    typealias Pool = SeedConnectionPool

    @Test func aPlanLargerThanTheLimitOpensSeveralConnectionsEachWithItsOwnDiscovery() {
        var config = Machine.Configuration()
        config.maxSubscriptionsPerConnection = 2
        var pool = Pool(subscriptions: [T.a, T.b, T.c], configuration: config)
        #expect(pool.start(now: T.at(0)) == [.init(connection: 0, action: .discover), .init(connection: 1, action: .discover)])
        _ = pool.handle(connection: 1, now: T.at(0)) { $0.discovered(T.discovery(7), now: T.at(0)) }
        #expect(pool.handle(connection: 1, now: T.at(0)) { $0.connected(now: T.at(0)) } == [.init(connection: 1, action: .subscribe(T.c))])
    }

    @Test func subscriptionLimitReplansAcrossConnectionsLive() {
        var pool = Pool(subscriptions: [T.a, T.b, T.c, T.d])
        _ = pool.start(now: T.at(0))
        _ = pool.handle(connection: 0, now: T.at(0)) { $0.discovered(T.discovery(1), now: T.at(0)) }
        let subs = pool.handle(connection: 0, now: T.at(0)) { $0.connected(now: T.at(0)) }
        #expect(subs.map(\.action) == [.subscribe(T.a), .subscribe(T.b), .subscribe(T.c), .subscribe(T.d)])
        _ = pool.handle(connection: 0, now: T.at(1)) { $0.received(.subscribed(subscriptionId: "s1", status: nil), now: T.at(1)) }
        _ = pool.handle(connection: 0, now: T.at(1)) { $0.received(.subscribed(subscriptionId: "s2", status: nil), now: T.at(1)) }
        // The server allows two: re-plan to two connections; the new one discovers for itself.
        let replan = pool.handle(connection: 0, now: T.at(1)) {
            $0.received(.error(SeedServerError(code: "subscription-limit")), now: T.at(1))
        }
        #expect(replan == [.init(connection: 0, action: .replan(maxSubscriptionsPerConnection: 2)),
                           .init(connection: 1, action: .discover)])
        #expect(pool.limit == 2)
        #expect(pool.plan() == [[T.a, T.b], [T.c, T.d]])
        // d's answer (also refused) changes nothing more.
        #expect(pool.handle(connection: 0, now: T.at(1)) {
            $0.received(.error(SeedServerError(code: "subscription-limit")), now: T.at(1))
        } == [])
        #expect(pool.machines[0].active.map(\.subscription) == [T.a, T.b])
        #expect(pool.machines[1].limit == 2)
        // Back to fewer subscriptions: the surplus connection is closed; its id is never reused.
        let shrink = pool.setSubscriptions([T.a], now: T.at(2))
        #expect(shrink == [.init(connection: 0, action: .unsubscribe(subscriptionId: "s2"))])
        #expect(pool.connectionIDs == [0])
        #expect(pool.handle(connection: 1, now: T.at(3)) { $0.connected(now: T.at(3)) } == [])
        let grow = pool.setSubscriptions([T.a, T.b, T.c], now: T.at(4))
        #expect(grow.contains(.init(connection: 2, action: .discover)))
    }
}

/// A few thousand random events against a fake server: the safety rules hold whatever happens, and once the
/// faults stop every planned subscription ends up streaming.
@Suite struct SeedConnectionInvariantTests {
    typealias T = SeedTest

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    }

    /// The server side of one connection id, as the harness sees it.
    struct Conn {
        var discoverPending = false
        var answeredURI: String?
        var connecting = false
        var open = false
        var requests: [Action] = []
        var subs: [String: SeedSubscription] = [:]
    }

    final class Harness {
        var pool: SeedConnectionPool
        var conns: [Int: Conn] = [:]
        var used: Set<String> = []
        var uriCounter = 0
        var subCounter = 0
        var now = SeedTest.at(0)
        let serverLimit: Int
        var violations: [String] = []
        var connects = 0, replans = 0, watchdogs = 0, subscribes = 0

        init(subscriptions: [SeedSubscription], serverLimit: Int) {
            var config = Machine.Configuration()
            config.maxSubscriptionsPerConnection = 4
            pool = SeedConnectionPool(subscriptions: subscriptions, configuration: config, random: { 0.37 })
            self.serverLimit = serverLimit
        }

        func apply(_ outputs: [SeedConnectionPool.Output]) {
            for o in outputs {
                var c = conns[o.connection, default: Conn()]
                switch o.action {
                case .discover:
                    if c.discoverPending { violations.append("two pending discoveries on \(o.connection)") }
                    c.discoverPending = true
                case .connect(let uri):
                    if uri != c.answeredURI { violations.append("connect to \(uri) without its discovery") }
                    if used.contains(uri) { violations.append("reused \(uri)") }
                    used.insert(uri)
                    connects += 1
                    c.answeredURI = nil
                    c.connecting = true
                case .subscribe, .unsubscribe:
                    if case .subscribe = o.action { subscribes += 1 }
                    if !c.open { violations.append("\(o.action) on a closed socket") }
                    c.requests.append(o.action)
                case .closeConnection:
                    c = Conn(discoverPending: c.discoverPending)
                case .replan:
                    replans += 1
                case .fail(let f):
                    if f.code == "seed.watchdog" { watchdogs += 1 }
                case .sendPing, .scheduleRetry, .reportRegion:
                    break
                }
                conns[o.connection] = c
            }
            let subscribed = Set(outputs.compactMap { if case .subscribe = $0.action { $0.connection } else { nil } })
            for (m, id) in zip(pool.machines, pool.connectionIDs) {
                // A lowered limit leaves requests already sent in flight; a new one is only ever sent within it.
                if subscribed.contains(id), m.occupancy > m.limit {
                    violations.append("connection \(id) asked for \(m.occupancy) > \(m.limit)")
                }
                if m.limit > 4 || m.limit < 1 { violations.append("limit \(m.limit)") }
                if let c = conns[id], c.subs.count > 4 { violations.append("server holds \(c.subs.count) on \(id)") }
            }
        }

        func event(_ id: Int, _ e: (inout Machine) -> [Action]) {
            apply(pool.handle(connection: id, now: now, e))
        }

        /// One random step; `faults` false leaves out failures.
        func step(_ r: inout Random, faults: Bool) {
            let ids = pool.connectionIDs
            guard let id = ids.isEmpty ? nil : ids[r.int(ids.count)] else { return }
            var c = conns[id, default: Conn()]
            switch r.int(faults ? 9 : 5) {
            case 0 where c.discoverPending:
                c.discoverPending = false
                if faults && r.chance(0.2) {
                    conns[id] = c
                    event(id) { $0.discoveryFailed("HTTP 503", now: now) }
                } else {
                    uriCounter += 1
                    let d = SeedDiscovery(uri: "ws://m/\(uriCounter)?token=\(uriCounter)", connectionId: "c",
                                          region: r.chance(0.1) ? "eu" : "us")
                    c.answeredURI = d.uri
                    conns[id] = c
                    event(id) { $0.discovered(d, now: now) }
                }
            case 1 where c.connecting:
                c.connecting = false
                if faults && r.chance(0.2) {
                    conns[id] = c
                    event(id) { r.chance(0.5) ? $0.connectFailed("refused", now: now) : $0.closed(code: 4401, now: now) }
                } else {
                    c.open = true
                    conns[id] = c
                    event(id) { $0.connected(now: now) }
                }
            case 2 where c.open && !c.requests.isEmpty:
                answerHead(id)
            case 3:
                now = now + .milliseconds(Int64(r.int(faults ? 70_000 : 5_000)))
                apply(pool.tick(now: now))
            case 4:
                event(id) { $0.activity(now: now); return [] }
            case 5 where c.open:
                conns[id] = Conn(discoverPending: c.discoverPending)
                event(id) { $0.closed(code: r.chance(0.5) ? 4401 : 1006, now: now) }
            case 6:
                let all = [T.a, T.b, T.c, T.d, T.e, T.sub(["q6"]), T.sub(["q7"]), T.sub(nil, rate: 8000)]
                apply(pool.setSubscriptions(all.filter { _ in r.chance(0.6) }, now: now))
            case 7:
                // Out of turn: a stray discovery answer or open event must change nothing.
                uriCounter += 1
                let stray = SeedDiscovery(uri: "ws://stray/\(uriCounter)", connectionId: "x", region: "us")
                if !c.discoverPending { event(id) { $0.discovered(stray, now: now) } }
                if !c.connecting { event(id) { $0.connected(now: now) } }
            case 8:
                event(id) { $0.received(.interaction(SeedInteraction(interactionId: "i")), now: now) }
            default:
                break
            }
        }

        /// Answers everything pending, in order, moving time only to the next retry (with life on every open
        /// socket first, so the watchdog stays quiet), until nothing is left to do.
        func settle() {
            for _ in 0..<2000 {
                var acted = false
                for id in pool.connectionIDs {
                    var c = conns[id, default: Conn()]
                    if c.discoverPending {
                        c.discoverPending = false
                        uriCounter += 1
                        let d = SeedDiscovery(uri: "ws://m/\(uriCounter)?token=\(uriCounter)", connectionId: "c", region: "us")
                        c.answeredURI = d.uri
                        conns[id] = c
                        event(id) { $0.discovered(d, now: now) }
                        acted = true
                    } else if c.connecting {
                        c.connecting = false
                        c.open = true
                        conns[id] = c
                        event(id) { $0.connected(now: now) }
                        acted = true
                    } else if c.open, !c.requests.isEmpty {
                        answerHead(id)
                        acted = true
                    }
                }
                if acted { continue }
                guard let next = pool.nextDeadline, pool.machines.contains(where: { $0.phase == .waiting }) else { return }
                now = max(now, next)
                for id in pool.connectionIDs where conns[id]?.open == true { event(id) { $0.activity(now: now); return [] } }
                apply(pool.tick(now: now))
            }
        }

        func answerHead(_ id: Int) {
            var c = conns[id, default: Conn()]
            let request = c.requests.removeFirst()
            let reply: SeedMessage
            switch request {
            case .subscribe(let s) where c.subs.count < serverLimit:
                subCounter += 1
                c.subs["s\(subCounter)"] = s
                reply = .subscribed(subscriptionId: "s\(subCounter)", status: "active")
            case .subscribe:
                reply = .error(SeedServerError(code: "subscription-limit"))
            case .unsubscribe(let sid):
                c.subs[sid] = nil
                reply = .unsubscribed(subscriptionId: sid)
            default:
                return
            }
            conns[id] = c
            event(id) { $0.received(reply, now: now) }
        }
    }

    @Test(arguments: [1, 2, 3]) func safetyAndEventualStreaming(serverLimit: Int) {
        let h = Harness(subscriptions: [T.a, T.b, T.c, T.d, T.e], serverLimit: serverLimit)
        h.apply(h.pool.start(now: h.now))
        var r = Random(state: UInt64(serverLimit) * 7919)
        for _ in 0..<4000 { h.step(&r, faults: true) }
        #expect(h.violations.isEmpty, "\(h.violations.prefix(5))")
        // The run went through the interesting paths.
        #expect(h.connects > 50 && h.subscribes > 100 && h.watchdogs > 0, "\(h.connects) \(h.subscribes) \(h.watchdogs)")
        if serverLimit < 4 { #expect(h.replans > 0) }
        // Faults stop: everything planned streams once every pending answer is given.
        for _ in 0..<500 { h.step(&r, faults: false) }
        h.settle()
        #expect(h.violations.isEmpty, "\(h.violations.prefix(5))")
        let streaming = h.pool.machines.flatMap { $0.active.map(\.subscription) }
        #expect(Set(streaming) == Set(h.pool.subscriptions), "limit \(h.pool.limit), phases \(h.pool.machines.map(\.phase))")
        #expect(h.pool.machines.allSatisfy { $0.occupancy <= min($0.limit, serverLimit) })
        #expect(h.pool.limit <= max(serverLimit, 1) || h.pool.limit == 4)
    }
}
