import Foundation

/// The org behind a token (`GET /api/v2/organizations/me`): the part Switchboard uses.
public struct GenesysOrganization: Sendable, Equatable, Decodable {
    /// The organization id (a UUID): what AudioHook sends as `Audiohook-Organization-Id`.
    public var id: String
    public var name: String?

    public init(id: String, name: String? = nil) {
        self.id = id
        self.name = name
    }
}

extension GenesysRESTClient {
    /// `GET /api/v2/organizations/me`: the organization the client credentials belong to.
    public func organization() async throws -> GenesysOrganization {
        let path = "/api/v2/organizations/me"
        return try decode(GenesysOrganization.self, try await send(.GET, path), "GET \(path)")
    }
}
