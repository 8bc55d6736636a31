import Foundation
import Logging
import ServiceLifecycle
@testable import Simulator
import SwitchboardCore
import Testing

@Suite("Storm mode and random faults")
struct StormAndSoakTests {
    /// With business time frozen the workload publishes nothing; storm events still flow, and they
    /// repeat the agents' current state.
    @Test func stormEventsFlowWhileTimeStandsStill() async throws {
        let clock = ManualClock(1_790_000_000_000)
        try await withSimulator({ $0.stormEventsPerSecond = 3000; $0.orgCount = 1 }, clock: clock) { _, client in
            try await FaultTests.connected(client) { _, _, _, it in
                var bodies: [String: Int] = [:]
                for _ in 0..<60 {
                    guard let s = await next(&it, where: { $0.contains(".activity\"") }) else { break }
                    let body = try #require(jsonObject(s)?["eventBody"] as? [String: Any])
                    bodies[try #require(body["id"] as? String), default: 0] += 1
                }
                #expect(bodies.values.reduce(0, +) == 60)
            }
        }
    }

    @Test func randomFaultsAreDrawnAndLogged() async throws {
        var options = SimulatorOptions()
        options.agentsPerOrg = 10
        options.randomFaultRate = 50
        let clock = ManualClock(1_790_000_000_000)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "soak"))
        for _ in 0..<10 {
            clock.advance(by: 3_600_000)
            sim.tick()
        }
        let log = await sim.faultLog()
        #expect(log.count >= 10)
        #expect(log.allSatisfy { $0.source == "random" && SimFault.kinds.contains($0.kind) })
        #expect(Set(log.map(\.org)) == ["us", "emea", "apac"])
        #expect(Set(log.map(\.kind)).count >= 4)
    }
}

@Suite("Simulator lifecycle")
struct LifecycleTests {
    /// Graceful shutdown closes open sockets and `run()` returns.
    @Test func gracefulShutdownWithOpenSockets() async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.agentsPerOrg = 10
        options.heartbeatInterval = .milliseconds(100)
        let logger = Logger(label: "lifecycle")
        let sim = GenesysSimulator(options: options, clock: ScaledClock(origin: testBusinessHours, speed: 60), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [sim], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            let port = await sim.waitUntilListening()
            #expect(sim.baseURL == "http://127.0.0.1:\(port)")
            let client = SimClient(base: sim.baseURL)
            let token = try await client.accessToken()
            let (_, uri) = try await client.channel(token)
            let probe = WSProbe()
            tg.addTask { try await probe.run(url: uri) }
            var it = probe.incoming.makeAsyncIterator()
            #expect(await next(&it, where: isHeartbeat) != nil)
            await group.triggerGracefulShutdown()
            #expect(await next(&it) { _ in false } == nil)
            try await tg.waitForAll()
        }
    }
}
