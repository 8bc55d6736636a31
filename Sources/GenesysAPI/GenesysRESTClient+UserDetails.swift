import Foundation
import SwitchboardCore

extension GenesysRESTClient {
    private struct UserDetailsPage: Decodable {
        struct Skip: Decodable {}
        var userDetails: [Skip]?
        var totalHits: Int?
    }

    /// `POST /api/v2/analytics/users/details/query` for `users` (platform ids) over [from, to): each
    /// user's presence and routing-status records overlapping the interval (a record that began
    /// earlier keeps its start; one still running has no `endTime`). Every page, in order; paging
    /// starts at 1 and stops on a short or empty page or once `totalHits` users were read. Callers
    /// pass at most `pageSize` users, so one request is the rule.
    public func usersDetailsPages(users: [String], from: EpochMillis, to: EpochMillis,
                                  pageSize: Int = 100) async throws -> [[UInt8]] {
        let predicates = users.map { #"{"dimension":"userId","value":"\#($0)"}"# }.joined(separator: ",")
        let interval = "\(Timestamp.format(from))/\(Timestamp.format(max(to, from + 1000)))"
        var pages: [[UInt8]] = []
        var number = 1
        var read = 0
        while number <= 1000 {
            let body = #"{"interval":"\#(interval)","order":"asc","#
                + #""userFilters":[{"type":"or","predicates":[\#(predicates)]}],"#
                + #""paging":{"pageSize":\#(pageSize),"pageNumber":\#(number)}}"#
            let page = try await send(.POST, "/api/v2/analytics/users/details/query", json: Array(body.utf8)).body
            let counts = try? JSONDecoder().decode(UserDetailsPage.self, from: Data(page))
            let count = counts?.userDetails?.count ?? 0
            if count > 0 { pages.append(page) }
            read += count
            if count < pageSize || read >= (counts?.totalHits ?? .max) { break }
            number += 1
        }
        return pages
    }
}
