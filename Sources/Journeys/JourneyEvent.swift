import SwitchboardCore

/// One moment of a customer's contact with the org, normalised from whichever source saw it: the Notification
/// API's conversation snapshots (one snapshot gives several events), the per-conversation detail events
/// (`v2.detail.events.conversation.{id}.*`, over the socket or in bulk through Amazon EventBridge) and the
/// seed's event stream. The ``JourneyStitcher`` folds them into journeys.
///
/// Times are UTC epoch milliseconds: `time` is when it happened on the platform (the order of the timeline),
/// `receivedAt` when the bridge received it (the liveness of the journey: a backlog delivered late does not
/// time a journey out at once).
public struct JourneyEvent: Sendable, Equatable {
    public var org: OrgID
    /// The source's id, for dropping duplicates: the EventBridge event `id`, the seed event's id, or for events
    /// read from a snapshot ``derivedID(conversationID:kind:time:participant:)``.
    public var id: String
    public var source: Source
    /// Event time (platform clock).
    public var time: EpochMillis
    /// When the bridge received it.
    public var receivedAt: EpochMillis
    /// The platform's conversation (the seed's interaction) id, no org prefix.
    public var conversationID: String
    public var media: JourneyMedia
    public var kind: Kind
    /// The platform's queue id, when the event names one (`acd.*`, snapshots' acd participant).
    public var queueID: String?
    /// The platform's user id of the agent, when the event names one (`user.*`, `acw`, `wrapup`).
    public var agentID: String?
    /// Who the customer is, when the event says (customer events, snapshots, the seed's `customerId`).
    /// Events without it are joined to their conversation's journey.
    public var customer: CustomerIdentity?
    /// For `transfer.initiated`: the media the customer is moved to, when known (a voice call moved to chat).
    public var targetMedia: JourneyMedia?
    /// For `transfer.initiated`: the queue the customer is moved to, when known.
    public var targetQueueID: String?
    /// For `wrapup` and `disposition.completed`: the wrap-up code, when known.
    public var wrapupCode: String?

    public init(org: OrgID, id: String, source: Source, time: EpochMillis, receivedAt: EpochMillis,
                conversationID: String, media: JourneyMedia, kind: Kind, queueID: String? = nil,
                agentID: String? = nil, customer: CustomerIdentity? = nil, targetMedia: JourneyMedia? = nil,
                targetQueueID: String? = nil, wrapupCode: String? = nil) {
        self.org = org
        self.id = id
        self.source = source
        self.time = time
        self.receivedAt = receivedAt
        self.conversationID = conversationID
        self.media = media
        self.kind = kind
        self.queueID = queueID
        self.agentID = agentID
        self.customer = customer
        self.targetMedia = targetMedia
        self.targetQueueID = targetQueueID
        self.wrapupCode = wrapupCode
    }

    /// Where an event came from (for counters and logs; duplicates are found across sources).
    public enum Source: String, Sendable, Hashable, CaseIterable {
        /// A Notification API conversation snapshot (`v2.routing.queues.{id}.conversations` and media variants).
        case notification
        /// A detail event over the Notification API socket.
        case detailEvent
        /// A detail event (or snapshot) pushed through Amazon EventBridge.
        case eventBridge
        /// The seed's event stream (`protocol: seed` orgs).
        case seedStream
    }

    /// The id of an event read from a full conversation snapshot. A snapshot repeats everything that has
    /// happened so far, and a reconnect replays it: the same moment always gets the same id, so it is
    /// dropped as a duplicate.
    public static func derivedID(conversationID: String, kind: Kind, time: EpochMillis,
                                 participant: String? = nil) -> String {
        "snap:\(conversationID):\(kind.rawValue):\(participant ?? ""):\(time)"
    }

    /// What makes two events from different sources the same occurrence: conversation, kind and time, plus
    /// the agent for agent events and the queue for queue events (two agents may join one conversation in the
    /// same millisecond; a transfer may enter two queues). Personal data is not part of it.
    var occurrence: String {
        var s = "\(conversationID)|\(kind.rawValue)|\(time)"
        if kind.isAgentScoped { s += "|a:\(agentID ?? "")" }
        if kind.isQueueScoped { s += "|q:\(queueID ?? "")" }
        return s
    }
}
