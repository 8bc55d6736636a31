import Foundation
import SwitchboardCore

/// Plausible past days of one simulated org, as closed 15-minute history buckets (docs/store.md, "The
/// demo's back-fill"): what `switchboard demo` writes into its store before the bridge starts, so the
/// dashboard's trends have a yesterday and a last week on first start.
///
/// Replaying a week of the workload model would take minutes, so this is the model's shape instead of
/// its events: the org's real directory (agent ids, queue memberships), the business day's load curve by
/// local hour (``OrgModel/dayShape(localHour:)``, which the call rate follows) and the occupancy it gives
/// (the offered load is ≈ 0.88 × the curve × the agents on queue), with seeded per-day, per-agent and
/// per-bucket variation. Deterministic: a pure function of the seed, the directory and the bucket's time.
struct SimBackfill: Sendable {
    /// An agent of the directory and the queues it is a member of (platform ids).
    struct Member: Sendable {
        let id: String
        let queues: [String]
    }

    let org: OrgID
    let timeZone: TimeZone
    let members: [Member]
    private let salt: UInt64

    init(org: String, orgIndex: Int, seed: UInt64, timeZone: TimeZone, members: [Member]) {
        self.org = OrgID(org)
        self.timeZone = timeZone
        self.members = members
        salt = Self.mix(seed ^ 0xBAC4_F111_0000_0000, UInt64(orgIndex + 1))
    }

    /// Share of agent-buckets with productive time all through, part of it, or none (a break, a meal, a
    /// meeting, offline): about three quarters of the time on queue, as the model's presence mix gives.
    static let fullShare = 0.62
    static let partShare = 0.22

    /// The buckets starting in `[from, to)` (15-minute aligned), oldest first.
    func buckets(from: EpochMillis, to: EpochMillis) -> [ClosedBucket] {
        var out: [ClosedBucket] = []
        var b = Bucket.start(of: from)
        if b < from { b += Bucket.widthMs }
        while b < to {
            out.append(bucket(start: b))
            b += Bucket.widthMs
        }
        return out
    }

    /// One closed bucket: every agent with time in it, each queue (its members' sum, as the views count
    /// it) and the org (the agents' sum).
    func bucket(start b: EpochMillis) -> ClosedBucket {
        let mid = b + Bucket.widthMs / 2
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(mid) / 1000))) * 1000
        let local = mid + offset
        let day = Self.floorDiv(local, 86_400_000)
        let hour = Double(local - day * 86_400_000) / 3_600_000
        // A busier or quieter day (±7 %), the same for every agent of the org.
        let dayFactor = 0.93 + 0.14 * Self.unit(Self.mix(salt, UInt64(bitPattern: day)))
        let target = 0.88 * OrgModel.dayShape(localHour: hour) * dayFactor
        let width = Double(Bucket.widthMs)
        var agents: [String: OccupancySample] = [:]
        agents.reserveCapacity(members.count)
        var queues: [String: OccupancySample] = [:]
        var total = OccupancySample(handlingMs: 0, productiveMs: 0)
        for (i, m) in members.enumerated() {
            let agentSalt = Self.mix(salt, UInt64(i) &+ 0x1000)
            let base = Self.mix(agentSalt, UInt64(bitPattern: b))
            let roll = Self.unit(base)
            let productive: Double
            if roll < Self.fullShare {
                productive = width
            } else if roll < Self.fullShare + Self.partShare {
                productive = width * (0.15 + 0.8 * Self.unit(Self.mix(base, 1)))
            } else {
                continue
            }
            // Some agents run a little hotter than others (±10 %), and no bucket is like the last (±15 %).
            let skill = 0.9 + 0.2 * Self.unit(agentSalt)
            let noise = 0.85 + 0.3 * Self.unit(Self.mix(base, 2))
            let occupancy = min(0.97, max(0.05, target * skill * noise))
            let sample = OccupancySample(handlingMs: Int64((productive * occupancy).rounded()),
                                         productiveMs: Int64(productive.rounded()))
            agents[m.id] = sample
            total.handlingMs += sample.handlingMs
            total.productiveMs += sample.productiveMs
            for q in m.queues {
                var s = queues[q] ?? OccupancySample(handlingMs: 0, productiveMs: 0)
                s.handlingMs += sample.handlingMs
                s.productiveMs += sample.productiveMs
                queues[q] = s
            }
        }
        return ClosedBucket(org: org, start: b, agents: agents, queues: queues, total: total)
    }

    // MARK: Hashing (SplitMix64's finaliser: independent of the order buckets are asked for)

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = (a ^ (b &* 0x9E37_79B9_7F4A_7C15)) &+ 0x632B_E59B_D9B4_E019
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    static func unit(_ x: UInt64) -> Double { Double(x >> 11) / Double(UInt64(1) << 53) }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
