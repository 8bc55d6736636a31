/// In a cluster (docs/scale-out.md, "The global topics"): the orgs another replica leads, and the latest part of
/// a family's global totals (`kind: totals, id: "global"`) each one's leader sent. A family's views sum their own
/// figures of the orgs led here and these parts for the orgs led elsewhere — never what they hold themselves for
/// an org led elsewhere. A pure value; each views engine keeps one under a lock and takes it at every flush.
public struct RemoteTotalsParts<Part: Sendable & Equatable>: Sendable, Equatable {
    /// The orgs led elsewhere now.
    public private(set) var remote: Set<OrgID> = []
    /// Their latest parts (an org led elsewhere without one yet contributes nothing).
    public private(set) var parts: [OrgID: Part] = [:]
    /// Moves with every change of ``remote`` or ``parts``: the views re-send their global totals when it moved.
    public private(set) var version = 0

    public init() {}

    /// The orgs led elsewhere now; the parts of the others are forgotten.
    public mutating func setRemote(_ orgs: Set<OrgID>) {
        guard orgs != remote else { return }
        remote = orgs
        parts = parts.filter { orgs.contains($0.key) }
        version &+= 1
    }

    /// An org's latest part from its leader: kept for an org led elsewhere, ignored for one led here (or not
    /// configured). The same part again changes nothing.
    public mutating func apply(_ part: Part, of org: OrgID) {
        guard remote.contains(org), parts[org] != part else { return }
        parts[org] = part
        version &+= 1
    }

    /// Whether `org` is led elsewhere (its figures here are left out of the global totals).
    public func isRemote(_ org: OrgID) -> Bool { remote.contains(org) }
}
