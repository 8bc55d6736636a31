import AsyncHTTPClient
import Connector
import Foundation
import Logging
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The watchdog judges the platform, not us: when the views take longer than the heartbeat timeout to accept a
/// batch (a burst of snapshots, a slow disk), the socket reader waits on them and reads nothing meanwhile — that
/// must not be taken for a dead upstream and end in a reconnect and a re-sync.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SlowViewsSimulatorTests {
    /// Records statuses; once armed, the next batch of events waits `stall` before it is accepted.
    actor StallingSink: BridgeEventSink {
        private(set) var statuses: [OrgStatus] = []
        private var armed = false
        private(set) var stalled = false
        let stall: Duration
        init(stall: Duration) { self.stall = stall }
        func arm() { armed = true }

        func ingest(org: OrgID, events batch: [BridgeEvent]) async {
            for e in batch { if case .connector(let s) = e, statuses.last != s.status { statuses.append(s.status) } }
            let live = batch.contains { if case .agentStatus = $0 { true } else { false } }
            if armed, live {
                armed = false
                try? await Task.sleep(for: stall)
                stalled = true
            }
        }
    }

    @Test func viewsSlowerThanTheHeartbeatTimeoutDoNotMakeTheOrgStale() async throws {
        let options = ConnectorSimulatorTests.simulatorOptions(seed: 31)
        let sim = GenesysSimulator(options: options, clock: SystemClock(), logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            let org = ConnectorSimulatorTests.orgConfig(sim, options)
            // 4 s: beyond the test tunables' 1.5 s heartbeat timeout and their ping probe (0.7 s + 2 × 0.25 s).
            let sink = StallingSink(stall: .seconds(4))
            let lags = LagRecorder()
            let connector = OrgConnector(org: org, productivePresences: [.onQueue, .available], http: HTTPClient.shared,
                                         sink: sink, clock: SystemClock(), observer: lags,
                                         options: ConnectorSimulatorTests.fastOptions())
            group.addTask { try await connector.run() }
            #expect(await eventually("open", seconds: 30) { await sink.statuses.last == .open })
            let before = await sink.statuses.count
            await sink.arm()
            #expect(await eventually("the views stalled once for 4 s", seconds: 30) { await sink.stalled })
            // Heartbeats come every 300 ms: a second after the stall the org has been read again.
            try await Task.sleep(for: .seconds(1))
            let after = Array(await sink.statuses.dropFirst(before))
            #expect(!after.contains(.stale), "a stall of our own was judged a dead upstream: \(after)")
            #expect(await sink.statuses.last == .open)
            // But the stall is not hidden: the stalled frame's news was 4 s old once the views took it (UpstreamLag keeps
            // the largest age of the last 10 s), and the lag is back to nothing after.
            #expect(lags.max >= 3, "the lag reached only \(lags.max) s during a 4 s stall")
            #expect(await eventually("the lag back to nothing once the stall left its 10 s window", seconds: 20) { lags.last < 1 })
            group.cancelAll()
        }
    }
}

/// A backlog that lasts is not only measured: the org's status says how far behind its events are read (the org card's
/// "… behind" line and `/readyz`), and says nothing again once the readers caught up.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BehindStatusSimulatorTests {
    /// While `slow`, every batch with agent news takes 400 ms: slower than 60 agents on a ×20 day send.
    actor SlowSink: BridgeEventSink {
        private(set) var statuses: [ConnectorStatus] = []
        var slow = false
        func setSlow(_ on: Bool) { slow = on }
        func ingest(org: OrgID, events batch: [BridgeEvent]) async {
            for e in batch { if case .connector(let s) = e { statuses.append(s) } }
            let news = batch.contains {
                switch $0 {
                case .agentStatus, .agentInteraction: true
                default: false
                }
            }
            if slow, news { try? await Task.sleep(for: .milliseconds(400)) }
        }
        var behind: Int? { statuses.last?.behindSeconds }
    }

    @Test func aLastingBacklogShowsOnTheOrgStatusUntilCaughtUp() async throws {
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 37)
        options.agentsPerOrg = 60
        // A sped-up day: real status changes every few hundred milliseconds, each dated when it happened (the
        // lag is the age of the news a frame brings; UpstreamLag).
        await withSimulatedOrg(options, speed: 20) { _, clock, org, group in
            let sink = SlowSink()
            let lags = LagRecorder()
            let connector = OrgConnector(org: org, productivePresences: [.onQueue, .available], http: HTTPClient.shared,
                                         sink: sink, clock: clock, observer: lags,
                                         options: ConnectorSimulatorTests.fastOptions())
            group.addTask { try? await connector.run() }
            #expect(await eventually("open", seconds: 30) { await sink.statuses.last?.status == .open })
            await sink.setSlow(true)
            // The test tunables' heartbeat timeout is 1.5 s: past it for three ticks with frames, the status says so.
            #expect(await eventually("the status says the readers are behind", seconds: 40) { (await sink.behind ?? 0) >= 1 },
                    "lags \(lags.recent)")
            #expect(await sink.statuses.last?.status == .open, "a slow bridge is not a dead upstream")
            await sink.setSlow(false)
            // Caught up once the backlog is read and its ages left the 10 s window (a lag that read high without a backlog
            // — frames dated long before they were sent — would never clear).
            #expect(await eventually("behind cleared once caught up", seconds: 40) {
                let s = await sink.statuses.last
                return s?.status == .open && s?.behindSeconds == nil
            }, "lags \(lags.recent)")
        }
    }
}

/// Records the connector's lag reports.
final class LagRecorder: ConnectorObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func upstreamLag(org: OrgID, seconds: Double) { lock.withLock { values.append(seconds) } }
    var max: Double { lock.withLock { values.max() ?? 0 } }
    var last: Double { lock.withLock { values.last ?? 0 } }
    var recent: [Double] { lock.withLock { Array(values.suffix(40)) } }
}
