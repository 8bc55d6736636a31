import Foundation
import Hummingbird
import Logging
import NIOCore
import Store
import SwitchboardCore

/// `GET /v1/quality?org=&day=&format=json|csv` (docs/quality.md): today's quality scores per agent and
/// evaluation form, from the same snapshot the stream serves (auth-scoped like the stream); with `day` an
/// earlier local day of `org`, from the store's documents (``ExportDay``). Rows
/// below the minimum evaluation count say `insufficient-data` and carry no score; agents with no
/// evaluation are absent. Names are joined at export time; `lastUpdatedAt` is per org.
enum QualityExport {
    static let columns = ["org", "timeZone", "agentId", "agentName", "formId", "formName", "count", "status",
                          "averageScore", "averageCriticalScore", "passRate", "lastUpdatedAt"]
    /// With `by=queue`: the per-queue rollups (evaluations aggregates grouped by `queueId`).
    static let queueColumns = ["org", "timeZone", "queueId", "queueName", "formId", "formName", "count", "status",
                               "averageScore", "averageCriticalScore", "passRate", "lastUpdatedAt"]

    static func register(on router: Router<HubRequestContext>, hub: StreamHub,
                         store: @escaping @Sendable () -> (any HistoryStore)? = { nil }) {
        router.get("/v1/quality") { request, context in
            let q = request.uri.queryParameters
            let org = q.get("org").flatMap { $0.isEmpty ? nil : $0 }
            let format = q.get("format") ?? "json"
            guard format == "json" || format == "csv" else {
                return BridgeRoutes.error(.badRequest, "bad-request", "format must be json or csv")
            }
            let by = q.get("by") ?? "agent"
            guard by == "agent" || by == "queue" else {
                return BridgeRoutes.error(.badRequest, "bad-request", "by must be agent or queue")
            }
            let day: Int?
            switch ExportDay.parse(q.get("day"), org: org) {
            case .failure(let refusal): return refusal.response
            case .success(let d): day = d
            }
            let topic = org.map { "org:\($0)" } ?? "global"
            let frame: ByteBuffer
            switch await BridgeRoutes.snapshot(request, context: context, hub: hub, topic: topic) {
            case .refused(let response): return response
            case .allowed(let f): frame = f
            }
            var stored: ExportDay.Stored?
            if let day, let org {
                switch await ExportDay.resolve(kind: .quality, day: day, org: org, frame: frame, now: hub.clock.now(),
                                               store: store(), logger: context.logger) {
                case .failure(let refusal): return refusal.response
                case .success(let s): stored = s
                }
            }
            let (rows, orgs) = stored.map { Self.rows(stored: $0, byQueue: by == "queue", logger: context.logger) }
                ?? Self.rows(frame: frame, byQueue: by == "queue")
            if format == "csv" {
                let name = by == "queue" ? "quality-queues.csv" : "quality.csv"
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                       .contentDisposition: "attachment; filename=\"\(name)\""],
                                body: .init(byteBuffer: ByteBuffer(bytes: UtilizationExport.csv(rows, columns: by == "queue" ? queueColumns : columns))))
            }
            var body: [String: Any] = ["org": org ?? NSNull(), "by": by, "orgs": orgs, "rows": rows]
            if let day { body["day"] = CalendarDay.format(day) }
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return Response(status: .ok, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// One row per agent (or queue, `byQueue`) and form; names joined from `agents` / `queues` by id.
    static func rows(frame: ByteBuffer, byQueue: Bool = false) -> ([[String: Any]], [[String: Any]]) {
        guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any],
            let data = json["data"] as? [String: Any]
        else { return ([], []) }
        let (type, idKey, nameKey) = byQueue ? ("queue", "queueId", "queueName") : ("agent", "agentId", "agentName")
        var names: [String: String] = [:]
        for a in data[byQueue ? "queues" : "agents"] as? [[String: Any]] ?? [] {
            if let id = a["id"] as? String { names[id] = a["name"] as? String }
        }
        var zones: [String: String] = [:]
        for o in data["orgs"] as? [[String: Any]] ?? [] {
            if let id = o["id"] as? String { zones[id] = o["timezone"] as? String }
        }
        var updated: [String: String] = [:]
        var orgs: [[String: Any]] = []
        let entries = data["quality"] as? [[String: Any]] ?? []
        for e in entries where e["type"] as? String == "org" {
            guard let id = e["org"] as? String else { continue }
            updated[id] = e["lastUpdatedAt"] as? String
            orgs.append(["org": id, "timeZone": zones[id] ?? "", "lastUpdatedAt": e["lastUpdatedAt"] ?? NSNull(),
                         "lagNote": e["lagNote"] ?? NSNull(), "minEvaluations": e["minEvaluations"] ?? NSNull()])
        }
        var rows: [[String: Any]] = []
        for e in entries where e["type"] as? String == type {
            guard let agent = e[type] as? String, let org = e["org"] as? String else { continue }
            for f in e["forms"] as? [[String: Any]] ?? [] {
                func dec(_ k: String) -> Any { (f[k] as? NSNumber).map { $0.doubleValue as Any } ?? NSNull() }
                rows.append([
                    "org": org, "timeZone": zones[org] ?? "", idKey: agent, nameKey: names[agent] ?? "",
                    "formId": f["formId"] as? String ?? "", "formName": f["formName"] as? String ?? "",
                    "count": Int64((f["count"] as? NSNumber)?.intValue ?? 0), "status": f["status"] as? String ?? "",
                    "averageScore": dec("averageScore"), "averageCriticalScore": dec("averageCriticalScore"),
                    "passRate": dec("passRate"), "lastUpdatedAt": updated[org] ?? "",
                ])
            }
        }
        return sorted(rows, orgs, byQueue: byQueue)
    }

