import GenesysAPI
import SwitchboardCore

/// What the org's token lifecycle makes visible (docs/connector.md, "Token lifecycle"; seed 004, edge case 3).
///
/// A failed token request never touches the sockets and is never retried at once (the ``TokenStateMachine``'s
/// backoff). It is made visible at the first failure of an episode, while the old token still serves: the org's
/// `token` problem (org card, `/readyz`), a `token-renewal-failed` alert, the `switchboard_token_renewal_*`
/// metrics (through ``ConnectorObserver/tokenRequest(org:failed:)``) and an `error` log (``TokenManager``). Once no
/// usable token is left the hard path applies as well: status `disconnected` and an `auth-failed` alert. The next
/// success clears the problem, the gauge and the alert (`token-renewed`) and restores the status the hard path set.
extension OrgConnector {
    /// The feature name of the org's token problem (`ConnectorStatus.problems`).
    public static let tokenProblemFeature = "token"

    func tokenEvent(_ event: TokenManager.Event) async {
        switch event {
        case .issued(_, let recovered, let first):
            observer.tokenRequest(org: org.id, failed: false)
            guard let recovered else {
                // A connector restarted with fixed credentials (a reload) starts without the episode its predecessor
                // alerted about: its first token ends that alert (the hub sends nothing when none is in force).
                if first { alert(.tokenRenewed, "token issued (connector started)") }
                return
            }
            await problem(Self.tokenProblemFeature, nil, log: false)
            await restoreAfterHardFailure()
            let over = recovered.failures == 1 ? "" : " over \((ContinuousClock.now - recovered.since).shortText)"
            alert(.tokenRenewed, "token renewed after \(recovered.failures) failed attempt\(recovered.failures == 1 ? "" : "s")\(over)")
        case .failed(let error, let failure):
            observer.tokenRequest(org: org.id, failed: true)
            await tokenFailing(error, failure)
        case .expired(let error, let failure):
            await tokenFailing(error, failure)
        }
    }

    private func tokenFailing(_ error: GenesysAPIError, _ failure: TokenStateMachine.Failure) async {
        let now = ContinuousClock.now
        let text = ConnectorProblem.token(error, failure, now: now)
        await problem(Self.tokenProblemFeature, text, log: false)
        guard failure.hard else {
            // Once per episode: the hub would not send the same kind again anyway.
            if failure.attempt == 1 { alert(.tokenRenewalFailed, "token " + text.dropFirst("token: ".count)) }
            return
        }
        // No usable token: the org is cut off from the platform's REST API (re-syncs, pollers, reconnects).
        let at = clock.now()
        let detail = "no usable token: \(ConnectorProblem.tokenError(error)), \(failure.attempt) failed attempt"
            + "\(failure.attempt == 1 ? "" : "s"); next attempt in \((failure.retryAt - now).shortText)"
        let s: ConnectorStatus = state.box.withLock {
            if $0.tokenHold == nil { $0.tokenHold = ($0.status.status, $0.status.detail) }
            $0.status.status = .disconnected
            $0.status.at = at
            $0.status.detail = detail
            return $0.status
        }
        observer.connectorStatus(s)
        await sink.ingest(org: org.id, events: [.connector(s)])
        // After the status: the org's alert in force is then `auth-failed`, not the views' `upstream-disconnected`.
        alert(.authFailed, "token request failed: \(error.description)")
    }

    /// A token arrived after a hard failure: the status the hard path replaced comes back, unless the connection
    /// loop reported something since (it then speaks for the sockets).
    private func restoreAfterHardFailure() async {
        let at = clock.now()
        let s: ConnectorStatus? = state.box.withLock {
            guard let hold = $0.tokenHold else { return nil }
            $0.tokenHold = nil
            $0.status.status = hold.status
            $0.status.detail = hold.detail
            $0.status.at = at
            return $0.status
        }
        guard let s else { return }
        observer.connectorStatus(s)
        await sink.ingest(org: org.id, events: [.connector(s)])
        if s.status == .open { alert(.upstreamRecovered, "a token was issued again; the upstream connection is open") }
    }
}
