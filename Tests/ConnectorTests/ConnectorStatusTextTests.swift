import AsyncHTTPClient
import Connector
import Foundation
import GenesysAPI
import Logging
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Records every connector status the connector reports (detail and problems included).
actor StatusLog: BridgeEventSink {
    private(set) var statuses: [ConnectorStatus] = []
    func ingest(org: OrgID, events: [BridgeEvent]) async {
        for case .connector(let s) in events { statuses.append(s) }
    }
    var details: [String] { statuses.compactMap(\.detail) }
    var last: ConnectorStatus? { statuses.last }
}

/// What the org card and `/readyz` say about a connector must be current and readable: the REST retry
/// ladder follows the org's tunables and reports each wait, and listed ids missing upstream are named.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ConnectorStatusTextTests {
    static func run(configure: (inout OrgConfig, SimTruth) -> Void = { _, _ in },
                    _ body: (GenesysSimulator, StatusLog) async throws -> Void) async throws {
        let options = ConnectorSimulatorTests.simulatorOptions(seed: 5)
        let clock = ScaledClock(origin: testBusinessHours, speed: 1)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            _ = await sim.waitUntilListening()
            var org = ConnectorSimulatorTests.orgConfig(sim, options)
            let truth = try #require(await sim.truth(org: "us"))
            configure(&org, truth)
            let log = StatusLog()
            // The SDK's ladder (3/9/27 s), fitted to the org's tunables (50 ms initial, 400 ms cap) by the connector.
            var o = ConnectorSimulatorTests.fastOptions()
            o.retryPolicy = .default
            let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: log, clock: clock, options: o)
            group.addTask { try await connector.run() }
            try await body(sim, log)
            group.cancelAll()
        }
    }

    @Test func aBurstOf503sIsRetriedOnTheOrgsLadderAndTheStatusSaysWhatIsHappening() async throws {
        try await Self.run { sim, log in
            // Before the connector's first REST call: 20 answers of 503. With the SDK ladder (3 + 9 + 27 s per
            // call) this took minutes; fitted to backoffMax 400 ms it takes a few seconds.
            _ = await sim.inject(.httpError(count: 20, status: 503), org: "us")
            #expect(await eventually("open after the burst", seconds: 30) { await log.last?.status == .open })
            let details = await log.details
            #expect(details.contains { $0.contains(": HTTP 503, retry 1 of 3 in ") }, "\(details)")
            #expect(details.contains { $0.contains("attempt 1 failed; retrying in ") }, "\(details)")
            #expect(details.contains { $0.contains("attempt 2 under way") }, "\(details)")
            // Rounded: no "0.15000000000000002 seconds".
            #expect(!details.contains { $0.contains("seconds") }, "\(details)")
        }
    }

    @Test func listedIdsTheDirectoryDoesNotHoldAreNamedOnTheCard() async throws {
        let ghost = "00000000-0000-4000-8000-000000000001"
        try await Self.run(configure: { org, truth in
            org.users = .ids([truth.agents[0].id, ghost])
            org.queues = .ids(truth.queues.map(\.id))
        }) { _, log in
            #expect(await eventually("open") { await log.last?.status == .open })
            let problems = await log.last?.problems ?? [:]
            #expect(problems["users"]?.contains("1 of the 2 ids in this org's 'users:' list are not in its directory (\(ghost))") == true,
                    "\(problems)")
            #expect(problems["queues"] == nil, "\(problems)")
        }
    }
}
