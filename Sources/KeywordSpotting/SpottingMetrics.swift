import Metrics

/// The pool's metrics (Prometheus names; docs/speech-text.md).
struct SpottingMetrics: Sendable {
    let factory: any MetricsFactory
    /// `switchboard_kws_interactions_total{outcome="refused"}`: new interactions refused (queue over bound).
    let refused: Counter
    /// `switchboard_kws_interactions_total{outcome="shed"}`: interactions shed mid-way (own backlog over bound).
    let shed: Counter
    /// `switchboard_kws_detections_total`: keyword hits emitted.
    let detections: Counter
    /// `switchboard_kws_audio_processed_seconds_total`: audio decoded (seconds of audio).
    let processedSeconds: FloatingPointCounter
    /// `switchboard_kws_busy_seconds_total`: time workers spent decoding (÷ audio = real-time factor).
    let busySeconds: FloatingPointCounter
    /// `switchboard_kws_queued_audio_seconds`: audio waiting in the workers' queues.
    let queuedSeconds: Gauge

    init(factory: any MetricsFactory) {
        self.factory = factory
        refused = Counter(label: "switchboard_kws_interactions_total", dimensions: [("outcome", "refused")], factory: factory)
        shed = Counter(label: "switchboard_kws_interactions_total", dimensions: [("outcome", "shed")], factory: factory)
        detections = Counter(label: "switchboard_kws_detections_total", factory: factory)
        processedSeconds = FloatingPointCounter(label: "switchboard_kws_audio_processed_seconds_total", factory: factory)
        busySeconds = FloatingPointCounter(label: "switchboard_kws_busy_seconds_total", factory: factory)
        queuedSeconds = Gauge(label: "switchboard_kws_queued_audio_seconds", factory: factory)
    }

    /// `switchboard_kws_errors_total{code}`: a channel whose spotting failed.
    func error(_ code: String) {
        Counter(label: "switchboard_kws_errors_total", dimensions: [("code", code)], factory: factory).increment()
    }
}
