import Yams

extension ConfigReader {
    static let speechKeys = ["correlationGrace", "endedLinger"]

    /// `speech:` with `correlationGrace` and `endedLinger` (docs/configuration.md, "Speech").
    func speech(_ node: Node) -> SpeechConfig {
        var s = SpeechConfig()
        guard let f = fields(node, path: "speech", allowed: Self.speechKeys) else { return s }
        func bounded(_ key: String, example: String, max: Duration, _ apply: (Duration) -> Void) {
            guard let d = duration(f, key, example: example) else { return }
            guard d >= .zero, d <= max else {
                report("range", at: f[key]?.mark,
                       "speech.\(key): \(ConfigDuration.format(d)) is out of range; use 0ms to \(ConfigDuration.format(max))")
                return
            }
            apply(d)
        }
        bounded("correlationGrace", example: "500ms", max: SpeechConfig.maxCorrelationGrace) { s.correlationGrace = $0 }
        bounded("endedLinger", example: "60s", max: SpeechConfig.maxEndedLinger) { s.endedLinger = $0 }
        return s
    }
}
