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

    /// True when a history query of `users` starting at `from` covers everything since the previous complete one
    /// (`last`): same users, starting at or before its end. False after a start, a change of users, or a gap longer
    /// than the window (the query then starts at the window's start, after the previous one's end).
    static func historyReachesBack(from: EpochMillis, users: Set<String>, last: HistorySync?) -> Bool {
        guard let last, last.users == users else { return false }
        return from <= last.at
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
    /// Returns true when every record since the previous complete query is in: this query succeeded for every
    /// user and reached back to (overlapped) the previous one, so the views' totals need no new baseline.
    @discardableResult
    func ingestHistory(rest: GenesysRESTClient, users: [String], directory: [BridgeEvent], chunk: Int,
                       since: EpochMillis? = nil) async throws -> Bool {
        let id = org.id
        let now = clock.now()
        let watched = Set(users)
        let last = state.box.value.historySync
        var from = Self.historyStart(now: now, users: watched, last: last)
        if let since { from = min(from, since - Self.historyOverlapMs) }
        let reachesBack = Self.historyReachesBack(from: from, users: watched, last: last)
        var byUser: [String: [BridgeEvent]] = [:]
        var other: [BridgeEvent] = []
        for e in directory {
            if let u = Self.platformID(of: e) { byUser[u, default: []].append(e) } else { other.append(e) }
        }
        let chunks = stride(from: 0, to: users.count, by: chunk).map { Array(users[$0..<min($0 + chunk, users.count)]) }
        var complete = !users.isEmpty
        var badBody = false
        // Up to `historyQueriesInFlight` chunks are queried at once; each chunk's past and current statuses are
        // ingested together as its answer arrives (chunks hold different users, so their order does not matter).
        try await withThrowingTaskGroup(of: (Int, HistoryChunk).self) { group in
            var next = 0
            let inFlight = max(1, options.historyQueriesInFlight)
            let query: @Sendable (Int, [String]) async -> (Int, HistoryChunk) = { [from] i, ids in
                (i, await Self.historyChunk(rest: rest, users: ids, from: from, to: now, org: id, pageSize: min(chunk, 100)))
            }
            while complete, next < min(inFlight, chunks.count) {
                let (i, ids) = (next, chunks[next])
                group.addTask { await query(i, ids) }
                next += 1
            }
            while let (i, result) = try await group.next() {
                var events: [BridgeEvent] = []
                switch result {
                case .history(let history, let bad):
                    events = history
                    if let bad {
                        if !badBody { logger.warning("\(bad.message)", metadata: ["code": "\(bad.code)"]) }
                        badBody = true
                    }
                case .cancelled:
                    throw CancellationError()
                case .failed(let error):
                    // One failure stands for all: the permission or the budget is missing for every chunk.
                    if complete {
                        complete = false
                        await reportHistoryFailure(error)
                    }
                }
                if complete, next < chunks.count {
                    let (j, ids) = (next, chunks[next])
                    group.addTask { await query(j, ids) }
                    next += 1
                }
                // The past first, then the current statuses: the views place both by event time.
                for u in chunks[i] { events += byUser.removeValue(forKey: u) ?? [] }
                if !events.isEmpty { await sink.ingest(org: id, events: events) }
            }
            // Chunks never queried (a failure stopped the queries; they are launched in order): their current
            // statuses still go in.
            for i in next..<chunks.count {
                let events = chunks[i].flatMap { byUser.removeValue(forKey: $0) ?? [] }
                if !events.isEmpty { await sink.ingest(org: id, events: events) }
            }
        }
        other += byUser.values.joined()
        if !other.isEmpty { await sink.ingest(org: id, events: other) }
        if complete { await problem(Self.historyFeature, nil) }
        if complete && !badBody { state.box.withLock { $0.historySync = HistorySync(at: now, users: watched) } }
        return complete && !badBody && reachesBack
    }

    /// A failed history query: a refusal is the org's `rolling windows` problem, anything else a warning.
    private func reportHistoryFailure(_ error: any Error) async {
        if let refusal = ConnectorProblem.permission(error, feature: Self.historyFeature,
                                                     endpoint: "POST /api/v2/analytics/users/details/query") {
            await problem(Self.historyFeature, refusal)
        } else {
            let code = (error as? any CodedError)?.code ?? "connector.error"
            logger.warning("users details query failed; the rolling windows count from this re-sync on",
                           metadata: ["code": "\(code)", "error": "\(error)"])
        }
    }

    /// One chunk of users' history: every page of its users details query, normalized.
    static func historyChunk(rest: GenesysRESTClient, users: [String], from: EpochMillis, to: EpochMillis,
                             org: OrgID, pageSize: Int) async -> HistoryChunk {
        do {
            var events: [BridgeEvent] = []
            var bad: SwitchboardError?
            for page in try await rest.usersDetailsPages(users: users, from: from, to: to, pageSize: pageSize) {
                switch RESTNormalizer.usersDetailsResult(page, org: org) {
                case .success(let history): events += history
                case .failure(let error): bad = bad ?? error
                }
            }
            return .history(events, badBody: bad)
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed(error)
        }
    }
}

/// What one chunk's users details query gave (``OrgConnector/historyChunk(rest:users:from:to:org:pageSize:)``).
enum HistoryChunk: Sendable {
    /// The records as events; `badBody` is the first page that could not be read, if any.
    case history([BridgeEvent], badBody: SwitchboardError?)
    case cancelled
    case failed(any Error)
}
