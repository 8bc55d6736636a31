import Foundation
import Hummingbird
import SwitchboardCore

/// `POST /api/v2/analytics/users/details/query` (py-model `UserDetailsQuery` →
/// `AnalyticsUserDetailsQueryResponse`): exact presence and routing-status intervals per user.
extension GenesysSimulator {
    /// A `UserDetailQueryFilter`: `{type:"and"|"or", predicates:[{dimension:"userId", operator?, value}], clauses}`.
    struct UserDetailFilter: Decodable, Sendable {
        struct Predicate: Decodable, Sendable {
            let type: String?
            let dimension: String?
            let `operator`: String?
            let value: String?
        }
        let type: String?
        let predicates: [Predicate]?
        let clauses: [UserDetailFilter]?

        /// The first predicate on anything but `userId`, at any depth.
        var unsupported: String? {
            for p in predicates ?? [] where p.dimension != "userId" { return p.dimension ?? "(no dimension)" }
            for c in clauses ?? [] { if let bad = c.unsupported { return bad } }
            return nil
        }

        func matches(_ user: String) -> Bool {
            var results: [Bool] = (predicates ?? []).map { p in
                switch p.operator ?? "matches" {
                case "exists": true
                case "notExists": false
                default: p.value == user
                }
            }
            results += (clauses ?? []).map { $0.matches(user) }
            guard !results.isEmpty else { return true }
            return type == "and" ? results.allSatisfy { $0 } : results.contains(true)
        }
    }

    struct UserDetailsQuery: Decodable, Sendable {
        let interval: String?
        let userFilters: [UserDetailFilter]?
        let presenceFilters: [UserDetailFilter]?
        let routingStatusFilters: [UserDetailFilter]?
        let order: String?
        let paging: DetailsQuery.Paging?
    }

    func addUserDetailsRoutes(_ router: Router<SimRequestContext>) {
        router.post("/api/v2/analytics/users/details/query") { [self] request, _ in
            let decoded = await Self.decode(UserDetailsQuery.self, request)
            return await api(request) { [self] caller in
                let query: UserDetailsQuery
                switch decoded {
                case .success(let q): query = q
                case .failure(let e): return .failure(e)
                }
                guard let interval = query.interval, let (from, to) = Self.parseInterval(interval) else {
                    return .failure(.badRequest("interval is required: 'start/end' in ISO-8601, start before end."))
                }
                let size = query.paging?.pageSize ?? 25
                let number = query.paging?.pageNumber ?? 1
                guard (1...100).contains(size), number >= 1 else {
                    return .failure(.badRequest("paging.pageSize must be 1…100 and paging.pageNumber at least 1."))
                }
                if !(query.presenceFilters ?? []).isEmpty || !(query.routingStatusFilters ?? []).isEmpty {
                    return .failure(.badRequest("The simulator filters users details by userFilters only."))
                }
                let filters = query.userFilters ?? []
                if let bad = filters.lazy.compactMap(\.unsupported).first {
                    return .failure(.badRequest("The simulator filters users details on userId only, not \(bad)."))
                }
                if let order = query.order, !["asc", "desc", "unordered"].contains(order) {
                    return .failure(.badRequest("order must be asc, desc or unordered."))
                }
                let bytes = current(caller.org) { s in
                    let m = s.model
                    let users = m.usersWithDetails(from: from, to: to) { id in filters.allSatisfy { $0.matches(id) } }
                    return m.usersDetails(from: from, to: to, users: users, pageSize: size, pageNumber: number,
                                          descending: query.order == "desc")
                }
                return .success((.ok, bytes))
            }
        }
    }
}
