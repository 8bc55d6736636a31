import SwitchboardCore

/// In a cluster (docs/scale-out.md, "The global topics"): the speech global totals count each org led elsewhere
/// with the part its leader's views sent, and hand out the part of an org led here for the other replicas. Neither
/// input waits: they are kept under a lock and taken at the next ``flush()``, which sends the global totals again.
extension SpeechViewEngine {
    /// The orgs another replica leads now; the parts of the others are forgotten (an org led here again counts
    /// with what these views hold).
    public nonisolated func setRemoteOrgs(_ orgs: Set<OrgID>) {
        remoteParts.withLock { $0.setRemote(orgs) }
    }

    /// The latest part of an org another replica leads (ignored for an org led here).
    public nonisolated func applyRemote(_ part: SpeechTotalsPart, of org: OrgID) {
        remoteParts.withLock { $0.apply(part, of: org) }
    }

    /// The org's part of the global totals now, for the other replicas (nil for an org these views do not know).
    public func totalsPart(of org: OrgID) -> SpeechTotalsPart? { state.totalsPart(of: org) }
}
