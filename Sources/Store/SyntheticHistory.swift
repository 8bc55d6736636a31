import SwitchboardCore

/// Deterministic synthetic closed buckets, for the size measurement (`switchboard store fill`), the
/// torn-write test's child (`switchboard store write-loop`) and the bench. Not used by the bridge.
public struct SyntheticHistory: Sendable {
    public let agentIDs: [String]
    public let queueIDs: [String]
    public let activeShare: Double
    private var rng: SplitMix64

    public init(seed: UInt64, agents: Int, queues: Int, activeShare: Double) {
        // UUID-shaped platform ids, as Genesys has them.
        agentIDs = (0..<agents).map { Self.uuid(0xA, seed, $0) }
        queueIDs = (0..<queues).map { Self.uuid(0xB, seed, $0) }
        self.activeShare = activeShare
        rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15)
    }

    /// One closed bucket: each agent has time with probability `activeShare` (logged in the whole bucket
    /// 60 % of the time, else part of it; handling up to productive); queues get their members' share and
    /// count;
    /// the total is the agents' sum.
    public mutating func bucket(org: OrgID, start: EpochMillis) -> ClosedBucket {
        let width = UInt64(Bucket.widthMs)
        var agents: [String: OccupancySample] = [:]
        agents.reserveCapacity(agentIDs.count)
        var queues: [String: OccupancySample] = [:]
        var queueAgents: [String: Int] = [:]
        var total = OccupancySample(handlingMs: 0, productiveMs: 0)
        for (i, id) in agentIDs.enumerated() {
            guard Double(next() % 10_000) < activeShare * 10_000 else { continue }
            let productive = next() % 10 < 6 ? width : 1 + next() % width
            let handling = next() % (productive + 1)
            let sample = OccupancySample(handlingMs: Int64(handling), productiveMs: Int64(productive))
            agents[id] = sample
            total.handlingMs += sample.handlingMs
            total.productiveMs += sample.productiveMs
            if !queueIDs.isEmpty {
                let q = queueIDs[i % queueIDs.count]
                queues[q, default: OccupancySample(handlingMs: 0, productiveMs: 0)].handlingMs += sample.handlingMs
                queues[q]?.productiveMs += sample.productiveMs
                queueAgents[q, default: 0] += 1
            }
        }
        return ClosedBucket(org: org, start: start, agents: agents, queues: queues, total: total, queueAgents: queueAgents)
    }

    /// A day of one agent's utilization intervals as the connector's entity has them (docs/utilization.md):
    /// `intervals` 30-minute intervals with every field, and the day's totals (~3.5 KB for 16 intervals).
    public mutating func utilizationDocument(org: OrgID, agent: String, dayStart: EpochMillis, intervals: Int = 16) -> [UInt8] {
        func time(_ minutes: Int) -> String {
            let h = minutes / 60, m = minutes % 60
            return "2026-05-07T\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m):00.000-04:00"
        }
        var items: [String] = []
        for k in 0..<intervals {
            let handle = next() % 1_800_000, count = next() % 9
            items.append(#"{"start":"\#(time(480 + 30 * k))","end":"\#(time(510 + 30 * k))","handleMs":\#(handle),"handleCount":\#(count),"ahtMs":\#(count > 0 ? String(handle / count) : "null"),"talkMs":\#(next() % (handle + 1)),"heldMs":\#(next() % 60_000),"acwMs":\#(next() % 200_000),"connected":\#(count),"open":false}"#)
        }
        let id = "\(org.rawValue)/\(agent)"
        let text = #"{"id":"\#(id)","type":"agent","org":"\#(org.rawValue)","agent":"\#(id)","timeZone":"America/New_York","day":"2026-05-07T00:00:00.000-04:00","intervals":[\#(items.joined(separator: ","))],"totals":{"intervals":\#(intervals),"handleMs":\#(next() % 30_000_000),"handleCount":\#(next() % 100),"ahtMs":\#(next() % 600_000),"talkMs":\#(next() % 20_000_000),"heldMs":\#(next() % 900_000),"acwMs":\#(next() % 3_000_000),"connected":\#(next() % 100)}}"#
        return Array(text.utf8)
    }

    public mutating func chance(_ share: Double) -> Bool { Double(next() % 10_000) < share * 10_000 }

    private mutating func next() -> UInt64 { rng.next() }

    private static func uuid(_ kind: UInt64, _ seed: UInt64, _ i: Int) -> String {
        func hex(_ v: UInt64, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let mixed = (UInt64(i) &+ 1) &* 0x9E37_79B9_7F4A_7C15 ^ seed
        return "\(hex(mixed >> 32, 8))-\(hex(kind, 4))-4\(hex((mixed >> 20) & 0xFFF, 3))-8\(hex(mixed & 0xFFF, 3))-\(hex(UInt64(i), 12))"
    }
}
