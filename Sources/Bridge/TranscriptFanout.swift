import Prometheus
import Synchronization
import SwitchboardCore

/// Where the connectors deliver Genesys real-time transcription (``Connector/OrgConnector/Options/transcripts``;
/// docs/speech-text.md): counts every event per org and kind on `/metrics`
/// (`switchboard_transcript_events_total{org, kind}`, kind `partial`, `final`, `ended`, `spotted`) and hands the
/// events to the consumers attached — the speech-text views plug in here. With none attached the events are
/// counted and dropped.
public final class TranscriptFanout: TranscriptSink, Sendable {
    private struct Key: Hashable {
        var org: OrgID
        var kind: String
    }

    private let registry: PrometheusCollectorRegistry
    private let consumers = Mutex<[any TranscriptSink]>([])
    private let counters = Mutex<[Key: Counter]>([:])

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Adds a consumer; it gets every event ingested from now on, in order, on the connector's task (so it must
    /// stage and return, as ``TranscriptSink`` asks).
    public func attach(_ consumer: any TranscriptSink) {
        consumers.withLock { $0.append(consumer) }
    }

    public func ingest(transcripts events: [TranscriptEvent]) {
        guard !events.isEmpty else { return }
        var counts: [Key: Int64] = [:]
        for e in events { counts[Key(org: e.org, kind: Self.kind(e)), default: 0] += 1 }
        for (key, n) in counts { counter(key).increment(by: n) }
        for consumer in consumers.withLock({ $0 }) { consumer.ingest(transcripts: events) }
    }

    static func kind(_ e: TranscriptEvent) -> String {
        switch e {
        case .utterance(let u): u.isFinal ? "final" : "partial"
        case .ended: "ended"
        case .spotted: "spotted"
        }
    }

    private func counter(_ key: Key) -> Counter {
        if let c = counters.withLock({ $0[key] }) { return c }
        let c = registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "switchboard", subsystem: "transcript", metricName: "events",
                                             unitName: "total", helpText: "Transcript events received, per org and kind"),
            labels: [("org", key.org.rawValue), ("kind", key.kind)])
        counters.withLock { $0[key] = c }
        return c
    }
}
