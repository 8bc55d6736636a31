import Foundation
import SwitchboardCore

/// Pure functions from Genesys REST response bodies (raw JSON bytes) to ``BridgeEvent``s, for
/// directory listings, baselines and re-syncs. Malformed bodies yield no events (never a throw);
/// use the `…Result` variants to learn why.
public enum RESTNormalizer {
    /// `GET /api/v2/users?expand=presence,routingStatus,employerInfo` page → `agentProfile` per user (name,
    /// and the hire date from `employerInfo.dateHire`, nil when absent or not a `yyyy-MM-dd` date), then
    /// `agentStatus` changes timed by `presence.modifiedDate` / `routingStatus.startTime` (else `at`).
    public static func usersPage(_ body: [UInt8], org: OrgID, at: EpochMillis) -> [BridgeEvent] {
        (try? usersPageResult(body, org: org, at: at).get()) ?? []
    }

    /// ``usersPage(_:org:at:)`` with the decoding error, if any.
    public static func usersPageResult(_ body: [UInt8], org: OrgID,
                                       at: EpochMillis) -> Result<[BridgeEvent], SwitchboardError> {
        decode(GenesysWire.Listing<GenesysWire.UserEntity>.self, body, what: "users page").map { page in
            var out: [BridgeEvent] = []
            for user in page.entities ?? [] {
                guard let id = user.id, !id.isEmpty else { continue }
                let agent = EntityID(org: org, platformID: id)
                if let name = user.name {
                    let hired = user.employerInfo?.value?.dateHire.flatMap(CalendarDay.parse)
                    out.append(.agentProfile(AgentProfile(agent: agent, name: name, hireDate: hired)))
                }
                out += NotificationNormalizer.statusChanges(
                    agent: agent,
                    presence: NotificationNormalizer.presence(user.presence?.presenceDefinition?.systemPresence),
                    presenceAt: NotificationNormalizer.time(user.presence?.modifiedDate) ?? at,
                    routing: NotificationNormalizer.routing(user.routingStatus?.status),
                    routingAt: NotificationNormalizer.time(user.routingStatus?.startTime) ?? at,
                    activeQueues: nil)
            }
            return out
        }
    }

    /// `GET /api/v2/routing/queues` page → `queueProfile` per queue, with the queue's configured service
    /// level (``serviceLevel(_:mediaTypes:)``).
    public static func queuesPage(_ body: [UInt8], org: OrgID, mediaTypes: [String]? = nil) -> [BridgeEvent] {
        let page = try? decode(GenesysWire.Listing<GenesysWire.QueueEntity>.self, body, what: "queues page").get()
        return (page?.entities ?? []).compactMap { q in
            guard let id = q.id, !id.isEmpty, let name = q.name else { return nil }
            return .queueProfile(QueueProfile(queue: EntityID(org: org, platformID: id), name: name,
                                              serviceLevel: serviceLevel(q, mediaTypes: mediaTypes)))
        }
    }

    /// `POST /api/v2/analytics/queues/observations/query` response → one `queueObservation` per
    /// result group (user-level group: `mediaType` nil), all at `at`.
    public static func queueObservationsQuery(_ body: [UInt8], org: OrgID, at: EpochMillis) -> [BridgeEvent] {
        let response = try? decode(GenesysWire.ObservationQueryResponse.self, body, what: "observations query").get()
        return (response?.results ?? []).compactMap { result in
            guard let q = result.group?.queueId, !q.isEmpty else { return nil }
            let media = result.group?.mediaType.flatMap { $0.isEmpty ? nil : $0 }
            return ObservationReducer.observation(queue: EntityID(org: org, platformID: q), mediaType: media,
                                                  metrics: result.data ?? [], at: at).map { .queueObservation($0) }
        }
    }

    /// `POST /api/v2/analytics/users/aggregates/query` (granularity PT30M, groupBy userId) response →
    /// one `agentBaseline` per user for the day starting at `dayStart`, up to `asOf`.
    ///
    /// Only buckets whose start lies in `[dayStart, asOf)` count. Per bucket:
    /// - handling H = Σ `tAgentRoutingStatus` sums for `INTERACTING` and `COMMUNICATING`;
    /// - productive = max(P, H) where P = Σ `tSystemPresence` sums over `productivePresences`
    ///   (qualifiers in any spelling: `On Queue`, `ON_QUEUE`, `onQueue`). Aggregates cannot say how
    ///   much handling fell outside productive presences; max(P, H) is exact when handling happens only
    ///   while productive (the simulator's model) and a lower bound otherwise.
    public static func usersAggregates(_ body: [UInt8], org: OrgID, dayStart: EpochMillis, asOf: EpochMillis,
                                       productivePresences: Set<SystemPresence>) -> [BridgeEvent] {
        guard let response = try? decode(GenesysWire.AggregateQueryResponse.self, body,
                                         what: "users aggregates").get()
        else { return [] }
        var order: [String] = []
        var totals: [String: (h: Int64, p: Int64)] = [:]
        for result in response.results ?? [] {
            guard let user = result.group?.userId, !user.isEmpty else { continue }
            if totals[user] == nil {
                order.append(user)
                totals[user] = (0, 0)
            }
            for datum in result.data ?? [] {
                guard let interval = datum.interval, let slash = interval.firstIndex(of: "/"),
                    let start = Timestamp.parse(String(interval[..<slash])), start >= dayStart, start < asOf
                else { continue }
                var h: Double = 0
                var p: Double = 0
                for m in datum.metrics ?? [] {
                    guard let sum = m.stats?.sum, sum.isFinite, sum > 0 else { continue }
                    switch m.metric {
                    case "tAgentRoutingStatus":
                        let s = NotificationNormalizer.routing(m.qualifier)
                        if s == .interacting || s == .communicating { h += sum }
                    case "tSystemPresence":
                        if let pr = NotificationNormalizer.presence(m.qualifier), productivePresences.contains(pr) {
                            p += sum
                        }
                    default:
                        continue
                    }
                }
                totals[user]!.h += WireNumber.millis(h)
                totals[user]!.p += WireNumber.millis(max(p, h))
            }
        }
        return order.map { user in
            let t = totals[user]!
            return .agentBaseline(AgentBaseline(agent: EntityID(org: org, platformID: user), dayStart: dayStart,
                                                asOf: asOf, handlingMs: t.h, productiveMs: t.p))
        }
    }

    private static let decoder = JSONDecoder()

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], what: String) -> Result<T, SwitchboardError> {
        do {
            return .success(try decoder.decode(T.self, from: Data(body)))
        } catch {
            return .failure(SwitchboardError(
                code: "normalizer.bad-rest-body",
                message: "The \(what) response could not be read (\(NotificationNormalizer.describe(error))); "
                    + "it was skipped. Check the API version the org answers with."))
        }
    }
}
