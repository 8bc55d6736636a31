import Metrics
import SwitchboardCore

/// The seed event stream's swift-metrics instruments, labelled with the org (docs/journeys.md, "The seed's event
/// stream").
final class EventStreamMetrics: Sendable {
    let factory: any MetricsFactory
    let org: String
    /// `switchboard_eventstream_callback_mismatch_total{org}`: mismatch episodes.
    let mismatches: Counter
    /// `switchboard_eventstream_backpressure_total{org}`: backpressure notices received.
    let backpressure: Counter
    /// `switchboard_eventstream_events_total{org}`: event frames received and mapped.
    let events: Counter
    /// `switchboard_eventstream_frames_dropped_total{org}`: frames or events that could not be read.
    let dropped: Counter
    /// `switchboard_eventstream_state{org,state}`: 1 for the state the stream is in, 0 for the others.
    let states: [EventStreamStateMachine.State: Gauge]

    init(org: OrgID, factory: any MetricsFactory) {
        self.factory = factory
        self.org = org.rawValue
        let o = [("org", org.rawValue)]
        mismatches = Counter(label: "switchboard_eventstream_callback_mismatch_total", dimensions: o, factory: factory)
        backpressure = Counter(label: "switchboard_eventstream_backpressure_total", dimensions: o, factory: factory)
        events = Counter(label: "switchboard_eventstream_events_total", dimensions: o, factory: factory)
        dropped = Counter(label: "switchboard_eventstream_frames_dropped_total", dimensions: o, factory: factory)
        var states: [EventStreamStateMachine.State: Gauge] = [:]
        for s in EventStreamStateMachine.State.allCases {
            states[s] = Gauge(label: "switchboard_eventstream_state", dimensions: o + [("state", s.rawValue)],
                              factory: factory)
        }
        self.states = states
    }

    func state(_ current: EventStreamStateMachine.State?) {
        for (s, g) in states { g.record(s == current ? 1 : 0) }
    }
}
