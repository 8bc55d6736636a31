import Metrics
import SwitchboardCore

/// The journeys' figures on `/metrics` (bounded cardinality: per org, source and outcome, never per journey):
///
/// - `switchboard_journey_events_total{org, source}`: events received (`notification`, `detailEvent`,
///   `eventBridge`, `seedStream`), before duplicates are dropped;
/// - `switchboard_journey_duplicates_total{org}`, `switchboard_journey_late_events_total{org}`,
///   `switchboard_journey_unattributed_events_total{org}`;
/// - `switchboard_journeys_active{org}`, `switchboard_journey_evictions_total{org}`;
/// - `switchboard_journey_eventbridge_requests_total{org, status}` (`202`, `400`, `401`, `404`; a body over the limit is refused by the HTTP layer).
final class JourneyMetrics: Sendable {
    let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func events(org: OrgID, source: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "switchboard_journey_events_total", dimensions: [("org", org.rawValue), ("source", source)],
                factory: factory).increment(by: count)
    }

    func duplicates(org: OrgID, count: Int) { counter("switchboard_journey_duplicates_total", org, count) }
    func late(org: OrgID, count: Int) { counter("switchboard_journey_late_events_total", org, count) }
    func unattributed(org: OrgID, count: Int) { counter("switchboard_journey_unattributed_events_total", org, count) }
    func evictions(org: OrgID, count: Int) { counter("switchboard_journey_evictions_total", org, count) }

    func active(org: OrgID, _ n: Int) {
        Gauge(label: "switchboard_journeys_active", dimensions: [("org", org.rawValue)], factory: factory).record(n)
    }

    func eventBridge(org: OrgID, status: Int) {
        Counter(label: "switchboard_journey_eventbridge_requests_total",
                dimensions: [("org", org.rawValue), ("status", String(status))], factory: factory).increment()
    }

    private func counter(_ label: String, _ org: OrgID, _ count: Int) {
        guard count > 0 else { return }
        Counter(label: label, dimensions: [("org", org.rawValue)], factory: factory).increment(by: count)
    }
}
