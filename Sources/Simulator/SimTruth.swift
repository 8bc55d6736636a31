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
}
