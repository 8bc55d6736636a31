import SwitchboardCore

extension TranscriptionTopicStateMachine {
    public struct Configuration: Sendable, Equatable {
        /// Topics per channel, static ones included (platform cap 1,000).
        public var topicsPerChannel: Int
        /// Channels per OAuth client, static ones included (platform cap 20).
        public var maxChannels: Int
        /// Changes are flushed at most this often (250 ms).
        public var batchInterval: Duration
        /// An ended call keeps its topic this long, unless `SESSION_ENDED` comes first (15 s).
        public var linger: Duration
        /// A call with no snapshot and no transcript for this long is dropped (15 min).
        public var idleAfter: Duration
        /// How many ended conversations are remembered against late snapshots.
        public var rememberEnded: Int

        public init(topicsPerChannel: Int = 1000, maxChannels: Int = 20, batchInterval: Duration = .milliseconds(250),
                    linger: Duration = .seconds(15), idleAfter: Duration = .seconds(15 * 60), rememberEnded: Int = 4096) {
            precondition(topicsPerChannel > 0 && maxChannels > 0)
            self.topicsPerChannel = topicsPerChannel
            self.maxChannels = maxChannels
            self.batchInterval = batchInterval
            self.linger = linger
            self.idleAfter = idleAfter
            self.rememberEnded = rememberEnded
        }
    }

    public enum Action: Sendable, Equatable {
        /// `POST …/subscriptions` (adds), then ``completed(_:ok:rejected:now:)``.
        case add(channel: String, topics: [String])
        /// `PUT …/subscriptions` with the channel's whole set (static + dynamic), then ``completed(_:ok:rejected:now:)``.
        case replace(channel: String, topics: [String])
        /// `POST /api/v2/notifications/channels` and open its socket, then ``channelCreated(_:now:)`` once it is
        /// open, or ``channelCreationFailed(now:)``.
        case createChannel
        /// Conversations wait for room: warn (once per episode).
        case budgetExhausted(queued: Int)
        /// Every waiting conversation is served again.
        case budgetRecovered
    }

    /// What `/readyz` and the metrics show.
    public struct Status: Sendable, Equatable {
        /// Transcription topics placed on channels (subscribed or being subscribed).
        public var topics = 0
        /// Live conversations waiting for room.
        public var queued = 0
        public var budgetExhausted = false
        /// Channels created for transcription topics alone.
        public var extraChannels = 0
        /// Topics the platform refused (`Rejected`), not asked again while their conversation lasts.
        public var rejected = 0
        public init() {}
    }
}
