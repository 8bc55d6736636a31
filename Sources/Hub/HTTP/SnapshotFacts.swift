import Foundation
import Hummingbird
import Logging
import NIOCore
import Store
import SwitchboardCore

/// What the history-backed answers (an earlier day's export, the reports) take from a live snapshot: the
/// orgs' time zones and the current display names of agents and queues (names are display-only and update
/// in place, so a stored day is shown with today's names; an agent who left has none).
struct SnapshotFacts {
    /// Agent and queue names by namespaced id (`us/<uuid>`).
    var agentNames: [String: String] = [:]
    var queueNames: [String: String] = [:]
    /// Org ids in the snapshot, sorted, with their time zone when the views gave one.
    var orgs: [String] = []
    var zones: [String: TimeZone] = [:]

    init(frame: ByteBuffer) {
        guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any],
            let data = json["data"] as? [String: Any]
        else { return }
        for a in data["agents"] as? [[String: Any]] ?? [] {
            if let id = a["id"] as? String { agentNames[id] = a["name"] as? String }
        }
        for q in data["queues"] as? [[String: Any]] ?? [] {
            if let id = q["id"] as? String { queueNames[id] = q["name"] as? String }
        }
        var ids: Set<String> = []
        for o in data["orgs"] as? [[String: Any]] ?? [] {
            guard let id = o["id"] as? String else { continue }
            ids.insert(id)
            if let name = o["timezone"] as? String, let zone = TimeZone(identifier: name) { zones[id] = zone }
        }
        orgs = ids.sorted()
    }
}

/// `day=YYYY-MM-DD` on the utilization and quality exports (docs/utilization.md, docs/quality.md): the org's
/// local day. Today is answered from the live snapshot as without `day`; an earlier day from the store's
/// documents, in the same columns.
enum ExportDay {
    /// `day`'s calendar day number, or the 400 refusing it. `org` must be given with it.
    static func parse(_ text: String?, org: String?) -> Result<Int?, ExportRefusal> {
        guard let text else { return .success(nil) }
        guard text.utf8.count == 10, let day = CalendarDay.parse(text) else {
            return .failure(ExportRefusal(BridgeRoutes.error(.badRequest, "bad-request",
                                                             "day must be a date YYYY-MM-DD (the org's local day), e.g. 2026-05-06")))
        }
        guard org != nil else {
            return .failure(ExportRefusal(BridgeRoutes.error(.badRequest, "bad-request",
                                                             "org is required with day: a day is local to one org's time zone")))
        }
        return .success(day)
    }

    /// An earlier day's documents, with what is needed to show them.
    struct Stored {
        var documents: [StoredDocument]
        var zone: TimeZone
        var facts: SnapshotFacts
    }

    /// Where `day` of `org` is answered from: nil for the org's today (the live snapshot `frame`), else the
    /// stored documents of `kind`. Refused: the org has no time zone in the snapshot (404 `unknown-org`), a
    /// day after today or with nothing stored (404 `no-data`), no store (404 `no-store`), a failed read (503).
    static func resolve(kind: DocumentKind, day: Int, org: String, frame: ByteBuffer, now: EpochMillis,
                        store: (any HistoryStore)?, logger: Logger) async -> Result<Stored?, ExportRefusal> {
        let facts = SnapshotFacts(frame: frame)
        guard let zone = facts.zones[org] else {
            return .failure(ExportRefusal(BridgeRoutes.error(.notFound, "unknown-org",
                                                             "org '\(org)' is not configured (or its views have not started yet)")))
        }
        let today = CalendarDay.of(now, offsetSeconds: zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(now) / 1000)))
        if day == today { return .success(nil) }
        let text = CalendarDay.format(day)
        guard day < today else {
            return .failure(ExportRefusal(BridgeRoutes.error(.notFound, "no-data",
                                                             "\(text) has not begun yet in \(org)'s time zone (\(zone.identifier))")))
        }
        guard let store else {
            return .failure(ExportRefusal(BridgeRoutes.error(.notFound, "no-store", HistoryAnswers.noStoreMessage)))
        }
        do {
            let documents = try await store.documents(kind: kind, org: OrgID(org),
                                                      dayStart: Timestamp.startOfDay(calendarDay: day, in: zone))
            guard !documents.isEmpty else {
                return .failure(ExportRefusal(BridgeRoutes.error(.notFound, "no-data", """
                    no \(kind.rawValue) is stored for \(org) on \(text): the store keeps what was polled while the \
                    bridge ran with a store, for the retention configured (store.retention.\(kind.rawValue))
                    """)))
            }
            return .success(Stored(documents: documents, zone: zone, facts: facts))
        } catch {
            return .failure(ExportRefusal(HistoryAnswers.storeFailed(error, logger: logger)))
        }
    }
}

/// Answers shared by the endpoints that read the store.
enum HistoryAnswers {
    static let noStoreMessage =
        "history is not kept: the configuration says 'store: none'; set store.path to keep it (docs/store.md)"

    /// 503 `store-unavailable` for a failed read, logged.
    static func storeFailed(_ error: any Error, logger: Logger) -> Response {
        logger.error("history query failed", metadata: ["error": "\(error)"])
        let message = (error as? any CodedError)?.message ?? "the store could not answer; see the server log"
        return BridgeRoutes.error(.serviceUnavailable, "store-unavailable", message)
    }
}

/// An answer that is a refusal (400, 404, 503), carried through `Result`.
struct ExportRefusal: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}
