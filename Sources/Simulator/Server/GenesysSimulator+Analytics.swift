import Foundation
import Hummingbird
import SwitchboardCore

/// Analytics queries and the `/_sim` control endpoints.
extension GenesysSimulator {
    struct QueryFilter: Decodable, Sendable {
        struct Predicate: Decodable, Sendable {
            let dimension: String?
            let value: String?
        }
        let type: String?
        let predicates: [Predicate]?
        let clauses: [QueryFilter]?

        /// Every value given for `dimension`, at any depth.
        func values(_ dimension: String) -> [String] {
            (predicates ?? []).compactMap { $0.dimension == dimension ? $0.value : nil }
                + (clauses ?? []).flatMap { $0.values(dimension) }
        }
    }

    struct AggregateQuery: Decodable, Sendable {
        let interval: String
        let granularity: String?
        let groupBy: [String]?
        let metrics: [String]?
        let filter: QueryFilter?
        /// Derived metrics (`AggregationView`: `{target, name, function:"rangeBound", range:{gte, lt}}`).
        let views: [AggregateView]?
    }

    struct AggregateView: Decodable, Sendable {
        struct Range: Decodable, Sendable {
            let gte: Double?
            let lt: Double?
        }
        let target: String?
        let name: String?
        let function: String?
        let range: Range?
    }

    /// The platform's rules for `views` (at most 10, function `rangeBound` with at least one bound, a
    /// target among `targets`, a unique name that is no built-in metric's), or its 400.
    static func checkViews(_ views: [AggregateView]?, targets: Set<String>) -> Result<[SimView], APIError> {
        guard let views, !views.isEmpty else { return .success([]) }
        guard views.count <= 10 else { return .failure(.badRequest("At most 10 views may be given.")) }
        var out: [SimView] = []
        for v in views {
            guard let name = v.name, !name.isEmpty, let target = v.target, let function = v.function else {
                return .failure(.badRequest("A view needs target, name and function."))
            }
            guard function == "rangeBound" else { return .failure(.badRequest("Unknown view function \(function).")) }
            guard targets.contains(target) else { return .failure(.badRequest("Invalid view target \(target).")) }
            guard !targets.contains(name), !out.contains(where: { $0.name == name }) else {
                return .failure(.badRequest("View name \(name) must be unique and not a metric name."))
            }
            guard let range = v.range, range.gte != nil || range.lt != nil else {
                return .failure(.badRequest("A rangeBound view needs range.gte or range.lt."))
            }
            out.append(SimView(name: name, target: target, gte: range.gte, lt: range.lt))
        }
        return .success(out)
    }

    /// An aggregates query whose interval, granularity and groupBy passed the checks every aggregates
    /// endpoint shares.
    struct CheckedAggregateQuery: Sendable {
        let query: AggregateQuery
        let from: EpochMillis
        let to: EpochMillis
        /// Bucket length from `granularity`; nil for one bucket over the whole interval.
        let step: Int64?
        let groupBy: [String]
        /// Users named in the filter; nil for all.
        let users: Set<String>?
        /// Queues named in the filter; nil for all.
        var queues: Set<String>? = nil
    }

    /// Decoding result → checked query, or the platform's 400 for what is wrong.
    static func check(_ decoded: Result<AggregateQuery, APIError>, groupBy allowed: Set<String>,
                      what: String) -> Result<CheckedAggregateQuery, APIError> {
        let query: AggregateQuery
        switch decoded {
        case .success(let q): query = q
        case .failure(let e): return .failure(e)
        }
        guard let (from, to) = parseInterval(query.interval) else {
            return .failure(.badRequest("interval must be 'start/end' in ISO-8601, start before end."))
        }
        var step: Int64?
        if let g = query.granularity {
            guard let ms = parseDuration(g) else { return .failure(.badRequest("Invalid granularity \(g).")) }
            step = ms
        }
        let groupBy = query.groupBy ?? []
        if let bad = groupBy.first(where: { !allowed.contains($0) }) {
            return .failure(.badRequest("The simulator groups \(what) by \(allowed.sorted().joined(separator: ", ")) only, not \(bad)."))
        }
        let users = query.filter.map { Set($0.values("userId")) }.flatMap { $0.isEmpty ? nil : $0 }
        let queues = query.filter.map { Set($0.values("queueId")) }.flatMap { $0.isEmpty ? nil : $0 }
        return .success(CheckedAggregateQuery(query: query, from: from, to: to, step: step, groupBy: groupBy, users: users,
                                              queues: queues))
    }

