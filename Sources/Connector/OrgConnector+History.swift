import GenesysAPI
import Normalizer
import SwitchboardCore

/// What the last complete history query covered: the users' records up to `at`.
struct HistorySync: Sendable, Equatable {
    var at: EpochMillis
    var users: Set<String>
}

extension OrgConnector {
    /// How far back a re-sync reads the users' presence and routing-status records: the longest rolling
    /// window (60 min) plus the views' fold grace (5 min). Older change points would only be folded.
    static let historyWindowMs: Int64 = 65 * 60_000
    /// Overlap with the previous history query, for clock skew between the bridge and the platform.
    static let historyOverlapMs: Int64 = 60_000

    /// The start of the next history query at `now`: the whole window after a start, an added org or a
    /// change of watched users; otherwise from just before the previous query (whatever happened since,
    /// including a gap with no socket, is in the records; a record that began earlier keeps its start).
    static func historyStart(now: EpochMillis, users: Set<String>, last: HistorySync?) -> EpochMillis {
        let full = now - historyWindowMs
        guard let last, last.users == users else { return full }
        return min(now, max(full, last.at - historyOverlapMs))
    }

    /// The feature named on the org card and `/readyz` when the history query is refused (docs/permissions.md).
    static let historyFeature = "rolling windows"

    /// Reads the users' recent presence and routing-status records
    /// (`POST /api/v2/analytics/users/details/query`, one query per `chunk` users) and ingests them as
    /// past change points together with `directory` (names and current statuses) of the same users, in
    /// one batch per chunk, so the rolling windows are right from the first emission. A failed query is
    /// skipped, never failing the re-sync: the rolling windows then count from the re-sync on. A refusal
    /// (HTTP 403: the OAuth client lacks `analytics:userDetail:view`) is a `rolling windows` problem on
    /// the org until a query succeeds; any other failure is logged.
    /// `since`: read from just before this time even when it is further back than the rolling hour (a restart's
    /// stored totals end there).
    func ingestHistory(rest: GenesysRESTClient, users: [String], directory: [BridgeEvent], chunk: Int,
                       since: EpochMillis? = nil) async throws {
        let id = org.id
        let now = clock.now()
        let watched = Set(users)
        var from = Self.historyStart(now: now, users: watched, last: state.box.value.historySync)
        if let since { from = min(from, since - Self.historyOverlapMs) }
        var byUser: [String: [BridgeEvent]] = [:]
        var other: [BridgeEvent] = []
        for e in directory {
            if let u = Self.platformID(of: e) { byUser[u, default: []].append(e) } else { other.append(e) }
        }
        var complete = !users.isEmpty
        var badBody = false
        for start in stride(from: 0, to: users.count, by: chunk) {
            let ids = Array(users[start..<min(start + chunk, users.count)])
            var events: [BridgeEvent] = []
            if complete {
                do {
                    for page in try await rest.usersDetailsPages(users: ids, from: from, to: now, pageSize: min(chunk, 100)) {
                        switch RESTNormalizer.usersDetailsResult(page, org: id) {
                        case .success(let history): events += history
                        case .failure(let error):
                            if !badBody { logger.warning("\(error.message)", metadata: ["code": "\(error.code)"]) }
                            badBody = true
                        }
                    }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    // One failure stands for all: the permission or the budget is missing for every chunk.
                    complete = false
                    if let refusal = ConnectorProblem.permission(error, feature: Self.historyFeature,
                                                                 endpoint: "POST /api/v2/analytics/users/details/query") {
                        await problem(Self.historyFeature, refusal)
                    } else {
                        let code = (error as? any CodedError)?.code ?? "connector.error"
                        logger.warning("users details query failed; the rolling windows count from this re-sync on",
                                       metadata: ["code": "\(code)", "error": "\(error)"])
                    }
                }
            }
            // The past first, then the current statuses: the views place both by event time.
            for u in ids { events += byUser.removeValue(forKey: u) ?? [] }
            if !events.isEmpty { await sink.ingest(org: id, events: events) }
        }
        other += byUser.values.joined()
        if !other.isEmpty { await sink.ingest(org: id, events: other) }
        if complete { await problem(Self.historyFeature, nil) }
        if complete && !badBody { state.box.withLock { $0.historySync = HistorySync(at: now, users: watched) } }
    }
}
