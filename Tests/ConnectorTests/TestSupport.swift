import Connector
import Foundation
import Logging
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Polls `condition` until it holds or `seconds` of real time pass. Waits on a condition, never on
/// time passing; the bound only turns a hang into a failure.
func eventually(_ what: Comment, seconds: Double = 20, _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting for: \(what)")
    return false
}

/// Forwards events to another sink and records connector statuses and alerts.
actor RecordingSink: BridgeEventSink {
    let next: (any BridgeEventSink)?
    private(set) var statuses: [OrgStatus] = []
    private(set) var events = 0
    private(set) var alerts: [StreamAlert.Kind] = []

    init(next: (any BridgeEventSink)? = nil) { self.next = next }

    func ingest(org: OrgID, events batch: [BridgeEvent]) async {
        for e in batch {
            if case .connector(let s) = e {
                if statuses.last != s.status { statuses.append(s.status) }
            } else {
                events += 1
            }
        }
        await next?.ingest(org: org, events: batch)
    }

    func alert(_ a: StreamAlert) { alerts.append(a.kind) }
    var last: OrgStatus? { statuses.last }
    var count: Int { statuses.count }
    func since(_ index: Int) -> [OrgStatus] { Array(statuses.dropFirst(index)) }
}

/// Counts malformed frames.
final class CountingObserver: ConnectorObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var _malformed = 0
    func malformedFrame(org: OrgID, kind: String) { lock.withLock { _malformed += 1 } }
    var malformed: Int { lock.withLock { _malformed } }
}

/// A fixed business time for clocks in tests: 12:00Z is 08:00 in New York, 14:00 in Berlin and 21:00 in
/// Tokyo, far from every simulated org's midnight. A clock starting at the real "now" would make results
/// depend on when the suite runs (a sped-up run near local midnight rolls "today" over mid-test).
let testBusinessHours: EpochMillis = 1_778_155_200_000  // 2026-05-07T12:00:00Z

/// Runs `body` beside a running simulator with `options` (one org, `us`, on a free port) on a test clock at
/// `speed`, handing it the org's configuration with the tests' fast tunables; everything it started is cancelled
/// when it returns.
func withSimulatedOrg(_ options: SimulatorOptions, speed: Double = 20,
                      _ body: (GenesysSimulator, ScaledClock, OrgConfig, inout TaskGroup<Void>) async -> Void) async {
    let clock = ScaledClock(origin: testBusinessHours, speed: speed)
    let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
    await withTaskGroup(of: Void.self) { group in
        group.addTask { try? await sim.run() }
        _ = await sim.waitUntilListening()
        await body(sim, clock, ConnectorSimulatorTests.orgConfig(sim, options), &group)
        group.cancelAll()
    }
}
