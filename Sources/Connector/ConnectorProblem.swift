import GenesysAPI
import SwitchboardCore

/// Turns a refusal by the platform into the text an operator sees on the org card and `/readyz`: which
/// feature is off, which permission the OAuth client lacks (as the platform names it), and what to do.
enum ConnectorProblem {
    /// How long a feature waits after a 403 before asking again, as a multiple of its poll interval: the
    /// role will not be granted in the next 30 seconds, and every refused call spends rate-limit budget.
    static let refusedBackoffFactor: Int64 = 10
    /// ... and at most this long (15 min of business time).
    static let refusedBackoffCap: EpochMillis = 15 * 60_000

    /// The wait after a refusal for a feature polled every `every` ms.
    static func refusedBackoff(every: EpochMillis) -> EpochMillis {
        min(refusedBackoffCap, max(60_000, every * refusedBackoffFactor))
    }

    /// The problem text for `error` if it is a refusal (HTTP 403), else nil.
    static func permission(_ error: any Error, feature: String, endpoint: String) -> String? {
        guard let e = error as? GenesysAPIError, e.status == 403 else { return nil }
        let missing = permissions(in: e.message)
        let what = missing.isEmpty ? "is not allowed to call \(endpoint)" : "lacks \(missing.joined(separator: ", "))"
        return "\(feature): the OAuth client \(what) (HTTP 403); grant the view permission to the client's role "
            + "(docs/permissions.md) — retried every few minutes, nothing else is affected"
    }

    /// Permission names (`domain:entity:action`) in a platform message such as "You are missing the
    /// following permission(s): [analytics:evaluationAggregate:view]".
    static func permissions(in message: String) -> [String] {
        var out: [String] = []
        for word in message.split(whereSeparator: { " [],()\"'".contains($0) }) {
            let parts = word.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3,
                  parts.allSatisfy({ ($0.first?.isLetter ?? false) && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "*" } })
            else { continue }
            let p = String(word)
            if !out.contains(p) { out.append(p) }
        }
        return out
    }

    /// The problem text for topics the Notification API refused (`state: Rejected`).
    static func rejectedTopics(_ rejected: [ChannelTopic]) -> String? {
        guard let first = rejected.first else { return nil }
        let missing = Array(Set(rejected.flatMap { $0.missingPermissions ?? [] })).sorted()
        let why = missing.isEmpty ? (first.rejectionReason ?? "no reason given") : "the OAuth client lacks " + missing.joined(separator: ", ")
        return "notifications: \(rejected.count) topic(s) refused, e.g. \(first.id) — \(why); "
            + "those figures come only from REST re-syncs until the role is granted (docs/permissions.md)"
    }

    /// The problem text for ids listed under the org's `users:` or `queues:` that its directory does not
    /// hold (a deleted user, an id from another org, a typo that is still a UUID): they are not watched,
    /// and the platform would refuse an analytics query naming them (422). Nil when every id was found.
    static func unknownIDs(_ key: String, wanted: Set<String>, found: Set<String>) -> String? {
        let missing = wanted.subtracting(found).sorted()
        guard !missing.isEmpty else { return nil }
        let shown = missing.prefix(3).joined(separator: ", ") + (missing.count > 3 ? ", …" : "")
        return "\(key): \(missing.count) of the \(wanted.count) ids in this org's '\(key):' list are not in its directory "
            + "(\(shown)); they are not watched — correct or remove them in the orgs YAML (ids from another org or "
            + "of deleted \(key) do not work)"
    }
}

extension ConnectorProblem {
    /// The org's `token` problem while its token requests fail: what failed (code and HTTP status; never a
    /// secret), for how long, how long the current token still lasts, when the next attempt is and what to check.
    static func token(_ error: GenesysAPIError, _ f: TokenStateMachine.Failure, now: ContinuousClock.Instant) -> String {
        let attempts = f.attempt == 1 ? "1 failed attempt" : "\(f.attempt) failed attempts over \((now - f.since).shortText)"
        let next = "next attempt in \((f.retryAt - now).shortText)"
        let check = error.code == "genesys.auth-failed"
            ? "the login host refused the credentials: check this org's clientId and clientSecret in the orgs YAML "
                + "(and that the OAuth client has the client-credentials grant)"
            : "if it persists, check this org's OAuth client (clientId, clientSecret, client-credentials grant) and "
                + "loginBase in the orgs YAML"
        guard let expires = f.expiresAt else {
            return "token: no usable token (\(attempts); last: \(tokenError(error))) — this org's REST calls, re-syncs "
                + "and reconnects fail until one is issued; \(next); \(check)"
        }
        return "token: renewal failing (\(attempts); last: \(tokenError(error))) — the current token still lasts "
            + "\((expires - now).shortText), the sockets stay up; \(next); \(check)"
    }

    /// `genesys.server-error, HTTP 500`, or `genesys.transport, no HTTP answer`.
    static func tokenError(_ error: GenesysAPIError) -> String {
        error.status.map { "\(error.code), HTTP \($0)" } ?? "\(error.code), no HTTP answer"
    }
}
