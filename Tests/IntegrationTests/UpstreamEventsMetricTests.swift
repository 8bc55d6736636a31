@testable import Bridge
import Hub
import Logging
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

/// `switchboard_upstream_events_total` counts notification messages: an `activity` message normalised into a
/// presence and a routing status change is one upstream event, not two (the relay bench compares it with a
/// relay that counts messages), and a transcription frame with several transcripts is one message too.
@Suite struct UpstreamEventsMetricTests {
    @Test func oneMessageCountsOnceWhateverItNormalisesInto() async throws {
        let metrics = HubMetrics()
        let hub = try await StreamHub(configuration: ServerConfig(), auth: AuthConfig(), metrics: metrics)
        let views = ViewEngine(occupancy: OccupancyConfig(), orgs: [], clock: SystemClock(), sink: hub)
        let observer = BridgeObserver(hub: hub, views: views, metrics: metrics, clock: SystemClock(),
                                      logger: Logger(label: "test"))
        observer.upstreamEvent(org: "us", topic: .userActivity, events: 2)
        observer.upstreamEvent(org: "us", topic: .userActivity, events: 2)
        observer.upstreamEvent(org: "us", topic: .userActivity, events: 0)
        observer.upstreamEvent(org: "us", topic: .conversationTranscription, events: 5)
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"switchboard_upstream_events_total{org="us",topic="users.activity"} 3"#), "\(text)")
        #expect(text.contains(#"switchboard_upstream_events_total{org="us",topic="conversations.transcription"} 1"#))
    }
}
