import SwitchboardCore

/// What `GET /readyz` returns: 200 when ``ready``, else 503. The body is this JSON for an `admin` token
/// (or with `auth: none`), and only ``summary`` without a token: a probe learns whether to send traffic
/// and whether something needs a look, not which orgs exist or why they are down.
public struct ReadinessReport: Codable, Sendable, Equatable {
    /// The answer without a token: `{"ready":true,"status":"ok"}`.
    public struct Summary: Codable, Sendable, Equatable {
        public var ready: Bool
        public var status: String
    }

    /// An org's audio transport (a `protocol: seed` org's Audio Connector client), when it runs.
    public struct Audio: Codable, Sendable, Equatable {
        /// `seed`.
        public var transport: String
        /// The media region of the latest discovery, once known.
        public var region: String?
        /// Connections open now, of `planned`.
        public var connections: Int
        public var planned: Int
        /// Speech sessions (interactions with audio) live now.
        public var sessions: Int
        /// The code of the latest connection failure (`seed.token-rejected`, …) until a connection opens again.
        public var lastFailure: String?

        public init(transport: String, region: String? = nil, connections: Int, planned: Int, sessions: Int,
                    lastFailure: String? = nil) {
            self.transport = transport
            self.region = region
            self.connections = connections
            self.planned = planned
            self.sessions = sessions
            self.lastFailure = lastFailure
        }
    }

    /// One org's connector state.
    public struct Org: Codable, Sendable, Equatable {
        public var id: String
        public var status: OrgStatus
        /// ISO-8601 UTC, nil when none yet.
        public var lastHeartbeatAt: String?
        public var lastEventAt: String?
        /// Why the state changed, for people (never a secret).
        public var detail: String?
        /// Features that do not work for this org although it may be open (e.g. a permission the OAuth
        /// client lacks), one line each: `quality: the OAuth client lacks analytics:evaluationAggregate:view …`.
        public var problems: [String]
        /// The org's Genesys transcription topics, for orgs that read transcription (docs/speech-text.md).
        public var transcription: Transcription?
        /// The org's audio transport while it runs (absent otherwise).
        public var audio: Audio?
        /// On-box keyword spotting, for an org with `speechText.onBox: true` (docs/speech-text.md).
        public var onBox: OnBox?
        /// The org's customer journeys (absent for an org without a `journeys:` section).
        public var journeys: Journeys?
        /// In a cluster: the replica whose connector serves the org ("here" or another's name as last seen:
        /// nil when not known); `status` is then what the leader's views publish.
        public var leader: String?

        public init(id: String, status: OrgStatus, lastHeartbeatAt: String? = nil, lastEventAt: String? = nil,
                    detail: String? = nil, problems: [String] = [], transcription: Transcription? = nil,
                    audio: Audio? = nil, onBox: OnBox? = nil, journeys: Journeys? = nil) {
            self.audio = audio
            self.onBox = onBox
            self.journeys = journeys
            self.id = id
            self.status = status
            self.lastHeartbeatAt = lastHeartbeatAt
            self.lastEventAt = lastEventAt
            self.detail = detail
            self.problems = problems
            self.transcription = transcription
        }
    }

    /// An org's on-box keyword spotting (docs/speech-text.md, "On-box keyword spotting").
    public struct OnBox: Codable, Sendable, Equatable {
        /// Calls being spotted now, and their audio waiting for the spotter (ms).
        public var active: Int
        public var queuedMs: Int64
        /// Calls taken since the start; refused whole (the spotter was over its bound when they began); shed
        /// mid-way (their own audio waiting went over its bound).
        public var admitted: Int
        public var refused: Int
        public var shed: Int
        /// Keyword hits reported.
        public var detections: Int

        public init(active: Int, queuedMs: Int64, admitted: Int, refused: Int, shed: Int, detections: Int) {
            self.active = active
            self.queuedMs = queuedMs
            self.admitted = admitted
            self.refused = refused
            self.shed = shed
            self.detections = detections
        }
    }

    /// An org's customer journeys (docs/journeys.md).
    public struct Journeys: Codable, Sendable, Equatable {
        /// Open journeys.
        public var active: Int
        /// Closed journeys kept for reads (retention).
        public var retained: Int
        /// Events held in the reorder window.
        public var buffered: Int
        /// Events waiting for an event that names their customer.
        public var unattributedWaiting: Int
        /// Closed journeys evicted (retention or caps) since the bridge started.
        public var evictions: Int

        public init(active: Int, retained: Int, buffered: Int, unattributedWaiting: Int, evictions: Int) {
            self.active = active
            self.retained = retained
            self.buffered = buffered
            self.unattributedWaiting = unattributedWaiting
            self.evictions = evictions
        }
    }

    /// An org's `v2.conversations.{id}.transcription` topics (docs/speech-text.md, "From Genesys transcription").
    public struct Transcription: Codable, Sendable, Equatable {
        /// Live (or lingering) calls subscribed.
        public var topics: Int
        /// Live calls waiting for room on the org's channels.
        public var queued: Int
        /// True while calls wait because every channel the OAuth client may have is full.
        public var budgetExhausted: Bool
        /// Channels opened for transcription topics alone.
        public var extraChannels: Int
        /// Calls whose topic the platform refused.
        public var rejected: Int

