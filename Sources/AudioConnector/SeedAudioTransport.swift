import GenesysAPI
import SwitchboardCore

/// The REST calls a ``SeedAudioConnector`` makes, with the org's token: discovery and the conversation lookup.
/// ``rest(_:)`` uses the org's `GenesysRESTClient` (its token lifecycle, retries and rate limits); tests may
/// pass their own.
public struct SeedAudioTransport: Sendable {
    /// `GET /api/v2/audioconnector/connections`: the answer's body (decoded with `SeedDiscovery.decode`).
    public var discover: @Sendable () async throws -> [UInt8]
    /// `GET /api/v2/conversations/{id}` reduced to hints; nil when the platform does not know the conversation.
    public var lookup: @Sendable (String) async throws -> SeedInteractionStateMachine.Hints?

    public init(discover: @escaping @Sendable () async throws -> [UInt8],
                lookup: @escaping @Sendable (String) async throws -> SeedInteractionStateMachine.Hints?) {
        self.discover = discover
        self.lookup = lookup
    }

    /// Both calls through the org's REST client.
    public static func rest(_ client: GenesysRESTClient) -> SeedAudioTransport {
        SeedAudioTransport(
            discover: { try await client.audioConnectorConnection() },
            lookup: { id in
                guard let conversation = try await client.conversation(id) else { return nil }
                return SeedInteractionStateMachine.Hints(conversation)
            })
    }
}

extension SeedInteractionStateMachine.Hints {
    /// The agent, queue and direction a platform conversation names (nil fields where it names none).
    public init(_ conversation: GenesysConversation) {
        self.init(agentId: conversation.agentUserId, queueId: conversation.queueId,
                  direction: conversation.direction?.lowercased())
    }
}
