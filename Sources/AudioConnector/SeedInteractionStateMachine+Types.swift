import Foundation
import SwitchboardCore

extension SeedInteractionStateMachine {
    public typealias Instant = ContinuousClock.Instant

    /// The timings of docs/audio.md, "Streams, interactions and sessions".
    public struct Configuration: Sendable, Equatable {
        /// `.opened` waits this long after an interaction's first packet for its `interaction` metadata.
        public var metadataGrace: Duration = .milliseconds(500)
        /// Audio held per interaction while `.opened` waits (Opus bytes); beyond it the oldest is analysed at once.
        public var metadataBufferBytes: Int = 64 * 1024
        /// Quiet of this long or more beyond the end of the last packet, with no sequence gap, is a pause (hold,
        /// transfer): a gap in the analysis by wall time.
        public var pauseAfter: Duration = .seconds(1)
        /// No metadata this long after the first packet: look the conversation up over REST, once.
        public var metadataTTL: Duration = .seconds(10)
        /// No audio (and no metadata) for this long: the session ends with `timeout`.
        public var interactionTTL: Duration = .seconds(60)
        /// `.progress` about this often (on a packet's arrival) while audio flows.
        public var progressInterval: Duration = .milliseconds(400)
        /// How early a progress report may go out (packets arrive with jitter).
        public var progressTolerance: Duration = .milliseconds(20)
        /// Interactions tracked at once (sessions and metadata waiting for audio); a new one beyond evicts the
        /// least recently active (a session so evicted ends with `timeout`).
        public var maxInteractions: Int = 4096
        /// Ended interactions remembered, so their late packets and repeated `interactionEnded` are ignored.
        public var endedMemory: Int = 4096
        /// The packet duration assumed for a loss before any packet was measured.
        public var defaultPacketDuration: Duration = .milliseconds(20)

        public init() {}
    }

    /// One item of an interaction's stream, in sequence order, as the reassembler hands it on.
    public enum Media: Sendable, Equatable {
        /// A whole Opus packet: decode it.
        case packet(sequence: UInt32, bytes: [UInt8])
        /// A packet that will never come: conceal it.
        case lost(sequence: UInt32)
        /// A run of missing packets too long to conceal: a discontinuity (reset the decoder, a gap).
        case skipped(from: UInt32, count: UInt32)

        var bytes: Int {
            if case .packet(_, let b) = self { b.count } else { 0 }
        }
    }

    /// What the transport knows of the call besides its audio (the `interaction` message or a REST lookup).
    public struct Hints: Sendable, Equatable {
        public var agentId: String?
        public var queueId: String?
        /// `inbound` or `outbound`.
        public var direction: String?

        public init(agentId: String? = nil, queueId: String? = nil, direction: String? = nil) {
            self.agentId = agentId
            self.queueId = queueId
            self.direction = direction
        }

        /// These hints with `other`'s fields where `other` has one (`override`), or only where these have none.
        func merged(with other: Hints, override: Bool) -> Hints {
            if override {
                return Hints(agentId: other.agentId ?? agentId, queueId: other.queueId ?? queueId,
                             direction: other.direction ?? direction)
            }
            return Hints(agentId: agentId ?? other.agentId, queueId: queueId ?? other.queueId,
                         direction: direction ?? other.direction)
        }
    }

    /// A session to report as `.opened` (or again, with new hints, when `repeated`).
    public struct Opening: Sendable, Equatable {
        public var interaction: UUID
        /// The metadata's `startTime` when known before the first report, else the business time of the first packet.
        public var openedAt: EpochMillis
        /// In stream (interleaving) order.
        public var channels: [SpeechChannel]
        public var hints: Hints
        /// A repeated `.opened` of a live session: only its hints are new.
        public var repeated: Bool

        public init(interaction: UUID, openedAt: EpochMillis, channels: [SpeechChannel], hints: Hints, repeated: Bool) {
            self.interaction = interaction
            self.openedAt = openedAt
            self.channels = channels
            self.hints = hints
            self.repeated = repeated
        }

        /// The conversation id as Genesys writes it.
        public var interactionId: String { interaction.uuidString.lowercased() }
    }

    /// Why a session ended (``SpeechSessionEnded/reason``).
    public enum EndReason: String, Sendable, Equatable {
        /// `interactionEnded` arrived.
        case completed
        /// No audio for `interactionTTL`, or evicted.
        case timeout
        /// The org stopped (removed, shutdown).
        case disconnected
    }

    /// What the owner does, in order.
    public enum Action: Sendable, Equatable {
        /// Send `.opened` for the session `seed/<interactionId>`.
        case open(Opening)
        /// Decode or conceal this item and analyse the audio.
        case analyse(interaction: UUID, Media)
        /// A pause: a gap of this wall-time length in the analysis.
        case gap(interaction: UUID, Duration)
        /// Send `.progress` with the figures so far.
        case progress(interaction: UUID, paused: Bool)
        /// Send `.ended` with the final figures; forget the interaction's decoder and analyser.
        case end(interaction: UUID, reason: EndReason)
        /// Look the conversation up over REST (`GET /api/v2/conversations/{id}`) and call
        /// ``SeedInteractionStateMachine/lookedUp(_:hints:now:)``.
        case lookup(interaction: UUID)
    }

    /// Counts of what was dropped or done, for metrics and tests; they only go up.
    public struct Counters: Sendable, Equatable {
        /// Items of an interaction already analysed (the same packet from a second connection, or a reconnect).
        public var duplicates = 0
        /// Items of an interaction that had ended.
        public var afterEnd = 0
        /// Losses reported before an interaction's first packet (it began before we joined): not concealed.
        public var leadingLosses = 0
        /// Metadata whose `interactionId` is not a UUID.
        public var invalidIds = 0
        /// REST lookups asked for.
        public var lookups = 0
        /// Pauses detected.
        public var pauses = 0
        /// Packets analysed before `.opened` because the metadata buffer was full.
        public var bufferOverflows = 0
        /// Interactions evicted over `maxInteractions`.
        public var evicted = 0

        public init() {}
    }

    /// A held item of a session that is not opened yet.
    enum Held: Sendable {
        case media(Media)
        case gap(Duration)
    }

    /// One interaction: metadata, and once audio came, its session.
    struct Record: Sendable {
        var hints = Hints()
        var metadataStart: EpochMillis?
        var channels: [SpeechChannel]?
        var hasMetadata = false
        var lookupAsked = false
        /// Real time of the last packet or metadata (the TTL runs from it).
        var lastActivity: Instant
        // The session (once a packet came).
        var firstArrival: Instant?
        var firstWall: EpochMillis?
        var opened = false
        var openedAt: EpochMillis = 0
        var sentChannels: [SpeechChannel] = []
        var lastSequence: UInt32?
        /// Where the audio received so far ends in real time (each packet adds its duration from its arrival on).
        var streamEnd: Instant?
        var lastDuration: Duration
        var paused = false
        var lastProgress: Instant?
        var held: [Held] = []
        var heldBytes = 0

        var isSession: Bool { firstArrival != nil }
    }
}
