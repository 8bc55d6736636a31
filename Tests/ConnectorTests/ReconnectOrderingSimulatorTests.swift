import AsyncHTTPClient
import Connector
import Foundation
import Logging
import Normalizer
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

/// End-to-end over loopback: after a ghosted socket the connector reconnects first and re-syncs after, and the
/// presence and routing changes that happen while the re-sync reads its baseline — held, then applied on top of it —
/// are neither lost nor counted twice.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ReconnectOrderingSimulatorTests {
    /// Forwards to the views; records the statuses and the order of the re-sync's reads; runs `hook` once, inside the
    /// first queue observations or agent baselines after `arm()` and a `stale` status — a re-sync's last reads (after
    /// a short gap it asks no baselines: docs/connector.md) — before passing them on.
    actor ProbeSink: BridgeEventSink {
        let next: any BridgeEventSink
        private(set) var statuses: [OrgStatus] = []
        /// The status in force when each re-sync's directory event arrived.
        private(set) var statusAtDirectory: [OrgStatus] = []
        /// The connector's last status detail when each re-sync's directory event arrived.
        private(set) var detailAtDirectory: [String?] = []
        private var lastDetail: String?
        private var hook: (@Sendable () async -> Void)?
        private var staleSinceArmed = false
        /// Batches of agent baselines seen (each re-sync's last read).
        private(set) var baselineBatches = 0
        /// The hook has run to its end.
        private(set) var hookDone = false

        init(next: any BridgeEventSink) { self.next = next }

        func arm(_ hook: @escaping @Sendable () async -> Void) {
            self.hook = hook
            staleSinceArmed = false
        }

        func ingest(org: OrgID, events batch: [BridgeEvent]) async {
            for e in batch {
                switch e {
                case .connector(let s):
                    if statuses.last != s.status { statuses.append(s.status) }
                    lastDetail = s.detail
                    if s.status == .stale { staleSinceArmed = true }
                case .directory:
                    statusAtDirectory.append(statuses.last ?? .connecting)
                    detailAtDirectory.append(lastDetail)
                default: break
                }
            }
            let baseline = batch.contains(where: { if case .agentBaseline = $0 { true } else { false } })
            if baseline { baselineBatches += 1 }
            let observations = batch.contains(where: { if case .queueObservation = $0 { true } else { false } })
            if let h = hook, staleSinceArmed, baseline || observations {
                hook = nil
                await h()
                hookDone = true
            }
            await next.ingest(org: org, events: batch)
        }
        var last: OrgStatus? { statuses.last }
    }

    final class ActivityCounter: ConnectorObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var _activity = 0
        func upstreamEvent(org: OrgID, topic: TopicKind, events: Int) {
            if topic == .userActivity || topic == .userPresence || topic == .userRoutingStatus {
                lock.withLock { _activity += events }
            }
        }
        var activity: Int { lock.withLock { _activity } }
    }

    /// Agents whose presence or routing status in the views differs from the truth.
    /// The org `us` of a running simulator wired as the bridge wires it: a connector (fast test options) feeding real
    /// views through a ``ProbeSink``; the caller runs the connector.
    static func rig(_ sim: GenesysSimulator, _ options: SimulatorOptions, clock: any WallClock,
                    observer: any ConnectorObserver) -> (views: ViewEngine, sink: ProbeSink, connector: OrgConnector) {
        let org = ConnectorSimulatorTests.orgConfig(sim, options)
        var occupancy = OccupancyConfig()
        occupancy.productivePresences = [.onQueue, .available]
        let views = ViewEngine(occupancy: occupancy, orgs: [ViewOrg(id: "us", name: "US", timeZone: org.timezone)],
                               clock: clock, sink: NoViewChanges())
        let sink = ProbeSink(next: views)
        let connector = OrgConnector(org: org, productivePresences: occupancy.productivePresences,
                                     http: HTTPClient.shared, sink: sink, clock: clock, observer: observer,
                                     options: ConnectorSimulatorTests.fastOptions())
        return (views, sink, connector)
    }

    /// Moves business time on by one second every `every` of real time while `running` is true (it stands still
    /// otherwise), until the task is cancelled.
    static func driveClock(_ clock: ManualClock, while running: Locked<Bool>, every: Duration) async {
        while !Task.isCancelled {
            if running.value { clock.advance(by: 1_000) }
            try? await Task.sleep(for: every)
        }
    }

    static func mismatches(_ views: ViewEngine, _ truth: SimTruth) async -> [String] {
        var bad: [String] = []
        for a in truth.agents {
            let f = await views.agentFigures(EntityID(org: "us", platformID: a.id))
            let presence = f?.presence?.rawValue.lowercased().filter(\.isLetter)
            if presence != a.presence.lowercased().filter(\.isLetter) || f?.routingStatus?.rawValue != a.routingStatus {
                bad.append("\(a.name): views \(f?.presence?.rawValue ?? "-")/\(f?.routingStatus?.rawValue ?? "-"), "
                           + "truth \(a.presence)/\(a.routingStatus)")
            }
        }
        return bad
    }

    static func states(_ truth: SimTruth?) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (truth?.agents ?? []).map { ($0.id, "\($0.presence)/\($0.routingStatus)") })
    }

    @Test func changesDuringTheReSyncAfterAGhostAreNeitherLostNorDoubleCounted() async throws {
        let options = ConnectorSimulatorTests.simulatorOptions(seed: 23)
        // Business time moves 1 s per 50 ms (20×) while `running`, and stands still once the re-sync has been held
        // long enough: the platform then changes no more, so the views must equal the truth exactly, and a change
        // the held events carried cannot be repaired by a later one.
        let clock = ManualClock(testBusinessHours)
        let running = Locked(true)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            group.addTask { await Self.driveClock(clock, while: running, every: .milliseconds(50)) }
            _ = await sim.waitUntilListening()
            let counter = ActivityCounter()
            let (views, sink, connector) = Self.rig(sim, options, clock: clock, observer: counter)
            group.addTask { try await connector.run() }
            // Start-up: only the directory's ids before subscribing (nothing ingested), then the one re-sync once
            // the socket is open.
            #expect(await eventually("first open and its re-sync") {
                let open = await sink.last == .open
                let directories = await sink.statusAtDirectory.count
                let baselines = await sink.baselineBatches
                return open && directories >= 1 && baselines >= 1
            })
            // Shown `connecting` until that baseline is in (docs/connector.md "Start-up"), then `open`.
            let atStart = await sink.detailAtDirectory
            #expect(atStart == ["socket open; reading the baseline"], "start-up read the baseline \(atStart.count) times, while \(atStart)")
            #expect(await sink.statusAtDirectory == [.connecting])
            #expect(await eventually("a live socket") { await sim.liveSockets(org: "us") > 0 })
            let directoriesBefore = await sink.statusAtDirectory.count
            let statusesBefore = await sink.statuses.count
            let requestsBefore = await sim.requestCounts()

            // Once the re-sync has read everything (its last read, the queue observations, is about to be applied), hold
            // it there until agents have changed on the platform and the socket has brought those changes: they reach
            // the views only as held events.
            let changed = Locked(0)
            await sink.arm {
                let atBaseline = Self.states(await sim.truth(org: "us"))
                let activityAfterChange = Locked<Int?>(nil)
                _ = await eventually("agents change during the re-sync, and the socket brings it", seconds: 40) {
                    let now = Self.states(await sim.truth(org: "us"))
                    let moved = now.filter { atBaseline[$0.key] != $0.value }.count
                    if moved >= 2, activityAfterChange.value == nil { activityAfterChange.value = counter.activity }
                    guard let mark = activityAfterChange.value else { return false }
                    if counter.activity > mark + 1 {
                        changed.value = moved
                        running.value = false
                        return true
                    }
                    return false
                }
            }
            await sim.inject(.ghost, org: "us")
            #expect(await eventually("stale, reopened, re-synced", seconds: 60) {
                let s = (await sink.statuses).dropFirst(statusesBefore)
                let done = await sink.hookDone
                let directories = await sink.statusAtDirectory.count
                return s.contains(.stale) && s.last == .open && done && directories > directoriesBefore
            })
            #expect(changed.value >= 2, "no agent changed while the re-sync was held")

            // Reconnect, then re-sync: the socket was open again before the re-sync read the directory, and the
            // recovery re-synced once (seed 000's order re-synced before reopening, and again after).
            let after = (await sink.statusAtDirectory).dropFirst(directoriesBefore)
            #expect(after.first == .open, "the re-sync ran while the org was \(after.first.map { "\($0)" } ?? "-")")
            #expect(after.count == 1)

            // Every agent equals the truth: no change lost (presence, routing) and no interval counted twice (today's
            // occupancy within 1 percentage point).
            let last = Locked<[String]>([])
            #expect(!running.value)
            let settled = await eventually("every agent equal to /_sim/truth", seconds: 10) {
                await views.refresh()
                guard let truth = await sim.truth(org: "us") else { return false }
                var bad = await Self.mismatches(views, truth)
                for agent in truth.agents where agent.productiveMs.today > 30_000 {
                    let expected = Double(agent.handlingMs.today) / Double(agent.productiveMs.today)
                    let got = await views.agentFigures(EntityID(org: "us", platformID: agent.id))?.occupancy(.today)
                    if got.map({ abs($0 - expected) > 0.01 }) ?? true {
                        bad.append("\(agent.name): today's occupancy \(got.map { "\($0)" } ?? "-"), truth \(expected)")
                    }
                }
                last.value = bad
                return bad.isEmpty
            }
            if !settled { Issue.record("still different from the truth: \(last.value)") }

            // What one re-sync cost (one org of 8 agents and 1 channel; docs/connector.md has the 5,000-agent sum).
            let requests = await sim.requestCounts().merging(requestsBefore) { $0 - $1 }.filter { $0.value > 0 }
            print("reconnect ordering e2e: \(changed.value) agents changed during the held re-sync; requests: "
                  + requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            #expect(requests["GET /api/v2/users"] == 1)
            // The gap's history query reached back to the first re-sync's: the views' totals are whole without new
            // baselines (today's occupancy is checked against the truth above).
            #expect(requests["POST /api/v2/analytics/users/aggregates/query"] == nil)
            group.cancelAll()
        }
    }

    /// The re-sync runs beside the session's loop: a socket that ghosts while the baseline is read is judged by the
    /// watchdog as at any other time, the session ends (cancelling the re-sync) and the org recovers. Before, the
    /// re-sync ran inside the loop, so nothing judged the sockets until it ended (a browser test's ghost on a busy
    /// machine went unseen for over a minute).
    @Test func aGhostDuringTheReSyncIsCaughtByTheWatchdog() async throws {
        let options = ConnectorSimulatorTests.simulatorOptions(seed: 31)
        let clock = ScaledClock(origin: testBusinessHours, speed: 20)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            let (views, sink, connector) = Self.rig(sim, options, clock: clock, observer: ActivityCounter())
            group.addTask { try await connector.run() }
            #expect(await eventually("first open") { await sink.last == .open })
            let statusesBefore = await sink.statuses.count
            // Inside the re-sync that follows the first ghost: ghost the new socket too, and keep the re-sync there
            // until the session gives it up (its task cancelled) — or 20 s, far past the watchdog's 1.2 s.
            let cancelled = Locked(false)
            await sink.arm {
                _ = await sim.inject(.ghost, org: "us")
                for _ in 0..<200 where !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
                cancelled.value = Task.isCancelled
            }
            _ = await sim.inject(.ghost, org: "us")
            #expect(await eventually("the held re-sync ended", seconds: 40) { await sink.hookDone })
            #expect(cancelled.value, "the watchdog did not end the session while its re-sync was under way")
            // Two stale verdicts (the ghost before the re-sync and the one during it), then open again with the truth.
            #expect(await eventually("open again after the second ghost", seconds: 30) {
                let s = (await sink.statuses).dropFirst(statusesBefore)
                return s.filter { $0 == .stale }.count >= 2 && s.last == .open
            })
            let last = Locked<[String]>([])
            let settled = await eventually("every agent equal to /_sim/truth", seconds: 15) {
                guard let truth = await sim.truth(org: "us") else { return false }
                last.value = await Self.mismatches(views, truth)
                return last.value.isEmpty
            }
            if !settled { Issue.record("still different from the truth: \(last.value)") }
            group.cancelAll()
        }
    }

    /// Start-up reads only the directory's ids before subscribing; the baseline comes with the socket. When the
    /// sockets are refused (the streaming endpoint unwell while REST answers), the REST baseline is read anyway, so
    /// the wall shows the org as it was at start rather than nothing, and the first socket that opens re-syncs again.
    @Test func socketsRefusedAtStartStillShowTheRESTBaseline() async throws {
        let options = ConnectorSimulatorTests.simulatorOptions(seed: 29)
        let sim = GenesysSimulator(options: options, clock: SystemClock(), logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            let refused = await sim.inject(.refuseSockets(count: 1_000), org: "us")
            #expect(!refused.isEmpty)
            let (views, sink, connector) = Self.rig(sim, options, clock: SystemClock(), observer: ActivityCounter())
            group.addTask { try await connector.run() }
            #expect(await eventually("the REST baseline without a socket", seconds: 30) {
                let directories = await sink.statusAtDirectory
                return await sink.baselineBatches >= 1 && !directories.isEmpty
            })
            let statuses = await sink.statuses
            #expect(!statuses.contains(.open))
            let directories = await sink.statusAtDirectory
            #expect(directories.count == 1, "read once while no socket opens, not at every attempt: \(directories)")
            let truth = try #require(await sim.truth(org: "us"))
            for agent in truth.agents {
                #expect(await views.agentFigures(EntityID(org: "us", platformID: agent.id)) != nil, "\(agent.name) not shown")
            }

            _ = await sim.inject(.refuseSockets(count: 0), org: "us")
            #expect(await eventually("open, then re-synced on the socket", seconds: 30) {
                let s = await sink.statusAtDirectory
                let last = await sink.last
                return last == .open && s.count == 2 && s.last == .open
            })
            group.cancelAll()
        }
    }
}

/// A value shared with the test's closures.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: Value
    init(_ value: Value) { v = value }
    var value: Value {
        get { lock.withLock { v } }
        set { lock.withLock { v = newValue } }
    }
}
