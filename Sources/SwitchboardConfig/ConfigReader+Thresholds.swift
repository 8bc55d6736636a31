import SwitchboardCore
import Yams

/// `thresholds:` at the top level, in an org, and in an org's `queues:` entries (docs/configuration.md,
/// "Thresholds").
extension ConfigReader {
    static let thresholdKeys = ["serviceLevel", "longestWait", "waiting", "occupancy"]
    static let serviceLevelKeys = ["target", "criticalMargin", "window", "minCalls"]
    static let warnCriticalKeys = ["warn", "critical"]

    /// Where one level's keys were written, for checks across levels.
    struct ThresholdLevel {
        var path: String
        var set: ThresholdSet
        var longestWait: Mark?
        var waiting: Mark?
        var occupancy: Mark?
    }

    /// One level's keys; `queues` (an org's per-queue entries) only where `allowQueues`.
    func thresholdLevel(_ node: Node, path: String, allowQueues: Bool) -> (ThresholdLevel, [(QueueThresholds, ThresholdLevel)]) {
        var level = ThresholdLevel(path: path, set: ThresholdSet())
        var queues: [(QueueThresholds, ThresholdLevel)] = []
        let keys = allowQueues ? Self.thresholdKeys + ["queues"] : Self.thresholdKeys
        guard let f = fields(node, path: path, allowed: keys) else { return (level, queues) }
        readThresholds(f, into: &level)
        if let qNode = f["queues"], let items = list(qNode, path: f.path("queues"), example: "a list of '- queue: <id or name>' entries") {
            var seen: [String: Int] = [:]
            for (i, item) in items.enumerated() {
                let p = "\(f.path("queues"))[\(i)]"
                guard let qf = fields(item, path: p, allowed: ["queue"] + Self.thresholdKeys) else { continue }
                let name = require(qf, "queue", example: "<queue id or name>").flatMap {
                    nonEmptyString($0, path: qf.path("queue"), example: "<queue id or name>")
                }
                var ql = ThresholdLevel(path: p, set: ThresholdSet())
                readThresholds(qf, into: &ql)
                guard let name else { continue }
                if let line = seen[name.lowercased()] {
                    report("duplicate-queue", at: qf["queue"]?.mark,
                           "\(qf.path("queue")): queue '\(name)' already has thresholds (line \(line)); merge the two entries")
                    continue
                }
                seen[name.lowercased()] = qf["queue"]?.mark?.line ?? 0
                queues.append((QueueThresholds(queue: name, set: ql.set), ql))
            }
        }
        return (level, queues)
    }

    private func readThresholds(_ f: Fields, into level: inout ThresholdLevel) {
        if let node = f["serviceLevel"], let s = fields(node, path: f.path("serviceLevel"), allowed: Self.serviceLevelKeys) {
            level.set.serviceLevelTarget = double(s, "target", range: 0.01...1,
                                                  rangeText: "above 0 and at most 1 (0.8 means 80 %)", example: "0.8")
            level.set.serviceLevelCriticalMargin = double(s, "criticalMargin", range: 0...0.99,
                                                          rangeText: "from 0 to 0.99 (0.1 means 10 points below target)",
                                                          example: "0.1")
            if let w = choice(s, "window", among: OccupancyWindow.allCases.map(\.rawValue)) {
                level.set.serviceLevelWindow = OccupancyWindow(rawValue: w)
            }
            level.set.serviceLevelMinCalls = int(s, "minCalls", min: 1, example: "5")
        }
        if let node = f["longestWait"], let w = fields(node, path: f.path("longestWait"), allowed: Self.warnCriticalKeys) {
            level.longestWait = f.keyMark("longestWait")
            level.set.longestWaitWarn = duration(w, "warn", example: "60s")
            level.set.longestWaitCritical = duration(w, "critical", example: "3m")
        }
        if let node = f["waiting"], let w = fields(node, path: f.path("waiting"), allowed: Self.warnCriticalKeys) {
            level.waiting = f.keyMark("waiting")
            level.set.waitingWarn = int(w, "warn", min: 0, example: "5")
            level.set.waitingCritical = int(w, "critical", min: 0, example: "15")
        }
        if let node = f["occupancy"], let b = fields(node, path: f.path("occupancy"), allowed: Self.bandKeys) {
            level.occupancy = f.keyMark("occupancy")
            let text = "between 0 and 1 (0.6 means 60 %)"
            level.set.occupancyUnder = double(b, "under", range: 0...1, rangeText: text, example: "0.6")
            level.set.occupancyHealthy = double(b, "healthy", range: 0...1, rangeText: text, example: "0.8")
            level.set.occupancyElevated = double(b, "elevated", range: 0...1, rangeText: text, example: "0.9")
        }
    }

    /// Checks what each level ends up with once the levels above and the defaults are applied: warn below
    /// critical, bands in order. A problem is reported once, at the most specific level that writes one
    /// of the keys involved (a level that writes none inherits a problem reported above it).
    func checkThresholds(_ level: ThresholdLevel, inherited: ThresholdSet, bands: BandThresholds) {
        let r = ResolvedThresholds(level.set.over(inherited), bands: bands, target: nil)
        let from = inherited.longestWaitWarn != nil || inherited.longestWaitCritical != nil ? " (with what it inherits)" : ""
        if let mark = level.longestWait, r.longestWaitWarnMs >= r.longestWaitCriticalMs {
            report("range", at: mark, "\(level.path).longestWait: warn \(format(r.longestWaitWarnMs)) is not shorter than "
                + "critical \(format(r.longestWaitCriticalMs))\(from); make warn < critical (defaults 60s, 3m)")
        }
        if let mark = level.waiting, r.waitingWarn >= r.waitingCritical {
            report("range", at: mark, "\(level.path).waiting: warn \(r.waitingWarn) is not below critical "
                + "\(r.waitingCritical); make warn < critical (defaults 5, 15)")
        }
        let o = r.occupancy
        if let mark = level.occupancy, !(0 < o.under && o.under < o.healthy && o.healthy < o.elevated && o.elevated < 1) {
            report("range", at: mark, "\(level.path).occupancy: thresholds must satisfy 0 < under < healthy < elevated < 1, "
                + "found under \(o.under), healthy \(o.healthy), elevated \(o.elevated) (unset ones come from occupancy.bands); "
                + "reorder them")
        }
    }

    private func format(_ ms: Int64) -> String { ConfigDuration.format(.milliseconds(ms)) }
}
