import Foundation
import Hummingbird
import SwitchboardCore

/// Quality: the real evaluations aggregates query and the seed documents' invented
/// `GET /api/v2/quality/metrics` (which the bridge uses only for `protocol: seed` orgs).
extension GenesysSimulator {
    func addQualityRoutes(_ router: Router<SimRequestContext>) {
        router.post("/api/v2/analytics/evaluations/aggregates/query") { [self] request, _ in
            let decoded = await Self.decode(AggregateQuery.self, request)
            return await api(request) { [self] caller in
                let query: AggregateQuery
                switch decoded {
                case .success(let q): query = q
                case .failure(let e): return .failure(e)
                }
                guard let (from, to) = Self.parseInterval(query.interval) else {
                    return .failure(.badRequest("interval must be 'start/end' in ISO-8601, start before end."))
                }
                let groupBy = query.groupBy ?? []
                if let bad = groupBy.first(where: { $0 != "userId" && $0 != "formId" }) {
                    return .failure(.badRequest("The simulator groups evaluation aggregates by userId and formId only, not \(bad)."))
                }
                let known: Set<String> = ["nEvaluations", "oTotalScore", "oTotalCriticalScore"]
                guard let asked = query.metrics, !asked.isEmpty else { return .failure(.badRequest("metrics is required.")) }
                if let bad = asked.first(where: { !known.contains($0) && $0 != "nEvaluationsDeleted" && $0 != "nEvaluationsRescored" }) {
                    return .failure(.badRequest("Unknown metric \(bad)."))
                }
                let users = query.filter.map { Set($0.values("userId")) }.flatMap { $0.isEmpty ? nil : $0 }
                let bytes = current(caller.org) { s in
                    s.model.evaluationsAggregates(from: from, to: to, byUser: groupBy.contains("userId"),
                                                  byForm: groupBy.contains("formId"), userIDs: users,
                                                  metrics: Set(asked).intersection(known))
                }
                return .success((.ok, bytes))
            }
        }
        router.get("/api/v2/quality/metrics") { [self] request, _ in
            let q = request.uri.queryParameters
            let start = q.get("startTime").flatMap(Timestamp.parse)
            let end = q.get("endTime").flatMap(Timestamp.parse)
            let groupBy = q.get("groupBy") ?? "agent"
            let metrics = Set((q.get("metrics") ?? "averageScore,count,passRate").split(separator: ",").map(String.init))
            let form = q.get("evaluationFormId")
            return await api(request) { [self] caller in
                guard groupBy == "agent" else {
                    return .failure(.badRequest("The simulator answers groupBy=agent only."))
                }
                let bytes = current(caller.org) { s in
                    let dayStart = Timestamp.startOfDay(s.model.now, in: s.model.timeZone)
                    return s.model.seedQualityMetrics(from: start ?? dayStart, to: end ?? .max, formID: form, metrics: metrics)
                }
                return .success((.ok, bytes))
            }
        }
    }
}
