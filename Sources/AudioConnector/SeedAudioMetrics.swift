import Metrics
import SwitchboardCore

/// A seed Audio Connector's swift-metrics instruments, all labelled with the org (docs/audio.md, "Metrics").
/// Counters on the hot path (packets) are made once.
final class SeedAudioMetrics: Sendable {
    let factory: any MetricsFactory
    let org: String
    /// `switchboard_seed_audio_connections_open{org}`
    let connectionsOpen: Gauge
    /// `switchboard_seed_audio_interactions_active{org}`
    let interactionsActive: Gauge
    /// `switchboard_seed_audio_connects_total{org}`
    let connects: Counter
    /// `switchboard_seed_audio_packets_total{org,outcome}`
    let decoded: Counter
    let lost: Counter
    let skipped: Counter

    init(org: OrgID, factory: any MetricsFactory) {
        self.factory = factory
        self.org = org.rawValue
        let o = [("org", org.rawValue)]
        connectionsOpen = Gauge(label: "switchboard_seed_audio_connections_open", dimensions: o, factory: factory)
        interactionsActive = Gauge(label: "switchboard_seed_audio_interactions_active", dimensions: o, factory: factory)
        connects = Counter(label: "switchboard_seed_audio_connects_total", dimensions: o, factory: factory)
        decoded = Counter(label: "switchboard_seed_audio_packets_total", dimensions: o + [("outcome", "decoded")],
                          factory: factory)
        lost = Counter(label: "switchboard_seed_audio_packets_total", dimensions: o + [("outcome", "lost")],
                       factory: factory)
        skipped = Counter(label: "switchboard_seed_audio_packets_total", dimensions: o + [("outcome", "skipped")],
                          factory: factory)
    }

    /// `switchboard_seed_audio_connect_failures_total{org,code}` (a `SeedConnectionFailure` code).
    func failed(code: String) {
        Counter(label: "switchboard_seed_audio_connect_failures_total", dimensions: [("org", org), ("code", code)],
                factory: factory).increment()
    }

    /// `switchboard_seed_audio_fragments_dropped_total{org,reason}`.
    func fragmentsDropped(reason: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "switchboard_seed_audio_fragments_dropped_total", dimensions: [("org", org), ("reason", reason)],
                factory: factory).increment(by: count)
    }
}

extension OpusReassembler.Counters {
    /// Fragments dropped by reason, for `switchboard_seed_audio_fragments_dropped_total`.
    var droppedFragments: [(reason: String, count: Int)] {
        [("duplicate", duplicateFragments), ("late", lateFragments), ("after-end", fragmentsAfterEnd),
         ("index-too-large", fragmentIndexTooLarge)]
    }
}
