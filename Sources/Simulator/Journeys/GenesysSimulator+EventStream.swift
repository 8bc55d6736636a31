import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import SwitchboardCore

/// The seed's journey event stream (docs/simulator.md, "The seed's event stream"): the callback WebSocket
/// `GET /api/v2/eventstreams/callbacks` (Bearer header or `access_token` query; a bad token is refused before the
/// upgrade: `400` to an upgrade request — the WebSocket library's fixed answer — and `401` to a plain GET) and `POST|GET|DELETE /api/v2/eventstreams/subscriptions`. Every org serves it; only orgs with journeys
/// have events.
extension GenesysSimulator {
    func addEventStreamRoutes(_ router: Router<SimRequestContext>) {
        // The callback socket's refusals: a bad or missing token (401), a valid one without an upgrade (426).
        router.get(RouterPath(stringLiteral: SimEventStreamServer.path)) { [self] request, _ -> Response in
            let corr = UUID().uuidString.lowercased()
            guard eventStreamOrg(request) != nil else {
                return SimHTTP.error(.badCredentials, contextID: corr, headers: [SimHTTP.correlationHeader: corr])
            }
            return SimHTTP.error(APIError(status: 426, code: "upgrade.required",
                                          message: "Open the event stream's callback as a WebSocket."),
                                 contextID: corr, headers: [SimHTTP.correlationHeader: corr])
        }
        router.post("/api/v2/eventstreams/subscriptions") { [self] request, _ in
            let decoded = await Self.decode(SimEventStreamServer.Request.self, request)
            return await api(request) { [self] caller in
                switch decoded {
                case .failure(let e): return .failure(e)
                case .success(let body):
                    return eventStream.subscribe(org: caller.org.id, body, realNow: SystemClock.realNow())
                        .map { (.created, $0) }
                }
            }
        }
        router.get("/api/v2/eventstreams/subscriptions/:id") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            return await api(request) { [self] caller in
                eventStream.get(org: caller.org.id, id: id).map { (.ok, $0) }
            }
        }
        router.delete("/api/v2/eventstreams/subscriptions/:id") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            return await api(request) { [self] caller in
                eventStream.delete(org: caller.org.id, id: id).map { (.noContent, $0) }
            }
        }
    }

    /// The org of a callback upgrade's token: the `Authorization: Bearer` header, else the `access_token` query.
    func eventStreamOrg(_ request: Request) -> String? {
        var token = request.uri.queryParameters.get("access_token") ?? ""
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard !token.isEmpty else { return nil }
        return tokens.org(of: token, realNow: SystemClock.realNow())
    }

    func addEventStreamWebSocketRoutes(_ router: Router<SimRequestContext>) {
        router.ws("/api/v2/eventstreams/callbacks", shouldUpgrade: { [self] request, _ in
            // Refused before the upgrade. hummingbird-websocket answers every refused upgrade with a bare 400 (it
            // does not carry the status); the same request without upgrade headers gets the 401 below.
            eventStreamOrg(request) != nil ? .upgrade([:]) : .dontUpgrade
        }, onUpgrade: { [self] inbound, outbound, context in
            guard let org = eventStreamOrg(context.request) else { return }
            await serveEventStreamSocket(org: org, inbound, outbound, context.requestContext.channel)
        })
    }

    private func serveEventStreamSocket(org: String, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
                                        _ nio: any Channel) async {
        let (stream, continuation) = AsyncStream.makeStream(of: SimSeedSocket.Outgoing.self,
                                                            bufferingPolicy: .bufferingOldest(65_536))
        let socket = SimSeedSocket(id: 0, org: org, continuation: continuation, nio: nio)
        let base = "ws://" + baseURL.dropFirst("http://".count)
        guard let id = eventStream.open(org: org, socket: socket, base: base, realNow: SystemClock.realNow()) else { return }
        logger.debug("event stream connection open", metadata: ["org": "\(org)", "connection": "\(id)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await SimSeedSocket.write(stream, to: outbound)
            }
            group.addTask {
                // Nothing is read from the client; reading notices its close.
                do { for try await _ in inbound.messages(maxSize: 1 << 16) {} } catch {}
            }
            _ = await group.next()
            group.cancelAll()
        }
        continuation.finish()
        eventStream.closed(connection: id)
        logger.debug("event stream connection closed", metadata: ["org": "\(org)", "connection": "\(id)"])
    }

    /// The seed event stream's counts for `org` (connections, subscriptions, events sent, backpressure notices).
    public func eventStreamStats(org: String) -> SimEventStreamStats { eventStream.stats(org: org) }
}
