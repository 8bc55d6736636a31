import SwitchboardCore

/// The single-use connection tokens of the discovery answers (`?token=` of the WebSocket URI), on injected
/// real time. A token opens one connection: it is forgotten when redeemed. It is refused once used, after
/// `lifetime` (the answer's `expiresIn`), or when it was issued more than `unusedMaxAge` ago and never used.
struct SimSeedConnectionTokens: Sendable {
    struct Issued: Sendable, Equatable {
        let org: String
        let issuedAt: EpochMillis
        let expiresAt: EpochMillis
    }

    enum Redemption: Sendable, Equatable {
        case valid(org: String)
        /// Unknown, already used, expired or too old: the connection is closed with 4401.
        case refused(reason: String)
    }

    let lifetimeMs: Int64
    let unusedMaxAgeMs: Int64
    private var issued: [String: Issued] = [:]
    /// Tokens redeemed recently, so a reuse can be told apart from an unknown token (in the close reason).
    private var used: [String: EpochMillis] = [:]

    init(lifetimeSeconds: Int, unusedMaxAgeMs: Int64) {
        lifetimeMs = Int64(max(1, lifetimeSeconds)) * 1000
        self.unusedMaxAgeMs = max(1, unusedMaxAgeMs)
    }

    /// Records `token` for `org`; `expired` (the fault) issues it already expired.
    mutating func issue(_ token: String, org: String, realNow: EpochMillis, expired: Bool = false) {
        prune(realNow: realNow)
        let issuedAt = expired ? realNow - lifetimeMs - 1 : realNow
        issued[token] = Issued(org: org, issuedAt: issuedAt, expiresAt: issuedAt + lifetimeMs)
    }

    /// Uses `token` up (whatever the answer).
    mutating func redeem(_ token: String, realNow: EpochMillis) -> Redemption {
        guard let t = issued.removeValue(forKey: token) else {
            return .refused(reason: used[token] != nil ? "the connection token was already used" : "unknown connection token")
        }
        used[token] = realNow
        if realNow >= t.expiresAt { return .refused(reason: "the connection token expired") }
        if realNow - t.issuedAt > unusedMaxAgeMs {
            return .refused(reason: "the connection token was not used within \(unusedMaxAgeMs / 1000) s")
        }
        return .valid(org: t.org)
    }

    /// Tokens that can still be redeemed.
    var outstanding: Int { issued.count }

    /// Forgets tokens that can no longer open anything, and old records of used ones.
    private mutating func prune(realNow: EpochMillis) {
        let horizon = max(lifetimeMs, unusedMaxAgeMs)
        if issued.count > 64 { issued = issued.filter { realNow - $0.value.issuedAt <= horizon } }
        if used.count > 256 { used = used.filter { realNow - $0.value <= horizon } }
    }
}
