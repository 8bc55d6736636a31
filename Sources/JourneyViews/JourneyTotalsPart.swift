import SwitchboardCore

/// An org's part of the journeys global totals (`journeys:global`, `totals/global`) as its leader's views published
/// it: in a cluster (docs/scale-out.md, "The global topics") the other replicas add it to their global totals
/// instead of what they hold themselves for an org they do not lead. Codable; the JSON is `{"rollup":…}`, the
/// rollup as JourneyRollup+Codable.swift writes it. The figures do not move with time alone.
public struct JourneyTotalsPart: Sendable, Equatable, Codable {
    var rollup: JourneyRollup

    init(rollup: JourneyRollup) {
        self.rollup = rollup
    }

    /// Open and closed journeys (for tests and logs).
    public var active: Int { rollup.active }
    public var closed: Int { rollup.closed }
}
