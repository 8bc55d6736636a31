import SwitchboardCore

/// Rendezvous (highest random weight) hashing of replicas and orgs: each replica ranks the orgs by
/// ``score(replica:org:)``, so replicas prefer different orgs, and the preference of the others is unchanged
/// when a replica comes or goes (docs/scale-out.md, "Spread").
///
/// The score is FNV-1a 64 of `replica|org` (UTF-8), finished with SplitMix64's mixer so that near-identical
/// names (`r1`, `r2`) spread over the whole range. Deterministic on every platform and across releases: every
/// replica computes the same scores.
public enum RendezvousHash {
    /// The weight of `org` for `replica`; higher is preferred.
    public static func score(replica: String, org: OrgID) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ byte: UInt8) {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        for b in replica.utf8 { add(b) }
        add(UInt8(ascii: "|"))
        for b in org.rawValue.utf8 { add(b) }
        var z = h
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `orgs` in `replica`'s order of preference: highest score first, ties by org id.
    public static func preference(of replica: String, among orgs: some Sequence<OrgID>) -> [OrgID] {
        orgs.map { (org: $0, score: score(replica: replica, org: $0)) }
            .sorted { ($0.score, $1.org) > ($1.score, $0.org) }
            .map(\.org)
    }

    /// The replicas in `org`'s order of preference: highest score first, ties by name.
    public static func ranking(of org: OrgID, among replicas: some Sequence<String>) -> [String] {
        replicas.map { (replica: $0, score: score(replica: $0, org: org)) }
            .sorted { ($0.score, $1.replica) > ($1.score, $0.replica) }
            .map(\.replica)
    }

    /// A placement every replica computes alike from the same inputs: each org goes to the replica that scores
    /// it highest among those with room left, pairs taken from the highest score down, at most `capacity`
    /// orgs per replica. Orgs left over when `capacity × replicas < orgs` are not placed.
    public static func assignment(orgs: some Collection<OrgID>, replicas: some Collection<String>,
                                  capacity: Int) -> [OrgID: String] {
        var pairs: [(score: UInt64, org: OrgID, replica: String)] = []
        pairs.reserveCapacity(orgs.count * replicas.count)
        for org in Set(orgs) {
            for replica in Set(replicas) { pairs.append((score(replica: replica, org: org), org, replica)) }
        }
        pairs.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.org != b.org { return a.org < b.org }
            return a.replica < b.replica
        }
        var placed: [OrgID: String] = [:]
        var load: [String: Int] = [:]
        for pair in pairs where placed[pair.org] == nil && load[pair.replica, default: 0] < capacity {
            placed[pair.org] = pair.replica
            load[pair.replica, default: 0] += 1
        }
        return placed
    }

    /// The most orgs one replica leads: ⌈orgs / replicas⌉ (0 without orgs or replicas).
    public static func share(orgs: Int, replicas: Int) -> Int {
        guard orgs > 0, replicas > 0 else { return 0 }
        return (orgs + replicas - 1) / replicas
    }
}
