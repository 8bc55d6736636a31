import SwitchboardConfig
import SwitchboardCore

/// Conversation-level observations of one media type (or of the group with none).
struct MediaGroup: Equatable {
    var mediaType: String
    var at: Int64 = .min
    var waiting: Int?
    var interacting: Int?
    var alerting: Int?
    var oldest: Int64?
    var longest: Int64?
}

/// What was last emitted for a queue, for the traffic rule.
struct QueueSignature: Equatable {
    var name: String?
    var waiting: Int
    var interacting: Int
    var alerting: Int
    var onQueue: Int
    var longestWaitMs: Int64?
    var oldest: Int64?
    /// Occupancy of the three windows in hundredths (-1 = undefined), in `OccupancyWindow.allCases`
    /// order; a tuple-like struct so that checking a queue allocates nothing.
    var occupancy: Hundredths?
    /// Service counts (a new poll that changes no count is not re-sent), the configured target and the
    /// thresholds in force.
    var service: QueueServiceWindows?
    var serviceTarget: ServiceLevelTarget?
    var thresholds: ResolvedThresholds

    struct Hundredths: Equatable {
        var today: Int32
        var rolling15m: Int32
        var rolling60m: Int32
    }
}

/// One queue tile: observations merged per group (latest event time wins per group).
struct QueueRecord {
    let platformID: String
    var name: String?
    /// The namespaced id `org/platformID`, made with the slot (``OrgState/queueSlot(_:)``) and shared by every
    /// queue change and every agent fragment that lists the queue.
    var entityID: String?
    /// False for queues known only from agents' active queues: not shown until observed or named.
    var visible = false
    var groups: [MediaGroup] = []
    var userAt: Int64 = .min
    var onQueue: Int?
    var members = WindowedFigures()
    var membersAccrual = Accrual()
    /// When `members` was computed (the last refresh).
    var membersAt: Int64 = 0
    var hasMembers = false
    var emitted: QueueSignature?
    var dirty = false
    /// The queue's configured service level (directory), and the latest service report (docs/queues.md).
    var serviceTarget: ServiceLevelTarget?
    var service: QueueServiceReport?

    init(platformID: String) { self.platformID = platformID }

    /// Merges an observation; returns true when a shown figure changed. Older observations of a group
    /// than the one held are ignored.
    mutating func apply(_ o: QueueObservation) -> Bool {
        var changed = !visible
        visible = true
        if o.onQueueAgents != nil || o.routingStatuses != nil, o.at >= userAt {
            let v = o.onQueueAgents
                ?? o.routingStatuses.map { $0.filter { $0.key != .offQueue }.values.reduce(0, +) }
            userAt = o.at
            if v != onQueue {
                onQueue = v
                changed = true
            }
        }
        let conv = o.waiting != nil || o.interacting != nil || o.alerting != nil || o.oldestWaitingSince != nil
            || o.longestWaitMs != nil
        guard conv else { return changed }
        let key = o.mediaType ?? ""
        var i = groups.firstIndex { $0.mediaType == key } ?? -1
        if i < 0 {
            groups.append(MediaGroup(mediaType: key))
            i = groups.count - 1
        }
        var g = groups[i]
        guard o.at >= g.at else { return changed }
        let before = g
        g.at = o.at
        if let w = o.waiting {
            g.waiting = w
            g.oldest = w > 0 ? o.oldestWaitingSince : nil
            g.longest = w > 0 ? o.longestWaitMs : nil
        } else {
            if let t = o.oldestWaitingSince { g.oldest = t }
            if let l = o.longestWaitMs { g.longest = l }
        }
        if let v = o.interacting { g.interacting = v }
        if let v = o.alerting { g.alerting = v }
        groups[i] = g
        var cmp = before
        cmp.at = g.at
        return changed || cmp != g
    }

    /// The tile at `now`; `dayStart` is the org's current local midnight (a service report of an earlier
    /// day shows nothing for today), `thresholds` the limits in force for this queue.
    func tile(id: EntityID, now: Int64, dayStart: Int64, thresholds: ResolvedThresholds) -> QueueTileFigures {
        var waiting = 0
        var interacting = 0
        var alerting = 0
        var longest: Int64 = 0
        var unknownAge = false
        var oldest: Int64?
        for g in groups {
            let w = g.waiting ?? 0
            waiting += w
            interacting += g.interacting ?? 0
            alerting += g.alerting ?? 0
            if w > 0 {
                if let o = g.oldest {
                    oldest = min(oldest ?? o, o)
                    longest = max(longest, now - o)
                } else if let l = g.longest {
                    longest = max(longest, l)
                } else {
                    unknownAge = true
                }
            } else if g.waiting == nil, let l = g.longest {
                longest = max(longest, l)
            }
        }
        return QueueTileFigures(id: id, name: name ?? platformID, waiting: waiting, interacting: interacting,
                                alerting: alerting, onQueueAgents: onQueue ?? 0,
                                longestWaitMs: unknownAge && longest == 0 ? nil : longest,
                                oldestWaitingSince: oldest, occupancy: hasMembers ? members : nil,
                                accrual: hasMembers ? membersAccrual : nil, asOf: hasMembers ? membersAt : nil,
                                serviceLevelTarget: serviceTarget, service: serviceWindows(dayStart: dayStart),
                                serviceAsOf: service?.asOf, thresholds: thresholds)
    }

    func signature(_ t: QueueTileFigures) -> QueueSignature {
        QueueSignature(name: name, waiting: t.waiting, interacting: t.interacting, alerting: t.alerting,
                       onQueue: t.onQueueAgents, longestWaitMs: t.longestWaitMs, oldest: t.oldestWaitingSince,
                       occupancy: t.occupancy.map { f in
                           QueueSignature.Hundredths(today: Self.hundredths(f.today.occupancy),
                                                     rolling15m: Self.hundredths(f.rolling15m.occupancy),
                                                     rolling60m: Self.hundredths(f.rolling60m.occupancy))
                       }, service: t.service, serviceTarget: t.serviceLevelTarget, thresholds: t.thresholds)
    }

    static func hundredths(_ v: Double?) -> Int32 { v.map { Int32(($0 * 100).rounded()) } ?? -1 }

    /// True when `new` differs materially from what was emitted (longest wait by at least `waitStep`).
    static func material(_ old: QueueSignature?, _ new: QueueSignature, waitStep: Int64) -> Bool {
        guard let old else { return true }
        var a = old
        var b = new
        let wa = a.longestWaitMs
        let wb = b.longestWaitMs
        a.longestWaitMs = nil
        b.longestWaitMs = nil
        if a != b { return true }
        switch (wa, wb) {
        case (nil, nil): return false
        case let (x?, y?): return abs(x - y) >= waitStep || (x == 0) != (y == 0)
        default: return true
        }
    }
}
