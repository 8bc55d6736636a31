/// How one call's audio is cut into Opus packets for the seed Audio Connector: a seeded stream of packet
/// durations and fragment counts, the same for the same call and seed.
///
/// Durations are mostly 10, 20, 40 and 60 ms, with a few 2.5, 5 and 120 ms packets so clients meet every
/// shape (a packet's duration must be read from its TOC byte, never assumed). 2.5 ms packets come in pairs, so
/// every packet boundary after a pair lies on a whole millisecond. A share of packets (`fragmentShare`) is cut
/// into 2–4 fragments.
struct SimSeedPacketPlan: Sendable {
    /// One packet to come: its duration in microseconds and how many fragments it is cut into.
    struct Slot: Sendable, Equatable {
        var durationUs: Int64
        var fragments: Int
    }

    /// Durations (µs) and their weights (per mille).
    static let durations: [(us: Int64, weight: Int)] = [
        (2_500, 20), (5_000, 25), (10_000, 150), (20_000, 430), (40_000, 150), (60_000, 195), (120_000, 30),
    ]

    let fragmentShare: Double
    private var rng: SimRandom

    init(seed: UInt64, fragmentShare: Double) {
        rng = SimRandom(seed: seed ^ 0x5EED_A0D1_0C0D_EC00)
        self.fragmentShare = min(1, max(0, fragmentShare))
    }

    /// The next packet(s): one slot, or two of 2.5 ms.
    mutating func next() -> [Slot] {
        var roll = rng.int(0...999)
        var duration: Int64 = 20_000
        for d in Self.durations {
            if roll < d.weight {
                duration = d.us
                break
            }
            roll -= d.weight
        }
        let count = duration == 2_500 ? 2 : 1
        return (0..<count).map { _ in Slot(durationUs: duration, fragments: rng.chance(fragmentShare) ? rng.int(2...4) : 1) }
    }

    /// Random bytes for a garbage packet: `count` (at least 2) bytes framed so libopus refuses them — a TOC
    /// byte of code 3 (frame count follows) and a frame count of 0 — whatever the rest.
    mutating func garbage(count: Int) -> [UInt8] {
        var bytes = (0..<max(2, count)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        bytes[0] |= 0x03
        bytes[1] &= 0xC0
        return bytes
    }
}
