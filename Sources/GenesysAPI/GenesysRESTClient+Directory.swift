import Foundation

/// One page of a directory listing: the raw body (for the normalizer) and the ids on it.
public struct DirectoryPage: Sendable {
    public let body: [UInt8]
    public let ids: [String]
}

extension GenesysRESTClient {
    /// `GET /api/v2/users?expand=presence,routingStatus,employerInfo`, every page (`employerInfo` brings
    /// the hire date the dashboard sizes agents by).
    ///
    /// Pages of ``usersPageSize`` (500, the listing's maximum: 10 requests for 5,000 users instead of 50 at the
    /// usual 100, a fifth of a re-sync's budget back; docs/connector.md "REST budget per recovery"). A platform
    /// that refuses that size (`400`) is asked again with ``usersFallbackPageSize``, so a lower limit costs one
    /// request, never the re-sync.
    public func usersPages(pageSize: Int = GenesysRESTClient.usersPageSize) async throws -> [DirectoryPage] {
        let path = "/api/v2/users?expand=presence,routingStatus,employerInfo&state=active"
        do {
            return try await allPages(path, pageSize: pageSize)
        } catch let error as GenesysAPIError where error.status == 400 && pageSize > Self.usersFallbackPageSize {
            logger.warning("the users listing refused the page size; using the usual one", metadata: [
                "pageSize": "\(pageSize)", "fallback": "\(Self.usersFallbackPageSize)", "error": "\(error.message)"])
            return try await allPages(path, pageSize: Self.usersFallbackPageSize)
        }
    }

    /// The users listing's page size: its documented maximum.
    public static let usersPageSize = 500
    /// The page size asked for when the platform refuses ``usersPageSize`` (the size its docs use everywhere).
    public static let usersFallbackPageSize = 100

    /// `GET /api/v2/routing/queues`, every page.
    public func queuesPages(pageSize: Int = 100) async throws -> [DirectoryPage] {
        try await allPages("/api/v2/routing/queues", pageSize: pageSize)
    }

    /// `GET /api/v2/routing/queues/{id}/members`, every page.
    public func queueMembersPages(queue: String, pageSize: Int = 100) async throws -> [DirectoryPage] {
        try await allPages("/api/v2/routing/queues/\(queue)/members", pageSize: pageSize)
    }

    private func allPages(_ base: String, pageSize: Int) async throws -> [DirectoryPage] {
        var pages: [DirectoryPage] = []
        var number = 1
        let sep = base.contains("?") ? "&" : "?"
        while true {
            let path = "\(base)\(sep)pageSize=\(pageSize)&pageNumber=\(number)"
            let r = try await send(.GET, path)
            let listing = try decode(PagedIDs.self, r, "GET \(path)")
            let ids = listing.entities?.map(\.id) ?? []
            pages.append(DirectoryPage(body: r.body, ids: ids))
            let pageCount = listing.pageCount ?? (ids.count < pageSize ? number : number + 1)
            if ids.isEmpty || number >= pageCount || number >= 10_000 { break }
            number += 1
        }
        return pages
    }
}
