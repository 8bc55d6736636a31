import Journeys
import SwitchboardCore

/// A stable encoding of a rollup, for an org's part of the global totals in a cluster (``JourneyTotalsPart``):
/// the enum-keyed counts as objects keyed by their published names (`{"ACTIVE":2}`, `{"completed":5}`), the
/// path-keyed counts as `[{"path":["voice","chat"],"count":n}]`, then `active`, `switches`, `switchesOf`,
/// `timeCount`, `timeSumMs` and, when known, `timeMinMs` and `timeMaxMs`. An entry with a state, reason or
/// medium this build does not know is left out.
extension JourneyRollup: Codable {
    enum CodingKeys: String, CodingKey {
        case active, activeByPath, activeByState, closedByReason, closedByPath
        case switches, switchesOf, timeCount, timeSumMs, timeMinMs, timeMaxMs
    }

    struct PathCount: Codable {
        var path: [String]
        var count: Int
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(active, forKey: .active)
        try c.encode(Self.paths(activeByPath), forKey: .activeByPath)
        try c.encode(Dictionary(uniqueKeysWithValues: activeByState.map { ($0.key.rawValue, $0.value) }),
                     forKey: .activeByState)
        try c.encode(Dictionary(uniqueKeysWithValues: closedByReason.map { ($0.key.rawValue, $0.value) }),
                     forKey: .closedByReason)
        try c.encode(Self.paths(closedByPath), forKey: .closedByPath)
        try c.encode(switches, forKey: .switches)
        try c.encode(switchesOf, forKey: .switchesOf)
        try c.encode(timeCount, forKey: .timeCount)
        try c.encode(timeSumMs, forKey: .timeSumMs)
        try c.encodeIfPresent(timeMinMs, forKey: .timeMinMs)
        try c.encodeIfPresent(timeMaxMs, forKey: .timeMaxMs)
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        active = try c.decode(Int.self, forKey: .active)
        activeByPath = Self.paths(try c.decode([PathCount].self, forKey: .activeByPath))
        for (k, v) in try c.decode([String: Int].self, forKey: .activeByState) {
            if let s = JourneyState(rawValue: k) { activeByState[s] = v }
        }
        for (k, v) in try c.decode([String: Int].self, forKey: .closedByReason) {
            if let r = ClosedReason(rawValue: k) { closedByReason[r] = v }
        }
        closedByPath = Self.paths(try c.decode([PathCount].self, forKey: .closedByPath))
        switches = try c.decode(Int.self, forKey: .switches)
        switchesOf = try c.decode(Int.self, forKey: .switchesOf)
        timeCount = try c.decode(Int.self, forKey: .timeCount)
        timeSumMs = try c.decode(Int64.self, forKey: .timeSumMs)
        timeMinMs = try c.decodeIfPresent(Int64.self, forKey: .timeMinMs)
        timeMaxMs = try c.decodeIfPresent(Int64.self, forKey: .timeMaxMs)
    }

    /// Path-keyed counts in the paths' order.
    static func paths(_ counts: [JourneyPath: Int]) -> [PathCount] {
        counts.sorted { $0.key < $1.key }.map { PathCount(path: $0.key.media.map(\.rawValue), count: $0.value) }
    }

    static func paths(_ list: [PathCount]) -> [JourneyPath: Int] {
        var out: [JourneyPath: Int] = [:]
        for p in list {
            let media = p.path.compactMap(JourneyMedia.init(rawValue:))
            guard media.count == p.path.count else { continue }
            out[JourneyPath(media), default: 0] &+= p.count  // paths that collapse alike are summed
        }
        return out
    }
}
