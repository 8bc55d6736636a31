import SwitchboardCore

extension RESTNormalizer {
    private struct EvalResponse: Decodable {
        struct Group: Decodable {
            var userId: String?
            var queueId: String?
            var formId: String?
        }
        /// `StatisticalResponse`: metrics, and the derived metrics asked for under `views`.
        struct Datum: Decodable {
            struct View: Decodable {
                var name: String?
                var stats: GenesysWire.Stats?
            }
            var metrics: [GenesysWire.Metric]?
            var views: [View]?
        }
        struct Result: Decodable {
            var group: Group?
            var data: [Datum]?
        }
        var results: [Result]?
    }

    /// Reads an evaluations aggregates response (groupBy userId, formId): per user platform id, one
    /// ``FormQuality`` per form. Averages are `sum / count` of `oTotalScore` / `oTotalCriticalScore`.
    /// With `by: .queue` (groupBy queueId, formId) the keys are queue platform ids.
    ///
    /// `passView` names the `rangeBound` view on `oTotalScore` that counts passing evaluations: the pass
    /// rate is its count ÷ `oTotalScore.count`, in percent. A group without the view counts no pass (the
    /// platform leaves empty figures out) — but when no group at all carries it, the platform did not
    /// compute it and `passRate` stays nil rather than a false 0 %.
    public static func evaluationsAggregates(_ body: [UInt8], by grouping: AggregateGrouping = .user,
                                             passView: String? = nil)
        -> Result<[String: [FormQuality]], SwitchboardError>
    {
        let response: EvalResponse
        switch decode(EvalResponse.self, body, what: "evaluations aggregates") {
        case .success(let r): response = r
        case .failure(let e): return .failure(e)
        }
        let viewSeen = passView.map { name in
            (response.results ?? []).contains { r in (r.data ?? []).contains { d in (d.views ?? []).contains { $0.name == name } } }
        } ?? false
        var out: [String: [String: FormQuality]] = [:]
        for r in response.results ?? [] {
            guard let user = grouping == .user ? r.group?.userId : r.group?.queueId, !user.isEmpty else { continue }
            let form = r.group?.formId ?? ""
            var f = out[user]?[form] ?? FormQuality(formID: form.isEmpty ? nil : form, count: 0, averageScore: nil)
            var scoreSum = 0.0, scoreCount = 0.0, critSum = 0.0, critCount = 0.0, passed = 0.0
            for d in r.data ?? [] {
                for v in d.views ?? [] where v.name == passView { passed += v.stats?.count ?? 0 }
                for m in d.metrics ?? [] {
                    let s = m.stats
                    switch m.metric {
                    case "nEvaluations": f.count += WireNumber.count(s?.count)
                    case "oTotalScore":
                        scoreSum += s?.sum ?? 0
                        scoreCount += s?.count ?? 0
                    case "oTotalCriticalScore":
                        critSum += s?.sum ?? 0
                        critCount += s?.count ?? 0
                    default: continue
                    }
                }
            }
            if scoreCount > 0 { f.averageScore = scoreSum / scoreCount }
            if critCount > 0 { f.averageCriticalScore = critSum / critCount }
            if viewSeen && scoreCount > 0 { f.passRate = min(100, passed * 100 / scoreCount) }
            out[user, default: [:]][form] = f
        }
        return .success(out.mapValues { $0.values.sorted { ($0.formID ?? "") < ($1.formID ?? "") } })
    }

    private struct SeedRecord: Decodable {
        struct Value: Decodable { var value: Double? }
        struct Metrics: Decodable {
            var averageScore: Value?
            var count: Value?
            var passRate: Value?
        }
        var entityId: String?
        var entityName: String?
        var metrics: Metrics?
    }

    /// Reads the seed shape (a bare array of `{entityId, entityName, metrics:{averageScore, count,
    /// passRate}}`): one all-forms ``FormQuality`` per agent, with the record's name.
    public static func seedQualityMetrics(_ body: [UInt8])
        -> Result<[(user: String, name: String?, quality: FormQuality)], SwitchboardError>
    {
        switch decode([SeedRecord].self, body, what: "seed quality metrics") {
        case .failure(let e): return .failure(e)
        case .success(let records):
            return .success(records.compactMap { r in
                guard let id = r.entityId, !id.isEmpty else { return nil }
                let count = WireNumber.count(r.metrics?.count?.value)
                return (id, r.entityName, FormQuality(formID: nil, count: count, averageScore: r.metrics?.averageScore?.value,
                                                      passRate: r.metrics?.passRate?.value))
            })
        }
    }
}

extension RESTNormalizer {
    private struct FormListing: Decodable {
        struct Form: Decodable {
            var id: String?
            var name: String?
        }
        var entities: [Form]?
        var pageCount: Int?
        var pageNumber: Int?
    }

    /// Reads one page of `GET /api/v2/quality/publishedforms/evaluations` (an
    /// `EvaluationFormResponseEntityListing`): form id → name, and the listing's page count.
    public static func publishedEvaluationForms(_ body: [UInt8])
        -> Result<(names: [String: String], pageCount: Int), SwitchboardError>
    {
        switch decode(FormListing.self, body, what: "published evaluation forms") {
        case .failure(let e): return .failure(e)
        case .success(let listing):
            var names: [String: String] = [:]
            for f in listing.entities ?? [] {
                if let id = f.id, !id.isEmpty, let name = f.name { names[id] = name }
            }
            return .success((names, listing.pageCount ?? 1))
        }
    }
}
