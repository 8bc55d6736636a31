import AsyncHTTPClient
import Bridge
import Connector
import EventStream
import Foundation
import Logging
import NIOFoundationCompat
import ServiceLifecycle
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// The one fixture of the integration tests: the in-process simulator and a bridge wired to it as
/// `switchboard demo` wires them (shared business clock, demo tokens), both on loopback port 0.
enum DemoFixture {
    struct Running {
        let simulator: GenesysSimulator
        let bridge: Bridge
        let bridgeBase: String
        let simulatorBase: String
        let clock: ScaledClock
    }

    /// Runs simulator + bridge around `body`, then shuts both down gracefully.
    /// - Parameters:
    ///   - agents: agents per org (3 orgs: us, emea, apac).
    ///   - speed: business seconds per real second (the clock starts at ``testBusinessHours``).
    ///   - startAt: start the simulated day later, with a history only the REST aggregates reveal.
    ///   - audio: give every org an `audio:` section and point the simulator's AudioHook client at the bridge
    ///     once it listens, as the demo does.
    ///   - seedOrgs: orgs run as `protocol: seed` with the seed Audio Connector (16 kHz), as the demo runs `apac`.
    ///   - configure: any other simulator option (seed, heartbeat, details cap, …).
    ///   - connectorOptions: the bridge's connector options (e.g. a small topic budget).
    ///   - configureBridge: changes to the bridge's configuration (e.g. an org's `speechText:`).
    static func run(agents: Int = 12, speed: Double = 1, startAt: SimulatorOptions.StartAt? = nil,
                    audio: Bool = false, seedOrgs: Set<String> = [],
                    configure: (inout SimulatorOptions) -> Void = { _ in },
                    connectorOptions: OrgConnector.Options = .init(),
                    configureBridge: @escaping @Sendable (inout SwitchboardConfiguration) -> Void = { _ in },
                    eventStream: SeedEventStream.Configuration = .init(),
                    _ body: (Running) async throws -> Void) async throws {
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = agents
        options.port = 0
        options.seed = 7
        options.heartbeatInterval = .milliseconds(400)
        options.startAt = startAt
        configure(&options)
        let clock = ScaledClock(origin: testBusinessHours, speed: speed)
        let fixed = options
        let simulator = GenesysSimulator(options: options, clock: clock)
        let bridgePort = Mutex<Int?>(nil)
        // Seed orgs take their audio from the seed Audio Connector, not AudioHook.
        let credentials = audio ? DemoConfiguration.audioCredentials(simulator: simulator).filter { !seedOrgs.contains($0.key) }
            : [:]
        // Debug level for the bridge's own logger: its ServiceGroup then says which service has not finished when a
        // graceful shutdown stalls (see `stopGracefully`).
        var bridgeLogger = Logger.switchboard("bridge")
        bridgeLogger.logLevel = .debug
        let bridge = Bridge(
            source: .provided({
                let port = await simulator.waitUntilListening()
                var config = DemoConfiguration.make(simulatorBase: "http://127.0.0.1:\(port)", options: fixed,
                                                    listen: ListenAddress(host: "127.0.0.1", port: 0), audio: credentials,
                                                    seedOrgs: seedOrgs)
                configureBridge(&config)
                return config
            }), clock: clock, logger: bridgeLogger, connectorOptions: connectorOptions, eventStream: eventStream
        ) { _, port in
            bridgePort.withLock { $0 = port }
            if audio {
                simulator.setAudioHookTarget(url: DemoConfiguration.audioHookURL(host: "127.0.0.1", port: port),
                                             credentials: credentials)
            }
        }
        var groupLogger = Logger.switchboard("test")
        groupLogger.logLevel = .debug
        let group = ServiceGroup(configuration: .init(services: [simulator, bridge], gracefulShutdownSignals: [],
                                                      logger: groupLogger))
        // The group runs in a task of its own (not a child) so a simulator stuck in its server's shutdown can be
        // left behind instead of holding up the suite (DEVELOPERS.md, "Known issues").
        let running = Task { try await group.run() }
        do {
            let simPort = await simulator.waitUntilListening()
            #expect(await eventually("bridge listening") { bridgePort.withLock { $0 } != nil })
            let port = try #require(bridgePort.withLock { $0 })
            try await body(Running(simulator: simulator, bridge: bridge, bridgeBase: "http://127.0.0.1:\(port)",
                                   simulatorBase: "http://127.0.0.1:\(simPort)", clock: clock))
        } catch {
            try? await stopGracefully(group, running)
            throw error
        }
        try await stopGracefully(group, running)
    }

