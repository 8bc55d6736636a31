import Foundation

/// One binary Audio Connector message: a fragment of one Opus packet behind a 24-byte big-endian
/// header (docs/audio.md, "The seed Audio Connector"):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 1 | version, `1` |
/// | 1 | 1 | flags: bit 0 = last fragment of the packet (other bits reserved, ignored) |
/// | 2 | 2 | fragment index within the packet, from 0 |
/// | 4 | 16 | interaction id (the conversation UUID's 16 bytes) |
/// | 20 | 4 | packet sequence number within the interaction, from 0 |
/// | 24 | … | this fragment's bytes of the Opus packet |
public struct SeedAudioFrame: Sendable, Equatable {
    public static let headerSize = 24
    public static let currentVersion: UInt8 = 1
    /// Flag bit 0: this is the packet's last fragment.
    public static let lastFragmentFlag: UInt8 = 0x01

    public var version: UInt8
    /// The raw flags byte (bit 0 = last; the rest reserved and kept as received).
    public var flags: UInt8
    public var fragmentIndex: UInt16
    public var interaction: UUID
    public var sequence: UInt32
    /// This fragment's bytes of the packet; on decode, a slice of the message (no copy).
    public var payload: ArraySlice<UInt8>

    public init(version: UInt8 = SeedAudioFrame.currentVersion, isLast: Bool, fragmentIndex: UInt16,
                interaction: UUID, sequence: UInt32, payload: ArraySlice<UInt8>) {
        self.version = version
        self.flags = isLast ? Self.lastFragmentFlag : 0
        self.fragmentIndex = fragmentIndex
        self.interaction = interaction
        self.sequence = sequence
        self.payload = payload
    }

    /// Whether this is the packet's last fragment (flag bit 0).
    public var isLast: Bool { flags & Self.lastFragmentFlag != 0 }

    /// The interaction (conversation) id as Genesys writes it: lower-case, hyphenated.
    public var interactionId: String { interaction.uuidString.lowercased() }

    /// Reads one binary message. Throws `SeedAudioError` (`seed-audio.too-short`,
    /// `seed-audio.unknown-version`); the payload may be empty (an empty middle fragment is legal).
    public static func decode(_ message: ArraySlice<UInt8>) throws(SeedAudioError) -> SeedAudioFrame {
        guard message.count >= headerSize else { throw .tooShort(message.count) }
        let start = message.startIndex
        let version = message[start]
        guard version == currentVersion else { throw .unknownVersion(version) }
        let flags = message[start + 1]
        let index = UInt16(message[start + 2]) << 8 | UInt16(message[start + 3])
        let u = start + 4
        let uuid = UUID(uuid: (message[u], message[u + 1], message[u + 2], message[u + 3], message[u + 4],
                               message[u + 5], message[u + 6], message[u + 7], message[u + 8], message[u + 9],
                               message[u + 10], message[u + 11], message[u + 12], message[u + 13], message[u + 14],
                               message[u + 15]))
        var sequence: UInt32 = 0
        for offset in 20..<24 { sequence = sequence << 8 | UInt32(message[start + offset]) }
        var frame = SeedAudioFrame(version: version, isLast: false, fragmentIndex: index, interaction: uuid,
                                   sequence: sequence, payload: message[(start + headerSize)...])
        frame.flags = flags
        return frame
    }

    /// Reads one binary message.
    public static func decode(_ message: [UInt8]) throws(SeedAudioError) -> SeedAudioFrame {
        try decode(message[...])
    }

    /// The message bytes: header then payload.
    public func encoded() -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.headerSize + payload.count)
        bytes.append(version)
        bytes.append(flags)
        bytes.append(UInt8(fragmentIndex >> 8))
        bytes.append(UInt8(fragmentIndex & 0xFF))
        withUnsafeBytes(of: interaction.uuid) { bytes.append(contentsOf: $0) }
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((sequence >> UInt32(shift)) & 0xFF)) }
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Cuts one Opus packet into fragments of at most `maxPayload` bytes each (the sender's side, for
    /// the simulator and tests); the last is flagged. A packet cuts into at most 65536 fragments.
    public static func fragments(of packet: [UInt8], interaction: UUID, sequence: UInt32,
                                 maxPayload: Int) throws(SeedAudioError) -> [SeedAudioFrame] {
        let size = max(1, maxPayload)
        let count = max(1, (packet.count + size - 1) / size)
        guard count <= Int(UInt16.max) + 1 else { throw .payloadTooLarge(packet.count) }
        return (0..<count).map { index in
            let lower = index * size
            let upper = min(packet.count, lower + size)
            return SeedAudioFrame(isLast: index == count - 1, fragmentIndex: UInt16(index), interaction: interaction,
                                  sequence: sequence, payload: packet[lower..<upper])
        }
    }
}
