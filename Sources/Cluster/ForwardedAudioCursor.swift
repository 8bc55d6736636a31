import SwitchboardCore

/// The leader's side of `cluster_forwarded_audio` (docs/scale-out.md, "AudioHook on any replica"): which rows of
/// an org to read next. Pure: the times are the database's (`written_at`, epoch milliseconds), so no two replicas'
/// clocks are compared.
///
/// Several replicas write an org's rows, so their ids do not commit in id order: a cursor "after the last id" could
/// step over a row committed late. So each read takes the org's rows written within a window before the database's
/// `now()` — ``lookback`` normally, ``replay`` at the first read after this replica began leading the org (the
/// sessions other replicas host were announced before; their `opened` is sent again every 30 s, within it) — and
/// leaves out the ids already taken. An id is remembered for ``replay`` after it was written, so a row is ingested
/// once even when the org is led here again soon after.
public struct ForwardedAudioCursor: Sendable {
    public var lookback: Int64 = 15_000
    public var replay: Int64 = 120_000
    /// Ids taken per org, with their `written_at`.
    private var seen: [OrgID: [Int64: Int64]] = [:]
    /// Per org, the newest `written_at` taken.
    private var newest: [OrgID: Int64] = [:]
    /// Orgs read since this replica began leading them.
    private var reading: Set<OrgID> = []

    public init() {}

    /// The orgs led here now: an org no longer led is read from its replay window when it is led again.
    public mutating func leading(_ orgs: Set<OrgID>) {
        reading.formIntersection(orgs)
    }

    /// The next read of `org`: rows written within the last `windowMs` (database time), except `exclude`.
    public mutating func next(_ org: OrgID) -> (windowMs: Int64, exclude: [Int64]) {
        let window = reading.contains(org) ? lookback : max(replay, lookback)
        reading.insert(org)
        guard let ids = seen[org], let top = newest[org] else { return (window, []) }
        // Rows written before `top - window` are outside the window (the database's now() is past `top`); one
        // second more for the rounding of `written_at` to milliseconds.
        let from = top - window - 1_000
        return (window, ids.filter { $0.value >= from }.map(\.key).sorted())
    }

    /// A row read: true when it was not taken before (then it is taken now).
    public mutating func take(_ org: OrgID, id: Int64, writtenAt: Int64) -> Bool {
        guard seen[org]?[id] == nil else { return false }
        seen[org, default: [:]][id] = writtenAt
        let top = max(newest[org] ?? writtenAt, writtenAt)
        newest[org] = top
        if let ids = seen[org], ids.count > 64 {
            seen[org] = ids.filter { $0.value >= top - replay - 1_000 }
        }
        return true
    }

    /// Ids remembered for `org` (tests).
    public func remembered(_ org: OrgID) -> Int { seen[org]?.count ?? 0 }
}
