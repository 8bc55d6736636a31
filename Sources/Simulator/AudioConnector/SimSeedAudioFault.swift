/// Faults of the simulated seed Audio Connector (`POST /_sim/faults` kinds `seed-audio-…`; docs/simulator.md,
/// "The seed Audio Connector"). Discovery and connection faults act on the org's discoveries and sockets; the
/// others are queued for the org and taken by one call, listed in that call's session (`faults` in the truth).
public enum SimSeedAudioFault: String, Sendable, Equatable, Hashable, CaseIterable {
    /// The org's next discovery hands out a token that has already expired: the upgrade is closed with 4401.
    case expiredURI = "seed-audio-expired-uri"
    /// The org moves to the next region (and media node) for later discoveries; its open connections are
    /// closed with 1001.
    case rotate = "seed-audio-rotate"
    /// A streaming connection of the org is closed abruptly, without a close frame.
    case drop = "seed-audio-drop"
    /// One fragment of one packet is never sent (the packet cannot complete).
    case missingFragment = "seed-audio-missing-fragment"
    /// One fragment of one packet is sent twice.
    case duplicateFragment = "seed-audio-duplicate-fragment"
    /// One packet's fragments are sent in reverse order, two packets late.
    case reorder = "seed-audio-reorder"
    /// One packet is replaced by random bytes that are not a valid Opus packet.
    case garbageOpus = "seed-audio-garbage-opus"
    /// The next call's `interaction` comes only after about 2 s of its audio.
    case metadataLate = "seed-audio-metadata-late"
    /// The next call gets no `interaction` at all.
    case metadataNever = "seed-audio-metadata-never"

    public var kind: String { rawValue }

    /// Taken by the next packet of a streaming call (else of the next call to stream).
    public var isPacketFault: Bool {
        switch self {
        case .missingFragment, .duplicateFragment, .reorder, .garbageOpus: true
        default: false
        }
    }

    /// Taken by the next call whose metadata has not been sent yet.
    public var isMetadataFault: Bool { self == .metadataLate || self == .metadataNever }
}
