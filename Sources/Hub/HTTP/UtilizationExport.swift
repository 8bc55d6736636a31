import Foundation
import Hummingbird
import Logging
import NIOCore
import Store
import SwitchboardCore

/// `GET /v1/utilization?org=&day=&from=&to=&format=json|csv` (docs/utilization.md): today's 30-minute
/// utilization intervals per agent, read from the same snapshot the stream serves, so the export is
/// auth-scoped exactly like the stream (`org` given → topic `org:<id>`, else `global`); with `day` an
/// earlier local day of `org`, read from the store's documents (``ExportDay``). Agent names
/// are joined at export time (they update in place); times are ISO-8601 with the org's offset and
/// every row states the org's time zone.
enum UtilizationExport {
    /// The CSV columns, in order.
    static let columns = ["org", "timeZone", "agentId", "agentName", "intervalStart", "intervalEnd", "tHandleMs",
                          "handleCount", "ahtMs", "tTalkMs", "tHeldMs", "tAcwMs", "nConnected", "open"]
    /// With `by=queue`: the per-queue rollups (conversations aggregates grouped by `queueId`).
    static let queueColumns = ["org", "timeZone", "queueId", "queueName", "intervalStart", "intervalEnd", "tHandleMs",
                               "handleCount", "ahtMs", "tTalkMs", "tHeldMs", "tAcwMs", "nConnected", "open"]

    struct Row {
        var values: [String: Any]
    }

    static func register(on router: Router<HubRequestContext>, hub: StreamHub,
                         store: @escaping @Sendable () -> (any HistoryStore)? = { nil }) {
        router.get("/v1/utilization") { request, context in
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
            var from: EpochMillis = .min, to: EpochMillis = .max
            if let f = q.get("from") {
                guard let t = Timestamp.parse(f) else {
                    return BridgeRoutes.error(.badRequest, "bad-request", "from must be ISO-8601 with an offset, e.g. 2026-05-07T08:00:00-04:00")
                }
                from = t
            }
            if let s = q.get("to") {
                guard let t = Timestamp.parse(s) else {
                    return BridgeRoutes.error(.badRequest, "bad-request", "to must be ISO-8601 with an offset, e.g. 2026-05-07T18:00:00-04:00")
                }
                to = t
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
                switch await ExportDay.resolve(kind: .utilization, day: day, org: org, frame: frame, now: hub.clock.now(),
                                               store: store(), logger: context.logger) {
                case .failure(let refusal): return refusal.response
                case .success(let s): stored = s
                }
            }
            let rows = stored.map { Self.rows(stored: $0, from: from, to: to, byQueue: by == "queue", logger: context.logger) }
                ?? Self.rows(frame: frame, from: from, to: to, byQueue: by == "queue")
            if format == "csv" {
                let name = by == "queue" ? "utilization-queues.csv" : "utilization.csv"
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                       .contentDisposition: "attachment; filename=\"\(name)\""],
                                body: .init(byteBuffer: ByteBuffer(bytes: Self.csv(rows, columns: by == "queue" ? queueColumns : columns))))
            }
            var body: [String: Any] = ["org": org ?? NSNull(), "by": by, "from": from == .min ? NSNull() : Timestamp.format(from),
                                       "to": to == .max ? NSNull() : Timestamp.format(to), "rows": rows]
            if let day { body["day"] = CalendarDay.format(day) }
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return Response(status: .ok, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// One row per agent interval (or queue interval with `byQueue`) whose start is in [from, to), sorted by
    /// org, name, id, start. Names are joined from the `agents` / `queues` entities by id.
    static func rows(frame: ByteBuffer, from: EpochMillis, to: EpochMillis, byQueue: Bool = false) -> [[String: Any]] {
        guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any],
            let data = json["data"] as? [String: Any]
        else { return [] }
        var names: [String: String] = [:]
        for a in data[byQueue ? "queues" : "agents"] as? [[String: Any]] ?? [] {
            if let id = a["id"] as? String { names[id] = a["name"] as? String }
        }
        let (idKey, nameKey) = byQueue ? ("queueId", "queueName") : ("agentId", "agentName")
        var rows: [[String: Any]] = []
        for u in data["utilization"] as? [[String: Any]] ?? [] {
            guard (u["type"] as? String ?? "agent") == (byQueue ? "queue" : "agent"),
                let agent = u[byQueue ? "queue" : "agent"] as? String
            else { continue }
            for i in u["intervals"] as? [[String: Any]] ?? [] {
                guard let start = i["start"] as? String, let t = Timestamp.parse(start), t >= from, t < to else { continue }
                func n(_ k: String) -> Int64 { (i[k] as? NSNumber)?.int64Value ?? 0 }
                rows.append([
                    "org": u["org"] as? String ?? "", "timeZone": u["timeZone"] as? String ?? "", idKey: agent,
                    nameKey: names[agent] ?? "", "intervalStart": start, "intervalEnd": i["end"] as? String ?? "",
                    "tHandleMs": n("handleMs"), "handleCount": n("handleCount"),
                    "ahtMs": (i["ahtMs"] as? NSNumber).map { $0.int64Value as Any } ?? NSNull(),
                    "tTalkMs": n("talkMs"), "tHeldMs": n("heldMs"), "tAcwMs": n("acwMs"), "nConnected": n("connected"),
                    "open": String(describing: i["open"] ?? "") == "1" || String(describing: i["open"] ?? "") == "true",
                ])
            }
        }
        return sorted(rows, byQueue: byQueue)
    }

