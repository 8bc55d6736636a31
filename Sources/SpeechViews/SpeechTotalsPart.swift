import SwitchboardCore

/// An org's part of the speech global totals (`speech:global`, `totals/global`) as its leader's views hold it: in
/// a cluster (docs/scale-out.md, "The global topics") the other replicas add it to their global totals instead of
/// what they hold themselves for an org they do not lead. Codable; the JSON is
/// `{"rollup":{"calls","live","figures":{"analysedMs",…}},"dayEnd"}`.
public struct SpeechTotalsPart: Sendable, Equatable, Codable {
    var rollup: SpeechRollup
    /// The end of the org's local day the figures belong to (business epoch ms): from then on a replica shows
    /// only the calls still live, as the leader's views do at midnight, until the leader's next part arrives.
    public var dayEnd: EpochMillis

    init(rollup: SpeechRollup, dayEnd: EpochMillis) {
        self.rollup = rollup
        self.dayEnd = dayEnd
    }

    /// Calls of the day, calls live now (for tests and logs).
    public var calls: Int { rollup.calls }
    public var live: Int { rollup.live }
    public var analysedMs: Int64 { rollup.figures.analysedMs }

    /// What the part stands for at `now`: after `dayEnd`, a new day with only the live calls.
    func at(_ now: EpochMillis) -> SpeechRollup {
        now < dayEnd ? rollup : SpeechRollup(calls: rollup.live, live: rollup.live)
    }
}
