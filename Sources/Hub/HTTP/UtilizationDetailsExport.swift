import Foundation
import Hummingbird
import NIOCore
import SwitchboardCore

/// `GET /v1/utilization/details?org=&agent=&interval=<ISO start>&format=json|csv` (docs/utilization.md):
/// the drill-down into one agent's 30-minute interval — that agent's conversations whose handle completed
/// in the interval, fetched live through the org's connector (its token, retries and rate-limit governor;
/// paging stops on a short page; the platform's 100,000-result cap splits the range). Scoped like the
/// stream: the token must cover `org:<id>`.
enum UtilizationDetailsExport {
    static let columns = ["org", "timeZone", "agentId", "agentName", "intervalStart", "intervalEnd", "conversationId",
                          "conversationStart", "conversationEnd", "tHandleMs", "tTalkMs", "tHeldMs", "tAcwMs"]
    static let intervalMs: EpochMillis = 30 * 60_000

    /// A refused request: the HTTP status and the house-style error (code and what to do).
    struct RequestError: CodedError {
        let status: HTTPResponse.Status
        let code: String
        let message: String
        /// Set for a credential refusal, whose answer carries its own headers.
        var refusal: HTTPRefusal? = nil
        var response: Response { refusal?.response ?? BridgeRoutes.error(status, code, message) }

        init(status: HTTPResponse.Status, code: String, message: String) {
            self.status = status
            self.code = code
            self.message = message
        }

        init(refusal: HTTPRefusal) {
            self.init(status: refusal.status, code: refusal.status == .unauthorized ? "unauthorized" : "forbidden",
                      message: "\(refusal)")
            self.refusal = refusal
        }
    }

    /// What the request asks for, once checked.
    struct Checked {
        var org: String
        var zone: TimeZone
        var agent: EntityID
        var agentName: String
        var from: EpochMillis
    }

