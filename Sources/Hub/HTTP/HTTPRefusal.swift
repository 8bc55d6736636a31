import Hummingbird
import Logging

/// Why a request or a stream upgrade is refused, and the answer: `401` with a `WWW-Authenticate: Bearer`
/// challenge (RFC 6750) for a missing or invalid credential, `403` with `error="insufficient_scope"` for
/// a valid one that does not cover what is asked, `503` with `Retry-After` when the stream is full.
enum HTTPRefusal: Error, Sendable, Equatable {
    case unauthenticated(HubAuthFailure)
    /// `scope`: what would have been needed (e.g. `org:us`), nil when any scope would do.
    case insufficientScope(scope: String?, message: String)
    /// `server.maxConnections` stream connections are open.
    case full
    /// A stream asked for by a page whose origin `server.allowedOrigins` does not allow (the `Origin` as sent).
    case originNotAllowed(String)

    /// Seconds a client is asked to wait after a `503`.
    static let retryAfterSeconds = 5
    static let realm = "switchboard"

    var status: HTTPResponse.Status {
        switch self {
        case .unauthenticated: .unauthorized
        case .insufficientScope, .originNotAllowed: .forbidden
        case .full: .serviceUnavailable
        }
    }

    var response: Response {
        var headers = BridgeRoutes.json
        let code: String, message: String
        switch self {
        case .unauthenticated(.missing):
            headers[.wwwAuthenticate] = "Bearer realm=\"\(Self.realm)\""
            (code, message) = ("unauthorized", "a bearer token is required: 'Authorization: Bearer <token>' or '?access_token=<token>'")
        case .unauthenticated(let failure):
            headers[.wwwAuthenticate] = "Bearer realm=\"\(Self.realm)\", error=\"invalid_token\", "
                + "error_description=\"\(failure.reason)\""
            (code, message) = (failure.code, "\(failure.reason); present a valid token")
        case .insufficientScope(let scope, let text):
            headers[.wwwAuthenticate] = "Bearer realm=\"\(Self.realm)\", error=\"insufficient_scope\""
                + (scope.map { ", scope=\"\($0)\"" } ?? "")
            (code, message) = ("forbidden", text)
        case .full:
            headers[.retryAfter] = String(Self.retryAfterSeconds)
            (code, message) = ("limit", "too many stream connections (server.maxConnections); retry later")
        case .originNotAllowed:
            (code, message) = ("forbidden-origin",
                               "pages from this origin may not open a stream; the bridge's operator can allow it in server.allowedOrigins")
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: HubFrame.error(code, message)))
    }

    /// Logs a credential refusal at `notice` (reason, path, peer; never the token) and counts it.
    func record(path: String, remote: String, metrics: HubMetrics, logger: Logger) {
        switch self {
        case .unauthenticated(let failure):
            metrics.authRefused(status: 401)
            logger.notice("authentication failed", metadata: ["reason": "\(failure.reason)", "path": "\(path)",
                                                              "remote": "\(remote)"])
        case .insufficientScope(let scope, _):
            metrics.authRefused(status: 403)
            logger.notice("access denied: the token's scopes do not cover the request",
                          metadata: ["needs": "\(scope ?? "any scope")", "path": "\(path)", "remote": "\(remote)"])
        case .full:
            metrics.rejectedConnections.increment()
        case .originNotAllowed(let origin):
            metrics.originRefused()
            logger.notice("stream refused: origin not allowed",
                          metadata: ["origin": "\(origin.prefix(200))", "path": "\(path)", "remote": "\(remote)"])
        }
    }
}

/// Authenticates every `/v1/…` request before its route runs: a request without a valid token gets
/// `401` whatever else it asks; otherwise ``HubRequestContext/principal`` is set for the route, which
/// checks the scopes it needs.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let hub: StreamHub

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // The stream route decides its own admission, in the gate's order: origin, token, scope, capacity.
        // EventBridge deliveries carry the org's key in x-api-key, checked by their route (JourneysEndpoint).
        guard request.uri.path.hasPrefix("/v1/"), request.uri.path != "/v1/stream",
              !request.uri.path.hasPrefix("/v1/ingest/") else {
            return try await next(request, context)
        }
        switch await hub.authenticator.authenticate(BridgeRoutes.token(request)) {
        case .failure(let failure):
            let refusal = HTTPRefusal.unauthenticated(failure)
            refusal.record(path: request.uri.path, remote: BridgeRoutes.remote(context), metrics: hub.metrics,
                           logger: context.logger)
            return refusal.response
        case .success(let principal):
            var context = context
            context.principal = principal
            return try await next(request, context)
        }
    }
}
