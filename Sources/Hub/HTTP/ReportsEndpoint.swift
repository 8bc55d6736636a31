import Foundation
import Hummingbird
import NIOCore
import Store
import SwitchboardConfig
import SwitchboardCore

/// `GET /v1/reports/{name}?org=&from=&to=&format=json|csv` (docs/reports.md): seed 000's reporting questions
/// answered from the stored closed 15-minute buckets — `sustained-occupancy` (`threshold`, `minDuration`,
/// `by=agent|queue`), `idle-time`, `reaction-time` (`threshold`). The computations are the Store's pure
/// ``SustainedOccupancyReport``, ``IdleTimeReport`` and ``ReactionTimeReport``; this file reads, names and
/// writes.
///
/// Scoped like `/v1/history`: `org=<id>` needs a token covering `org:<id>`; without `org` the token must be
/// global and every org is answered. `from`/`to` are ISO-8601 with an offset, or a date `YYYY-MM-DD` meaning
/// that day's local midnight in each org's time zone; default the last 24 hours. Names are joined from the
/// live snapshot, times are written with the org's offset.
enum ReportsEndpoint {
    enum Name: String, CaseIterable, Sendable {
        case sustainedOccupancy = "sustained-occupancy"
        case idleTime = "idle-time"
        case reactionTime = "reaction-time"
    }

    /// At most this much history per request (the default retention).
    static let maxSpanMs: Int64 = 35 * 86_400_000

    /// A range end: an instant, or a calendar day's local midnight (resolved per org).
    enum Bound: Equatable, Sendable {
        case instant(EpochMillis)
        case date(Int)

        func resolve(in zone: TimeZone) -> EpochMillis {
            switch self {
            case .instant(let t): t
            case .date(let d): Timestamp.startOfDay(calendarDay: d, in: zone)
            }
        }
    }

    struct Query: Equatable, Sendable {
        var name: Name
        var org: OrgID?
        var from: Bound
        var to: Bound
        var threshold: Double = 0.85
        var minDurationMs: Int64 = 30 * 60_000
        var by: SustainedOccupancyReport.Subject = .agent
        var csv = false
    }

    struct BadRequest: Error, Equatable {
        let message: String
    }

