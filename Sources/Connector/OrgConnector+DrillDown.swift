import GenesysAPI
import Normalizer
import SwitchboardCore

extension OrgConnector {
    /// The drill-down into one agent's interval (docs/utilization.md): the details query with paging
    /// through this connector's REST client, so it shares the org's token, retry policy and rate-limit
    /// governor with the pollers. Paging stops on a short page; the 100,000-result cap splits the range.
    public func conversationDetails(userID: String, from: EpochMillis, to: EpochMillis)
        async throws(DrillDownError) -> [UtilizationDetail]
    {
        guard let rest = state.box.value.rest else {
            throw DrillDownError(code: "drilldown.org-not-connected",
                                 message: "org \(org.id) has no running connector; wait until /readyz shows it, then retry")
        }
        let pages: [[UInt8]]
        do {
            pages = try await rest.conversationDetailsPages(userID: userID, from: from, to: to,
                                                           mediaTypes: org.tunables.utilizationMediaTypes)
        } catch let e as GenesysAPIError {
            throw DrillDownError(code: "drilldown.upstream",
                                 message: "the details query for org \(org.id) failed (\(e.code)): \(e.message)")
        } catch {
            throw DrillDownError(code: "drilldown.upstream",
                                 message: "the details query for org \(org.id) failed: \(error); retry later")
        }
        switch RESTNormalizer.conversationDetails(pages, userID: userID) {
        case .success(let details): return details.sorted { ($0.end ?? $0.start, $0.conversationID) < ($1.end ?? $1.start, $1.conversationID) }
        case .failure(let e):
            throw DrillDownError(code: "drilldown.upstream", message: "org \(org.id) answered an unreadable details page: \(e.message)")
        }
    }
}

extension Supervisor: UtilizationDrillDown {
    /// Routes a drill-down to the org's running connector.
    public func conversationDetails(org: OrgID, userID: String, from: EpochMillis, to: EpochMillis)
        async throws(DrillDownError) -> [UtilizationDetail]
    {
        guard let connector = connector(for: org) else {
            throw DrillDownError(code: "drilldown.org-not-connected",
                                 message: "org \(org) has no running connector (not configured, or being restarted); check /readyz and retry")
        }
        return try await connector.conversationDetails(userID: userID, from: from, to: to)
    }
}
