import Foundation
import SwitchboardCore

extension GenesysRESTClient {
    private struct PageCount: Decodable {
        struct Any_: Decodable {}
        var conversations: [Any_]?
    }

    /// `POST /api/v2/analytics/conversations/details/query` for one agent over [from, to): every page,
    /// in order. Paging starts at 1 and stops on a short or empty page. When the platform's pagination
    /// cap answers `400 "Pagination may not exceed 100000 results."`, the pages of that range are
    /// dropped and each half of the range is queried instead (down to one second), so nothing is
    /// fetched twice. `mediaTypes` (nil: every media type) keeps the segments of those media types, as
    /// the utilization feed counts them.
    public func conversationDetailsPages(userID: String, from: EpochMillis, to: EpochMillis,
                                         pageSize: Int = 100, mediaTypes: [String]? = nil) async throws -> [[UInt8]] {
        var media = ""
        if let mediaTypes, !mediaTypes.isEmpty {
            media = #","clauses":[{"type":"or","predicates":["#
                + mediaTypes.map { #"{"dimension":"mediaType","value":"\#($0)"}"# }.joined(separator: ",") + "]}]"
        }
        var out: [[UInt8]] = []
        var ranges: [(EpochMillis, EpochMillis)] = [(from, to)]  // a stack; the earliest range on top
        while let (a, b) = ranges.popLast() {
            var pages: [[UInt8]] = []
            var number = 1
            var split = false
            while true {
                let body = #"{"interval":"\#(Timestamp.format(a))/\#(Timestamp.format(b))","order":"asc","#
                    + #""orderBy":"conversationStart","segmentFilters":[{"type":"and","predicates":"#
                    + #"[{"dimension":"userId","value":"\#(userID)"}]\#(media)}],"#
                    + #""paging":{"pageSize":\#(pageSize),"pageNumber":\#(number)}}"#
                let page: [UInt8]
                do {
                    page = try await send(.POST, "/api/v2/analytics/conversations/details/query", json: Array(body.utf8)).body
                } catch let e as GenesysAPIError where e.status == 400 && e.message.contains("Pagination may not exceed") {
                    guard b - a >= 2000 else { throw e }
                    let mid = a + (b - a) / 2
                    ranges.append((mid, b))
                    ranges.append((a, mid))
                    split = true
                    break
                }
                let count = (try? JSONDecoder().decode(PageCount.self, from: Data(page)))?.conversations?.count ?? 0
                if count > 0 { pages.append(page) }
                if count < pageSize { break }
                number += 1
            }
            if !split { out += pages }
        }
        return out
    }
}
