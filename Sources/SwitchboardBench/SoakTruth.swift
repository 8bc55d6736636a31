import Foundation
import Simulator
import SwitchboardCore
import Views

/// The soak's last check: once every org is `open` again, every agent's occupancy in each window against
/// the simulator's truth (issue 19: within 1 pp), the views' figures computed at the truth's instant
/// (``ViewEngine/agentFigures(_:at:)``; `today` is still ticked from their `asOf`, which is then that instant). A
/// window is compared only where the truth has at least a minute of productive time: below that one second is
/// more than a point.
enum SoakTruth {
    struct Result {
        var agents = 0
        /// Agent windows compared (those with a minute of productive time in the truth).
        var windows = 0
        var off = 0
        var worstPP = 0.0
        var waitedSeconds = 0.0
        var examples: [String] = []
    }

    static let tolerancePP = 1.0
    static let minProductiveMs: Int64 = 60_000

    static func compare(harness: BridgeHarness, views: ViewEngine) async -> Result {
        var r = Result()
        // Random faults may have left an org reconnecting at the end: wait for every org to be open (180 s at most).
        let t0 = Proc.now
        while Proc.now - t0 < 180 {
            let statuses = await views.orgStatuses()
            if statuses.count == harness.options.orgCount, statuses.values.allSatisfy({ $0.status == .open }) { break }
            try? await Task.sleep(for: .milliseconds(200))
        }
        r.waitedSeconds = Proc.now - t0
        for (org, _) in await views.orgStatuses() {
            guard let truth = await harness.truth(org: org.rawValue) else { continue }
            for a in truth.agents {
                r.agents += 1
                // At the truth's instant: read over HTTP, the truth is a second or more old by the time the views are
                // read, and a 15-minute window with a minute of productive time moves 1.7 points in 1.2 s.
                guard let f = await views.agentFigures(EntityID(org: org, platformID: a.id), at: truth.atMillis) else {
                    r.off += 1
                    if r.examples.count < 10 { r.examples.append("\(org.rawValue)/\(a.id): not in the views") }
                    continue
                }
                var worst = 0.0
                var detail = ""
                for w in OccupancyWindow.allCases {
                    let (th, tp) = (a.handlingMs[w], a.productiveMs[w])
                    guard tp >= minProductiveMs else { continue }
                    r.windows += 1
                    var (h, p) = (f.handlingMs(w), f.productiveMs(w))
                    if w == .today {
                        let dt = truth.atMillis - f.asOf
                        h += Int64(f.accrual.handling) * dt
                        p += Int64(f.accrual.productive) * dt
                    }
                    let got = p > 0 ? Double(h) / Double(p) * 100 : 0
                    let want = Double(th) / Double(tp) * 100
                    if abs(got - want) > worst {
                        worst = abs(got - want)
                        detail = "\(w.rawValue) \(String(format: "%.2f", got)) % vs truth \(String(format: "%.2f", want)) %"
                    }
                }
                r.worstPP = max(r.worstPP, worst)
                if worst > tolerancePP {
                    r.off += 1
                    if r.examples.count < 10 {
                        let windows = OccupancyWindow.allCases.map { w in
                            "\(w.rawValue) h \(f.handlingMs(w))/\(a.handlingMs[w]) p \(f.productiveMs(w))/\(a.productiveMs[w])"
                        }.joined(separator: ", ")
                        r.examples.append("\(org.rawValue)/\(a.id): \(detail) (views/truth ms: \(windows); state \(f.state) "
                                          + "since \(f.stateSince.map(Timestamp.format) ?? "-"), asOf \(Timestamp.format(f.asOf)), "
                                          + "truth at \(truth.at), presence \(a.presence), routing \(a.routingStatus))")
                    }
                }
            }
        }
        return r
    }
}

extension SimTruth.Windows {
    subscript(_ w: OccupancyWindow) -> Int64 {
        switch w {
        case .today: today
        case .rolling15m: rolling15m
        case .rolling60m: rolling60m
        }
    }
}
