import SwitchboardCore

/// The leadership term a writer holds for an org (docs/scale-out.md, "Fencing"). Every acquisition of an org's
/// lock increments the org's term in `cluster_leadership`; a connector started for term `t` writes with `t`, and
/// a write is accepted only while the table still says `t`. A replica that lost its session (and so its lock)
/// but has not stopped its connector yet writes with an older term than the new leader's, and is refused.
public struct FencingToken: Sendable, Hashable, CustomStringConvertible {
    public let org: OrgID
    public let term: Int64

    public init(org: OrgID, term: Int64) {
        self.org = org
        self.term = term
    }

    /// What the table's current term says about a write.
    public enum Verdict: Sendable, Equatable {
        /// The writer holds the current term.
        case accepted
        /// Another replica has led the org since: the writer's term is older than `current`.
        case stale(current: Int64)
        /// The writer's term is newer than the table's: a term the table never issued (a reset table, a bug).
        case ahead(current: Int64)
        /// The table has no term for the org: nobody ever led it.
        case noLeader
    }

    /// Checks this writer's term against `current`, the org's term in the table (nil: no row).
    public func check(current: Int64?) -> Verdict {
        Self.check(writer: term, current: current)
    }

    /// Checks a writer's term against `current`, the org's term in the table (nil: no row).
    public static func check(writer: Int64, current: Int64?) -> Verdict {
        guard let current else { return .noLeader }
        if writer == current { return .accepted }
        return writer < current ? .stale(current: current) : .ahead(current: current)
    }

    /// True only when the writer holds exactly the table's current term.
    public static func accepts(writer: Int64, current: Int64?) -> Bool {
        check(writer: writer, current: current) == .accepted
    }

    /// `org@term`.
    public var description: String { "\(org)@\(term)" }
}