    static func register(on router: Router<HubRequestContext>, hub: StreamHub, drillDown: (any UtilizationDrillDown)?) {
        router.get("/v1/utilization/details") { request, context in
            let checked: Checked
            switch await check(request, context: context, hub: hub) {
            case .failure(let e): return e.response
            case .success(let c): checked = c
            }
            let format = request.uri.queryParameters.get("format") ?? "json"
            guard let drillDown else {
                return BridgeRoutes.error(.serviceUnavailable, "org-not-connected",
                                          "this bridge runs no connectors, so it cannot query org \(checked.org)")
            }
            let details: [UtilizationDetail]
            do throws(DrillDownError) {
                details = try await drillDown.conversationDetails(org: OrgID(checked.org), userID: checked.agent.platformID,
                                                                  from: checked.from, to: checked.from + intervalMs)
            } catch {
                let notConnected = error.code == "drilldown.org-not-connected"
                return BridgeRoutes.error(notConnected ? .serviceUnavailable : .badGateway,
                                          notConnected ? "org-not-connected" : "upstream-failed", error.message)
            }
            let rows = Self.rows(checked, details)
            if format == "csv" {
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                       .contentDisposition: "attachment; filename=\"utilization-details.csv\""],
                                body: .init(byteBuffer: ByteBuffer(bytes: UtilizationExport.csv(rows, columns: columns))))
            }
            var totals: [String: Any] = ["conversations": Int64(details.count)]
            let handle = details.reduce(Int64(0)) { $0 + $1.handleMs }
            totals["tHandleMs"] = handle
            totals["tTalkMs"] = details.reduce(Int64(0)) { $0 + $1.talkMs }
            totals["tHeldMs"] = details.reduce(Int64(0)) { $0 + $1.heldMs }
            totals["tAcwMs"] = details.reduce(Int64(0)) { $0 + $1.acwMs }
            totals["ahtMs"] = details.isEmpty ? NSNull() : handle / Int64(details.count)
            let body: [String: Any] = [
                "org": checked.org, "timeZone": checked.zone.identifier, "agentId": checked.agent.description,
                "agentName": checked.agentName, "intervalStart": Timestamp.format(checked.from, in: checked.zone),
                "intervalEnd": Timestamp.format(checked.from + intervalMs, in: checked.zone),
                "conversations": rows, "totals": totals,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return Response(status: .ok, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Checks parameters, the token's scope, the org, the agent and the interval, in that order (the
    /// token itself was checked by ``BearerAuthMiddleware`` before the route ran).
    static func check(_ request: Request, context: HubRequestContext, hub: StreamHub) async -> Result<Checked, RequestError> {
        let q = request.uri.queryParameters
        guard let org = q.get("org"), !org.isEmpty else {
            return .failure(.init(status: .badRequest, code: "bad-request", message: "org is required, e.g. ?org=us&agent=…&interval=…"))
        }
        guard let agentParam = q.get("agent"), !agentParam.isEmpty else {
            return .failure(.init(status: .badRequest, code: "bad-request",
                                  message: "agent is required: an agent id from the agents entity (us/<uuid>) or its platform id"))
        }
        let format = q.get("format") ?? "json"
        guard format == "json" || format == "csv" else {
            return .failure(.init(status: .badRequest, code: "bad-request", message: "format must be json or csv"))
        }
        let frame: ByteBuffer
        guard let principal = context.principal else {
            return .failure(.init(refusal: .unauthenticated(.missing)))
        }
        switch await hub.snapshot(topic: "org:\(org)", for: principal) {
        case .failure(.forbidden):
            let refusal = HTTPRefusal.insufficientScope(scope: "org:\(org)", message: "the token does not cover org:\(org)")
            refusal.record(path: request.uri.path, remote: BridgeRoutes.remote(context), metrics: hub.metrics,
                           logger: context.logger)
            return .failure(.init(refusal: refusal))
        case .failure(.unknownTopic):
            return .failure(.init(status: .notFound, code: "unknown-org",
                                  message: "no org '\(org)' is configured; use an org id from GET /readyz"))
        case .success(let f): frame = f
        }
        let data = (try? JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any])?["data"] as? [String: Any] ?? [:]
        let orgEntity = (data["orgs"] as? [[String: Any]] ?? []).first { $0["id"] as? String == org }
        let zone = (orgEntity?["timezone"] as? String).flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        let platformID = agentParam.hasPrefix("\(org)/") ? String(agentParam.dropFirst(org.count + 1)) : agentParam
        let agent = EntityID(org: OrgID(org), platformID: platformID)
        guard let agentEntity = (data["agents"] as? [[String: Any]] ?? []).first(where: { $0["id"] as? String == agent.description })
        else {
            return .failure(.init(status: .notFound, code: "unknown-agent",
                                  message: "no agent \(agent) in org \(org); take an id from agents[].id of GET /v1/views/org:\(org)"))
        }
        guard let s = q.get("interval"), let from = Timestamp.parse(s) else {
            return .failure(.init(status: .badRequest, code: "bad-interval",
                                  message: "interval must be the ISO-8601 start of a 30-minute interval with an offset, e.g. "
                                      + "\(Timestamp.format(Timestamp.startOfDay(0, in: zone) + 19 * intervalMs, in: zone))"))
        }
        guard (from - Timestamp.startOfDay(from, in: zone)) % intervalMs == 0 else {
            return .failure(.init(status: .badRequest, code: "bad-interval",
                                  message: "\(s) is not the start of a 30-minute interval in \(zone.identifier); use :00 or :30 local time"))
        }
        return .success(Checked(org: org, zone: zone, agent: agent, agentName: agentEntity["name"] as? String ?? "", from: from))
    }

    /// One row per conversation, oldest completion first; times with the org's offset.
    static func rows(_ c: Checked, _ details: [UtilizationDetail]) -> [[String: Any]] {
        details.map { d in
            [
                "org": c.org, "timeZone": c.zone.identifier, "agentId": c.agent.description, "agentName": c.agentName,
                "intervalStart": Timestamp.format(c.from, in: c.zone),
                "intervalEnd": Timestamp.format(c.from + intervalMs, in: c.zone),
                "conversationId": d.conversationID, "conversationStart": Timestamp.format(d.start, in: c.zone),
                "conversationEnd": d.end.map { Timestamp.format($0, in: c.zone) as Any } ?? NSNull(),
                "tHandleMs": d.handleMs, "tTalkMs": d.talkMs, "tHeldMs": d.heldMs, "tAcwMs": d.acwMs,
            ]
        }
    }
}
