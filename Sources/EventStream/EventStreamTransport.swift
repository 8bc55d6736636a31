import GenesysAPI
import SwitchboardCore

/// What a ``SeedEventStream`` asks of the platform, with the org's token: the callback socket's URL and current
/// token, and the subscription calls. ``rest(_:)`` uses the org's `GenesysRESTClient` (its token lifecycle,
/// retries and rate limits); tests may pass their own.
public struct EventStreamTransport: Sendable {
    /// The callback socket's `ws(s)://` URL and the token to open it with (asked again at every connect).
    public var socket: @Sendable () async throws -> (url: String, token: Secret)
    /// `POST …/subscriptions` with this body: the answer's body.
    public var subscribe: @Sendable ([UInt8]) async throws -> [UInt8]
    /// `GET …/subscriptions/{id}`: the answer's body; nil for a 404.
    public var get: @Sendable (String) async throws -> [UInt8]?
    /// `DELETE …/subscriptions/{id}`.
    public var delete: @Sendable (String) async throws -> Void

    public init(socket: @escaping @Sendable () async throws -> (url: String, token: Secret),
                subscribe: @escaping @Sendable ([UInt8]) async throws -> [UInt8],
                get: @escaping @Sendable (String) async throws -> [UInt8]?,
                delete: @escaping @Sendable (String) async throws -> Void) {
        self.socket = socket
        self.subscribe = subscribe
        self.get = get
        self.delete = delete
    }

    public static func rest(_ client: GenesysRESTClient) -> EventStreamTransport {
        EventStreamTransport(
            socket: { try await client.eventStreamSocket() },
            subscribe: { try await client.createEventStreamSubscription($0) },
            get: { try await client.eventStreamSubscription($0) },
            delete: { try await client.deleteEventStreamSubscription($0) })
    }
}