    /// Triggers a graceful shutdown and waits for it. A shutdown that has not finished after `seconds` (the
    /// in-process simulator's server now and then never returns from its graceful shutdown; DEVELOPERS.md, "Known
    /// issues") is recorded as a known issue with the services' debug log above it, and the group is cancelled; if
    /// that does not end it within 10 s either, it is left behind and the suite goes on.
    static func stopGracefully(_ group: ServiceGroup, _ running: Task<Void, any Error>, seconds: Double = 30) async throws {
        await group.triggerGracefulShutdown()
        if await finishes(running, within: seconds) {
            try await running.value
            return
        }
        withKnownIssue("graceful shutdown of the in-process simulator + bridge stalled for \(Int(seconds)) s") {
            Issue.record("graceful shutdown stalled; cancelling (the debug log above names the services still running)")
        }
        running.cancel()
        if await finishes(running, within: 10) { return }
        withKnownIssue("the in-process simulator + bridge did not end 10 s after cancellation either") {
            Issue.record("left running in the background; the suite goes on")
        }
    }

    /// Waits for `task` at most `seconds`; true when it finished in time. A task that does not finish is left
    /// running (test code only: see ``stopGracefully(_:_:seconds:)``).
    static func finishes(_ task: Task<Void, any Error>, within seconds: Double) async -> Bool {
        final class Once: Sendable {
            let waiting = Mutex<CheckedContinuation<Bool, Never>?>(nil)
            func resume(_ value: Bool) { waiting.withLock { $0?.resume(returning: value); $0 = nil } }
        }
        let once = Once()
        return await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in
            once.waiting.withLock { $0 = cont }
            Task {
                _ = try? await task.value
                once.resume(true)
            }
            Task {
                try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                once.resume(false)
            }
        }
    }

    static func get(_ url: String, token: String? = nil) async throws -> (status: UInt, body: Data) {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, Data(buffer: body))
    }

    static func json(_ url: String, token: String? = nil) async throws -> [String: Any] {
        let (status, body) = try await get(url, token: token)
        try #require(status == 200, "GET \(url) answered \(status): \(String(decoding: body, as: UTF8.self))")
        return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }

    static func allOpen(_ base: String) async -> Bool {
        // The details (orgs, problems) need an admin token; without one /readyz says only ready and ok|degraded.
        guard let (status, body) = try? await get("\(base)/readyz", token: "demo-admin"), status == 200,
              let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let orgs = json["orgs"] as? [[String: Any]], orgs.count == 3
        else { return false }
        return orgs.allSatisfy { $0["status"] as? String == "open" }
    }
}

/// Polls `condition` until it holds, for at most `seconds` of real time (a bound that turns a hang into a
/// failure; nothing here waits for time to pass).
func eventually(_ what: Comment, seconds: Double = 30, _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting for: \(what)")
    return false
}

/// A fixed business time for clocks in tests: 12:00Z is 08:00 in New York, 14:00 in Berlin and 21:00 in
/// Tokyo, far from every simulated org's midnight. A clock starting at the real "now" would make results
/// depend on when the suite runs (a sped-up run near local midnight rolls "today" over mid-test).
let testBusinessHours: EpochMillis = 1_778_155_200_000  // 2026-05-07T12:00:00Z
