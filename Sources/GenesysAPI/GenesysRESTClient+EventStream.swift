import Foundation
import SwitchboardCore

/// The seed's journey event stream (`protocol: seed` orgs only; the platform has no such API): the callback
/// socket's address and token, and the subscriptions (docs/journeys.md, "The seed's event stream").
extension GenesysRESTClient {
    public static let eventStreamCallbackPath = "/api/v2/eventstreams/callbacks"
    public static let eventStreamSubscriptionsPath = "/api/v2/eventstreams/subscriptions"

    /// The callback socket's URL (`wss://` for an `https` API base, `ws://` for `http`) and the token to open it
    /// with: the org's current one, so a reconnect after a renewal uses the new token. Never log the token.
    public func eventStreamSocket() async throws -> (url: String, token: Secret) {
        let token = try await tokens.accessToken()
        var base = apiBase
        if base.hasPrefix("https://") { base = "wss://" + base.dropFirst("https://".count) }
        else if base.hasPrefix("http://") { base = "ws://" + base.dropFirst("http://".count) }
        while base.hasSuffix("/") { base.removeLast() }
        return (base + Self.eventStreamCallbackPath, token.value)
    }

    /// `POST /api/v2/eventstreams/subscriptions` with `body` (JSON): the answer's body.
    public func createEventStreamSubscription(_ body: [UInt8]) async throws -> [UInt8] {
        try await send(.POST, Self.eventStreamSubscriptionsPath, json: body).body
    }

    /// `GET /api/v2/eventstreams/subscriptions/{id}`: the answer's body; nil when it does not exist (404).
    public func eventStreamSubscription(_ id: String) async throws -> [UInt8]? {
        let response = try await send(.GET, Self.subscriptionPath(id), accept404: true)
        return response.status == 404 ? nil : response.body
    }

    /// `DELETE /api/v2/eventstreams/subscriptions/{id}`; a 404 (already gone) is no error.
    public func deleteEventStreamSubscription(_ id: String) async throws {
        _ = try await send(.DELETE, Self.subscriptionPath(id), accept404: true)
    }

    private static func subscriptionPath(_ id: String) -> String {
        eventStreamSubscriptionsPath + "/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id)
    }
}
