import AudioConnector
import SwitchboardConfig
import Testing

typealias Machine = SeedConnectionStateMachine
typealias Action = SeedConnectionStateMachine.Action

enum SeedTest {
    static let t0 = ContinuousClock.now
    static func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int64(seconds * 1000)) }
    static func discovery(_ n: Int, region: String = "us-east-1") -> SeedDiscovery {
        SeedDiscovery(uri: "ws://media-\(n).test/audioconnector/ws?token=t\(n)", connectionId: "c\(n)", region: region,
                      expiresIn: 3600)
    }
    static func sub(_ queues: [String]?, rate: Int = 16000) -> SeedSubscription {
        SeedSubscription(queueIds: queues, sampleRate: rate)
    }
    static let a = sub(["q1"]), b = sub(["q2"]), c = sub(["q3"]), d = sub(["q4"]), e = sub(["q5"])

    /// Subscriptions asked for in these actions.
    static func subscribes(_ actions: [Action]) -> [SeedSubscription] {
        actions.compactMap { if case .subscribe(let s) = $0 { s } else { nil } }
    }
    static func unsubscribes(_ actions: [Action]) -> [String] {
        actions.compactMap { if case .unsubscribe(let id) = $0 { id } else { nil } }
    }
    static func retryDelay(_ actions: [Action]) -> Duration? {
        actions.compactMap { if case .scheduleRetry(let d) = $0 { d } else { nil } }.first
    }

    /// Start → discover → connect → open; the subscriptions asked for on opening.
    static func open(_ m: inout Machine, discovery n: Int = 1, at t: Double = 0) -> [Action] {
        #expect(m.start(now: at(t)) == [.discover])
        let connect = m.discovered(discovery(n), now: at(t))
        #expect(connect.last == .connect(uri: discovery(n).uri))
        return m.connected(now: at(t))
    }
}

@Suite struct SeedConnectionStateMachineTests {
    typealias T = SeedTest

    @Test func discoverConnectSubscribeStream() {
        var m = Machine(subscriptions: [T.a, T.b])
        #expect(m.phase == .idle)
        #expect(m.start(now: T.at(0)) == [.discover])
        #expect(m.phase == .discovering)
        #expect(m.start(now: T.at(0)) == [])  // one discovery at a time
        #expect(m.discovered(T.discovery(1), now: T.at(0.2)) == [.reportRegion("us-east-1"), .connect(uri: T.discovery(1).uri)])
        #expect(m.connected(now: T.at(0.4)) == [.subscribe(T.a), .subscribe(T.b)])
        #expect(m.received(.subscribed(subscriptionId: "s1", status: "active"), now: T.at(0.5)) == [])
        #expect(m.received(.subscribed(subscriptionId: "s2", status: "active"), now: T.at(0.6)) == [])
        #expect(m.active.map(\.id) == ["s1", "s2"])
        #expect(m.active.map(\.subscription) == [T.a, T.b])
        #expect(m.phase == .open)
        // Metadata is life, nothing to do.
        #expect(m.received(.interactionEnded(interactionId: "x", endTime: nil), now: T.at(1)) == [])
    }

