import Foundation
import SwitchboardCore

/// The part of a Genesys Cloud conversation (`GET /api/v2/conversations/{conversationId}`, the platform's
/// `Conversation` model) the seed Audio Connector uses when an interaction's metadata never came: who the agent
/// is, which queue the call came through, and its direction (docs/audio.md, "Streams, interactions and
/// sessions"). Every field is optional on the wire; unknown fields are ignored.
public struct GenesysConversation: Sendable, Equatable, Decodable {
    /// One participant (`Participant`): `purpose` is `customer`, `external`, `agent`, `acd`, `ivr`, `user`, ….
    public struct Participant: Sendable, Equatable, Decodable {
        public var id: String?
        public var purpose: String?
        /// The user (agent) this participant is, when it is one.
        public var userId: String?
        /// The queue the communication came in on.
        public var queueId: String?
        /// ISO-8601 times, as sent.
        public var startTime: String?
        public var endTime: String?
        public var connectedTime: String?
        public var calls: [Call]?

        public init(id: String? = nil, purpose: String? = nil, userId: String? = nil, queueId: String? = nil,
                    startTime: String? = nil, endTime: String? = nil, connectedTime: String? = nil, calls: [Call]? = nil) {
            self.id = id
            self.purpose = purpose
            self.userId = userId
            self.queueId = queueId
            self.startTime = startTime
            self.endTime = endTime
            self.connectedTime = connectedTime
            self.calls = calls
        }
    }

    /// One call communication of a participant (`Call`).
    public struct Call: Sendable, Equatable, Decodable {
        public var id: String?
        /// `alerting`, `connected`, `disconnected`, ….
        public var state: String?
        /// `inbound` or `outbound`.
        public var direction: String?
        public var connectedTime: String?
        public var disconnectedTime: String?

        public init(id: String? = nil, state: String? = nil, direction: String? = nil, connectedTime: String? = nil,
                    disconnectedTime: String? = nil) {
            self.id = id
            self.state = state
            self.direction = direction
            self.connectedTime = connectedTime
            self.disconnectedTime = disconnectedTime
        }
    }

    public var id: String
    /// ISO-8601, when the first participant joined.
    public var startTime: String?
    public var participants: [Participant]

    public init(id: String, startTime: String? = nil, participants: [Participant] = []) {
        self.id = id
        self.startTime = startTime
        self.participants = participants
    }

    enum CodingKeys: String, CodingKey { case id, startTime, participants }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        startTime = try c.decodeIfPresent(String.self, forKey: .startTime)
        participants = try c.decodeIfPresent([Participant].self, forKey: .participants) ?? []
    }

    /// The agent the call is with: of the `agent` participants with a user, the last one still on the call (no
    /// `endTime`), else the last one.
    public var agentUserId: String? {
        let agents = participants.filter { $0.purpose == "agent" && $0.userId != nil }
        return (agents.last { $0.endTime == nil } ?? agents.last)?.userId
    }

    /// The queue: the `acd` participant's, else the agent's.
    public var queueId: String? {
        participants.last { $0.purpose == "acd" && $0.queueId != nil }?.queueId
            ?? participants.last { $0.purpose == "agent" && $0.queueId != nil }?.queueId
    }

    /// The call's direction: the customer's call's (`customer` or `external`), else any call's.
    public var direction: String? {
        let customer = participants.first { $0.purpose == "customer" || $0.purpose == "external" }
        return customer?.calls?.lazy.compactMap(\.direction).first
            ?? participants.lazy.compactMap { $0.calls?.lazy.compactMap(\.direction).first }.first
    }

    /// ``startTime`` in epoch milliseconds, when it parses.
    public var startedAt: EpochMillis? { startTime.flatMap { Timestamp.parse($0) } }
}

extension GenesysRESTClient {
    /// `GET /api/v2/audioconnector/connections` (the seed Audio Connector's discovery): the answer's body as
    /// received, for `SeedDiscovery.decode`. The URI inside carries a single-use connection token: never log the
    /// body.
    public func audioConnectorConnection() async throws -> [UInt8] {
        try await send(.GET, "/api/v2/audioconnector/connections").body
    }

    /// `GET /api/v2/conversations/{conversationId}`; nil when the platform does not know it (404).
    public func conversation(_ id: String) async throws -> GenesysConversation? {
        let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id
        let path = "/api/v2/conversations/\(escaped)"
        let response = try await send(.GET, path, accept404: true)
        guard response.status != 404 else { return nil }
        return try decode(GenesysConversation.self, response, "GET \(path)")
    }
}
