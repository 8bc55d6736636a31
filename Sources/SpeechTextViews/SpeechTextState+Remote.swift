import SwitchboardCore

/// The global totals in a cluster (docs/scale-out.md, "The global topics"): the orgs led here count with their
/// rollups, the orgs led elsewhere with the part their leader sent (``SpeechTextTotalsPart``), never with what
/// these views hold for them. A part's rolling windows are read at this replica's `now`, and moving them sends the
/// global totals again, as the local rollups' do.
extension SpeechTextState {
    /// Takes the orgs led elsewhere and their parts (``SpeechTextViewEngine`` passes its latest at every flush);
    /// any change sends the global totals again.
    mutating func takeRemote(_ r: RemoteTotalsParts<SpeechTextTotalsPart>, now: EpochMillis) {
        // The engine's copy only moves forward: a new version is a change.
        guard r.version != remote.version else { return }
        remote = r
        remoteRolled = Set(r.parts.filter { now >= $0.value.dayEnd }.keys)
        totalsDirty = true
    }

    /// A part whose day ended is shown as the new day from then on.
    mutating func advanceRemote(now: EpochMillis) {
        for (org, p) in remote.parts where now >= p.dayEnd && remoteRolled.insert(org).inserted { totalsDirty = true }
    }

    /// Whether a part's rolling windows moved since the global totals were last sent.
    func remoteRollingMoved(now: EpochMillis) -> Bool {
        remote.parts.contains { org, p in p.at(now).rollingSignature(at: now) != (shownRemoteRolling[org] ?? []) }
    }

    /// The org's part of the global totals, for the other replicas (nil for an org without `speechText:`).
    func totalsPart(of org: OrgID) -> SpeechTextTotalsPart? {
        guard let setup = setups[org] else { return nil }
        return SpeechTextTotalsPart(rollup: rollups[.org(org)] ?? SpeechTextRollup(), dayEnd: setup.nextDayStart)
    }

    /// The global totals at `now` — the rollups of the orgs led here, the parts of those led elsewhere (of the
    /// orgs with `speechText:`); nil when there is neither.
    func globalTotals(now: EpochMillis) -> SpeechTextRollup? {
        var t = SpeechTextRollup()
        var any = false
        for (e, r) in rollups {
            guard case .org(let org) = e, !remote.isRemote(org) else { continue }
            t += r
            any = true
        }
        for (org, p) in remote.parts where setups[org] != nil {
            t += p.at(now)
            any = true
        }
        return any ? t : nil
    }
}
