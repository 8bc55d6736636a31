import Foundation
import Hummingbird
import SwitchboardCore

/// Quality: the real evaluations aggregates query and the seed documents' invented
/// `GET /api/v2/quality/metrics` (which the bridge uses only for `protocol: seed` orgs).
extension GenesysSimulator {
    func addQualityRoutes(_ router: Router<SimRequestContext>) {
        router.post("/api/v2/analytics/evaluations/aggregates/query") { [self] request, _ in
            let decoded = await Self.decode(AggregateQuery.self, request)
            let refuseViews = options.refuseEvaluationViews
            return await api(request) { [self] caller in
                let q: CheckedAggregateQuery
                switch Self.check(decoded, groupBy: ["userId", "formId", "queueId"], what: "evaluation aggregates") {
                case .success(let checked): q = checked
                case .failure(let e): return .failure(e)
                }
                let known: Set<String> = ["nEvaluations", "oTotalScore", "oTotalCriticalScore"]
                guard let asked = q.query.metrics, !asked.isEmpty else { return .failure(.badRequest("metrics is required.")) }
                if let bad = asked.first(where: { !known.contains($0) && $0 != "nEvaluationsDeleted" && $0 != "nEvaluationsRescored" }) {
                    return .failure(.badRequest("Unknown metric \(bad)."))
                }
                if refuseViews, !(q.query.views ?? []).isEmpty {
                    return .failure(.badRequest("Views are not supported for evaluation aggregates."))
                }
                let views: [SimView]
                switch Self.checkViews(q.query.views, targets: known.union(["nEvaluationsDeleted", "nEvaluationsRescored"])) {
                case .success(let v): views = v
                case .failure(let e): return .failure(e)
                }
                let bytes = current(caller.org) { s in
                    s.model.evaluationsAggregates(from: q.from, to: q.to, byUser: q.groupBy.contains("userId"),
                                                  byForm: q.groupBy.contains("formId"), byQueue: q.groupBy.contains("queueId"),
                                                  userIDs: q.users, queueIDs: q.queues, metrics: Set(asked).intersection(known),
                                                  views: views)
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
                guard groupBy == "agent" || groupBy == "queue" else {
                    return .failure(.badRequest("The simulator answers groupBy=agent or groupBy=queue only."))
                }
                let bytes = current(caller.org) { s in
                    let dayStart = Timestamp.startOfDay(s.model.now, in: s.model.timeZone)
                    return s.model.seedQualityMetrics(from: start ?? dayStart, to: end ?? .max, formID: form, metrics: metrics,
                                                      byQueue: groupBy == "queue")
                }
                return .success((.ok, bytes))
            }
        }
        // The published evaluation forms (QualityApi getQualityPublishedformsEvaluations): an
        // `EvaluationFormResponseEntityListing`; the ids are those the evaluations aggregates group by.
        router.get("/api/v2/quality/publishedforms/evaluations") { [self] request, _ in
            let page = Self.page(request)
            return await api(request) { _ in
                page.map { page in
                    var w = JSONWriter(capacity: 1024)
                    let forms = OrgModel.evaluationForms
                    Self.writePage(&w, page, total: forms.count, path: "/api/v2/quality/publishedforms/evaluations") { w, i in
                        w.object { w in
                            w.field("id", plain: forms[i].id)
                            w.field("name", forms[i].name)
                            w.field("modifiedDate", "2026-01-05T09:00:00.000Z")
                            w.field("published", true)
                            w.field("contextId", plain: forms[i].contextID)
                            w.array("questionGroups") { _ in }
                            w.field("selfUri", "/api/v2/quality/publishedforms/evaluations/\(forms[i].id)")
                        }
                    }
                    return (.ok, w.bytes)
                }
            }
        }
    }
}
