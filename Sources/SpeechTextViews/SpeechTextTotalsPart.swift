import SwitchboardCore

/// An org's part of the speech-text global totals (`speechtext:global`, `totals/global`) as its leader's views hold
/// it: in a cluster (docs/scale-out.md, "The global topics") the other replicas add it to their global totals
/// instead of what they hold themselves for an org they do not lead. Codable; the JSON is
/// `{"rollup":{"labels":{label: ring},"hits":ring,"calls","live","sentimentCalls","negativeCalls","hotCalls"},
/// "dayEnd"}`, a ring being ``MinuteCounts``' absolute minutes — so the rolling windows are read at each
/// replica's own `now`, and a part needs sending again only when its figures change.
public struct SpeechTextTotalsPart: Sendable, Equatable, Codable {
    var rollup: SpeechTextRollup
    /// The end of the org's local day the figures belong to (business epoch ms): from then on a replica shows
    /// the new day (the rolling windows go on, `today` starts again, the live calls count), as the leader's views
    /// do at midnight, until the leader's next part arrives.
    public var dayEnd: EpochMillis

    init(rollup: SpeechTextRollup, dayEnd: EpochMillis) {
        self.rollup = rollup
        self.dayEnd = dayEnd
    }

    /// Calls of the day, live now, keyword hits of the day (for tests and logs).
    public var calls: Int { rollup.calls }
    public var live: Int { rollup.live }
    public var hitsToday: Int { rollup.hits.today }

    /// What the part stands for at `now`: after `dayEnd`, the new day.
    func at(_ now: EpochMillis) -> SpeechTextRollup {
        guard now >= dayEnd else { return rollup }
        var r = rollup
        r.newDay()
        r.calls = r.live
        return r
    }
}
