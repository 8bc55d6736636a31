import Foundation
import Synchronization
import SwitchboardCore

/// An org's part of the global totals (`occupancy` of `global`) as its leader's views computed them: in a cluster
/// (docs/scale-out.md, "The global topic") the other replicas add it to their own sum instead of what their views
/// hold for an org they do not lead.
public struct OrgTotalsShare: Sendable, Equatable, Codable {
    public var org: String
    /// When it was computed (business epoch ms); a replica ticks it forward by its accrual.
    public var at: Int64
    /// The org is frozen (its figures are left out of the sum and listed in `leftOut`).
    public var frozen: Bool
    /// handlingMs, productiveMs of today, rolling15m, rolling60m.
    public var figures: [Int64]
    /// Agents whose handling and productive time is running.
    public var accrual: [Int32]
    public var service: QueueServiceWindows?
    public var serviceAsOf: Int64?

    init(org: OrgID, at: Int64, state: OrgState) {
        self.org = org.rawValue
        self.at = at
        frozen = state.frozenAt != nil
        let t = state.totals
        figures = [t.today, t.rolling15m, t.rolling60m].flatMap { [$0.handlingMs, $0.productiveMs] }
        accrual = [state.totalsAccrual.handling, state.totalsAccrual.productive]
        let s = state.serviceSummary(now: at)
        service = s.asOf == nil ? nil : s.windows
        serviceAsOf = s.asOf
    }

    /// The figures ticked to `now` (exact for `today`, an upper bound for the rolling windows, as a client ticks).
    func ticked(to now: Int64) -> (WindowedFigures, Accrual, ServiceSummary)? {
        guard figures.count == 6, accrual.count == 2 else { return nil }
        let elapsed = max(0, now - at)
        var w = WindowedFigures()
        for (i, window) in [OccupancyWindow.today, .rolling15m, .rolling60m].enumerated() {
            w[window] = OccupancyFigures(handlingMs: figures[2 * i] + Int64(accrual[0]) * elapsed,
                                         productiveMs: figures[2 * i + 1] + Int64(accrual[1]) * elapsed)
        }
        var s = ServiceSummary()
        if let service, let serviceAsOf {
            s.windows = service
            s.asOf = serviceAsOf
        }
        return (w, Accrual(handling: accrual[0], productive: accrual[1]), s)
    }

    public func encoded() -> [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }

    public init?(decoding bytes: [UInt8]) {
        guard let f = try? JSONDecoder().decode(OrgTotalsShare.self, from: Data(bytes)) else { return nil }
        self = f
    }
}

/// The orgs another replica leads and their latest ``OrgTotalsShare``, shared between the view stream (which writes
/// them as they arrive) and the views (which read them at every refresh): a ``RemoteTotalsParts`` under a lock, as
/// the other families' views keep theirs, that also refuses a share older than the one it holds.
public final class RemoteOrgTotals: Sendable {
    private let box = Mutex(RemoteTotalsParts<OrgTotalsShare>())

    public init() {}

    /// The orgs led elsewhere now; figures of the others are forgotten.
    public func setRemote(_ orgs: Set<OrgID>) { box.withLock { $0.setRemote(orgs) } }

    /// An org's latest figures from its leader (ignored for an org led here, or older than those held).
    public func apply(_ f: OrgTotalsShare) {
        let org = OrgID(f.org)
        box.withLock { b in
            if let old = b.parts[org], old.at > f.at { return }
            b.apply(f, of: org)
        }
    }

    var snapshot: (remote: Set<OrgID>, figures: [OrgID: OrgTotalsShare]) { box.withLock { ($0.remote, $0.parts) } }
}