    /// The same rows from an earlier day's stored documents (``ExportDay``), names joined from the live
    /// snapshot. A document this build cannot read is logged and left out.
    static func rows(stored: ExportDay.Stored, from: EpochMillis, to: EpochMillis, byQueue: Bool,
                     logger: Logger) -> [[String: Any]] {
        let (idKey, nameKey) = byQueue ? ("queueId", "queueName") : ("agentId", "agentName")
        let names = byQueue ? stored.facts.queueNames : stored.facts.agentNames
        var rows: [[String: Any]] = []
        for document in stored.documents {
            let u: AgentUtilization
            do { u = try document.utilization() } catch {
                logger.warning("a stored utilization document is left out of the export", metadata: ["error": "\(error)"])
                continue
            }
            guard (u.subject == .queue) == byQueue else { continue }
            let id = u.agent.description
            for i in u.intervals where i.start >= from && i.start < to {
                rows.append([
                    "org": u.agent.org.rawValue, "timeZone": stored.zone.identifier, idKey: id, nameKey: names[id] ?? "",
                    "intervalStart": Timestamp.format(i.start, in: stored.zone),
                    "intervalEnd": Timestamp.format(i.start + 30 * 60_000, in: stored.zone),
                    "tHandleMs": i.handleMs, "handleCount": Int64(i.handleCount),
                    "ahtMs": i.averageHandleMs.map { $0 as Any } ?? NSNull(),
                    "tTalkMs": i.talkMs, "tHeldMs": i.heldMs, "tAcwMs": i.acwMs, "nConnected": Int64(i.connected),
                    "open": i.open,
                ])
            }
        }
        return sorted(rows, byQueue: byQueue)
    }

    /// Sorted by org, name, id, start.
    private static func sorted(_ rows: [[String: Any]], byQueue: Bool) -> [[String: Any]] {
        let (idKey, nameKey) = byQueue ? ("queueId", "queueName") : ("agentId", "agentName")
        func key(_ r: [String: Any]) -> String {
            "\(r["org"] ?? "")\u{1}\(r[nameKey] ?? "")\u{1}\(r[idKey] ?? "")\u{1}\(r["intervalStart"] ?? "")"
        }
        return rows.sorted { key($0) < key($1) }
    }

    /// RFC 4180 CSV: UTF-8 with a byte-order mark (spreadsheets then read names correctly), CRLF,
    /// fields quoted when they hold a comma, quote or line break; formula-looking names defused.
    static func csv(_ rows: [[String: Any]], columns: [String] = columns) -> [UInt8] {
        var out = "\u{FEFF}" + columns.joined(separator: ",") + "\r\n"
        for r in rows {
            out += columns.map { field(r[$0]) }.joined(separator: ",") + "\r\n"
        }
        return Array(out.utf8)
    }

    static func field(_ v: Any?) -> String {
        var s: String
        switch v {
        case nil, is NSNull: return ""
        case let n as Int64: return String(n)
        case let d as Double: return String(format: "%.2f", d)
        case let b as Bool: return b ? "true" : "false"
        case let t as String: s = t
        default: s = "\(v!)"
        }
        if let first = s.first, "=+-@".contains(first), Double(s) == nil { s = "'" + s }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            s = "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
