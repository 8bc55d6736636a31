import Journeys
import SwitchboardCore

/// What one Notification API WebSocket text frame means to a connector.
///
/// The connector acts on the control kinds (heartbeat, pong, system messages) and forwards
/// `events` to the views; everything else is counted.
public enum NotificationFrame: Sendable, Equatable {
    /// `channel.metadata` "WebSocket Heartbeat".
    case heartbeat
    /// `channel.metadata` "pong" (answer to `{"message":"ping"}`).
    case pong
    /// `v2.system.socket_closing`: reconnect to the same connectUri within about a minute.
    case socketClosing
    /// `v2.system.no_longer_subscribed.*` (e.g. evicted by the 20-channel cap).
    case noLongerSubscribed(reason: String?)
    /// `v2.system.token_revoked.*`.
    case tokenRevoked
    /// Any other `v2.system.*` message (e.g. subscription_changed).
    case systemOther(topic: String)
    /// A data topic, normalised. May be empty (e.g. a snapshot with no agent participant).
    case events(topic: TopicKind, [BridgeEvent])
    /// `v2.conversations.{id}.transcription`: utterances and the session's end (docs/speech-text.md). May be
    /// empty (a message with neither).
    case transcripts([TranscriptEvent])
    /// A queue conversation snapshot (`v2.routing.queues.{id}.conversations` and its media variants) or a detail
    /// event (`v2.detail.events.conversation.{id}.*`) as customer-journey events (docs/journeys.md). May be empty.
    case journeys(topic: TopicKind, [JourneyEvent])
    /// A well-formed message on a topic we do not handle.
    case ignored(topic: String)
    /// Not JSON, or not the envelope / eventBody shape expected. `kind` is a stable label for
    /// counting and logging once per kind (`not-json`, `no-topic`, `bad-body:presence`, …).
    case malformed(kind: String, detail: String)
}

/// The data topic families Switchboard subscribes to, for metrics labels.
public enum TopicKind: String, Sendable, Hashable, CaseIterable {
    case userActivity = "users.activity"
    case userPresence = "users.presence"
    case userRoutingStatus = "users.routingStatus"
    case userConversations = "users.conversations"
    case queueObservations = "queues.observations"
    case qualityEvaluations = "quality.evaluations"
    case conversationTranscription = "conversations.transcription"
    /// `v2.routing.queues.{id}.conversations` (and media variants), for customer journeys.
    case queueConversations = "queues.conversations"
    /// `v2.detail.events.conversation.{id}.*`, for customer journeys.
    case detailEvents = "detail.events"
}
