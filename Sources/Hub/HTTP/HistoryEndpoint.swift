import Foundation
import Hummingbird
import NIOCore
import Store
import SwitchboardCore

/// `GET /v1/history?topic=&metric=occupancy&from=&to=&step=15m|30m|1h|1d&utcOffset=&compare=day,week&format=json|csv`
/// (docs/store.md, "History API"): stored 15-minute occupancy buckets of one series, summed per step.
///
/// `topic` names the series like the stream's topics and ids: `global`, `org:us`, `queue:us/<id>`,
/// `agent:us/<id>`; the token must cover `global` for `global` and `org:<id>` (or `global`) for the rest,
/// exactly as for the stream. `from`/`to` are ISO-8601 (default: the last 24 hours); `1d` steps start at
/// midnight of `utcOffset` (`+02:00`, default `Z`). `compare=day,week` adds the same span one day and one
/// week earlier (`yesterday`, `lastWeek`), for "same time yesterday / same weekday last week".
enum HistoryEndpoint {
    static let csvColumns = ["series", "start", "end", "handlingMs", "productiveMs", "occupancy"]
    static let maxPoints = 20_000

    struct Query: Equatable {
        var series: SeriesKey
        var topic: HubTopic
        var from: EpochMillis
        var to: EpochMillis
        var step: HistoryStep
        var stepMs: Int64
        var stepText: String
        var compare: [(String, Int64)]
        var csv: Bool

        static func == (a: Query, b: Query) -> Bool {
            a.series == b.series && a.from == b.from && a.to == b.to && a.step == b.step && a.csv == b.csv
                && a.compare.map(\.0) == b.compare.map(\.0)
        }
    }

    struct BadRequest: Error, Equatable {
        let message: String
    }