    struct ObservationQuery: Decodable, Sendable {
        let filter: QueryFilter?
        let metrics: [String]?
        let detailMetrics: [String]?
    }

    /// Parses an ISO-8601 duration (`PT30M`, `PT1H`, `P1D`, `PT15S`) to milliseconds.
    static func parseDuration(_ s: String) -> Int64? {
        var total: Int64 = 0
        var number = ""
        var inTime = false
        var any = false
        for ch in s.uppercased() {
            switch ch {
            case "P": continue
            case "T": inTime = true
            case "0"..."9": number.append(ch)
            default:
                guard let n = Int64(number) else { return nil }
                number = ""
                any = true
                switch (ch, inTime) {
                case ("W", false): total += n * 7 * 86_400_000
                case ("D", false): total += n * 86_400_000
                case ("H", true): total += n * 3_600_000
                case ("M", true): total += n * 60_000
                case ("S", true): total += n * 1000
                default: return nil
                }
            }
        }
        return any && number.isEmpty && total > 0 ? total : nil
    }

    static func parseInterval(_ s: String) -> (EpochMillis, EpochMillis)? {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let a = Timestamp.parse(String(parts[0])), let b = Timestamp.parse(String(parts[1])),
            b > a
        else { return nil }
        return (a, b)
    }

