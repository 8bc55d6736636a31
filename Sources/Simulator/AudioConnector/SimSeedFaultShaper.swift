import AudioConnector

/// Applies the packet faults to one stream of fragments (one call at one sample rate), as a pure function
/// of what it is given: a fragment left out, a fragment sent twice, or a packet's fragments held back two
/// packets and sent in reverse order.
struct SimSeedFaultShaper: Sendable {
    /// What happens to one packet.
    enum Directive: Sendable, Equatable {
        case none
        /// One fragment (the one before the last) is not sent; the packet has at least two.
        case missingFragment
        /// The first fragment is sent again after the packet's others.
        case duplicateFragment
        /// The packet's fragments are sent in reverse order after the next two packets.
        case reorder
        /// The packet's bytes are random (the caller replaces them); the fragments go as they are.
        case garbage

        init(_ fault: SimSeedAudioFault) {
            switch fault {
            case .missingFragment: self = .missingFragment
            case .duplicateFragment: self = .duplicateFragment
            case .reorder: self = .reorder
            case .garbageOpus: self = .garbage
            default: self = .none
            }
        }

        /// Whether the packet still reaches the client whole and real.
        var keepsPacketIntact: Bool { self != .missingFragment && self != .garbage }
    }

    /// Packets after which a reordered packet is sent.
    static let reorderDelay = 2
    private var held: [(after: Int, frames: [SeedAudioFrame])] = []

    /// The fragments to send for one packet (its own, shaped, then any held packet whose turn came).
    mutating func shape(_ frames: [SeedAudioFrame], _ directive: Directive) -> [SeedAudioFrame] {
        var out: [SeedAudioFrame] = []
        switch directive {
        case .none, .garbage:
            out = frames
        case .missingFragment:
            out = frames
            if out.count >= 2 { out.remove(at: out.count - 2) } else { out.removeAll() }
        case .duplicateFragment:
            out = frames
            if let first = frames.first { out.append(first) }
        case .reorder:
            held.append((Self.reorderDelay, Array(frames.reversed())))
        }
        if directive != .reorder { out += releaseDue() }
        return out
    }

    /// Sends whatever is still held (before a pause or the end).
    mutating func flush() -> [SeedAudioFrame] {
        defer { held.removeAll() }
        return held.flatMap(\.frames)
    }

    var isHolding: Bool { !held.isEmpty }

    private mutating func releaseDue() -> [SeedAudioFrame] {
        var out: [SeedAudioFrame] = []
        var kept: [(after: Int, frames: [SeedAudioFrame])] = []
        for var h in held {
            h.after -= 1
            if h.after <= 0 { out += h.frames } else { kept.append(h) }
        }
        held = kept
        return out
    }
}