    @Test func everyConnectFollowsAFreshDiscoveryAfterA4401Close() {
        var m = Machine(subscriptions: [T.a])
        _ = T.open(&m, discovery: 1)
        // 4401: the token was refused → back to discovery, never the old URI.
        let after = m.closed(code: 4401, now: T.at(1))
        #expect(after.contains(.fail(m.lastFailure!)))
        #expect(m.lastFailure?.code == "seed.token-rejected")
        let delay = try! #require(T.retryDelay(after))
        #expect(m.tick(now: T.at(1) + delay - .milliseconds(1)) == [])
        #expect(m.tick(now: T.at(1) + delay) == [.discover])
        // A stale discovery answer or a connect event out of turn does nothing.
        #expect(m.connected(now: T.at(3)) == [])
        let next = m.discovered(T.discovery(2), now: T.at(3))
        #expect(next == [.connect(uri: T.discovery(2).uri)])  // same region: not reported again
        #expect(m.discovered(T.discovery(3), now: T.at(3)) == [])  // already connecting
        // A connect failure also goes back to discovery.
        let failed = m.connectFailed("HTTP 502", now: T.at(3.1))
        #expect(m.lastFailure?.code == "seed.connect-failed")
        let d2 = try! #require(T.retryDelay(failed))
        #expect(m.tick(now: T.at(3.1) + d2) == [.discover])
        #expect(m.discovered(T.discovery(4, region: "eu-west-1"), now: T.at(9))
                == [.reportRegion("eu-west-1"), .connect(uri: T.discovery(4).uri)])
    }

    @Test func theWatchdogPingsThenReconnectsThroughDiscovery() {
        var m = Machine(subscriptions: [T.a])
        _ = T.open(&m)
        #expect(m.nextDeadline == T.at(25))
        #expect(m.tick(now: T.at(24)) == [])
        m.activity(now: T.at(10))  // audio: life
        #expect(m.tick(now: T.at(34)) == [])
        #expect(m.tick(now: T.at(35)) == [.sendPing])
        #expect(m.tick(now: T.at(36)) == [])  // asked once
        #expect(m.nextDeadline == T.at(70))
        let fired = m.tick(now: T.at(70))
        #expect(fired.first == .closeConnection)
        #expect(m.lastFailure?.code == "seed.watchdog")
        #expect(m.phase == .waiting)
        let delay = try! #require(T.retryDelay(fired))
        #expect(m.tick(now: T.at(70) + delay) == [.discover])
    }

    @Test func aPongKeepsTheConnection() {
        var m = Machine(subscriptions: [T.a])
        _ = T.open(&m)
        #expect(m.tick(now: T.at(25)) == [.sendPing])
        m.activity(now: T.at(25.1))
        #expect(m.tick(now: T.at(60)) == [.sendPing])
        #expect(m.phase == .open)
    }

    @Test func backoffDoublesToTheCapWithJitterWithinTenPercent() {
        for r in [0.0, 0.5, 0.999] {
            var m = Machine(random: { r })
            _ = m.start(now: T.at(0))
            var now = T.at(0)
            var delays: [Duration] = []
            for _ in 0..<9 {
                let actions = m.discoveryFailed("HTTP 503", now: now)
                let d = try! #require(T.retryDelay(actions))
                delays.append(d)
                now = now + d
                #expect(m.tick(now: now) == [.discover])
            }
            let bases: [Double] = [1, 2, 4, 8, 16, 32, 60, 60, 60]
            for (d, base) in zip(delays, bases) {
                let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                #expect(seconds >= base && seconds <= base * 1.1)
                #expect(abs(seconds - base * (1 + 0.1 * r)) < 0.001)
            }
        }
    }

    @Test func backoffResetsOnlyAfterAConnectionStreamedLongEnough() {
        var m = Machine(subscriptions: [T.a], random: { 0 })
        _ = m.start(now: T.at(0))
        var now = T.at(0)
        for _ in 0..<3 {  // 1, 2, 4 s
            now = now + T.retryDelay(m.discoveryFailed("down", now: now))!
            _ = m.tick(now: now)
        }
        _ = m.discovered(T.discovery(1), now: now)
        _ = m.connected(now: now)
        // Open for 30 s only: the next delay keeps doubling (8 s).
        #expect(T.retryDelay(m.closed(code: 1006, now: now + .seconds(30))) == .seconds(8))
        now = now + .seconds(38)
        _ = m.tick(now: now)
        _ = m.discovered(T.discovery(2), now: now)
        _ = m.connected(now: now)
        for s in stride(from: 10, through: 60, by: 10) { m.activity(now: now + .seconds(s)) }
        // Streamed 60 s: reset to 1 s.
        #expect(T.retryDelay(m.closed(code: 1006, now: now + .seconds(60))) == .seconds(1))
        #expect(m.failures == 1)
    }

    @Test func configurationErrorsFailClearlyAndWaitTheLongestDelay() {
        for code in [SeedServerError.unsupportedInteractionType, SeedServerError.invalidSampleRate] {
            var m = Machine(subscriptions: [T.a], random: { 0.5 })
            _ = T.open(&m)
            let actions = m.received(.error(SeedServerError(code: code, message: "no")), now: T.at(1))
            let failure = try! #require(m.lastFailure)
            #expect(failure.isConfigurationProblem)
            #expect(failure.code == "seed.config")
            #expect(failure.message.contains(code))
            #expect(failure.message.contains(code == SeedServerError.invalidSampleRate ? "audio.sampleRate" : "[voice]"))
            #expect(actions == [.closeConnection, .fail(failure), .scheduleRetry(after: .seconds(63))])
            // Again on the next attempt: still the longest delay, no storm.
            _ = m.tick(now: T.at(64))
            _ = m.discovered(T.discovery(2), now: T.at(64))
            _ = m.connected(now: T.at(64))
            let again = m.received(.error(SeedServerError(code: code)), now: T.at(65))
            #expect(T.retryDelay(again) == .seconds(63))
        }
    }

    @Test func anUnknownServerErrorReconnectsWithBackoff() {
        var m = Machine(subscriptions: [T.a], random: { 0 })
        _ = T.open(&m)
        _ = m.received(.subscribed(subscriptionId: "s1", status: nil), now: T.at(1))
        let actions = m.received(.error(SeedServerError(code: "overloaded")), now: T.at(2))
        #expect(actions == [.closeConnection, .fail(m.lastFailure!), .scheduleRetry(after: .seconds(1))])
        #expect(m.lastFailure?.code == "seed.server-error")
        #expect(m.active.isEmpty)
    }

    @Test func neverMoreSubscriptionsThanTheLimit() {
        var config = Machine.Configuration()
        config.maxSubscriptionsPerConnection = 2
        var m = Machine(configuration: config, subscriptions: [T.a, T.b, T.c])
        #expect(T.open(&m) == [.subscribe(T.a), .subscribe(T.b)])
        #expect(m.occupancy == 2)
    }

    @Test func subscriptionLimitLowersTheLimitAndAsksForAReplan() {
        var m = Machine(subscriptions: [T.a, T.b, T.c])
        #expect(T.open(&m) == [.subscribe(T.a), .subscribe(T.b), .subscribe(T.c)])
        _ = m.received(.subscribed(subscriptionId: "s1", status: "active"), now: T.at(1))
        _ = m.received(.subscribed(subscriptionId: "s2", status: "active"), now: T.at(1))
        let actions = m.received(.error(SeedServerError(code: "subscription-limit", message: "max 2")), now: T.at(1))
        #expect(actions == [.replan(maxSubscriptionsPerConnection: 2)])
        #expect(m.limit == 2)
        #expect(m.phase == .open)  // the two it has keep streaming
        // The owner re-plans: this connection keeps a and b.
        #expect(m.setSubscriptions([T.a, T.b], now: T.at(2)) == [])
        // The lowered limit survives a reconnect.
        _ = m.closed(code: 1001, now: T.at(3))
        #expect(m.limit == 2)
    }

    @Test func aLimitOfZeroIsAFailureAtTheLongestDelay() {
        var m = Machine(subscriptions: [T.a], random: { 0 })
        _ = T.open(&m)
        let actions = m.received(.error(SeedServerError(code: "subscription-limit")), now: T.at(1))
        #expect(m.lastFailure?.code == "seed.subscription-limit")
        #expect(T.retryDelay(actions) == .seconds(60))
    }

    @Test func aLiveFilterChangeSubscribesTheNewBeforeUnsubscribingTheOld() {
        var m = Machine(subscriptions: [T.a, T.b])
        _ = T.open(&m)
        _ = m.received(.subscribed(subscriptionId: "s1", status: "active"), now: T.at(1))
        _ = m.received(.subscribed(subscriptionId: "s2", status: "active"), now: T.at(1))
        // b → c: subscribe c; nothing unsubscribed yet.
        #expect(m.setSubscriptions([T.a, T.c], now: T.at(2)) == [.subscribe(T.c)])
        #expect(m.phase == .open)
        // c active → only now is b (s2) unsubscribed.
        #expect(m.received(.subscribed(subscriptionId: "s3", status: "active"), now: T.at(3))
                == [.unsubscribe(subscriptionId: "s2")])
        #expect(m.received(.unsubscribed(subscriptionId: "s2"), now: T.at(4)) == [])
        #expect(m.active.map(\.subscription) == [T.a, T.c])
        // Removing one only unsubscribes.
        #expect(m.setSubscriptions([T.c], now: T.at(5)) == [.unsubscribe(subscriptionId: "s1")])
    }

    @Test func aFullConnectionSwapsOneAtATime() {
        var config = Machine.Configuration()
        config.maxSubscriptionsPerConnection = 2
        var m = Machine(configuration: config, subscriptions: [T.a, T.b])
        _ = T.open(&m)
        _ = m.received(.subscribed(subscriptionId: "s1", status: nil), now: T.at(1))
        _ = m.received(.subscribed(subscriptionId: "s2", status: nil), now: T.at(1))
        // a, b → c, d with room for two: one old out, one new in, and so on.
        #expect(m.setSubscriptions([T.c, T.d], now: T.at(2)) == [.unsubscribe(subscriptionId: "s1")])
        #expect(m.received(.unsubscribed(subscriptionId: "s1"), now: T.at(2)) == [.subscribe(T.c)])
        #expect(m.occupancy == 2)
        #expect(m.received(.subscribed(subscriptionId: "s3", status: nil), now: T.at(3)) == [.unsubscribe(subscriptionId: "s2")])
        #expect(m.received(.unsubscribed(subscriptionId: "s2"), now: T.at(3)) == [.subscribe(T.d)])
        #expect(m.received(.subscribed(subscriptionId: "s4", status: nil), now: T.at(3)) == [])
        #expect(m.active.map(\.subscription) == [T.c, T.d])
    }

    @Test func anUnaskedSubscriptionIsUnsubscribed() {
        var m = Machine(subscriptions: [])
        #expect(T.open(&m) == [])
        #expect(m.received(.subscribed(subscriptionId: "zz", status: nil), now: T.at(1)) == [.unsubscribe(subscriptionId: "zz")])
    }

    @Test func subscriptionsChangedWhileDisconnectedApplyOnTheNextConnection() {
        var m = Machine(subscriptions: [T.a])
        _ = m.start(now: T.at(0))
        #expect(m.setSubscriptions([T.b], now: T.at(0)) == [])
        _ = m.discovered(T.discovery(1), now: T.at(0))
        #expect(m.connected(now: T.at(0)) == [.subscribe(T.b)])
    }

    @Test func stopClosesALiveConnectionAndIgnoresLateEvents() {
        var m = Machine(subscriptions: [T.a])
        _ = T.open(&m)
        #expect(m.stop() == [.closeConnection])
        #expect(m.closed(code: 1000, now: T.at(1)) == [])
        #expect(m.tick(now: T.at(500)) == [])
        #expect(m.nextDeadline == nil)
    }
}
