import Foundation
import Hummingbird
import NIOCore
import SwitchboardCore

/// `GET /v1/quality?org=&format=json|csv` (docs/quality.md): today's quality scores per agent and
/// evaluation form, from the same snapshot the stream serves (auth-scoped like the stream). Rows
/// below the minimum evaluation count say `insufficient-data` and carry no score; agents with no
/// evaluation are absent. Names are joined at export time; `lastUpdatedAt` is per org.
enum QualityExport {
    static let columns = ["org", "timeZone", "agentId", "agentName", "formId", "formName", "count", "status",
                          "averageScore", "averageCriticalScore", "passRate", "lastUpdatedAt"]
    /// With `by=queue`: the per-queue rollups (evaluations aggregates grouped by `queueId`).
    static let queueColumns = ["org", "timeZone", "queueId", "queueName", "formId", "formName", "count", "status",
                               "averageScore", "averageCriticalScore", "passRate", "lastUpdatedAt"]

    static func register(on router: Router<HubRequestContext>, hub: StreamHub) {
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
            let topic = org.map { "org:\($0)" } ?? "global"
            let frame: ByteBuffer
            switch await BridgeRoutes.snapshot(request, context: context, hub: hub, topic: topic) {
            case .refused(let response): return response
            case .allowed(let f): frame = f
            }
            let (rows, orgs) = Self.rows(frame: frame, byQueue: by == "queue")
            if format == "csv" {
                let name = by == "queue" ? "quality-queues.csv" : "quality.csv"
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                       .contentDisposition: "attachment; filename=\"\(name)\""],
                                body: .init(byteBuffer: ByteBuffer(bytes: UtilizationExport.csv(rows, columns: by == "queue" ? queueColumns : columns))))
            }
            let body: [String: Any] = ["org": org ?? NSNull(), "by": by, "orgs": orgs, "rows": rows]
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
        func key(_ r: [String: Any]) -> String {
            "\(r["org"] ?? "")\u{1}\(r[nameKey] ?? "")\u{1}\(r[idKey] ?? "")\u{1}\(r["formId"] ?? "")"
        }
        return (rows.sorted { key($0) < key($1) }, orgs.sorted { "\($0["org"] ?? "")" < "\($1["org"] ?? "")" })
    }
}
