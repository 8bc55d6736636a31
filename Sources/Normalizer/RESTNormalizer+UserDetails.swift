import SwitchboardCore

extension GenesysWire {
    /// `POST /api/v2/analytics/users/details/query` response (py-model `AnalyticsUserDetailsQueryResponse`).
    struct UserDetailsResponse: Decodable {
        struct PresenceRecord: Decodable {
            var startTime: String?
            var endTime: String?
            var systemPresence: String?
            var organizationPresenceId: String?
        }
        struct RoutingRecord: Decodable {
            var startTime: String?
            var endTime: String?
            var routingStatus: String?
        }
        struct UserDetail: Decodable {
            var userId: String?
            var primaryPresence: [PresenceRecord]?
            var routingStatus: [RoutingRecord]?
        }
        var userDetails: [UserDetail]?
        var totalHits: Int?
    }
}

extension RESTNormalizer {
    /// `POST /api/v2/analytics/users/details/query` response → the agents' past change points: one
    /// `agentStatus` per record start (presence from `primaryPresence[].systemPresence`, routing status
    /// from `routingStatus[].routingStatus`; the two combined when they start at the same instant),
    /// per user oldest first. Records without a start time or a known value are skipped; `endTime`
    /// is not used (the next record's start is the change).
    public static func usersDetails(_ body: [UInt8], org: OrgID) -> [BridgeEvent] {
        (try? usersDetailsResult(body, org: org).get()) ?? []
    }

    /// ``usersDetails(_:org:)`` with the decoding error, if any.
    public static func usersDetailsResult(_ body: [UInt8], org: OrgID) -> Result<[BridgeEvent], SwitchboardError> {
        decode(GenesysWire.UserDetailsResponse.self, body, what: "users details").map { response in
            var out: [BridgeEvent] = []
            for user in response.userDetails ?? [] {
                guard let id = user.userId, !id.isEmpty else { continue }
                let agent = EntityID(org: org, platformID: id)
                var changes: [EpochMillis: AgentStatusChange] = [:]
                for r in user.primaryPresence ?? [] {
                    guard let at = NotificationNormalizer.time(r.startTime),
                        let p = NotificationNormalizer.presence(r.systemPresence)
                    else { continue }
                    changes[at, default: AgentStatusChange(agent: agent, at: at)].presence = p
                }
                for r in user.routingStatus ?? [] {
                    guard let at = NotificationNormalizer.time(r.startTime),
                        let s = NotificationNormalizer.routing(r.routingStatus)
                    else { continue }
                    changes[at, default: AgentStatusChange(agent: agent, at: at)].routingStatus = s
                }
                for at in changes.keys.sorted() { out.append(.agentStatus(changes[at]!)) }
            }
            return out
        }
    }
}
