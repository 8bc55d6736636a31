import Connector
import EventStream
import Foundation
import Journeys
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Simulator (customer journeys) → the seed's journey event stream of a `protocol: seed` org → the bridge's
/// journeys, compared with `/_sim/truth` `journeys` like ``JourneysEndToEndTests``: every journey the truth has
/// settled is on `GET /v1/journeys/{id}` (and, while open, the `journeys:<org>` topic) the same. The stream survives
/// `eventstream-drop` (a reconnect and a new subscription) and `eventstream-orphan` (the loud callback mismatch:
/// alert, problem, metric — repaired by re-subscribing); a low `maxEventsPerSecond` shows backpressure
/// (docs/journeys.md, "The seed's event stream").
@Suite(.serialized) struct SeedEventStreamEndToEndTests {
    static func seed(_ config: inout SwitchboardConfiguration, org: String, maxEventsPerSecond: Int? = nil) {
        for i in config.orgs.indices where config.orgs[i].id.rawValue == org {
            config.orgs[i].upstreamProtocol = .seed
            if let maxEventsPerSecond { config.orgs[i].journeys?.eventStream = EventStreamConfig(maxEventsPerSecond: maxEventsPerSecond) }
        }
    }

    static var fastChecks: SeedEventStream.Configuration {
        var c = SeedEventStream.Configuration()
        c.machine.verifyInterval = .seconds(2)
        c.machine.watchdogTimeout = .seconds(5)  // the simulator's heartbeats come every 400 ms in the fixture
        return c
    }

    @Test func seedStreamJourneysEqualTheTruthAcrossADropAndAnOrphanedSubscription() async throws {
        try await DemoFixture.run(speed: JourneysEndToEndTests.speed,
                                  configure: { JourneysEndToEndTests.simulator(&$0, orgs: ["us"]) },
                                  configureBridge: {
                                      JourneysEndToEndTests.bridge(&$0, orgs: ["us": "US"])
                                      Self.seed(&$0, org: "us")
                                  }, eventStream: Self.fastChecks) { run in
            #expect(await eventually("all orgs open", seconds: 60) { await DemoFixture.allOpen(run.bridgeBase) })
            let sim = run.simulator
            #expect(await eventually("subscribed", seconds: 30) { sim.eventStreamStats(org: "us").active == 1 })
            let parts = try #require(run.bridge.parts)
            #expect(parts.eventStreams.status(of: "us")?.state == .open)

            // The socket dropped: the bridge reconnects (after a backoff) and subscribes again.
            _ = await sim.inject(.eventStream(.drop), org: "us")
            #expect(await eventually("reconnected", seconds: 30) {
                (parts.eventStreams.status(of: "us")?.connects ?? 0) >= 2 && sim.eventStreamStats(org: "us").active == 1
                    && sim.eventStreamStats(org: "us").connections == 1
            })

            // The subscription silently unbound: loud, then repaired by a new subscription.
            _ = await sim.inject(.eventStream(.orphan), org: "us")
            #expect(await eventually("the mismatch raised", seconds: 30) {
                parts.hub.alertLog().history.contains { $0.kind == .eventStreamCallbackMismatch && $0.org == "us" }
            })
            #expect(await eventually("repaired", seconds: 30) {
                parts.hub.alertLog().history.contains { $0.kind == .eventStreamCallbackMatched && $0.org == "us" }
                    && sim.eventStreamStats(org: "us").active == 1
            })
            #expect(!parts.hub.alertLog().active.contains { $0.kind == .eventStreamCallbackMismatch })
            // Events lost while unbound or disconnected are the platform's (no replay): compare from here on.
            let since = run.clock.now() + JourneysEndToEndTests.slack
            try await JourneysEndToEndTests.expectEqualToTruth(run, orgs: ["us"], since: since, enough: 20)

            let metrics = String(decoding: try await DemoFixture.get("\(run.bridgeBase)/metrics", token: "demo-metrics").body,
                                 as: UTF8.self)
            #expect(metrics.contains("switchboard_eventstream_callback_mismatch_total{org=\"us\"} 1"), "\(metrics.split(separator: "\n").filter { $0.contains("eventstream") })")
            #expect(metrics.contains("switchboard_eventstream_state{org=\"us\",state=\"OPEN\"} 1"))
            #expect(metrics.contains("switchboard_journey_events_total{org=\"us\",source=\"seedStream\"}"))
            // The stream is the org's journey source: no queue conversation snapshots were taken.
            #expect(!metrics.contains("switchboard_journey_events_total{org=\"us\",source=\"notification\"}"))
        }
    }

    @Test func aLowMaxEventsPerSecondShowsBackpressureAndLosesNothing() async throws {
        try await DemoFixture.run(speed: JourneysEndToEndTests.speed,
                                  configure: { JourneysEndToEndTests.simulator(&$0, orgs: ["us"]) },
                                  configureBridge: {
                                      JourneysEndToEndTests.bridge(&$0, orgs: ["us": "US"])
                                      Self.seed(&$0, org: "us", maxEventsPerSecond: 2)
                                  }, eventStream: Self.fastChecks) { run in
            let sim = run.simulator
            #expect(await eventually("subscribed", seconds: 60) { sim.eventStreamStats(org: "us").active == 1 })
            let parts = try #require(run.bridge.parts)
            #expect(await eventually("backpressure seen", seconds: 60) {
                (parts.eventStreams.status(of: "us")?.backpressure ?? 0) >= 2
            })
            let stats = sim.eventStreamStats(org: "us")
            #expect(stats.backpressureSent >= 2 && stats.queued > 0 && stats.dropped == 0, "\(stats)")
            // Throttled, not lost: every event sent reached the bridge (a fold behind at most).
            #expect(await eventually("events received", seconds: 10) {
                (parts.eventStreams.status(of: "us")?.events ?? 0) >= sim.eventStreamStats(org: "us").eventsSent - 4
            })
            let metrics = String(decoding: try await DemoFixture.get("\(run.bridgeBase)/metrics", token: "demo-metrics").body,
                                 as: UTF8.self)
            #expect(metrics.contains("switchboard_eventstream_backpressure_total{org=\"us\"}"))
        }
    }
}
