import SwitchboardCore

/// A stable encoding of the minute ring, for an org's part of the global totals in a cluster
/// (``SpeechTextTotalsPart``): `{"today":n,"minutes":[m…],"counts":[n…]}` — the minutes are absolute (epoch
/// minutes), so a replica reads the rolling windows at its own `now`; only minutes with hits are written, oldest
/// first.
extension MinuteCounts: Codable {
    enum CodingKeys: String, CodingKey {
        case today, minutes, counts
    }

    /// The minutes with hits and their counts, oldest first.
    var buckets: [(minute: Int64, count: Int)] {
        (0..<Self.slots).filter { counts[$0] > 0 && minutes[$0] != .min }
            .map { (minutes[$0], counts[$0]) }
            .sorted { $0.minute < $1.minute }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let b = buckets
        try c.encode(today, forKey: .today)
        try c.encode(b.map(\.minute), forKey: .minutes)
        try c.encode(b.map(\.count), forKey: .counts)
    }

    /// Refuses minutes and counts of different lengths, more minutes than the ring holds, or a negative count.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let today = try c.decode(Int.self, forKey: .today)
        let minutes = try c.decode([Int64].self, forKey: .minutes)
        let counts = try c.decode([Int].self, forKey: .counts)
        guard minutes.count == counts.count, minutes.count <= Self.slots, today >= 0, counts.allSatisfy({ $0 >= 0 }),
              !minutes.contains(.min) else {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: c,
                                                   debugDescription: "minutes and counts do not make a minute ring")
        }
        self.init(today: today, buckets: zip(minutes, counts).map { ($0, $1) })
    }
}
