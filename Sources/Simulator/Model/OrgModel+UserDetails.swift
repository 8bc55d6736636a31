import SwitchboardCore

/// One stretch of a single value (a presence or a routing status) in an agent's history:
/// `[start, end)`, `end` nil while it lasts.
struct StatusRecord<Value: Equatable>: Equatable {
    let start: EpochMillis
    let end: EpochMillis?
    let value: Value
}

/// `POST /api/v2/analytics/users/details/query`: each user's presence and routing-status records,
/// answered from the recorded state history (the same history `/_sim/truth` integrates).
extension OrgModel {
    /// The records of one field of `timeline` that overlap `[from, to)`, each whole: a record that
    /// began before `from` keeps its real start, one still running has no end. Consecutive segments
    /// with the same value form one record.
    static func records<V: Equatable>(_ timeline: [Segment], from: EpochMillis, to: EpochMillis,
                                      _ value: (Segment) -> V) -> [StatusRecord<V>] {
        guard !timeline.isEmpty, from < to else { return [] }
        var i = 0
        while i + 1 < timeline.count && timeline[i + 1].start <= from { i += 1 }
        // Back to where the record covering `from` began.
        while i > 0 && value(timeline[i - 1]) == value(timeline[i]) { i -= 1 }
        var out: [StatusRecord<V>] = []
        while i < timeline.count && timeline[i].start < to {
            let v = value(timeline[i])
            var j = i + 1
            while j < timeline.count && value(timeline[j]) == v { j += 1 }
            let end: EpochMillis? = j < timeline.count ? timeline[j].start : nil
            if (end ?? .max) > from { out.append(StatusRecord(start: timeline[i].start, end: end, value: v)) }
            i = j
        }
        return out
    }

    /// The agents (indices, directory order) with at least one record in `[from, to)`, optionally only
    /// those `matches` accepts.
    func usersWithDetails(from: EpochMillis, to: EpochMillis, matches: (String) -> Bool) -> [Int] {
        agents.indices.filter { a in
            // The last record is open, so an agent has records in any interval that ends after its history began.
            guard let first = agents[a].timeline.first, first.start < to else { return false }
            return matches(agents[a].id)
        }
    }

    /// One page of the answer: `{userDetails:[{userId, primaryPresence:[…], routingStatus:[…]}], totalHits}`
    /// (py-model `AnalyticsUserDetailsQueryResponse`). Presences are system presences in upper snake
    /// case (`ON_QUEUE`) with the org presence id; records are oldest first (`order: "desc"`: newest first).
    func usersDetails(from: EpochMillis, to: EpochMillis, users: [Int], pageSize: Int, pageNumber: Int,
                      descending: Bool) -> [UInt8] {
        let page = users.dropFirst((pageNumber - 1) * pageSize).prefix(pageSize)
        var w = JSONWriter(capacity: 256 + page.count * 1024)
        w.object { w in
            w.array("userDetails") { w in
                for a in page {
                    let tl = agents[a].timeline
                    var presences = Self.records(tl, from: from, to: to) { $0.presence }
                    var routings = Self.records(tl, from: from, to: to) { $0.routing }
                    if descending {
                        presences.reverse()
                        routings.reverse()
                    }
                    w.object { w in
                        w.field("userId", plain: agents[a].id)
                        w.array("primaryPresence") { w in
                            for r in presences {
                                w.object { w in
                                    w.field("startTime", time: r.start)
                                    if let end = r.end { w.field("endTime", time: end) }
                                    w.field("systemPresence", plain: r.value.qualifier)
                                    w.field("organizationPresenceId", plain: presenceIDs[Int(r.value.rawValue)])
                                }
                            }
                        }
                        w.array("routingStatus") { w in
                            for r in routings {
                                w.object { w in
                                    w.field("startTime", time: r.start)
                                    if let end = r.end { w.field("endTime", time: end) }
                                    w.field("routingStatus", plain: r.value.rawValue)
                                }
                            }
                        }
                    }
                }
            }
            w.field("totalHits", users.count)
        }
        return w.bytes
    }
}
