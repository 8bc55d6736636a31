import Connector
import SwitchboardCore
import Testing

@Suite struct ChannelStateMachineTests {
    typealias C = ChannelStateMachine.Channel
    func machine(perChannel: Int = 1000) -> ChannelStateMachine {
        ChannelStateMachine(topicsPerChannel: perChannel, rolloverBefore: .seconds(3600),
                            backoff: Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0, random: { 0 }))
    }
    func topics(_ n: Int) -> [String] { (0..<n).map { "v2.users.u\($0).activity" } }

    @Test func batchesWithinAThousandTopicsPerChannel() {
        let b = ChannelStateMachine.batches(topics(2500), perChannel: 1000)
        #expect(b.map(\.count) == [1000, 1000, 500])
        #expect(ChannelStateMachine.batches(topics(1000), perChannel: 1000).count == 1)
    }

    @Test func createsOneChannelAndSubscribes() {
        var m = machine()
        #expect(m.prepare(topics: topics(3)) == .create)
        let c = C(id: "c1", connectUri: "ws://x/c1", expiresAt: 1000)
        #expect(m.created(c) == .subscribe(c, topics: topics(3)))
        #expect(m.subscribed(c) == .connect([c]))
    }

    @Test func reusesTheChannelAcrossReconnectsWhileHeadSaysItLives() {
        var m = machine()
        let c = C(id: "c1", connectUri: "ws://x/c1", expiresAt: 1000)
        _ = m.prepare(topics: topics(3)); _ = m.created(c); _ = m.subscribed(c)
        for _ in 0..<5 {
            _ = m.sessionEnded(.closed, channel: "c1", uptime: .zero)
            #expect(m.prepare(topics: topics(3)) == .verify(c))
            #expect(m.verified(c, alive: true) == .subscribe(c, topics: topics(3)))
            #expect(m.subscribed(c) == .connect([c]))
        }
        // Dead channel: exactly one new one.
        _ = m.sessionEnded(.closed, channel: "c1", uptime: .zero)
        #expect(m.prepare(topics: topics(3)) == .verify(c))
        #expect(m.verified(c, alive: false) == .create)
    }

    @Test func usesMoreChannelsOnlyWhenOneCannotHoldTheTopics() {
        var m = machine(perChannel: 2)
        #expect(m.prepare(topics: topics(3)) == .create)
        let a = C(id: "a", connectUri: "ws://a", expiresAt: nil), b = C(id: "b", connectUri: "ws://b", expiresAt: nil)
        #expect(m.created(a) == .subscribe(a, topics: Array(topics(3)[0..<2])))
        #expect(m.subscribed(a) == .create)
        #expect(m.created(b) == .subscribe(b, topics: [topics(3)[2]]))
        #expect(m.subscribed(b) == .connect([a, b]))
    }

    @Test func sessionEndsDecideRecovery() {
        var m = machine()
        let c = C(id: "c1", connectUri: "ws://x/c1", expiresAt: nil)
        _ = m.prepare(topics: topics(1)); _ = m.created(c); _ = m.subscribed(c)
        #expect(m.sessionEnded(.socketClosing, channel: "c1", uptime: .seconds(5)).delay == .zero)
        // The first stale (or close) reconnects at once; it counts as a failure for the next one.
        let stale = m.sessionEnded(.stale, channel: nil, uptime: .seconds(5))
        #expect(stale.delay == .zero)
        let revoked = m.sessionEnded(.tokenRevoked, channel: "c1", uptime: .zero)
        #expect(revoked.renewToken && revoked.delay == .seconds(2))
        _ = m.sessionEnded(.noLongerSubscribed, channel: "c1", uptime: .zero)
        #expect(m.channels.isEmpty)
        #expect(m.prepare(topics: topics(1)) == .create)
    }

    @Test func aMovedEndpointIsLookedUpBeforeGivingUpOnTheChannel() {
        var m = machine()
        let c = C(id: "c1", connectUri: "ws://old/c1", expiresAt: nil)
        _ = m.prepare(topics: topics(1)); _ = m.created(c); _ = m.subscribed(c)
        _ = m.sessionEnded(.connectFailed, channel: "c1", uptime: .zero)
        #expect(m.prepare(topics: topics(1)) == .refresh(c))
        let moved = C(id: "c1", connectUri: "ws://new/c1", expiresAt: nil)
        #expect(m.refreshed(c, found: moved) == .verify(moved))
        #expect(m.verified(moved, alive: true) == .subscribe(moved, topics: topics(1)))
    }

    @Test func rolloverIsMakeBeforeBreakAheadOfExpiry() {
        var m = machine()
        let expires: EpochMillis = 86_400_000
        let c = C(id: "c1", connectUri: "ws://x/c1", expiresAt: expires)
        _ = m.prepare(topics: topics(2)); _ = m.created(c); _ = m.subscribed(c)
        #expect(m.dueForRollover(now: expires - 3_600_001).isEmpty)
        #expect(m.dueForRollover(now: expires - 3_600_000) == [c])
        #expect(m.topics(of: "c1") == topics(2))
        let n = C(id: "c2", connectUri: "ws://x/c2", expiresAt: expires * 2)
        m.replacementReady(for: "c1", n)
        // Under way: not due again.
        #expect(m.dueForRollover(now: expires).isEmpty)
        #expect(m.channels == [c])
        // The old socket closes only once the new one is open.
        #expect(m.replacementOpened("c2") == "c1")
        #expect(m.channels == [n])
        #expect(m.replacementOpened("c2") == nil)
    }

    // MARK: reconnect, then re-sync

    @Test func aStaleSocketIsReplacedAtOnceAndReSyncedOnlyOnceTheNewOneIsOpen() {
        var m = machine()
        let c = C(id: "c1", connectUri: "ws://x/c1", expiresAt: nil)
        _ = m.prepare(topics: topics(2)); _ = m.created(c)
        #expect(m.subscribed(c) == .connect([c]))
        // First session: open, hold, re-sync, then the held events on top.
        #expect(m.socketsOpened() == [.holdEvents, .startResync])
        #expect(m.resyncPhase == .holding)
        #expect(m.resyncEnded() == [.applyHeldOnBaseline])
        #expect(m.resyncPhase == .live)
        // A healthy hour later the watchdog fires: no delay, no re-sync before the new socket.
        let stale = m.sessionEnded(.stale, channel: nil, uptime: .seconds(3600))
        #expect(stale == ChannelStateMachine.Recovery(delay: .zero, renewToken: false))
        #expect(m.resyncPhase == .closed)
        // Straight back to preparing: the channel is verified, subscribed and connected…
        #expect(m.prepare(topics: topics(2)) == .verify(c))
        #expect(m.verified(c, alive: true) == .subscribe(c, topics: topics(2)))
        #expect(m.subscribed(c) == .connect([c]))
        // …and only then the re-sync, with the socket's events held until its baseline is in.
        #expect(m.resyncEnded() == [])
        #expect(m.socketsOpened() == [.holdEvents, .startResync])
        #expect(m.socketsOpened() == [])
        #expect(m.resyncEnded() == [.applyHeldOnBaseline])
        #expect(m.resyncEnded() == [])
        // A second stale straight after a short session backs off (no reconnect loop against a sick platform).
        #expect(m.sessionEnded(.stale, channel: nil, uptime: .seconds(2)).delay == .seconds(2))
        // A socket that closes after a healthy session is replaced at once too; a second close right after waits.
        #expect(m.sessionEnded(.closed, channel: "c1", uptime: .seconds(3600)).delay == .zero)
        #expect(m.sessionEnded(.closed, channel: "c1", uptime: .seconds(1)).delay == .seconds(2))
        // Every other end reconnects without a re-sync first as well.
        #expect(m.sessionEnded(.socketClosing, channel: "c1", uptime: .seconds(5)) == .init(delay: .zero, renewToken: false))
    }
}