    func addAnalyticsRoutes(_ router: Router<SimRequestContext>) {
        router.post("/api/v2/analytics/users/aggregates/query") { [self] request, _ in
            let decoded = await Self.decode(AggregateQuery.self, request)
            return await api(request) { [self] caller in
                let q: CheckedAggregateQuery
                switch Self.check(decoded, groupBy: ["userId"], what: "users aggregates") {
                case .success(let checked): q = checked
                case .failure(let e): return .failure(e)
                }
                let known: Set<String> = ["tAgentRoutingStatus", "tSystemPresence", "tOrganizationPresence"]
                let metrics = Set(q.query.metrics ?? Array(known))
                if let bad = metrics.first(where: { !known.contains($0) }) {
                    return .failure(.badRequest("Unknown metric \(bad)."))
                }
                let bytes = current(caller.org) { s in
                    s.model.usersAggregates(from: q.from, to: q.to, granularity: q.step, userIDs: q.users, metrics: metrics)
                }
                return .success((.ok, bytes))
            }
        }
        router.post("/api/v2/analytics/conversations/aggregates/query") { [self] request, _ in
            let decoded = await Self.decode(AggregateQuery.self, request)
            return await api(request) { [self] caller in
                let q: CheckedAggregateQuery
                switch Self.check(decoded, groupBy: ["userId", "queueId", "mediaType"], what: "conversation aggregates") {
                case .success(let checked): q = checked
                case .failure(let e): return .failure(e)
                }
                let known: Set<String> = Set(["tHandle", "tTalk", "tHeld", "tAcw", "nConnected"])
                    .union(OrgModel.serviceMetricNames)
                guard let asked = q.query.metrics, !asked.isEmpty else { return .failure(.badRequest("metrics is required.")) }
                if q.groupBy.contains("userId") && q.groupBy.contains("queueId") {
                    return .failure(.badRequest("The simulator groups conversation aggregates by userId or by queueId, not both."))
                }
                // Every simulated conversation is voice: a mediaType filter without voice matches nothing.
                let media = q.query.filter.map { $0.values("mediaType") } ?? []
                if !media.isEmpty && !media.contains("voice") { return .success((.ok, Array(#"{"results":[]}"#.utf8))) }
                let bytes = current(caller.org) { s in
                    s.model.conversationsAggregates(from: q.from, to: q.to, granularity: q.step,
                                                    groupByUser: q.groupBy.contains("userId"),
                                                    groupByQueue: q.groupBy.contains("queueId"), userIDs: q.users,
                                                    queueIDs: q.queues, metrics: Set(asked).intersection(known))
                }
                return .success((.ok, bytes))
            }
        }
        router.post("/api/v2/analytics/queues/observations/query") { [self] request, _ in
            let decoded = await Self.decode(ObservationQuery.self, request)
            return await api(request) { [self] caller in
                let query: ObservationQuery
                switch decoded {
                case .success(let q): query = q
                case .failure(let e): return .failure(e)
                }
                guard let metrics = query.metrics, !metrics.isEmpty else {
                    return .failure(.badRequest("metrics is required."))
                }
                let queueIDs = query.filter.map { $0.values("queueId") }.flatMap { $0.isEmpty ? nil : $0 }
                let bytes = current(caller.org) { s in
                    s.model.observationsQuery(queueIDs: queueIDs, metrics: Set(metrics),
                                              detailMetrics: Set(query.detailMetrics ?? []))
                }
                return .success((.ok, bytes))
            }
        }
    }

    // MARK: - /_sim

    struct FaultRequest: Decodable, Sendable {
        let org: String
        let kind: String
        let count: Int?
        let status: Int?
        let permission: String?
    }

    func addControlRoutes(_ router: Router<SimRequestContext>) {
        // Requests answered so far by "METHOD /path" (ids as {id}), all orgs together.
        router.get("/_sim/requests") { [self] _, _ -> Response in
            let data = (try? JSONSerialization.data(withJSONObject: requests.snapshot, options: [.sortedKeys])) ?? Data()
            return SimHTTP.json(.ok, Array(data))
        }
        router.get("/_sim/truth") { [self] request, _ -> Response in
            let org = request.uri.queryParameters.get("org") ?? orgIDs[0]
            guard let truth = await truth(org: org) else {
                return SimHTTP.error(.notFound("No simulated org '\(org)'; orgs are \(orgIDs.joined(separator: ", ")))."),
                                     contextID: "sim")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(truth)) ?? Data()
            return SimHTTP.json(.ok, Array(data))
        }
        router.get("/_sim/truth/service") { [self] request, _ -> Response in
            let org = request.uri.queryParameters.get("org") ?? orgIDs[0]
            let atText = request.uri.queryParameters.get("at")
            let at = atText.flatMap { Int64($0) ?? Timestamp.parse($0) }
            if atText != nil && at == nil {
                return SimHTTP.error(.badRequest("at must be epoch milliseconds or ISO-8601."), contextID: "sim")
            }
            guard let truth = await serviceTruth(org: org, at: at) else {
                return SimHTTP.error(.notFound("No simulated org '\(org)'; orgs are \(orgIDs.joined(separator: ", "))."),
                                     contextID: "sim")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(truth)) ?? Data()
            return SimHTTP.json(.ok, Array(data))
        }
        router.get("/_sim/faults") { [self] _, _ -> Response in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(["faults": await faultLog()])) ?? Data()
            return SimHTTP.json(.ok, Array(data))
        }
        router.post("/_sim/faults") { [self] request, _ -> Response in
            let decoded = await Self.decode(FaultRequest.self, request)
            guard case .success(let req) = decoded else {
                return SimHTTP.error(.badRequest("Expected {\"org\":…,\"kind\":…,\"count\"?:…,\"status\"?:…}."), contextID: "sim")
            }
            guard req.org == "all" || orgByID[req.org] != nil else {
                return SimHTTP.error(.notFound("No simulated org '\(req.org)'."), contextID: "sim")
            }
            guard let fault = SimFault(kind: req.kind, count: req.count, status: req.status, permission: req.permission) else {
                return SimHTTP.error(.badRequest("Unknown fault kind '\(req.kind)'; kinds are \((SimFault.kinds + SimFault.apiOnlyKinds).joined(separator: ", ")) (deny and allow need a \"permission\")."),
                                     contextID: "sim")
            }
            let records = await inject(fault, org: req.org)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(["injected": records])) ?? Data()
            return SimHTTP.json(.ok, Array(data))
        }
        router.get("/_sim/orgs") { [self] _, _ -> Response in
            var w = JSONWriter()
            w.object { w in
                w.array("orgs") { w in
                    for rt in orgs {
                        rt.with { s in
                            w.object { w in
                                w.field("id", rt.id)
                                w.field("organizationId", s.model.organizationID)
                                w.field("clientId", SimulatorOptions.clientID(for: rt.id))
                                w.field("clientSecret", SimulatorOptions.clientSecret(for: rt.id))
                                w.field("timeZone", rt.timeZone.identifier)
                                w.field("agents", s.model.agents.count)
                                w.field("openSockets", s.openSockets)
                                w.field("maxOpenSockets", s.maxOpenSockets)
                                w.field("queues", s.model.queues.count)
                                w.field("apiBase", baseURL)
                                w.field("loginBase", baseURL)
                            }
                        }
                    }
                }
            }
            return SimHTTP.json(.ok, w.bytes)
        }
    }
}
