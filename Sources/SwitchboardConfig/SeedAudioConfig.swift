/// A `protocol: seed` org's Audio Connector subscription (`orgs[].audio` on seed orgs; docs/audio.md, "The
/// seed Audio Connector"): which interactions to stream and at which sample rate.
///
/// The seed connector is client-initiated: the bridge discovers the org's WebSocket URI with its OAuth token
/// and subscribes, so unlike AudioHook (``AudioConfig``) there are no credentials here.
public struct SeedAudioConfig: Sendable, Equatable {
    /// The sample rates the Audio Connector serves, in Hz.
    public static let sampleRates = [8000, 12000, 16000, 24000, 48000]
    /// The only interaction type the Audio Connector streams.
    public static let interactionTypes = ["voice"]

    /// Always `["voice"]` (the loader refuses anything else at its line and column).
    public var interactionTypes: [String]
    /// Queue ids (UUIDs, lower case) to stream; nil: every queue the org watches (`queues:`, and every queue
    /// of the org when that is `all`).
    public var queueIds: [String]?
    /// Call directions to stream, each once; default both.
    public var directions: [SeedAudioDirection]
    /// One of ``sampleRates``; default 16000. Always sent in the subscription, never left to the server.
    public var sampleRate: Int

    public init(interactionTypes: [String] = SeedAudioConfig.interactionTypes, queueIds: [String]? = nil,
                directions: [SeedAudioDirection] = SeedAudioDirection.allCases, sampleRate: Int = 16000) {
        self.interactionTypes = interactionTypes
        self.queueIds = queueIds
        self.directions = directions
        self.sampleRate = sampleRate
    }
}

/// A call direction in the seed Audio Connector's filters.
public enum SeedAudioDirection: String, Sendable, Hashable, CaseIterable, Codable {
    case inbound
    case outbound
}
