import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchboardCore

/// The customer-journey endpoints (docs/protocol.md, "Journey topics"):
///
/// - `GET /v1/journeys/{id}` — one journey, `<org>/j-<16 hex>`, written as two path segments
///   (`/v1/journeys/us/j-0123…`) or as one with the slash encoded (`us%2Fj-0123…`); 404 when unknown.
/// - `GET /v1/journeys?org=<id>&customer=<key>` — the org's journeys of one customer, newest first.
///
/// Both need a token that reads `journeys:<org>` (a regional `org:<id>` token reads its own org only); the scope
/// is checked before anything is looked up, so a refused token learns nothing about the org's journeys.
///
/// - `POST /v1/ingest/eventbridge/<org>` — Amazon EventBridge deliveries, authenticated by the org's key in
///   `x-api-key` (not by a stream token; ``BearerAuthMiddleware`` leaves `/v1/ingest/` alone). Bodies over
///   1 MiB get `413`.
enum JourneysEndpoint {
    static func register(on router: Router<HubRequestContext>, hub: StreamHub, journeys: (any JourneyQueries)?,
                         maxBody: Int) {
        router.get("/v1/journeys") { request, context in
            let query = request.uri.queryParameters
            guard let org = query["org"].map(String.init), !org.isEmpty else {
                return BridgeRoutes.error(.badRequest, "bad-request", "add ?org=<id>&customer=<key>: the org whose journeys to search")
            }
            if let refused = refuse(request, context: context, hub: hub, org: OrgID(org)) { return refused }
            guard let customer = query["customer"].map(String.init) else {
                return BridgeRoutes.error(.badRequest, "bad-request",
                                          "add &customer=<key>: a phone number, an email address, an external contact id or a displayed hash")
            }
            guard let journeys else { return unknownOrg(org) }
            switch await journeys.journeys(org: OrgID(org), customer: customer) {
            case .found(let json): return ok(json)
            case .unknownOrg: return unknownOrg(org)
            case .unreadable(let why): return BridgeRoutes.error(.badRequest, "bad-request", why)
            }
        }
        @Sendable func one(_ request: Request, _ context: HubRequestContext, _ id: String) async -> Response {
            guard let eid = EntityID(namespaced: id), !eid.platformID.contains("/") else {
                return BridgeRoutes.error(.notFound, "not-found", "'\(id.prefix(80))' is not a journey id (<org>/j-<16 hex>)")
            }
            if let refused = refuse(request, context: context, hub: hub, org: eid.org) { return refused }
            guard let json = await journeys?.journey(id: eid.description) else {
                return BridgeRoutes.error(.notFound, "not-found",
                                          "no journey \(eid) (unknown, or closed longer ago than the org's retention)")
            }
            return ok(json)
        }
        // One parameter name at a position: the router's tree keeps one per level.
        router.get("/v1/journeys/{id}/{journey}") { request, context in
            let org = try context.parameters.require("id")
            let journey = try context.parameters.require("journey")
            return await one(request, context, "\(org)/\(journey)")
        }
        router.get("/v1/journeys/{id}") { request, context in
            let raw = try context.parameters.require("id")
            return await one(request, context, raw.removingPercentEncoding ?? raw)
        }
        router.post("/v1/ingest/eventbridge/{org}") { request, context in
            let org = OrgID(try context.parameters.require("org"))
            guard let journeys else { return unknownOrg(org.rawValue, eventBridge: true) }
            let key = request.headers[HTTPField.Name("x-api-key")!]
            // The key first: a sender without it never gets its body read.
            if let refusal = journeys.eventBridgeRefusal(org: org, apiKey: key) {
                return answer(refusal, org: org, hub: hub, context: context)
            }
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBody {
                return tooLarge(maxBody)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBody)
            } catch is NIOTooManyBytesError {
                return tooLarge(maxBody)
            }
            let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
            return answer(await journeys.ingestEventBridge(org: org, apiKey: key, body: bytes), org: org, hub: hub,
                          context: context)
        }
    }

    private static func answer(_ outcome: EventBridgeIngest, org: OrgID, hub: StreamHub,
                               context: HubRequestContext) -> Response {
        switch outcome {
        case .accepted(let json):
            return Response(status: .accepted, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
        case .invalid(let json):
            return Response(status: .badRequest, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
        case .unauthorized:
            // Never the key, nor what was sent, in the log.
            context.logger.notice("EventBridge delivery refused: missing or wrong x-api-key",
                                  metadata: ["org": "\(org)", "remote": "\(BridgeRoutes.remote(context))"])
            hub.metrics.authRefused(status: 401)
            return BridgeRoutes.error(.unauthorized, "unauthorized",
                                      "x-api-key is missing or wrong; send the key of orgs[].journeys.eventBridge.apiKey")
        case .unknownOrg:
            return unknownOrg(org.rawValue, eventBridge: true)
        case .unavailable(let why):
            context.logger.error("EventBridge delivery not stored; answered 503 so it is retried",
                                 metadata: ["org": "\(org)", "error": "\(why)"])
            return BridgeRoutes.error(.serviceUnavailable, "store-unavailable",
                                      "the events could not be stored; retry (EventBridge does by itself)")
        }
    }

    /// 401/403 unless the request's token reads `journeys:<org>`.
    private static func refuse(_ request: Request, context: HubRequestContext, hub: StreamHub, org: OrgID) -> Response? {
        guard let principal = context.principal else { return HTTPRefusal.unauthenticated(.missing).response }
        let topic = HubTopic.family(.journeys, org)
        guard !principal.canRead(topic: topic) else { return nil }
        let refusal = HTTPRefusal.insufficientScope(scope: topic.description,
                                                    message: "the token does not cover \(topic.description)")
        refusal.record(path: request.uri.path, remote: BridgeRoutes.remote(context), metrics: hub.metrics,
                       logger: context.logger)
        return refusal.response
    }

    private static func ok(_ json: EncodedJSON) -> Response {
        Response(status: .ok, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    private static func unknownOrg(_ org: String, eventBridge: Bool = false) -> Response {
        let what = eventBridge ? "accepts no EventBridge events (no orgs[].journeys.eventBridge)"
            : "has no journeys (no journeys: section)"
        return BridgeRoutes.error(.notFound, "unknown-org", "org '\(org.prefix(63))' is not configured or \(what)")
    }

    private static func tooLarge(_ max: Int) -> Response {
        BridgeRoutes.error(.contentTooLarge, "too-large",
                           "the body is larger than \(max / 1024) KiB; send fewer events per request (an EventBridge "
                            + "API destination sends one event per request)")
    }
}
