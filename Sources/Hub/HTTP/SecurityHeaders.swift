import Hummingbird

/// Response headers that keep a browser from misusing what the bridge serves: no framing
/// (clickjacking), no MIME sniffing, no referrer (a dashboard URL may carry `?token=`), and a
/// Content-Security-Policy that lets the dashboard load only its own scripts and styles and talk only
/// to its own origin (HTTP and WebSocket).
enum SecurityHeaders {
    static let xFrameOptions = HTTPFields.Element.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!

    /// The same on every response.
    static let fixed: HTTPFields = [
        .xContentTypeOptions: "nosniff",
        xFrameOptions: "DENY",
        referrerPolicy: "no-referrer",
        .contentSecurityPolicy: contentSecurityPolicy(authority: nil),
    ]

    /// The policy for a request to `authority` (the `Host`): `connect-src` names the same host's
    /// `ws:`/`wss:` explicitly, for browsers whose `'self'` does not cover WebSocket schemes.
    static func contentSecurityPolicy(authority: String?) -> String {
        var connect = "'self'"
        if let authority, isPlainAuthority(authority) { connect += " ws://\(authority) wss://\(authority)" }
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            + "connect-src \(connect); manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// `host`, `host:port` or `[v6]:port` made of safe characters only (it is echoed into a header).
    static func isPlainAuthority(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 255
            && s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:[]".unicodeScalars.contains($0)) }
    }
}

/// Adds ``SecurityHeaders`` to every response of the router, error responses included, and
/// `Cache-Control: no-store` to `/v1/…` answers (they carry live, scoped data).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        for field in SecurityHeaders.fixed where response.headers[field.name] == nil {
            response.headers[field.name] = field.name == .contentSecurityPolicy
                ? SecurityHeaders.contentSecurityPolicy(authority: request.head.authority) : field.value
        }
        if request.uri.path.hasPrefix("/v1/"), response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
