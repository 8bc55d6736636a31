import Foundation
import Synchronization
import SwitchboardCore

/// Issued access tokens and their per-token rate-limit windows (real time).
final class TokenRegistry: Sendable {
    struct Token {
        let org: String
        let clientID: String
        let expires: EpochMillis
        var revoked = false
        var windowStart: EpochMillis
        var count = 0
    }

    /// What a request's token allows.
    enum Check: Sendable {
        /// Valid; `count` requests so far in the window of `allowed`, which resets in `reset` seconds.
        case ok(org: String, clientID: String, count: Int, allowed: Int, reset: Int)
        case invalid
    }

    private let tokens = Mutex<[String: Token]>([:])
    private let counter = Atomic<UInt64>(0)

    /// Issues an opaque token for `org`.
    func issue(org: String, clientID: String, lifetimeSeconds: Int, realNow: EpochMillis) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        let token = "sim-\(org)-\(n)-\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        tokens.withLock {
            $0[token] = Token(org: org, clientID: clientID, expires: realNow + Int64(lifetimeSeconds) * 1000,
                              windowStart: realNow)
        }
        return token
    }

    /// Checks a token and counts the request against its budget.
    func check(_ token: String, realNow: EpochMillis, allowed: Int) -> Check {
        tokens.withLock { all -> Check in
            guard var t = all[token], !t.revoked, t.expires > realNow else { return .invalid }
            if realNow - t.windowStart >= 60_000 {
                t.windowStart = realNow
                t.count = 0
            }
            t.count += 1
            all[token] = t
            let reset = Int((t.windowStart + 60_000 - realNow + 999) / 1000)
            return .ok(org: t.org, clientID: t.clientID, count: t.count, allowed: allowed, reset: max(1, reset))
        }
    }

    /// The org of a valid token, without counting a request (a WebSocket upgrade).
    func org(of token: String, realNow: EpochMillis) -> String? {
        tokens.withLock { all in
            guard let t = all[token], !t.revoked, t.expires > realNow else { return nil }
            return t.org
        }
    }

    /// Invalidates every token of `org` (the `expire-token` fault). Returns how many.
    @discardableResult
    func revokeAll(org: String) -> Int {
        tokens.withLock { all in
            var n = 0
            for (k, v) in all where v.org == org && !v.revoked {
                all[k]?.revoked = true
                n += 1
            }
            return n
        }
    }
}