    /// The same rows from an earlier day's stored report (``ExportDay``; the latest poll of that day), with
    /// the rules the views apply (forms with no evaluation left out, `insufficient-data` below the minimum,
    /// scores to 2 decimals); names joined from the live snapshot.
    static func rows(stored: ExportDay.Stored, byQueue: Bool, logger: Logger) -> ([[String: Any]], [[String: Any]]) {
        let (idKey, nameKey) = byQueue ? ("queueId", "queueName") : ("agentId", "agentName")
        let names = byQueue ? stored.facts.queueNames : stored.facts.agentNames
        var rows: [[String: Any]] = []
        var orgs: [[String: Any]] = []
        for document in stored.documents where document.key == StoredDocument.qualityKey {
            let report: QualityReport
            do { report = try document.quality() } catch {
                logger.warning("a stored quality document is left out of the export", metadata: ["error": "\(error)"])
                continue
            }
            let org = report.org.rawValue, updated = Timestamp.format(report.asOf)
            orgs.append(["org": org, "timeZone": stored.zone.identifier, "lastUpdatedAt": updated,
                         "lagNote": QualityReport.lagNote, "minEvaluations": report.minEvaluations])
            let subjects = byQueue ? report.queues.map { ($0.queue, $0.forms) } : report.agents.map { ($0.agent, $0.forms) }
            for (id, forms) in subjects where id.org == report.org {
                for f in forms.filter({ $0.count > 0 }).sorted(by: { ($0.formID ?? "") < ($1.formID ?? "") }) {
                    let enough = f.count >= report.minEvaluations
                    func score(_ v: Double?) -> Any {
                        guard enough, let v, v.isFinite else { return NSNull() }
                        return (v * 100).rounded() / 100
                    }
                    rows.append([
                        "org": org, "timeZone": stored.zone.identifier, idKey: id.description,
                        nameKey: names[id.description] ?? "", "formId": f.formID ?? "", "formName": f.formName ?? "",
                        "count": Int64(f.count), "status": enough ? "ok" : "insufficient-data",
                        "averageScore": score(f.averageScore), "averageCriticalScore": score(f.averageCriticalScore),
                        "passRate": score(f.passRate), "lastUpdatedAt": updated,
                    ])
                }
            }
        }
        return sorted(rows, orgs, byQueue: byQueue)
    }

    /// Rows by org, name, id, form; orgs by id.
    private static func sorted(_ rows: [[String: Any]], _ orgs: [[String: Any]], byQueue: Bool)
        -> ([[String: Any]], [[String: Any]])
    {
        let (idKey, nameKey) = byQueue ? ("queueId", "queueName") : ("agentId", "agentName")
        func key(_ r: [String: Any]) -> String {
            "\(r["org"] ?? "")\u{1}\(r[nameKey] ?? "")\u{1}\(r[idKey] ?? "")\u{1}\(r["formId"] ?? "")"
        }
        return (rows.sorted { key($0) < key($1) }, orgs.sorted { "\($0["org"] ?? "")" < "\($1["org"] ?? "")" })
    }
}
