import SwitchboardCore

/// The global totals in a cluster (docs/scale-out.md, "The global topics"): the orgs led here count with their
/// rollups, the orgs led elsewhere with the part their leader sent (``SpeechTotalsPart``), never with what these
/// views hold for them.
extension SpeechViewState {
    /// Takes the orgs led elsewhere and their parts (``SpeechViewEngine`` passes its latest at every flush); any
    /// change sends the global totals again.
    mutating func takeRemote(_ r: RemoteTotalsParts<SpeechTotalsPart>, now: EpochMillis) {
        // The engine's copy only moves forward: a new version is a change.
        guard r.version != remote.version else { return }
        remote = r
        remoteRolled = Set(r.parts.filter { now >= $0.value.dayEnd }.keys)
        remoteDirty = true
    }

    /// A part whose day ended is shown as the new day (the live calls only) from then on.
    mutating func advanceRemote(now: EpochMillis) {
        for (org, p) in remote.parts where now >= p.dayEnd && remoteRolled.insert(org).inserted { remoteDirty = true }
    }

    /// The org's part of the global totals, for the other replicas (nil for an org these views do not know).
    func totalsPart(of org: OrgID) -> SpeechTotalsPart? {
        guard let day = days[org] else { return nil }
        return SpeechTotalsPart(rollup: orgs[org] ?? SpeechRollup(), dayEnd: day.nextDayStart)
    }

    /// The global totals at `now`: the rollups of the orgs led here, the parts of those led elsewhere.
    func globalTotals(now: EpochMillis) -> SpeechRollup {
        var t = SpeechRollup()
        func add(_ r: SpeechRollup) {
            t.calls += r.calls
            t.live += r.live
            t.figures += r.figures
        }
        for (org, r) in orgs where !remote.isRemote(org) { add(r) }
        for (org, p) in remote.parts where days[org] != nil { add(p.at(now)) }
        return t
    }
}
