import Foundation
import SwitchboardCore

extension GenesysRESTClient {
    /// The name of the derived metric (an aggregates `views` entry) that counts passing evaluations.
    public static let passingScoreView = "oTotalScorePassing"

    /// The evaluations aggregates query body. With `passScore`, a `rangeBound` view on `oTotalScore`
    /// (`gte` the pass score) counts each group's passing evaluations in the same call
    /// (`EvaluationAggregationView`: targets `oTotalScore`, function `rangeBound`, range `gte`/`lt`).
    static func evaluationsQuery(groupBy: String, from: EpochMillis, to: EpochMillis, timeZone: TimeZone,
                                 passScore: Double?) -> String {
        let interval = "\(Timestamp.format(from))/\(Timestamp.format(max(to, from + 1000)))"
        var body = #"{"interval":"\#(interval)","timeZone":"\#(timeZone.identifier)","groupBy":["\#(groupBy)","formId"],"#
            + #""metrics":["nEvaluations","oTotalScore","oTotalCriticalScore"]"#
        if let passScore {
            let gte = passScore == passScore.rounded() ? String(Int(passScore)) : String(passScore)
            body += #","views":[{"target":"oTotalScore","name":"\#(passingScoreView)","function":"rangeBound","#
                + #""range":{"gte":\#(gte)}}]"#
        }
        return body + "}"
    }

    /// `POST /api/v2/analytics/evaluations/aggregates/query`: today's `nEvaluations`, `oTotalScore` and
    /// `oTotalCriticalScore` for the whole org, grouped by `userId` and `formId`, in one call; with
    /// `passScore`, also the count of evaluations scoring at least that (``passingScoreView``).
    public func evaluationsAggregates(from: EpochMillis, to: EpochMillis, timeZone: TimeZone,
                                      passScore: Double? = nil) async throws -> [UInt8] {
        let body = Self.evaluationsQuery(groupBy: "userId", from: from, to: to, timeZone: timeZone, passScore: passScore)
        return try await send(.POST, "/api/v2/analytics/evaluations/aggregates/query", json: Array(body.utf8)).body
    }

    /// The seed documents' `GET /api/v2/quality/metrics?groupBy=agent&metrics=averageScore,count,passRate`
    /// (only for `protocol: seed` orgs; the real platform has no such endpoint).
    public func seedQualityMetrics(from: EpochMillis, to: EpochMillis) async throws -> [UInt8] {
        let path = "/api/v2/quality/metrics?startTime=\(Timestamp.format(from))&endTime=\(Timestamp.format(to))"
            + "&groupBy=agent&metrics=averageScore,count,passRate"
        return try await send(.GET, path).body
    }
}

extension GenesysRESTClient {
    /// `POST /api/v2/analytics/evaluations/aggregates/query` grouped by `queueId` and `formId`: today's
    /// evaluations of each queue's calls, per form, in one call for the whole org.
    public func evaluationsAggregatesByQueue(from: EpochMillis, to: EpochMillis, timeZone: TimeZone,
                                             passScore: Double? = nil) async throws -> [UInt8] {
        let body = Self.evaluationsQuery(groupBy: "queueId", from: from, to: to, timeZone: timeZone, passScore: passScore)
        return try await send(.POST, "/api/v2/analytics/evaluations/aggregates/query", json: Array(body.utf8)).body
    }

    /// The seed shape grouped by queue (`groupBy=queue`), for `protocol: seed` orgs.
    public func seedQualityMetricsByQueue(from: EpochMillis, to: EpochMillis) async throws -> [UInt8] {
        let path = "/api/v2/quality/metrics?startTime=\(Timestamp.format(from))&endTime=\(Timestamp.format(to))"
            + "&groupBy=queue&metrics=averageScore,count,passRate"
        return try await send(.GET, path).body
    }

    /// One page of `GET /api/v2/quality/publishedforms/evaluations` (every published version, so the ids
    /// the aggregates group by are all listed): an `EvaluationFormResponseEntityListing`.
    public func publishedEvaluationForms(pageNumber: Int, pageSize: Int = 100) async throws -> [UInt8] {
        try await send(.GET, "/api/v2/quality/publishedforms/evaluations?pageSize=\(pageSize)&pageNumber=\(pageNumber)"
            + "&onlyLatestPerContext=false").body
    }
}