    static func register(on router: Router<HubRequestContext>, hub: StreamHub,
                         store: @escaping @Sendable () -> (any HistoryStore)?) {
        router.get("/v1/history") { request, context in
            guard let principal = context.principal else { return HTTPRefusal.unauthenticated(.missing).response }
            let query: Query
            var params: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { params[String(k)] = String(v) }
            switch parse(params, now: hub.clock.now()) {
            case .failure(let bad): return BridgeRoutes.error(.badRequest, "bad-request", bad.message)
            case .success(let q): query = q
            }
            guard principal.canRead(topic: query.topic) else {
                let refusal = HTTPRefusal.insufficientScope(scope: query.topic.description,
                                                            message: "the token does not cover \(query.topic)")
                refusal.record(path: request.uri.path, remote: BridgeRoutes.remote(context), metrics: hub.metrics,
                               logger: context.logger)
                return refusal.response
            }
            guard let store = store() else {
                return BridgeRoutes.error(.notFound, "no-store",
                                          "history is not kept: the configuration says 'store: none'; set store.path to keep it (docs/store.md)")
            }
            do {
                let points = try await store.series(query.series, from: query.from, to: query.to, step: query.step)
                var extra: [(String, [SeriesPoint])] = []
                for (name, shift) in query.compare {
                    let p = try await store.series(query.series, from: query.from - shift, to: query.to - shift, step: query.step)
                    extra.append((name, p.map { SeriesPoint(start: $0.start + shift, sample: $0.sample) }))
                }
                if query.csv {
                    return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                           .contentDisposition: "attachment; filename=\"history.csv\""],
                                    body: .init(byteBuffer: ByteBuffer(bytes: csv(query, points))))
                }
                return Response(status: .ok, headers: BridgeRoutes.json,
                                body: .init(byteBuffer: ByteBuffer(bytes: json(query, points, extra: extra))))
            } catch {
                context.logger.error("history query failed", metadata: ["error": "\(error)"])
                let message = (error as? any CodedError)?.message ?? "the store could not answer; see the server log"
                return BridgeRoutes.error(.serviceUnavailable, "store-unavailable", message)
            }
        }
    }

    static func parse(_ q: [String: String], now: EpochMillis) -> Result<Query, BadRequest> {
        func bad(_ m: String) -> Result<Query, BadRequest> { .failure(BadRequest(message: m)) }
        guard let topicText = q["topic"], !topicText.isEmpty else {
            return bad("topic is required: global, org:<id>, queue:<org>/<id> or agent:<org>/<id>")
        }
        let series: SeriesKey, topic: HubTopic
        if topicText == "global" {
            (series, topic) = (.global, .global)
        } else if topicText.hasPrefix("org:"), !topicText.dropFirst(4).isEmpty, !topicText.contains("/") {
            let org = OrgID(String(topicText.dropFirst(4)))
            (series, topic) = (.org(org), .org(org))
        } else if let (kind, id) = entity(topicText) {
            series = kind == "queue" ? .queue(id) : .agent(id)
            topic = .org(id.org)
        } else {
            return bad("topic '\(topicText)' is not a series; use global, org:<id>, queue:<org>/<id> or agent:<org>/<id>")
        }
        let metric = q["metric"] ?? "occupancy"
        guard metric == "occupancy" else { return bad("metric '\(metric)' is not kept; use metric=occupancy") }
        let stepText = q["step"] ?? "15m"
        var offsetMs: Int64 = 0
        if let o = q["utcOffset"] {
            guard let v = utcOffset(o) else { return bad("utcOffset '\(o)' is not an offset; write e.g. +02:00, -04:00 or Z") }
            offsetMs = v
        }
        let step: HistoryStep, stepMs: Int64
        switch stepText {
        case "15m": (step, stepMs) = (.buckets(1), Bucket.widthMs)
        case "30m": (step, stepMs) = (.buckets(2), 2 * Bucket.widthMs)
        case "1h": (step, stepMs) = (.buckets(4), 4 * Bucket.widthMs)
        case "1d": (step, stepMs) = (.day(utcOffsetMs: offsetMs), 86_400_000)
        default: return bad("step '\(stepText)' is not supported; use 15m, 30m, 1h or 1d")
        }
        var to = now, from = now - 86_400_000
        if let s = q["to"] {
            guard let t = Timestamp.parse(s) else { return bad("to must be ISO-8601 with an offset, e.g. 2026-05-07T18:00:00-04:00") }
            to = t
        }
        if let s = q["from"] {
            guard let t = Timestamp.parse(s) else { return bad("from must be ISO-8601 with an offset, e.g. 2026-05-07T08:00:00-04:00") }
            from = t
        } else if q["to"] != nil {
            from = to - 86_400_000
        }
        guard from < to else { return bad("from must be before to") }
        guard (to - from) / stepMs <= Int64(maxPoints) else {
            return bad("from … to holds more than \(maxPoints) steps of \(stepText); use a larger step or a shorter span")
        }
        var compare: [(String, Int64)] = []
        if let c = q["compare"], !c.isEmpty {
            for part in c.split(separator: ",") {
                switch part {
                case "day": compare.append(("yesterday", 86_400_000))
                case "week": compare.append(("lastWeek", 7 * 86_400_000))
                default: return bad("compare '\(part)' is not known; use compare=day, compare=week or compare=day,week")
                }
            }
        }
        let format = q["format"] ?? "json"
        guard format == "json" || format == "csv" else { return bad("format must be json or csv") }
        return .success(Query(series: series, topic: topic, from: from, to: to, step: step, stepMs: stepMs,
                              stepText: stepText, compare: compare, csv: format == "csv"))
    }

    /// `queue:us/<id>` or `agent:us/<id>`.
    private static func entity(_ s: String) -> (String, EntityID)? {
        for kind in ["queue", "agent"] where s.hasPrefix(kind + ":") {
            let rest = s.dropFirst(kind.count + 1)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let org = rest[..<slash], id = rest[rest.index(after: slash)...]
            guard !org.isEmpty, !id.isEmpty, !id.contains("/") else { return nil }
            return (kind, EntityID(org: OrgID(String(org)), platformID: String(id)))
        }
        return nil
    }

    /// `Z`, `+02:00`, `-0430`.
    static func utcOffset(_ s: String) -> Int64? {
        if s == "Z" || s == "z" { return 0 }
        let chars = Array(s)
        guard chars.count == 6 || chars.count == 5, chars[0] == "+" || chars[0] == "-" else { return nil }
        let digits = chars.dropFirst().filter { $0 != ":" }
        guard digits.count == 4, chars.count == 5 || chars[3] == ":", let v = Int64(String(digits)) else { return nil }
        let h = v / 100, m = v % 100
        guard h <= 14, m < 60 else { return nil }
        return (chars[0] == "-" ? -1 : 1) * (h * 3_600_000 + m * 60_000)
    }

    static func json(_ q: Query, _ points: [SeriesPoint], extra: [(String, [SeriesPoint])]) -> [UInt8] {
        var o: [UInt8] = []
        o.reserveCapacity(64 + points.count * 80)
        o.append(contentsOf: #"{"topic":"#.utf8)
        JSONText.appendString(q.series.description, to: &o)
        o.append(contentsOf: #","metric":"occupancy","step":"#.utf8)
        JSONText.appendString(q.stepText, to: &o)
        o.append(contentsOf: #","from":"#.utf8)
        JSONText.appendString(Timestamp.format(q.from), to: &o)
        o.append(contentsOf: #","to":"#.utf8)
        JSONText.appendString(Timestamp.format(q.to), to: &o)
        o.append(contentsOf: #","points":"#.utf8)
        append(points, to: &o)
        for (name, p) in extra {
            o.append(contentsOf: ",\"\(name)\":".utf8)
            append(p, to: &o)
        }
        o.append(UInt8(ascii: "}"))
        return o
    }

    private static func append(_ points: [SeriesPoint], to o: inout [UInt8]) {
        o.append(UInt8(ascii: "["))
        for (i, p) in points.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            o.append(contentsOf: #"{"start":"#.utf8)
            JSONText.appendString(Timestamp.format(p.start), to: &o)
            o.append(contentsOf: ",\"handlingMs\":\(p.sample.handlingMs),\"productiveMs\":\(p.sample.productiveMs),\"occupancy\":".utf8)
            o.append(contentsOf: (p.sample.occupancy.map { String(format: "%.4f", $0) } ?? "null").utf8)
            o.append(UInt8(ascii: "}"))
        }
        o.append(UInt8(ascii: "]"))
    }

    static func csv(_ q: Query, _ points: [SeriesPoint]) -> [UInt8] {
        var s = csvColumns.joined(separator: ",") + "\r\n"
        for p in points {
            let end = p.start + q.stepMs
            s += "\(q.series),\(Timestamp.format(p.start)),\(Timestamp.format(end)),\(p.sample.handlingMs),"
                + "\(p.sample.productiveMs),\(p.sample.occupancy.map { String(format: "%.4f", $0) } ?? "")\r\n"
        }
        return Array(s.utf8)
    }
}
