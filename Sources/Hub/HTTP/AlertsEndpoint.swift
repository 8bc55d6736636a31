import Foundation
import Hummingbird
import NIOCore
import SwitchboardCore

/// `GET /v1/alerts` (scope `admin`): the alerts in force and the recent history delivered to clients. The
/// wall shows only what is in force; this is where an admin reads what happened.
///
/// `{"active":[{"kind","org","since","message"}],"history":[…oldest first…]}`
enum AlertsEndpoint {
    static func register(on router: Router<HubRequestContext>, hub: StreamHub) {
        // Authenticated by BearerAuthMiddleware (every /v1/ route): a missing or bad token never gets here.
        router.get("/v1/alerts") { request, context in
            if let refused = BridgeRoutes.refuseUnlessAdmin(request, context: context, hub: hub, what: "the alert history") {
                return refused
            }
            let log = hub.alertLog()
            var o: [UInt8] = Array(#"{"active":["#.utf8)
            append(log.active, to: &o)
            o.append(contentsOf: #"],"history":["#.utf8)
            append(log.history, to: &o)
            o.append(contentsOf: "]}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: o)))
        }
    }

    private static func append(_ alerts: [StreamAlert], to o: inout [UInt8]) {
        for (i, a) in alerts.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            o.append(contentsOf: #"{"kind":"#.utf8)
            JSONText.appendString(a.kind.rawValue, to: &o)
            o.append(contentsOf: #","org":"#.utf8)
            if let org = a.org { JSONText.appendString(org.rawValue, to: &o) } else { o.append(contentsOf: "null".utf8) }
            o.append(contentsOf: #","since":""#.utf8)
            Timestamp.append(a.since, to: &o)
            o.append(contentsOf: #"","message":"#.utf8)
            JSONText.appendString(a.message, to: &o)
            o.append(UInt8(ascii: "}"))
        }
    }
}
