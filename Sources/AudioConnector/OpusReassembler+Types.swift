import Foundation

extension OpusReassembler {
    public typealias Instant = ContinuousClock.Instant

    /// Limits of the reassembly (docs/audio.md, "Reassembly"). The defaults suit 16 kHz stereo speech
    /// in 20 ms packets; every bound holds whatever the sender does.
    public struct Configuration: Sendable, Equatable {
        /// How far (in packets) the highest sequence seen may run ahead of the next one to emit before the
        /// packets behind are given up (emitted if complete, else counted and reported lost). 32 packets:
        /// 640 ms of 20 ms packets.
        public var reorderWindow: UInt32 = 32
        /// How long a packet waits for its missing fragments, or for the packets before it, from the
        /// arrival of its first fragment. 500 ms.
        public var fragmentTimeout: Duration = .milliseconds(500)
        /// The largest packet accepted, 16 KiB (a 120 ms stereo packet at Opus's top bitrate is 7.7 KB).
        public var maxPacketBytes: Int = 16 * 1024
        /// Fragment indexes from 0 up to this minus one are accepted: 256 (a packet's slots are charged
        /// against the byte caps, 8 bytes each).
        public var maxFragmentsPerPacket: Int = 256
        /// Bytes one interaction may hold in unfinished packets (payload plus `fragmentOverhead` per
        /// fragment): 64 KiB. Over it the oldest pending packets are given up.
        public var maxBytesPerInteraction: Int = 64 * 1024
        /// Bytes all interactions of one connection may hold: 1 MiB.
        public var maxBytesPerConnection: Int = 1024 * 1024
        /// The bookkeeping cost charged per buffered fragment, so that a flood of empty fragments is
        /// bounded too: 64 bytes.
        public var fragmentOverhead: Int = 64
        /// A run of missing packets longer than this is reported as one `.skipped` (a discontinuity, not
        /// concealed) rather than a `.lost` each: 256.
        public var maxLostRun: UInt32 = 256
        /// An interaction with no fragment for this long is purged (`.purged`): 60 s.
        public var interactionTTL: Duration = .seconds(60)
        /// Interactions tracked at once; a new one beyond evicts the least recently active: 1024.
        public var maxInteractions: Int = 1024
        /// Ended interactions remembered, so their late fragments are dropped rather than starting a new
        /// stream: 256.
        public var endedMemory: Int = 256

        public init() {}
    }

    /// What the caller does next, in order per interaction.
    public enum Action: Sendable, Equatable {
        /// A whole packet: decode it.
        case packet(interaction: UUID, sequence: UInt32, bytes: [UInt8])
        /// The packet `sequence` will never come: conceal it (`OpusDecoder.decodeLoss`, for the last
        /// packet's duration).
        case lost(interaction: UUID, sequence: UInt32)
        /// `count` packets from `from` on are missing, a run longer than `maxLostRun`: a discontinuity
        /// (a gap in the analysis; reset the decoder), not concealed.
        case skipped(interaction: UUID, from: UInt32, count: UInt32)
        /// The interaction was dropped (idle for `interactionTTL`, or evicted over `maxInteractions`);
        /// its remaining packets were emitted first.
        case purged(interaction: UUID)
    }

    /// Counts of everything the reassembler did and every reason it dropped something.
    public struct Counters: Sendable, Equatable {
        /// Fragments taken into a packet.
        public var fragments = 0
        /// Packets emitted whole (`.packet`).
        public var packets = 0
        /// Packets reported `.lost`.
        public var lostPackets = 0
        /// Packets inside `.skipped` runs.
        public var skippedPackets = 0
        /// Fragments dropped: the same fragment again, or one of a packet already emitted.
        public var duplicateFragments = 0
        /// Fragments dropped: their packet was already given up (reported lost).
        public var lateFragments = 0
        /// Fragments dropped: their interaction had ended.
        public var fragmentsAfterEnd = 0
        /// Fragments dropped: a fragment index of `maxFragmentsPerPacket` or more.
        public var fragmentIndexTooLarge = 0
        /// Packets given up: fragments disagree on which is last.
        public var inconsistentPackets = 0
        /// Packets given up: over `maxPacketBytes`.
        public var oversizePackets = 0
        /// Packets given up: incomplete at `fragmentTimeout`.
        public var timedOutPackets = 0
        /// Packets given up: incomplete when the reorder window moved past them.
        public var windowDiscardedPackets = 0
        /// Packets given up: incomplete when their interaction went over `maxBytesPerInteraction`.
        public var interactionCapDiscards = 0
        /// Packets given up: incomplete when the connection went over `maxBytesPerConnection`.
        public var connectionCapDiscards = 0
        /// Packets given up: incomplete when their interaction ended, expired or was evicted.
        public var incompleteAtEnd = 0
        /// Interactions ended by `interactionEnded`.
        public var interactionsEnded = 0
        /// Interactions purged after `interactionTTL`.
        public var interactionsExpired = 0
        /// Interactions evicted over `maxInteractions`.
        public var interactionsEvicted = 0

        public init() {}
    }

    /// Why pending packets are being given up.
    enum Reason { case timeout, window, interactionCap, connectionCap, end }

    /// One packet being assembled.
    struct Pending {
        var fragments: [[UInt8]?] = []
        var received = 0
        var lastIndex: Int?
        var payloadBytes = 0
        var accountedBytes = 0
        let firstArrival: Instant
        /// Given up (inconsistent or too large): reported lost in turn, later fragments dropped.
        var discarded = false

        var isComplete: Bool { !discarded && lastIndex.map { received == $0 + 1 } == true }

        func joined() -> [UInt8] {
            if fragments.count == 1, let only = fragments[0] { return only }
            var bytes = [UInt8]()
            bytes.reserveCapacity(payloadBytes)
            for fragment in fragments { bytes.append(contentsOf: fragment ?? []) }
            return bytes
        }
    }

    /// One interaction's stream of packets.
    struct Stream {
        /// The next sequence to emit (64-bit so that sequence 0xFFFFFFFF can be passed).
        var next: UInt64 = 0
        var highest: UInt64?
        var pending: [UInt64: Pending] = [:]
        var bytes = 0
        var lastActivity: Instant
        /// Bit i set: sequence `next - 1 - i` was emitted as a packet (tells duplicates from late ones).
        var emitted: UInt64 = 0

        mutating func recordEmitted(_ wasPacket: Bool, count: UInt64 = 1) {
            emitted = count >= 64 ? 0 : emitted << count
            if wasPacket { emitted |= 1 }
            next += count
        }

        /// Takes `frame` straight through when it is a whole packet (fragment 0, flagged last, within the size
        /// limit) that is next in turn with nothing pending, as `add` then `advance` would; false otherwise.
        mutating func takeWholeNextPacket(_ frame: SeedAudioFrame, now: Instant, configuration: Configuration) -> Bool {
            let sequence = UInt64(frame.sequence)
            guard frame.fragmentIndex == 0, frame.isLast, sequence == next, pending.isEmpty,
                  configuration.maxFragmentsPerPacket > 0, frame.payload.count <= configuration.maxPacketBytes
            else { return false }
            lastActivity = now
            highest = max(highest ?? sequence, sequence)
            recordEmitted(true)
            return true
        }

        func wasEmitted(_ sequence: UInt64) -> Bool {
            let distance = next - 1 - sequence
            return distance < 64 && emitted & (1 << distance) != 0
        }
    }
}
