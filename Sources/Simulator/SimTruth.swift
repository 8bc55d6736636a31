import SwitchboardCore

/// Ground truth for one org (`GET /_sim/truth?org=…`), computed from the simulator's own state
/// history, never from the messages it sent. Ids are the platform's (no org prefix).
///
/// Definitions (SPEC §5): handling = time with routing status `INTERACTING` (talk, hold and ACW);
/// productive = handling ∪ time with system presence On Queue or Available. Windows: `today` since
/// local midnight in the org's time zone, `rolling15m`, `rolling60m`, all ending at `at`.
public struct SimTruth: Codable, Sendable, Equatable {
    /// Milliseconds per window.
    public struct Windows: Codable, Sendable, Equatable {
        public var today: Int64
        public var rolling15m: Int64
        public var rolling60m: Int64
        public init(today: Int64 = 0, rolling15m: Int64 = 0, rolling60m: Int64 = 0) {
            self.today = today
            self.rolling15m = rolling15m
            self.rolling60m = rolling60m
        }
        static func + (a: Windows, b: Windows) -> Windows {
            Windows(today: a.today + b.today, rolling15m: a.rolling15m + b.rolling15m,
                    rolling60m: a.rolling60m + b.rolling60m)
        }
    }

    public struct Agent: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        /// Current system presence, platform spelling (`On Queue`).
        public var presence: String
        public var routingStatus: String
        public var queueIds: [String]
        public var handlingMs: Windows
        public var productiveMs: Windows
        /// The directory's hire date (`employerInfo.dateHire`, `yyyy-MM-dd`); nil (omitted) when it has none.
        public var dateHire: String?
    }

    /// Live figures and member totals of one queue. `handlingMs`/`productiveMs` sum the queue's
    /// members (an agent on two queues counts in both).
    public struct Queue: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        /// Calls waiting in the queue (`oWaiting`).
        public var waiting: Int
        /// Calls connected to an agent, talking or held, not in ACW (`oInteracting`).
        public var interacting: Int
        /// Calls ringing an agent (`oAlerting`).
        public var alerting: Int
        /// Members whose system presence is On Queue (`oOnQueueUsers`).
        public var onQueueAgents: Int
        public var memberCount: Int
        /// How long the oldest waiting call has waited; 0 when none waits.
        public var longestWaitMs: Int64
        public var handlingMs: Windows
        public var productiveMs: Windows
        /// The queue's configured voice service level (`mediaSettings.call.serviceLevel`).
        public var serviceLevelTarget: ServiceTarget
        /// Offered, answered, abandoned and service level for today and the rolling windows, ending at `at`.
        public var service: ServiceWindows
    }

    /// A configured service level: `percentage` (0…1) answered within `durationMs`.
    public struct ServiceTarget: Codable, Sendable, Equatable {
        public var percentage: Double
        public var durationMs: Int64
    }

    /// A queue's (or the org's) service over one window: each conversation counted at its own moment
    /// (offered when it entered the queue, answered or abandoned when its wait ended).
    public struct Service: Codable, Sendable, Equatable {
        public var offered: Int
        public var answered: Int
        public var abandoned: Int
        /// Answered within the queue's service-level duration.
        public var answeredWithinTarget: Int
        /// answered + abandoned: what the service level is judged on.
        public var serviceLevelCalls: Int
        /// Total wait of the answered conversations (ms).
        public var answerWaitMs: Int64
        /// answeredWithinTarget ÷ serviceLevelCalls; nil when both are 0.
        public var serviceLevel: Double?
        /// Average speed of answer, answerWaitMs ÷ answered rounded; nil when nothing was answered.
        public var asaMs: Int64?
        /// abandoned ÷ offered; nil when nothing was offered.
        public var abandonRate: Double?
    }

    public struct ServiceWindows: Codable, Sendable, Equatable {
        public var today: Service
        public var rolling15m: Service
        public var rolling60m: Service
    }

    /// One queue's service (`GET /_sim/truth/service`).
    public struct QueueService: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var target: ServiceTarget
        public var service: ServiceWindows
    }

    /// The service truth at any instant up to now (`GET /_sim/truth/service?org=…&at=…`): every window ends at `at`.
    public struct ServiceReport: Codable, Sendable, Equatable {
        public var org: String
        public var at: String
        public var atMillis: Int64
        /// Local midnight of `at`: the start of `today`.
        public var dayStart: String
        public var queues: [QueueService]
        /// Σ over the queues.
        public var totals: ServiceWindows
    }

    /// One 30-minute interval of an agent's completed handles (by completion time).
    public struct UtilizationInterval: Codable, Sendable, Equatable {
        /// Interval start, ISO-8601 UTC, and as epoch ms.
        public var start: String
        public var startMillis: Int64
        public var handleMs: Int64
        public var handleCount: Int
        public var talkMs: Int64
        public var heldMs: Int64
        public var acwMs: Int64
        public var connected: Int
    }

    /// Today's utilization of one agent (agents with nothing handled are omitted).
    public struct AgentUtilization: Codable, Sendable, Equatable {
        public var agentId: String
        public var intervals: [UtilizationInterval]
    }

    /// Today's utilization of one queue: the legs handled for it (queues with nothing handled are omitted).
    public struct QueueUtilization: Codable, Sendable, Equatable {
        public var queueId: String
        public var intervals: [UtilizationInterval]
    }

    /// Today's evaluations of calls of one queue on one form, so far.
    public struct QueueQualityGroup: Codable, Sendable, Equatable {
        public var queueId: String
        public var formId: String
        public var formName: String
        public var count: Int
        public var scoreSum: Int64
        public var criticalScoreSum: Int64
        public var passed: Int
    }

    /// Today's evaluations of one agent on one form, so far.
    public struct QualityGroup: Codable, Sendable, Equatable {
        public var agentId: String
        public var formId: String
        public var formName: String
        public var count: Int
        public var scoreSum: Int64
        public var criticalScoreSum: Int64
        /// Evaluations with a total score of at least 80.
        public var passed: Int
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var handlingMs: Windows
        public var productiveMs: Windows
    }

    public var org: String
    /// Business time the truth is computed at (ISO-8601 UTC).
    public var at: String
    public var atMillis: Int64
    public var timeZone: String
    /// Local midnight of `at` in the org's time zone (ISO-8601 UTC): the start of `today`.
    public var dayStart: String
    public var agents: [Agent]
    public var queues: [Queue]
    /// Org totals (Σ over agents).
    public var totals: Totals
    /// The org's service (Σ over its queues) for today and the rolling windows.
    public var serviceTotals: ServiceWindows
    /// Today's utilization by 30-minute interval, per agent.
    public var utilization: [AgentUtilization]
    /// Today's quality evaluations so far, per agent and form (agents with none omitted).
    public var quality: [QualityGroup]
    /// Today's utilization by 30-minute interval, per queue (the queue each leg was handled for).
    public var queueUtilization: [QueueUtilization]
    /// Today's quality evaluations so far, per queue and form (queues with none omitted).
    public var queueQuality: [QueueQualityGroup]
    /// The AudioHook sessions the simulator opened for this org, oldest first (docs/simulator.md).
    public var speech: [SimSpeechSession] = []
    /// Real-time transcription: per conversation, the final utterances sent (``SimTranscriptTruth``).
    public var transcripts: [SimTranscriptTruth] = []
    /// Customer journeys (nil, and absent from the JSON, for an org without journeys): ``SimJourneyTruth``.
    public var journeys: SimJourneyTruth? = nil
}
