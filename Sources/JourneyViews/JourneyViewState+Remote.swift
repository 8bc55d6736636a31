import SwitchboardCore

/// The global totals in a cluster (docs/scale-out.md, "The global topics"): the orgs led here count with what
/// their `journeys:<org>` topic shows, the orgs led elsewhere with the part their leader sent
/// (``JourneyTotalsPart``), never with what these views hold for them.
extension JourneyViewState {
    /// Takes the orgs led elsewhere and their parts (``JourneyViewEngine`` passes its latest at every flush); any
    /// change sends the global totals again.
    mutating func takeRemote(_ r: RemoteTotalsParts<JourneyTotalsPart>) {
        // The engine's copy only moves forward: a new version is a change.
        guard r.version != remote.version else { return }
        remote = r
        totalsDirty = true
    }

    /// The org's part of the global totals, for the other replicas (nil for an org without `journeys:`).
    func totalsPart(of org: OrgID) -> JourneyTotalsPart? {
        guard let o = orgs[org] else { return nil }
        return JourneyTotalsPart(rollup: o.shownOrg ?? JourneyRollup(o.figures))
    }

    /// The orgs with journeys led here, as last published, and the parts of those led elsewhere.
    var globalTotals: JourneyRollup {
        var t = JourneyRollup()
        for (id, o) in orgs where !remote.isRemote(id) {
            if let r = o.shownOrg { t += r }
        }
        for (id, p) in remote.parts where orgs[id] != nil { t += p.rollup }
        return t
    }
}
