import Foundation
import Store
import SwitchboardCore

/// One report's answer across the orgs asked about (docs/reports.md): reads each org's stored buckets a day
/// at a time (so a month of 5,000 agents is never in memory at once), feeds the report, and keeps its rows
/// with names and the org's local times.
struct ReportAnswer {
    let query: ReportsEndpoint.Query
    let facts: SnapshotFacts
    /// `orgs`: each org answered, its zone and range.
    private(set) var orgs = ReportTable(columns: ["org", "timeZone", "from", "to"])
    /// The main table (one CSV row each) and the per-subject (or per-day) summary.
    private(set) var main: ReportTable
    private(set) var summary: ReportTable
    /// reaction-time: every spike, for the overall median and 90th percentile.
    private var spikes: [ReactionTimeReport.Spike] = []

    init(query: ReportsEndpoint.Query, facts: SnapshotFacts) {
        self.query = query
        self.facts = facts
        let (id, name) = query.by == .queue ? ("queueId", "queueName") : ("agentId", "agentName")
        switch query.name {
        case .sustainedOccupancy:
            main = ReportTable(columns: ["org", "timeZone", id, name, "start", "end", "durationMs", "buckets", "occupancy",
                                         "handlingMs", "productiveMs", "clippedStart", "clippedEnd"])
            summary = ReportTable(columns: ["org", id, name, "periods", "totalMs", "longestMs"])
        case .idleTime:
            main = ReportTable(columns: ["org", "timeZone", "day", "agentId", "agentName", "productiveMs", "handlingMs",
                                         "idleMs", "idleShare", "buckets"])
            summary = ReportTable(columns: ["org", "timeZone", "day", "agents", "productiveMs", "handlingMs", "idleMs",
                                            "idleShare"])
        case .reactionTime:
            main = ReportTable(columns: ["org", "timeZone", "subject", "id", "name", "start", "occupancy",
                                         "previousOccupancy", "agents", "reactedAt", "agentsAfter", "reactionMs"])
            summary = ReportTable(columns: ["org", "subject", "id", "name", "spikes", "reacted", "medianMs", "p90Ms"])
        }
    }

    /// Reads `org`'s closed buckets in [from, to) and adds its rows.
    mutating func add(org: String, zone: TimeZone, from: EpochMillis, to: EpochMillis, store: any HistoryStore) async throws {
        orgs.append([.text(org), .text(zone.identifier), .text(Timestamp.format(from, in: zone)),
                     .text(Timestamp.format(to, in: zone))])
        func time(_ t: EpochMillis) -> ReportTable.Cell { .text(Timestamp.format(t, in: zone)) }
        var sustained = SustainedOccupancyReport(threshold: query.threshold, minDurationMs: query.minDurationMs, by: query.by)
        var idle = IdleTimeReport(zone: zone)
        var reaction = ReactionTimeReport(threshold: query.threshold)
        var start = from
        while start < to {
            let end = min(to, start + 86_400_000)
            for bucket in try await store.closedBuckets(org: OrgID(org), from: start, to: end) {
                switch query.name {
                case .sustainedOccupancy: sustained.add(bucket)
                case .idleTime: idle.add(bucket)
                case .reactionTime: reaction.add(bucket)
                }
            }
            start = end
        }
        let names = query.by == .queue ? facts.queueNames : facts.agentNames
        switch query.name {
        case .sustainedOccupancy:
            let (periods, subjects) = sustained.finish()
            func named(_ pid: String) -> (String, String) {
                let id = "\(org)/\(pid)"
                return (id, names[id] ?? "")
            }
            for s in subjects.sorted(by: { Self.order(named($0.id), named($1.id)) }) {
                let (id, name) = named(s.id)
                summary.append([.text(org), .text(id), .text(name), .count(s.periods), .int(s.totalMs), .int(s.longestMs)])
            }
            for p in periods.sorted(by: { Self.order(named($0.id), named($1.id)) || ($0.id == $1.id && $0.start < $1.start) }) {
                let (id, name) = named(p.id)
                main.append([.text(org), .text(zone.identifier), .text(id), .text(name), time(p.start), time(p.end),
                             .int(p.durationMs), .count(p.buckets), .ratio(p.occupancy), .int(p.sample.handlingMs),
                             .int(p.sample.productiveMs), .bool(p.clippedStart), .bool(p.clippedEnd)])
            }
        case .idleTime:
            for d in idle.days() {
                summary.append([.text(org), .text(zone.identifier), .text(CalendarDay.format(d.day)), .count(d.agents),
                                .int(d.productiveMs), .int(d.handlingMs), .int(d.idleMs), .ratio(d.idleShare)])
            }
            let agents = facts.agentNames
            func key(_ r: IdleTimeReport.Row) -> (Int, String, String) {
                (r.day, agents["\(org)/\(r.id)"] ?? "", r.id)
            }
            for r in idle.rows().sorted(by: { key($0) < key($1) }) {
                let id = "\(org)/\(r.id)"
                main.append([.text(org), .text(zone.identifier), .text(CalendarDay.format(r.day)), .text(id),
                             .text(agents[id] ?? ""), .int(r.productiveMs), .int(r.handlingMs), .int(r.idleMs),
                             .ratio(r.idleShare), .count(r.buckets)])
            }
        case .reactionTime:
            let found = reaction.finish()
            spikes += found
            func named(_ s: ReactionTimeReport.Subject) -> (kind: String, id: String, name: String) {
                switch s {
                case .org: return ("org", org, "")
                case .queue(let pid): return ("queue", "\(org)/\(pid)", facts.queueNames["\(org)/\(pid)"] ?? "")
                }
            }
            var bySubject: [ReactionTimeReport.Subject: [ReactionTimeReport.Spike]] = [:]
            for s in found { bySubject[s.subject, default: []].append(s) }
            func order(_ a: ReactionTimeReport.Subject, _ b: ReactionTimeReport.Subject) -> Bool {
                if a == .org || b == .org { return a == .org && b != .org }
                let x = named(a), y = named(b)
                return Self.order((x.id, x.name), (y.id, y.name))
            }
            for subject in bySubject.keys.sorted(by: order) {
                let list = bySubject[subject] ?? []
                let n = named(subject), s = ReactionTimeReport.Summary(list)
                summary.append([.text(org), .text(n.kind), .text(n.id), .text(n.name), .count(s.spikes), .count(s.reacted),
                                .optional(s.medianMs), .optional(s.p90Ms)])
                for spike in list {
                    main.append([.text(org), .text(zone.identifier), .text(n.kind), .text(n.id), .text(n.name),
                                 time(spike.start), .ratio(spike.occupancy), .ratio(spike.previousOccupancy),
                                 .count(spike.agents), spike.reactedAt.map(time) ?? .null, .optional(spike.agentsAfter),
                                 .optional(spike.reactionMs)])
                }
            }
        }
    }