        public init(topics: Int, queued: Int, budgetExhausted: Bool, extraChannels: Int, rejected: Int) {
            self.topics = topics
            self.queued = queued
            self.budgetExhausted = budgetExhausted
            self.extraChannels = extraChannels
            self.rejected = rejected
        }
    }

    /// This replica in a cluster (docs/scale-out.md); absent when the bridge runs alone.
    public struct Cluster: Codable, Sendable, Equatable {
        public struct Led: Codable, Sendable, Equatable {
            public var org: String
            public var term: Int64
            public init(org: String, term: Int64) {
                self.org = org
                self.term = term
            }
        }
        /// The shared view stream's connection and counts.
        public struct Stream: Codable, Sendable, Equatable {
            public var connected: Bool
            public var rowsPublished: Int
            public var rowsApplied: Int
            public var statesPublished: Int
            public var statesApplied: Int
            /// Writes refused because a newer term leads the org.
            public var fenced: Int
            /// Deltas dropped while the database was unreachable (a state row follows).
            public var dropped: Int
            public var lastError: String?
            public init(connected: Bool, rowsPublished: Int, rowsApplied: Int, statesPublished: Int, statesApplied: Int,
                        fenced: Int, dropped: Int, lastError: String?) {
                self.connected = connected
                self.rowsPublished = rowsPublished
                self.rowsApplied = rowsApplied
                self.statesPublished = statesPublished
                self.statesApplied = statesApplied
                self.fenced = fenced
                self.dropped = dropped
                self.lastError = lastError
            }
        }
        /// AudioHook forwarding (docs/scale-out.md, "AudioHook on any replica"): its connection and counts.
        public struct AudioForwarding: Codable, Sendable, Equatable {
            public var connected: Bool
            /// Rows written for other replicas' orgs, and the events in them.
            public var rowsWritten: Int
            public var eventsForwarded: Int
            /// Rows other replicas wrote for the orgs led here, read, and the events in them.
            public var rowsRead: Int
            public var eventsReceived: Int
            /// Events dropped while the database was unreachable (progress reports and keyword hits).
            public var dropped: Int
            /// Rows that could not be read (logged with their `forward.*` code).
            public var refused: Int
            public var lastError: String?
            public init(connected: Bool, rowsWritten: Int, eventsForwarded: Int, rowsRead: Int, eventsReceived: Int,
                        dropped: Int, refused: Int, lastError: String?) {
                self.connected = connected
                self.rowsWritten = rowsWritten
                self.eventsForwarded = eventsForwarded
                self.rowsRead = rowsRead
                self.eventsReceived = eventsReceived
                self.dropped = dropped
                self.refused = refused
                self.lastError = lastError
            }
        }
        public var replica: String
        /// The leadership session to the database is open.
        public var sessionOpen: Bool
        public var liveReplicas: Int
        /// The most orgs this replica leads: ⌈orgs / live replicas⌉.
        public var share: Int
        /// The orgs whose connector runs here, with their terms.
        public var leading: [Led]
        public var stream: Stream
        public var audioForwarding: AudioForwarding?
        public init(replica: String, sessionOpen: Bool, liveReplicas: Int, share: Int, leading: [Led], stream: Stream,
                    audioForwarding: AudioForwarding? = nil) {
            self.audioForwarding = audioForwarding
            self.replica = replica
            self.sessionOpen = sessionOpen
            self.liveReplicas = liveReplicas
            self.share = share
            self.leading = leading
            self.stream = stream
        }
    }

    /// True once a configuration is loaded (SPEC §3): clients can be served. Orgs may still be connecting
    /// or down — see ``status``. A load balancer probes this (HTTP 200/503); a monitor reads ``status``.
    public var ready: Bool
    /// `ok` when every configured org is open, `degraded` when some are not (listed in ``notOpen``).
    public var status: String
    /// Orgs that are not `open` (connecting, stale or disconnected): their figures are not live.
    public var notOpen: [String]
    /// When the configuration in force was loaded (ISO-8601 UTC).
    public var configLoadedAt: String?
    /// Why the last reload was refused, one line each (`file:line:column: message`).
    public var configErrors: [String]
    /// Settings the file changes that the running bridge applies only at its next start, one line each
    /// (`server.listen: 127.0.0.1:8080 → 0.0.0.0:8080`).
    public var restartNeeded: [String]
    public var orgs: [Org]
    /// In a cluster: this replica's leadership and stream (absent when alone).
    public var cluster: Cluster?

    public init(ready: Bool, configLoadedAt: String? = nil, configErrors: [String] = [], restartNeeded: [String] = [],
                orgs: [Org] = [], cluster: Cluster? = nil) {
        self.cluster = cluster
        self.ready = ready
        self.configLoadedAt = configLoadedAt
        self.configErrors = configErrors
        self.restartNeeded = restartNeeded
        self.orgs = orgs
        self.notOpen = orgs.filter { $0.status != .open }.map(\.id)
        self.status = notOpen.isEmpty && configErrors.isEmpty && restartNeeded.isEmpty
            && orgs.allSatisfy(\.problems.isEmpty) ? "ok" : "degraded"
    }

    /// What a request without a token sees.
    public var summary: Summary { Summary(ready: ready, status: status) }
}
