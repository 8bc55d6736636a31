import Foundation
import NIOHTTP1

extension GenesysRESTClient {
    /// `POST /api/v2/notifications/channels`. Counts against the 20-channels-per-client cap:
    /// call it only when no existing channel can be reused.
    public func createChannel() async throws -> NotificationChannel {
        let r = try await send(.POST, "/api/v2/notifications/channels")
        return try decode(NotificationChannel.self, r, "POST /api/v2/notifications/channels")
    }

    /// `HEAD /api/v2/notifications/channels/{id}`: true while the channel exists and is valid.
    public func channelExists(_ id: String) async throws -> Bool {
        let r = try await send(.HEAD, "/api/v2/notifications/channels/\(id)", accept404: true)
        return r.status != 404
    }

    /// `GET /api/v2/notifications/channels?includechannels=oauthclient`: this client's channels,
    /// so a restarted bridge can reuse one instead of creating another.
    public func listChannels() async throws -> [NotificationChannel] {
        let path = "/api/v2/notifications/channels?includechannels=oauthclient"
        let r = try await send(.GET, path)
        return try decode(EntityListing<NotificationChannel>.self, r, "GET \(path)").entities ?? []
    }

    /// `PUT …/subscriptions`: replaces the channel's topics (and extends its life).
    @discardableResult
    public func replaceSubscriptions(channel: String, topics: [String]) async throws -> [ChannelTopic] {
        try await subscribe(.PUT, channel: channel, topics: topics)
    }

    /// `POST …/subscriptions`: adds topics.
    @discardableResult
    public func addSubscriptions(channel: String, topics: [String]) async throws -> [ChannelTopic] {
        try await subscribe(.POST, channel: channel, topics: topics)
    }

    /// `GET …/subscriptions`.
    public func subscriptions(channel: String) async throws -> [ChannelTopic] {
        let path = "/api/v2/notifications/channels/\(channel)/subscriptions"
        let r = try await send(.GET, path)
        return try decode(EntityListing<ChannelTopic>.self, r, "GET \(path)").entities ?? []
    }

    /// `DELETE …/subscriptions`: removes all topics (a clean stop).
    public func deleteSubscriptions(channel: String) async throws {
        _ = try await send(.DELETE, "/api/v2/notifications/channels/\(channel)/subscriptions", accept404: true)
    }

    private func subscribe(_ method: HTTPMethod, channel: String, topics: [String]) async throws -> [ChannelTopic] {
        let path = "/api/v2/notifications/channels/\(channel)/subscriptions?ignoreErrors=true"
        struct Topic: Encodable { let id: String }
        let body = try JSONEncoder().encode(topics.map(Topic.init))
        let r = try await send(method, path, json: Array(body))
        return try decode(EntityListing<ChannelTopic>.self, r, "\(method.rawValue) \(path)").entities ?? []
    }
}
