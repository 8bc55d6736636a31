import SwitchboardCore

/// The `journeys` section of `GET /_sim/truth` (docs/simulator.md, "Customer journeys"): every journey of the
/// org as the documented rules make it from the simulator's own record of what happened (not from the messages
/// sent, and not by running the bridge's stitcher), plus what the generator did and the EventBridge push counts.
public struct SimJourneyTruth: Codable, Sendable, Equatable {
    /// One contact (conversation) of a journey.
    public struct Contact: Codable, Sendable, Equatable {
        public var conversationId: String
        /// `voice`, `chat`, `message`, `email`, `callback`.
        public var media: String
        /// The contact's first event (the customer's start).
        public var startedAt: Int64
        /// The customer's end; nil while in progress, and for a contact that never ended.
        public var endedAt: Int64?
        /// Its latest event so far.
        public var lastEventAt: Int64
        /// An agent took it (an agent participant joined: connected, or alerted and left).
        public var taken: Bool
        /// A wrap-up came for it.
        public var dispositioned: Bool
        /// It was silent for the session timeout and the idle grace without ending, and was closed as timed out.
        public var timedOut: Bool
    }

    /// One journey.
    public struct Journey: Codable, Sendable, Equatable {
        /// `<org>/j-<16 hex>`: `JourneyStitcher.journeyID(org:conversation:)` of its first contact.
        public var id: String
        /// The customer key, canonical (`contact:<id>`, `phone:+E.164`, `email:<lower case>`, `msg:<id>`).
        public var customer: String
        /// `customer` (a generated customer) or `caller` (a caller of the voice workload).
        public var source: String
        public var openedAt: Int64
        public var lastActivityAt: Int64
        /// In order of start (ties by conversation id).
        public var contacts: [Contact]
        public var closed: Bool
        /// `completed`, `timeout` or `abandonedAtTimeout`; nil while open.
        public var closedReason: String?
        /// When its last contact stopped (the latest end, or the last event of a contact that timed out).
        public var closedAt: Int64?
        /// When the rules close it: one session timeout after its last event, and once every contact ended or
        /// timed out. For an open journey, when it closes if nothing more happens.
        public var closeDueAt: Int64
        /// How near (ms) a decision about this journey came to a threshold of the rules (a contact starting or
        /// an event coming close to a timeout); a bridge whose delivery lags by more may decide otherwise. Nil
        /// when no decision was near anything.
        public var marginMs: Int64?
    }

    /// What the generator did so far (the voice workload's callers are not counted here).
    public struct Generated: Codable, Sendable, Equatable {
        public var customers = 0
        public var contacts = 0
        /// Contacts begun per medium.
        public var byMedia: [String: Int] = [:]
        /// Customers who came back within the session timeout, and after it.
        public var returnsWithin = 0
        public var returnsAfter = 0
        public var queueTransfers = 0
        public var mediaTransfers = 0
        /// Left the queue before an agent answered.
        public var abandonedInQueue = 0
        /// Never ended (left waiting or talking with no further event).
        public var neverEnded = 0
        /// Agent legs that never wrapped up.
        public var missingDisposition = 0
        /// Contacts whose messages were held back (`journey-reorder`).
        public var reordered = 0
    }

    /// EventBridge push counts (nil when no target is set for the org).
    public struct EventBridge: Codable, Sendable, Equatable {
        /// Events handed to the pusher.
        public var queued = 0
        /// Events in requests the endpoint accepted (2xx), every copy counted (duplicates and replays included).
        public var sent = 0
        /// Events sent a second time on purpose (`journey-duplicate`) or re-sent by `journey-replay`.
        public var duplicatesSent = 0
        /// Events the endpoint refused: listed in a 202's `refused`, or in a request answered 4xx.
        public var refused = 0
        /// Requests made, and those that failed (5xx, timeout, connection refused) and were retried.
        public var requests = 0
        public var retries = 0
        /// Events still waiting, and dropped because too many waited.
        public var pending = 0
        public var dropped = 0
        /// The last HTTP status (0: no answer).
        public var lastStatus = 0
    }

    public var sessionTimeoutMs: Int64
    public var idleGraceMs: Int64
    /// The org's default country (national numbers), as `GET /api/v2/organizations/me` says.
    public var defaultCountry: String
    /// The identity sources, most trusted first, the keys are made with.
    public var identity: [String]
    /// Journeys, oldest first; at most `truthCapacity` (the oldest closed ones are dropped first).
    public var journeys: [Journey]
    public var generated: Generated
    public var eventBridge: EventBridge?
}