    /// By name, then id (a subject without a name sorts first).
    private static func order(_ a: (id: String, name: String), _ b: (id: String, name: String)) -> Bool {
        (a.name, a.id) < (b.name, b.id)
    }

    func csv() -> [UInt8] { main.csv() }

    func json() -> [UInt8] {
        var o: [UInt8] = []
        o.reserveCapacity(256 + main.rows.count * 200)
        var head: [(String, ReportTable.Cell)] = [("report", .text(query.name.rawValue)),
                                                  ("org", query.org.map { .text($0.rawValue) } ?? .null)]
        switch query.name {
        case .sustainedOccupancy:
            head += [("threshold", .ratio(query.threshold)), ("minDurationMs", .int(query.minDurationMs)),
                     ("by", .text(query.by.rawValue))]
        case .reactionTime:
            head += [("threshold", .ratio(query.threshold))]
        case .idleTime:
            break
        }
        ReportTable.object(head, into: &o)
        o.removeLast()  // reopen the object
        o.append(contentsOf: #","orgs":"#.utf8)
        orgs.json(into: &o)
        switch query.name {
        case .sustainedOccupancy:
            o.append(contentsOf: #","subjects":"#.utf8)
            summary.json(into: &o)
            o.append(contentsOf: #","periods":"#.utf8)
            main.json(into: &o)
        case .idleTime:
            o.append(contentsOf: #","days":"#.utf8)
            summary.json(into: &o)
            o.append(contentsOf: #","rows":"#.utf8)
            main.json(into: &o)
        case .reactionTime:
            let s = ReactionTimeReport.Summary(spikes)
            o.append(contentsOf: #","summary":"#.utf8)
            ReportTable.object([("spikes", .count(s.spikes)), ("reacted", .count(s.reacted)),
                                ("medianMs", .optional(s.medianMs)), ("p90Ms", .optional(s.p90Ms))], into: &o)
            o.append(contentsOf: #","subjects":"#.utf8)
            summary.json(into: &o)
            o.append(contentsOf: #","spikes":"#.utf8)
            main.json(into: &o)
        }
        o.append(UInt8(ascii: "}"))
        return o
    }
}
