import Hummingbird
import NIOHTTP1
import SwitchboardConfig

/// Whether the page that asks for a stream may have one (`server.allowedOrigins`, docs/security.md).
///
/// Browsers send `Origin` with every WebSocket handshake and, unlike `fetch`, do not apply the
/// same-origin policy to WebSockets, so any page a user visits could open a stream to the bridge. A
/// request is allowed when it has no `Origin` (non-browser clients: scripts, websocat, services), or
/// a `ws:`/`wss:` one (no browser sends that; swift-websocket's client sends its own URL's), when its
/// origin names the server its `Host` names (the bridge's own dashboard), when the list holds `*`, or
/// when the list holds the origin. Anything else — another site, the opaque origin `null`, an
/// extension's origin, more than one `Origin` — is refused with `403` before the upgrade. (Only
/// browsers are held to this: any other client can send whatever `Origin` it likes.)
enum OriginCheck {
    enum Verdict: Equatable, Sendable {
        case allowed
        /// The `Origin` value as sent (for the answer and the log).
        case refused(String)
    }

    static func verdict(origins: [String], host: String?, allowed: [AllowedOrigin]) -> Verdict {
        guard let sent = origins.first else { return .allowed }
        guard origins.count == 1 else { return .refused(origins.joined(separator: ", ")) }
        if allowed.contains(.any) { return .allowed }
        let lower = sent.lowercased()
        if lower.hasPrefix("ws://") || lower.hasPrefix("wss://") { return .allowed }
        guard let origin = WebOrigin(parsing: sent) else { return .refused(sent) }
        if let host, origin.isSameServer(asHost: host) { return .allowed }
        return allowed.contains(.origin(origin)) ? .allowed : .refused(sent)
    }
}

/// What stream admission reads from a request: the token, the `Origin` header(s) and `Host`.
struct StreamRequestFacts: Sendable {
    var token: String?
    var origins: [String]
    var host: String?

    init(token: String?, origins: [String], host: String?) {
        self.token = token
        self.origins = origins
        self.host = host
    }

    /// From a raw request head (the ConnectionGate decides before Hummingbird parses the request).
    init(_ head: HTTPRequestHead) {
        self.init(token: BridgeRoutes.token(head), origins: head.headers["origin"],
                  host: head.headers.first(name: "host"))
    }

    init(_ request: Request) {
        self.init(token: BridgeRoutes.token(request), origins: request.headers[values: .origin],
                  host: request.head.authority)
    }
}
