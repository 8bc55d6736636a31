import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import SwitchboardCore

/// The HTTP application: login, platform API and `/_sim` control endpoints on one listener.
extension GenesysSimulator {
    func buildApplication() -> some ApplicationProtocol {
        let router = Router(context: SimRequestContext.self)
        router.add(middleware: SimRequestCounting(counter: requests))
        addAuthRoutes(router)
        addDirectoryRoutes(router)
        addNotificationRoutes(router)
        addAnalyticsRoutes(router)
        addDetailsRoutes(router)
        addUserDetailsRoutes(router)
        addOrganizationRoutes(router)
        addQualityRoutes(router)
        addControlRoutes(router)
        addRenameRoutes(router)
        addConversationRoutes(router)
        addSeedAudioRoutes(router)
        addEventStreamRoutes(router)
        let wsRouter = Router(context: SimRequestContext.self)
        addWebSocketRoutes(wsRouter)
        addSeedAudioWebSocketRoutes(wsRouter)
        addEventStreamWebSocketRoutes(wsRouter)
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: wsRouter,
                configuration: .init(http1: .init(additionalChannelHandlers: [self.connections.handler()]),
                                     ws: .init(maxFrameSize: options.maxFrameSize, autoPing: .disabled))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "genesys-simulator"),
            onServerRunning: { [self] channel in didStartListening(port: channel.localAddress?.port ?? options.port) },
            logger: logger)
    }

    // MARK: - OAuth

    private func addAuthRoutes(_ router: Router<SimRequestContext>) {
        router.post("/oauth/token") { [self] request, _ -> Response in
            let corr = UUID().uuidString.lowercased()
            let body = (try? await request.body.collect(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
            var form: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if kv.count == 2 { form[kv[0]] = kv[1] }
            }
            var clientID = form["client_id"], secret = form["client_secret"]
            if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("basic "),
                let data = Data(base64Encoded: String(auth.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
            {
                clientID = String(pair[..<colon])
                secret = String(pair[pair.index(after: colon)...])
            }
            guard form["grant_type"] == "client_credentials" else {
                return oauthError(400, "unsupported_grant_type", "grant_type must be client_credentials", corr)
            }
            guard let clientID, let secret, let org = orgs.first(where: {
                SimulatorOptions.clientID(for: $0.id) == clientID && SimulatorOptions.clientSecret(for: $0.id) == secret
            }) else {
                return oauthError(401, "invalid_client", "Unknown client id or wrong secret.", corr)
            }
            if let status = org.with({ $0.takeTokenFault() }) {
                switch status {
                case 401: return oauthError(401, "invalid_client", "Unknown client id or wrong secret.", corr)
                case 400: return oauthError(400, "invalid_grant", "The client is not allowed this grant.", corr)
                case 429: return oauthError(429, "too_many_requests", "Too many token requests (simulated).", corr)
                default: return oauthError(status, "server_error", "The login service is temporarily unavailable (simulated).", corr)
                }
            }
            let token = tokens.issue(org: org.id, clientID: clientID, lifetimeSeconds: options.tokenLifetime,
                                     realNow: SystemClock.realNow())
            var w = JSONWriter()
            w.object { w in
                w.field("access_token", token)
                w.field("token_type", "bearer")
                w.field("expires_in", options.tokenLifetime)
            }
            return SimHTTP.json(.ok, w.bytes, headers: [SimHTTP.correlationHeader: corr])
        }
    }

    private func oauthError(_ status: Int, _ error: String, _ description: String, _ corr: String) -> Response {
        var w = JSONWriter()
        w.object { w in
            w.field("error", error)
            w.field("error_description", description)
        }
        return SimHTTP.json(.init(code: status), w.bytes, headers: [SimHTTP.correlationHeader: corr])
    }

    // MARK: - Authenticated API plumbing

    /// What an API handler gets: the caller's org and OAuth client.
    struct Caller: Sendable {
        let org: OrgRuntime
        let clientID: String
    }

    /// Authenticates, applies injected failures and the rate limit, then runs `handler`.
    /// Every answer carries `ININ-Correlation-Id` and, once the token is known, `inin-ratelimit-*`.
    func api(_ request: Request,
             _ handler: @Sendable (Caller) async -> Result<(HTTPResponse.Status, [UInt8]), APIError>) async -> Response {
        let corr = UUID().uuidString.lowercased()
        var headers: HTTPFields = [SimHTTP.correlationHeader: corr]
        guard let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") else {
            return SimHTTP.error(.badCredentials, contextID: corr, headers: headers)
        }
        let token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let realNow = SystemClock.realNow()
        guard case .ok(let orgID, let clientID, let count, let allowed, let reset) =
            tokens.check(token, realNow: realNow, allowed: options.rateLimitPerMinute),
            let org = orgByID[orgID]
        else {
            return SimHTTP.error(.badCredentials, contextID: corr, headers: headers)
        }
        headers[SimHTTP.countHeader] = "\(count)"
        headers[SimHTTP.allowedHeader] = "\(allowed)"
        headers[SimHTTP.resetHeader] = "\(reset)"
        let method = request.method.rawValue, path = request.uri.path
        if let refused = org.with({ $0.permissionRefusal(method: method, path: path) }) {
            return SimHTTP.error(refused, contextID: corr, headers: headers)
        }
        if let injected = org.with({ $0.takeInjectedFailure() }) {
            return SimHTTP.error(injected, contextID: corr, headers: headers)
        }
        if count > allowed {
            let e = APIError(status: 429, code: "too.many.requests.retry.after",
                             message: "Rate limit exceeded the maximum. Retry the request in [\(reset)] seconds",
                             headers: [("Retry-After", "\(reset)")])
            return SimHTTP.error(e, contextID: corr, headers: headers)
        }
        switch await handler(Caller(org: org, clientID: clientID)) {
        case .success(let (status, bytes)):
            if status == .noContent || request.method == .head {
                return Response(status: status, headers: headers)
            }
            return SimHTTP.json(status, bytes, headers: headers)
        case .failure(let e):
            return SimHTTP.error(e, contextID: corr, headers: headers)
        }
    }

    /// Advances the caller's org model to the clock's now, then runs `body` under its lock.
    func current<R: Sendable>(_ org: OrgRuntime, _ body: (OrgState) -> R) -> R {
        let now = clock.now()
        return org.with { s in
            s.model.advance(to: now)
            return body(s)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async -> Result<T, APIError> {
        guard let buffer = try? await request.body.collect(upTo: 512_000) else {
            return .failure(APIError(status: 413, code: "request.entity.too.large", message: "The body exceeds 512000 bytes."))
        }
        do {
            return .success(try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)))
        } catch {
            return .failure(.badRequest("The request body could not be read: \(error)"))
        }
    }

    // MARK: - Notifications

    private func addNotificationRoutes(_ router: Router<SimRequestContext>) {
        let ttl = Self.millis(options.channelTTL)
        router.post("/api/v2/notifications/channels") { [self] request, _ in
            await api(request) { [self] caller in
                let base = baseURL
                let bytes = caller.org.with { s -> [UInt8] in
                    let ch = s.createChannel(clientID: caller.clientID, realNow: SystemClock.realNow(), ttl: ttl, base: base)
                    var w = JSONWriter()
                    OrgState.channelJSON(ch, into: &w)
                    return w.bytes
                }
                return .success((.ok, bytes))
            }
        }
        router.get("/api/v2/notifications/channels") { [self] request, _ in
            await api(request) { caller in
                let bytes = caller.org.with { s -> [UInt8] in
                    let now = SystemClock.realNow()
                    var w = JSONWriter()
                    w.object { w in
                        w.array("entities") { w in
                            for ch in s.channels.values.sorted(by: { $0.created < $1.created })
                            where ch.clientID == caller.clientID && ch.expires > now {
                                OrgState.channelJSON(ch, into: &w)
                            }
                        }
                    }
                    return w.bytes
                }
                return .success((.ok, bytes))
            }
        }
        router.head("/api/v2/notifications/channels/:id") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            return await api(request) { caller in
                let live = caller.org.with { $0.liveChannel(id, realNow: SystemClock.realNow()) != nil }
                return live ? .success((.ok, [])) : .failure(.notFound("Channel \(id) does not exist or has expired."))
            }
        }
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/api/v2/notifications/channels/:id/subscriptions", method: method) { [self] request, context in
                let id = context.parameters.get("id") ?? ""
                let ignore = request.uri.queryParameters.get("ignoreErrors") == "true"
                let decoded = await Self.decode([TopicRef].self, request)
                return await api(request) { caller in
                    guard case .success(let refs) = decoded else {
                        if case .failure(let e) = decoded { return .failure(e) }
                        return .failure(.badRequest("bad body"))
                    }
                    return caller.org.result { s throws(APIError) in
                        try s.subscribe(id, topics: refs.map(\.id), replace: method == .put, ignoreErrors: ignore,
                                        realNow: SystemClock.realNow(), ttl: ttl)
                    }.map { (.ok, $0) }
                }
            }
        }
        router.get("/api/v2/notifications/channels/:id/subscriptions") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            return await api(request) { caller in
                caller.org.result { s throws(APIError) in try s.subscriptions(id, realNow: SystemClock.realNow()) }
                    .map { (.ok, $0) }
            }
        }
        router.delete("/api/v2/notifications/channels/:id/subscriptions") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            return await api(request) { caller in
                caller.org.result { s throws(APIError) in try s.deleteSubscriptions(id, realNow: SystemClock.realNow()) }
                    .map { (.noContent, []) }
            }
        }
    }

    struct TopicRef: Decodable, Sendable {
        let id: String
    }
}