    static func register(on router: Router<HubRequestContext>, hub: StreamHub,
                         store: @escaping @Sendable () -> (any HistoryStore)?) {
        router.get("/v1/reports/{name}") { request, context in
            guard let principal = context.principal else { return HTTPRefusal.unauthenticated(.missing).response }
            let nameText = try context.parameters.require("name")
            guard let name = Name(rawValue: nameText) else {
                return BridgeRoutes.error(.notFound, "unknown-report", "no report '\(nameText)'; the reports are "
                                          + Name.allCases.map(\.rawValue).joined(separator: ", ") + " (docs/reports.md)")
            }
            var params: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { params[String(k)] = String(v) }
            let query: Query
            switch parse(name: name, params, now: hub.clock.now()) {
            case .failure(let bad): return BridgeRoutes.error(.badRequest, "bad-request", bad.message)
            case .success(let q): query = q
            }
            let topic: HubTopic = query.org.map { .org($0) } ?? .global
            if query.org == nil && !principal.canRead(topic: .global) {
                return BridgeRoutes.error(.badRequest, "bad-request",
                                          "org is required: the token does not cover every org; name one with org=<id>")
            }
            guard principal.canRead(topic: topic) else {
                let refusal = HTTPRefusal.insufficientScope(scope: topic.description, message: "the token does not cover \(topic)")
                refusal.record(path: request.uri.path, remote: BridgeRoutes.remote(context), metrics: hub.metrics,
                               logger: context.logger)
                return refusal.response
            }
            guard let store = store() else {
                return BridgeRoutes.error(.notFound, "no-store", HistoryAnswers.noStoreMessage)
            }
            let facts: SnapshotFacts
            switch await hub.snapshot(topic: topic.description, for: principal) {
            case .success(let frame): facts = SnapshotFacts(frame: frame)
            case .failure:
                return BridgeRoutes.error(.notFound, "unknown-org", "org '\(query.org?.rawValue ?? "")' is not configured")
            }
            var orgs: [(id: String, zone: TimeZone, from: EpochMillis, to: EpochMillis)] = []
            for id in query.org.map({ [$0.rawValue] }) ?? facts.orgs {
                // An org whose views have not started yet has no time zone in the snapshot.
                guard let zone = facts.zones[id] else {
                    if query.org != nil {
                        return BridgeRoutes.error(.notFound, "unknown-org", "org '\(id)' is not configured (or its views have not started yet)")
                    }
                    continue
                }
                let from = query.from.resolve(in: zone), to = query.to.resolve(in: zone)
                if let problem = checkSpan(from: from, to: to) { return BridgeRoutes.error(.badRequest, "bad-request", problem) }
                orgs.append((id, zone, from, to))
            }
            do {
                var answer = ReportAnswer(query: query, facts: facts)
                for org in orgs {
                    try await answer.add(org: org.id, zone: org.zone, from: org.from, to: org.to, store: store)
                }
                if query.csv {
                    return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                           .contentDisposition: "attachment; filename=\"\(name.rawValue).csv\""],
                                    body: .init(byteBuffer: ByteBuffer(bytes: answer.csv())))
                }
                return Response(status: .ok, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: answer.json())))
            } catch {
                return HistoryAnswers.storeFailed(error, logger: context.logger)
            }
        }
    }

    /// The parameters of `name`; a message naming the parameter otherwise. Parameters another report takes
    /// are ignored.
    static func parse(name: Name, _ q: [String: String], now: EpochMillis) -> Result<Query, BadRequest> {
        func bad(_ m: String) -> Result<Query, BadRequest> { .failure(BadRequest(message: m)) }
        var query = Query(name: name, from: .instant(now - 86_400_000), to: .instant(now))
        if let org = q["org"] {
            guard !org.isEmpty, !org.contains("/"), !org.contains(":") else {
                return bad("org '\(org)' is not an org id; write e.g. org=us")
            }
            query.org = OrgID(org)
        }
        if let s = q["to"] {
            guard let t = bound(s) else { return bad("to must be ISO-8601 with an offset (2026-05-07T18:00:00-04:00) or a date (2026-05-07)") }
            query.to = t
            if q["from"] == nil {
                switch t {
                case .instant(let v): query.from = .instant(v - 86_400_000)
                case .date(let d): query.from = .date(d - 1)
                }
            }
        }
        if let s = q["from"] {
            guard let t = bound(s) else { return bad("from must be ISO-8601 with an offset (2026-05-07T08:00:00-04:00) or a date (2026-05-07)") }
            query.from = t
        }
        if name != .idleTime, let s = q["threshold"] {
            guard let v = Double(s), v.isFinite, v >= 0, v <= 1 else {
                return bad("threshold must be an occupancy between 0 and 1, e.g. threshold=0.85 for 85 %")
            }
            query.threshold = v
        }
        if name == .sustainedOccupancy {
            if let s = q["minDuration"] {
                guard let d = ConfigDuration.parse(s), d >= .zero else {
                    return bad("minDuration must be a duration such as 30m, 45m, 1h or 1h30m")
                }
                query.minDurationMs = Int64(d.components.seconds) * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            }
            if let s = q["by"] {
                guard let by = SustainedOccupancyReport.Subject(rawValue: s) else { return bad("by must be agent or queue") }
                query.by = by
            }
        }
        let format = q["format"] ?? "json"
        guard format == "json" || format == "csv" else { return bad("format must be json or csv") }
        query.csv = format == "csv"
        return .success(query)
    }

    /// `from` before `to`, and not more than ``maxSpanMs`` apart; else the message.
    static func checkSpan(from: EpochMillis, to: EpochMillis) -> String? {
        guard from < to else { return "from must be before to" }
        guard to - from <= maxSpanMs else {
            return "from … to spans more than \(maxSpanMs / 86_400_000) days; ask for a shorter span (several requests for more)"
        }
        return nil
    }

    /// ISO-8601 with an offset, or `YYYY-MM-DD`.
    private static func bound(_ s: String) -> Bound? {
        if s.utf8.count == 10 { return CalendarDay.parse(s).map { .date($0) } }
        return Timestamp.parse(s).map { .instant($0) }
    }
}
