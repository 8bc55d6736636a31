import Yams

extension ConfigReader {
    static let storeKeys = ["path", "retention"]
    static let retentionKeys = ["occupancy", "utilization", "quality", "audit", "journeys", "speech"]

    /// `store: none`, or a mapping with `path` and `retention` (docs/configuration.md, "Store").
    func store(_ node: Node) -> StoreConfig {
        var s = StoreConfig(path: StoreConfig.defaultPath(environment: environment))
        if case .scalar(let v) = node {
            if v.string.trimmingWhitespace() == "none" { return .none }
            report("value", at: node.mark,
                   "store: '\(v.string)' is not a store; write 'store: none' for memory only, or a mapping with 'path' and 'retention'")
            return s
        }
        guard let f = fields(node, path: "store", allowed: Self.storeKeys) else { return s }
        if let v = string(f, "path", example: "/var/lib/switchboard/switchboard.db") { s.path = v }
        if let node = f["retention"],
           let r = fields(node, path: "store.retention", allowed: Self.retentionKeys) {
            func days(_ key: String, _ apply: (Duration) -> Void) {
                guard let d = duration(r, key, example: "35d") else { return }
                guard d >= .seconds(86_400) else {
                    report("range", at: r[key]?.mark,
                           "store.retention.\(key): \(ConfigDuration.format(d)) is too short; keep at least 1d")
                    return
                }
                apply(d)
            }
            days("occupancy") { s.retention.occupancy = $0 }
            days("utilization") { s.retention.utilization = $0 }
            days("quality") { s.retention.quality = $0 }
            days("audit") { s.retention.audit = $0 }
            days("journeys") { s.retention.journeys = $0 }
            days("speech") { s.retention.speech = $0 }
        }
        return s
    }
}
