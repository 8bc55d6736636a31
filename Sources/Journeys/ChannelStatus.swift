/// One medium's channel within a journey.
public struct ChannelStatus: Sendable, Equatable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// A contact on this medium is in progress and had an event within the session timeout.
        case active = "ACTIVE"
        /// A contact on this medium is in progress but had no event for the session timeout.
        case idle = "IDLE"
        /// Every contact on this medium has ended or timed out.
        case closed = "CLOSED"
    }

    public var media: JourneyMedia
    public var state: State

    public init(media: JourneyMedia, state: State) {
        self.media = media
        self.state = state
    }
}
