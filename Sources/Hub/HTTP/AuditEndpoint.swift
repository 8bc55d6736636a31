import Hummingbird
import NIOCore
import Store
import SwitchboardCore

/// `GET /v1/audit?limit=100` (scope `admin`): the config audit log, newest first (docs/store.md): every
/// accepted or refused orgs-YAML (re)load with its time, the file's SHA-256 and what changed or why it was
/// refused. `{"entries":[{"at","outcome","fileHash","summary"}]}`.
enum AuditEndpoint {
    static func register(on router: Router<HubRequestContext>, hub: StreamHub,
                         store: @escaping @Sendable () -> (any HistoryStore)?) {
        router.get("/v1/audit") { request, context in
            if let refused = BridgeRoutes.refuseUnlessAdmin(request, context: context, hub: hub, what: "the config audit log") {
                return refused
            }
            let limitText = request.uri.queryParameters.get("limit") ?? "100"
            guard let limit = Int(limitText), (1...10_000).contains(limit) else {
                return BridgeRoutes.error(.badRequest, "bad-request", "limit must be a whole number from 1 to 10000")
            }
            guard let store = store() else {
                return BridgeRoutes.error(.notFound, "no-store",
                                          "the audit log is not kept: the configuration says 'store: none'; set store.path to keep it")
            }
            do {
                let entries = try await store.auditLog(limit: limit)
                var o: [UInt8] = Array(#"{"entries":["#.utf8)
                for (i, e) in entries.enumerated() {
                    if i > 0 { o.append(UInt8(ascii: ",")) }
                    o.append(contentsOf: #"{"at":"#.utf8)
                    JSONText.appendString(Timestamp.format(e.at), to: &o)
                    o.append(contentsOf: #","outcome":"#.utf8)
                    JSONText.appendString(e.outcome.rawValue, to: &o)
                    o.append(contentsOf: #","fileHash":"#.utf8)
                    JSONText.appendString(e.fileHash, to: &o)
                    o.append(contentsOf: #","summary":"#.utf8)
                    JSONText.appendString(e.summary, to: &o)
                    o.append(UInt8(ascii: "}"))
                }
                o.append(contentsOf: "]}".utf8)
                return Response(status: .ok, headers: BridgeRoutes.json, body: .init(byteBuffer: ByteBuffer(bytes: o)))
            } catch {
                context.logger.error("audit query failed", metadata: ["error": "\(error)"])
                return BridgeRoutes.error(.serviceUnavailable, "store-unavailable", "the store could not answer; see the server log")
            }
        }
    }
}
