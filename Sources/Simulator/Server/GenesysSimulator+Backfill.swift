import Foundation
import SwitchboardCore

extension GenesysSimulator {
    /// Plausible closed 15-minute history buckets of `org` starting in `[from, to)`, oldest first, for the
    /// demo's store (``SimBackfill``: the org's directory and the business day's load curve, seeded).
    /// Deterministic for the simulator's seed. Nil for an unknown org.
    public func backfill(org: String, from: EpochMillis, to: EpochMillis) -> [ClosedBucket]? {
        guard let rt = orgByID[org] else { return nil }
        let members = rt.with { s in
            s.model.agents.map { a in
                SimBackfill.Member(id: a.id, queues: a.queues.map { s.model.queues[$0].id })
            }
        }
        let history = SimBackfill(org: org, orgIndex: rt.index, seed: options.seed, timeZone: rt.timeZone,
                                  members: members)
        return history.buckets(from: from, to: to)
    }

    /// The time zone `org` keeps its business day in; nil for an unknown org.
    public func timeZone(org: String) -> TimeZone? {
        orgByID[org]?.timeZone
    }
}
